import { randomBytes } from "node:crypto";
import { type Address, getAddress, type LocalAccount } from "viem";
import type { OutboundClient } from "../net";
import { requestBatchProofs } from "./batch-proofs";
import { type Finding, finding } from "./findings";
import type { AuditedBatch, AuditModel } from "./model";
import type { AuditProgress } from "./progress";
import type { ProofRequestDomain } from "./proof-request";

export interface SpotCheckOptions {
  /** The AUDITOR key that signs the requests. */
  auditor: LocalAccount;
  domain: ProofRequestDomain;
  /** Base URL of each member's node (the referrer of a batch is asked for its proofs). */
  nodeUrls: Record<Address, string>;
  /** Receipts sampled per batch (k); all of them when the batch is smaller. */
  samplesPerBatch?: number;
  /**
   * Uniform random integer in [0, n) (n up to 2^64): the sample must be the auditor's choice,
   * never the node's. Default: from the system's CSPRNG.
   */
  randomIndex?: (n: bigint) => bigint;
  timeoutMs?: number;
  /**
   * How member nodes are reached (address policy, body cap, idle timeout); default: public
   * addresses only (see src/net/outbound-client.ts).
   */
  outbound?: OutboundClient;
  /** Requests in flight at once. */
  concurrency?: number;
  /** Unix seconds (request expiry is counted from it). */
  now?: () => bigint;
  onProgress?: (progress: AuditProgress) => void;
}

/** How one batch's sample went. */
export interface BatchProofCheck {
  agreementId: bigint;
  flow: bigint;
  epoch: bigint;
  referrer: Address;
  requested: number;
  verified: number;
  /**
   * `unprovable`: a sampled position is beyond what a proof request can name (uint32), so the
   * batch's count cannot be backed by receipts anyone can ask for; `failed`: checking this batch
   * threw (reported as a finding; the other batches are checked all the same).
   */
  outcome: "verified" | "invalid" | "unreachable" | "refused" | "no-node" | "unprovable" | "failed";
}

/** The largest receipt position a proof request can name (`indices` are uint32 in ProofRequest). */
export const MAX_PROOF_POSITION = 2n ** 32n - 1n;

/**
 * Spot-checks the receipts behind the batches: for each batch, asks its referrer's member node for
 * k receipt proofs at random positions (signed as AUDITOR) and verifies each against the root
 * committed on chain. A wrong proof, or a click id that shows up in two batches (the same receipt
 * paid twice, e.g. replayed in a later epoch), is a violation; a node that cannot be reached or
 * refuses is an anomaly — never a crash. Only an answer that parses as the protocol's message is
 * judged: a slow, oversized or malformed one counts as unreachable, never as fraud.
 *
 * One pass asks each node once before it asks it again: the first batch of a referrer probes its
 * node alone, and when that (or any later request) finds it unreachable, the referrer's
 * remaining batches are not asked in this pass (a silent node costs one timeout, not one per
 * batch).
 *
 * @example
 * const { findings } = await spotCheckProofs(model, { auditor, domain: { chainId, settlement }, nodeUrls });
 */
