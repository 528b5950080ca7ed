import { type Address, type Hash, type LocalAccount, type PublicClient, parseEventLogs } from "viem";
import { settlementAbi } from "../abi/contracts";
import { type AuditorWallet, createAuditorWallet } from "./auditor-wallet";
import type { AuditModel } from "./model";

export interface ResolveDisputesOptions {
  publicClient: PublicClient;
  rpcUrl: string;
  /** The key that sends `upholdDispute` (any key may; the demo's auditor uses its AUDITOR key). */
  auditor: LocalAccount;
  /** The Settlement contract. */
  settlement: Address;
}

/** What the auditor did with one disputed batch. */
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
  /** When the answer window closes (chain time): until then the referrer may show a higher acknowledgement. */
  answerEnds?: bigint;
  /**
   * `upheld`: `Settlement.upholdDispute` mined — nobody showed an acknowledgement above the
   * recipient's count, which stands, and the bond returns to it; `open`: the answer window is still
   * open; `failed`: the transaction reverted (`reason`).
   */
  outcome: "upheld" | "open" | "failed";
  transactionHash?: Hash;
  reason?: string;
}

/**
 * Closes every dispute of `model` whose answer window has passed on the chain's clock.
 *
 * The rule (ISettlement): only the recipient's signature is evidence of an arrival. A dispute is
 * answered by the referrer (or an independent auditor) showing an acknowledgement above the
 * recipient's count (`Settlement.resolve`); the referrer's node does that itself from the
 * acknowledgements it holds. The auditor never judges on the referrer's own data (its Merkle root
 * proves which clicks it sent, not that anyone arrived): a dispute nobody answered in time is upheld
 * (`upholdDispute`) — the recipient's count stands, the unproven excess never settles, the bond goes
 * back to the recipient.
 *
 * @example
 * const resolutions = await resolveDisputes(model, { publicClient, rpcUrl, auditor, settlement });
 */
export async function resolveDisputes(
  model: AuditModel,
  options: ResolveDisputesOptions,
): Promise<DisputeResolution[]> {
  const open = model.batches.filter((b) => b.status === "disputed");
  if (open.length === 0) return [];
  const chainNow = (await options.publicClient.getBlock({ blockTag: "latest" })).timestamp;
  let wallet: AuditorWallet | undefined;
  const resolutions: DisputeResolution[] = [];
  for (const batch of open) {
    const claimed = batch.cap < batch.count ? batch.cap : batch.count;
    const base = {
      agreementId: batch.agreementId,
      flow: batch.flow,
      epoch: batch.epoch,
      referrer: batch.referrer,
      recipient: batch.recipient,
      claimed,
      counterCount: batch.counterCount ?? 0n,
      answerEnds: batch.challengeEnds,
    };
    if (batch.challengeEnds === undefined || chainNow < batch.challengeEnds) {
      resolutions.push({ ...base, outcome: "open" });
      continue;
    }
    wallet ??= await createAuditorWallet(options.publicClient, options.rpcUrl, options.auditor);
    try {
      const hash = await wallet.writeContract({
        address: options.settlement,
        abi: settlementAbi,
        functionName: "upholdDispute",
        args: [batch.agreementId, batch.flow, batch.epoch],
      });
      const receipt = await options.publicClient.waitForTransactionReceipt({ hash });
      const [event] = parseEventLogs({
        abi: settlementAbi,
        logs: receipt.logs,
        eventName: "DisputeResolved",
      });
      resolutions.push(
        receipt.status === "success" && event
          ? { ...base, outcome: "upheld", transactionHash: hash }
          : { ...base, outcome: "failed", transactionHash: hash, reason: "the transaction reverted" },
      );
    } catch (cause) {
      const reason = (cause as { shortMessage?: string }).shortMessage ?? (cause as Error).message;
      resolutions.push({ ...base, outcome: "failed", reason: reason.split("\n")[0] });
    }
  }
  return resolutions;
}
