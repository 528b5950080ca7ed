import { type Address, type Hash, type LocalAccount, type PublicClient, parseEventLogs } from "viem";
import { settlementAbi } from "../abi/contracts";
import { type AuditorWallet, createAuditorWallet } from "./auditor-wallet";
import { requestBatchProofs } from "./batch-proofs";
import type { AuditedBatch, AuditModel } from "./model";
import type { ProofRequestDomain } from "./proof-request";

export interface ResolveDisputesOptions {
  publicClient: PublicClient;
  rpcUrl: string;
  /** The AUDITOR key (never a party of the disputed flow: the contract refuses one). */
  auditor: LocalAccount;
  domain: ProofRequestDomain;
  /** Base URL of each member's node: the referrer of a disputed batch is asked for its proofs. */
  nodeUrls: Record<Address, string>;
  timeoutMs?: number;
  /** Unix seconds (proof requests expire 300 s after it). */
  now?: () => bigint;
  /**
   * The referrer's time to answer, in seconds after its batch's challenge window closed. Once the
   * chain's clock is past it, a dispute whose referrer's node does not answer (unknown, down, or
   * refusing) is decided by default against the claim: the recipient's count stands and the bond
   * goes to the recipient, as when the node answers but proves nothing. Unset: a missing answer
   * never decides anything (the dispute stays open).
   */
  answerDeadlineSeconds?: bigint;
}

type DisputeBase = Pick<
  DisputeResolution,
  "agreementId" | "flow" | "epoch" | "referrer" | "recipient" | "claimed" | "counterCount"
>;

/** A resolution about to be sent. */
type Decision = DisputeResolution & { resolvedCount: bigint; disputeUpheld: boolean };

/** What the auditor decided for one disputed batch, and whether it is on chain. */
export interface DisputeResolution {
  agreementId: bigint;
  flow: bigint;
  epoch: bigint;
  referrer: Address;
  recipient: Address;
  /** The referrer's claim, capped as the contract settles it. */
  claimed: bigint;
  /** The recipient's count (already settled when it disputed). */
  counterCount: bigint;
  /** Distinct receipts the referrer's node proved into the claimed root. */
  proven: number;
  /** Decided because the referrer had not answered by its deadline (`answerDeadlineSeconds`). */
  byDefault?: boolean;
  /**
   * `resolved`: `Settlement.resolve` mined with `resolvedCount`; `unanswered`: the referrer's node
   * could not be reached or refused, so the dispute stays open for the next pass; `failed`: the
   * resolution reverted (`reason`).
   */
  outcome: "resolved" | "unanswered" | "failed";
  resolvedCount?: bigint;
  disputeUpheld?: boolean;
  transactionHash?: Hash;
  reason?: string;
}

/**
 * The auditor's judgement of every open dispute in `model`: the referrer's node is asked for the
 * proof of every receipt of its claim (signed AUDITOR requests), and what it proves into the root
 * it claimed with is what is owed: `resolvedCount` = the proven receipts, no less than the
 * recipient's own count and no more than the (capped) claim. The dispute is upheld, and its bond
 * goes to the recipient, when the referrer proves less than it claimed; otherwise the bond goes
 * to the referrer. A node that cannot answer leaves its dispute open, until its answer deadline
 * (if one is set) has passed on the chain's clock: the claim then counts as unproven. Each
 * resolution is one `Settlement.resolve` transaction, sent one at a time.
 *
 * @example
 * const resolutions = await resolveDisputes(model, { publicClient, rpcUrl, auditor, domain, nodeUrls });
 */