export async function spotCheckProofs(
  model: AuditModel,
  options: SpotCheckOptions,
): Promise<{ findings: Finding[]; checks: BatchProofCheck[] }> {
  const k = options.samplesPerBatch ?? 3;
  const draw = options.randomIndex ?? randomBelow;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const nodeUrls = new Map(
    Object.entries(options.nodeUrls).map(([m, url]) => [m.toLowerCase(), url.replace(/\/$/, "")]),
  );
  const findings: Finding[] = [];
  const checks: BatchProofCheck[] = [];
  const unreachable = new Map<string, { batches: string[]; error: string }>();
  const unknown = new Map<string, number>();
  const seenClicks = new Map<string, { batch: AuditedBatch; index: number }>();
  const batches = model.batches.filter((b) => b.count > 0n);
  let done = 0;
  /** Per referrer: its node's first answer (true: reachable), which its other batches wait for. */
  const probes = new Map<string, Promise<boolean>>();
  /** Referrers whose node was unreachable in this pass: not asked again. */
  const down = new Set<string>();

  const markUnreachable = (batch: AuditedBatch, indices: number, error: string) => {
    const entry = unreachable.get(batch.referrer) ?? { batches: [], error };
    entry.batches.push(`${batch.agreementId}/${batch.flow}/${batch.epoch}`);
    unreachable.set(batch.referrer, entry);
    checks.push({
      agreementId: batch.agreementId,
      flow: batch.flow,
      epoch: batch.epoch,
      referrer: batch.referrer,
      requested: indices,
      verified: 0,
      outcome: "unreachable",
    });
  };

  const checkBatch = async (batch: AuditedBatch): Promise<void> => {
    const label = `batch (agreement ${batch.agreementId}, flow ${batch.flow}, epoch ${batch.epoch})`;
    const base: Omit<BatchProofCheck, "requested" | "verified" | "outcome"> = {
      agreementId: batch.agreementId,
      flow: batch.flow,
      epoch: batch.epoch,
      referrer: batch.referrer,
    };
    const url = nodeUrls.get(batch.referrer.toLowerCase());
    if (!url) {
      unknown.set(batch.referrer, (unknown.get(batch.referrer) ?? 0) + 1);
      checks.push({ ...base, requested: 0, verified: 0, outcome: "no-node" });
      return;
    }
    const positions = sample(batch.count, k, draw);
    const beyond = positions.filter((p) => p > MAX_PROOF_POSITION);
    if (beyond.length > 0) {
      findings.push(
        finding(
          "proof-count-unprovable",
          `${label}: it counts ${batch.count} referrals, but receipt positions past ${MAX_PROOF_POSITION} cannot be named in a proof request, so the sampled receipts ${beyond.slice(0, 3).join(", ")}${beyond.length > 3 ? " …" : ""} cannot be checked`,
          {
            referrer: batch.referrer,
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            count: batch.count,
            sampled: positions.map(String),
          },
          batch.transactions,
        ),
      );
      checks.push({ ...base, requested: 0, verified: 0, outcome: "unprovable" });
      return;
    }
    const indices = positions.map(Number);
    const node = batch.referrer.toLowerCase();
    const probe = probes.get(node);
    if (probe) await probe;
    if (down.has(node)) {
      markUnreachable(batch, 0, unreachable.get(batch.referrer)?.error ?? "unreachable");
      return;
    }
    let reachable!: (up: boolean) => void;
    if (!probe) probes.set(node, new Promise<boolean>((resolve) => (reachable = resolve)));
    const answer = await requestBatchProofs(batch, indices, {
      auditor: options.auditor,
      domain: options.domain,
      url,
      timeoutMs,
      now,
      outbound: options.outbound,
    }).catch((error: Error) => ({ kind: "unreachable" as const, error: error.message.split("\n")[0] }));
    if (answer.kind === "unreachable") down.add(node);
    if (!probe) reachable(answer.kind !== "unreachable");
    if (answer.kind === "unreachable") {
      markUnreachable(batch, indices.length, answer.error);
      return;
    }
    if (answer.kind === "refused") {
      findings.push(
        finding(
          "proof-node-refused",
          `${label}: the node of ${batch.referrer} answered ${answer.status}${answer.answer ? ` (${answer.answer})` : ""} to a signed AUDITOR proof request`,
          {
            referrer: batch.referrer,
            node: url,
            status: answer.status,
            answer: answer.answer,
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
          },
          batch.transactions,
        ),
      );
      checks.push({ ...base, requested: indices.length, verified: 0, outcome: "refused" });
      return;
    }
    const { problems } = answer;
    for (const { index, clickId } of answer.proven) {
      const click = clickId.toLowerCase();
      const earlier = seenClicks.get(click);
      if (earlier) {
        // Name the batches in chain order whichever answer came back first.
        const [first, second] = [earlier.batch, batch].sort(compareBatches);
        findings.push(
          finding(
            "receipt-duplicate-across-epochs",
            `click ${clickId} is a receipt of two batches (agreement ${first.agreementId} flow ${first.flow} epoch ${first.epoch}, and agreement ${second.agreementId} flow ${second.flow} epoch ${second.epoch}): it was paid twice`,
            {
              clickId,
              referrer: batch.referrer,
              firstBatch: `${first.agreementId}/${first.flow}/${first.epoch}`,
              secondBatch: `${second.agreementId}/${second.flow}/${second.epoch}`,
            },
            [...first.transactions, ...second.transactions],
          ),
        );
      } else {
        seenClicks.set(click, { batch, index });
      }
    }
    if (problems.length > 0) {
      findings.push(
        finding(
          "proof-invalid",
          `${label}: the node of ${batch.referrer} served proofs that do not match the batch on chain: ${problems.slice(0, 3).join("; ")}${problems.length > 3 ? ` (+${problems.length - 3} more)` : ""}`,
          {
            referrer: batch.referrer,
            node: url,
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            root: batch.root,
            requested: indices,
            problems,
          },
          batch.transactions,
        ),
      );
    }
    checks.push({
      ...base,
      requested: indices.length,
      verified: answer.proven.length,
      outcome: problems.length > 0 ? "invalid" : "verified",
    });
  };

  const concurrency = options.concurrency ?? 8;
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, batches.length) }, async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        try {
          await checkBatch(batch);
        } catch (error) {
          // One batch that cannot be checked is one finding, never a failed audit.
          findings.push(
            finding(
              "proof-check-failed",
              `batch (agreement ${batch.agreementId}, flow ${batch.flow}, epoch ${batch.epoch}): its proofs could not be checked: ${(error as Error)?.message ?? String(error)}`,
              {
                referrer: batch.referrer,
                agreementId: batch.agreementId,
                flow: batch.flow,
                epoch: batch.epoch,
              },
              batch.transactions,
            ),
          );
          checks.push({
            agreementId: batch.agreementId,
            flow: batch.flow,
            epoch: batch.epoch,
            referrer: batch.referrer,
            requested: 0,
            verified: 0,
            outcome: "failed",
          });
        }
        options.onProgress?.({ phase: "proofs", done: ++done, total: batches.length });
      }
    }),
  );

  for (const [referrer, { batches: keys, error }] of unreachable) {
    findings.push(
      finding(
        "proof-node-unreachable",
        `the node of ${referrer} could not be reached for ${keys.length} batch proof request(s): ${error}`,
        { referrer, node: nodeUrls.get(referrer.toLowerCase()) ?? "", batches: keys.slice(0, 20), error },
      ),
    );
  }
  for (const [referrer, n] of unknown) {
    findings.push(
      finding(
        "proof-node-unknown",
        `no node URL is known for ${getAddress(referrer)}: ${n} batch(es) not spot-checked (pass its node URL)`,
        { referrer: getAddress(referrer), batches: n },
      ),
    );
  }
  return { findings, checks };
}

/** `k` distinct positions in [0, n), drawn with `draw` (all of them when n ≤ k), ascending. */
export function sample(n: bigint, k: number, draw: (n: bigint) => bigint): bigint[] {
  if (n <= BigInt(k)) return Array.from({ length: Number(n) }, (_, i) => BigInt(i));
  const chosen = new Set<bigint>();
  while (chosen.size < k) chosen.add(draw(n));
  return [...chosen].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A uniform random integer in [0, n) for any n ≥ 1, from the CSPRNG (rejection sampling). */
export function randomBelow(n: bigint): bigint {
  if (n <= 0n) throw new RangeError(`no integer below ${n}`);
  const bits = (n - 1n).toString(2).length;
  const bytes = Math.ceil(bits / 8);
  const mask = (1n << BigInt(bits)) - 1n;
  for (;;) {
    const candidate = BigInt(`0x${randomBytes(bytes).toString("hex")}`) & mask;
    if (candidate < n) return candidate;
  }
}

function compareBatches(a: AuditedBatch, b: AuditedBatch): number {
  const order = (x: bigint, y: bigint) => (x < y ? -1 : x > y ? 1 : 0);
  return order(a.agreementId, b.agreementId) || order(a.flow, b.flow) || order(a.epoch, b.epoch);
}