export async function resolveDisputes(
  model: AuditModel,
  options: ResolveDisputesOptions,
): Promise<DisputeResolution[]> {
  const now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const nodeUrls = new Map(
    Object.entries(options.nodeUrls).map(([m, url]) => [m.toLowerCase(), url.replace(/\/$/, "")]),
  );
  const open = model.batches.filter((b) => b.status === "disputed");
  const resolutions: DisputeResolution[] = [];
  let wallet: AuditorWallet | undefined;
  let chainNow: bigint | undefined;
  const pastDeadline = async (batch: AuditedBatch): Promise<boolean> => {
    if (options.answerDeadlineSeconds === undefined || batch.challengeEnds === undefined) return false;
    chainNow ??= (await options.publicClient.getBlock({ blockTag: "latest" })).timestamp;
    return chainNow >= batch.challengeEnds + options.answerDeadlineSeconds;
  };
  const submit = async (decided: Decision, batch: AuditedBatch): Promise<DisputeResolution> => {
    wallet ??= await createAuditorWallet(options.publicClient, options.rpcUrl, options.auditor);
    try {
      const hash = await wallet.writeContract({
        address: options.domain.settlement,
        abi: settlementAbi,
        functionName: "resolve",
        args: [batch.agreementId, batch.flow, batch.epoch, decided.resolvedCount, decided.disputeUpheld],
      });
      const receipt = await options.publicClient.waitForTransactionReceipt({ hash });
      const [event] = parseEventLogs({
        abi: settlementAbi,
        logs: receipt.logs,
        eventName: "DisputeResolved",
      });
      return receipt.status === "success" && event
        ? { ...decided, outcome: "resolved", transactionHash: hash }
        : { ...decided, outcome: "failed", transactionHash: hash, reason: "the transaction reverted" };
    } catch (cause) {
      const reason = (cause as { shortMessage?: string }).shortMessage ?? (cause as Error).message;
      return { ...decided, outcome: "failed", reason: reason.split("\n")[0] };
    }
  };
  // No answer: open until the deadline, then the recipient's count stands.
  const unanswered = async (base: DisputeBase, batch: AuditedBatch, reason: string) =>
    (await pastDeadline(batch))
      ? submit(
          {
            ...base,
            proven: 0,
            outcome: "unanswered",
            reason,
            byDefault: true,
            resolvedCount: base.counterCount,
            disputeUpheld: true,
          },
          batch,
        )
      : ({ ...base, proven: 0, outcome: "unanswered", reason } satisfies DisputeResolution);
  for (const batch of open) {
    // What the contract settles of the claim: its count, at most the flow's cap (bigints: no Math.min).
    let claimed = batch.count;
    if (batch.cap < claimed) claimed = batch.cap;
    const counterCount = batch.counterCount ?? 0n;
    const base: DisputeBase = {
      agreementId: batch.agreementId,
      flow: batch.flow,
      epoch: batch.epoch,
      referrer: batch.referrer,
      recipient: batch.recipient,
      claimed,
      counterCount,
    };
    const url = nodeUrls.get(batch.referrer.toLowerCase());
    if (!url) {
      resolutions.push(await unanswered(base, batch, "no node URL is known for the referrer"));
      continue;
    }
    const answer = await requestBatchProofs(batch, allPositions(batch), {
      auditor: options.auditor,
      domain: options.domain,
      url,
      timeoutMs: options.timeoutMs ?? 10_000,
      now,
    });
    if (answer.kind !== "answered") {
      const reason =
        answer.kind === "unreachable"
          ? `the referrer's node could not be reached: ${answer.error}`
          : `the referrer's node answered ${answer.status}: ${answer.answer}`;
      resolutions.push(await unanswered(base, batch, reason));
      continue;
    }
    const proven = BigInt(answer.proven.length);
    const resolvedCount = proven < counterCount ? counterCount : proven > claimed ? claimed : proven;
    const disputeUpheld = proven < claimed;
    resolutions.push(
      await submit(
        { ...base, proven: answer.proven.length, outcome: "resolved", resolvedCount, disputeUpheld },
        batch,
      ),
    );
  }
  return resolutions;
}

/** Every position of the claim: the auditor needs all of them to know what is owed. */
function allPositions(batch: AuditedBatch): number[] {
  return Array.from({ length: Number(batch.count) }, (_, i) => i);
}
