import type { Address, PublicClient } from "viem";
import { agreementBookAbi } from "../abi/contracts";

/** `AgreementStatus` of contracts/types/AgreementTypes.sol, by index. */
export const AGREEMENT_STATUS_NAMES = [
  "None",
  "Proposed",
  "Active",
  "Rejected",
  "Expired",
  "Terminated",
] as const;
export type AgreementStatusName = (typeof AGREEMENT_STATUS_NAMES)[number];

/** One flow of an agreement, as AgreementBook stores it (addresses lower-case). */
export interface FlowTerms {
  from: Address;
  to: Address;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

/** What a member node needs to know of an agreement to track and settle its referrals. */
export interface AgreementTerms {
  agreementId: bigint;
  status: AgreementStatusName;
  parties: Address[];
  flows: FlowTerms[];
  /** Unix seconds; epoch e covers [start + e*epochLength, start + (e+1)*epochLength). */
  start: bigint;
  end: bigint;
  epochLength: bigint;
  /** Epochs that can still settle: all of them while Active, fewer after a termination. */
  settleableEpochs: bigint;
}

/**
 * Where a member node learns agreements. `get` may read the chain; `peek` answers from memory
 * only (the tracking hot path uses it and falls back to `get` on a miss).
 */
export interface AgreementDirectory {
  get(agreementId: bigint): Promise<AgreementTerms | undefined>;
  peek(agreementId: bigint): AgreementTerms | undefined;
}

/**
 * The epoch running at `now` (unix seconds), or undefined outside the agreement's schedule or
 * past its last settleable epoch.
 */
export function epochAt(terms: AgreementTerms, now: bigint): bigint | undefined {
  if (now < terms.start || now >= terms.end) return undefined;
  const epoch = (now - terms.start) / terms.epochLength;
  return epoch < terms.settleableEpochs ? epoch : undefined;
}

/** End (exclusive, unix seconds) of `epoch`. */
export function epochEndOf(terms: AgreementTerms, epoch: bigint): bigint {
  return terms.start + (epoch + 1n) * terms.epochLength;
}

/** Whether referrals of this agreement count: Active, or Terminated but still in its notice. */
export function isSettling(terms: AgreementTerms): boolean {
  return terms.status === "Active" || (terms.status === "Terminated" && terms.settleableEpochs > 0n);
}

/**
 * A fixed set of agreements (benchmarks, and tests of what does not touch the chain). The node
 * in production uses `createChainAgreementDirectory`.
 */
export function createStaticAgreementDirectory(agreements: readonly AgreementTerms[]): AgreementDirectory {
  const byId = new Map(agreements.map((a) => [a.agreementId, a]));
  return {
    peek: (agreementId) => byId.get(agreementId),
    get: async (agreementId) => byId.get(agreementId),
  };
}

export interface ChainAgreementDirectoryOptions {
  publicClient: PublicClient;
  agreementBook: Address;
  /** How long a status read stays fresh, in ms (terms never change once proposed). */
  statusTtlMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Agreements read from the AgreementBook contract. Terms (parties, flows, schedule) are
 * immutable once proposed and cached forever; the status and the settleable epochs are re-read
 * after `statusTtlMs`, in the background, so a tracking request never waits on the RPC twice.
 *
 * @example
 * const agreements = createChainAgreementDirectory({ publicClient, agreementBook: deployment.contracts.AgreementBook });
 * const terms = await agreements.get(7n);
 */
export function createChainAgreementDirectory({
  publicClient,
  agreementBook,
  statusTtlMs = 5_000,
  now = Date.now,
}: ChainAgreementDirectoryOptions): AgreementDirectory {
  const cache = new Map<bigint, { terms: AgreementTerms; readAt: number }>();
  // Unknown ids are remembered too, so a flood of made-up ids costs one RPC read each per TTL.
  const unknown = new Map<bigint, number>();
  const inflight = new Map<bigint, Promise<AgreementTerms | undefined>>();
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({
      address: agreementBook,
      abi: agreementBookAbi,
      functionName,
      args,
    } as never) as Promise<T>;

  async function load(agreementId: bigint): Promise<AgreementTerms | undefined> {
    const known = cache.get(agreementId);
    const [statusIndex, settleableEpochs] = await Promise.all([
      read<number>("agreementStatus", [agreementId]),
      read<bigint>("settleableEpochs", [agreementId]),
    ]);
    const status = AGREEMENT_STATUS_NAMES[statusIndex] ?? "None";
    if (status === "None") {
      if (unknown.size > 100_000) unknown.clear();
      unknown.set(agreementId, now());
      return undefined;
    }
    let terms: AgreementTerms;
    if (known) terms = { ...known.terms, status, settleableEpochs };
    else {
      const [parties, flows, [schedule]] = await Promise.all([
        read<readonly Address[]>("parties", [agreementId]),
        read<readonly FlowTerms[]>("flows", [agreementId]),
        read<readonly [{ start: bigint; end: bigint; epochLength: bigint }, bigint]>("schedule", [
          agreementId,
        ]),
      ]);
      terms = {
        agreementId,
        status,
        parties: parties.map((p) => p.toLowerCase() as Address),
        flows: flows.map((f) => ({
          from: f.from.toLowerCase() as Address,
          to: f.to.toLowerCase() as Address,
          segments: f.segments,
          capPerEpoch: BigInt(f.capPerEpoch),
          rate: BigInt(f.rate),
        })),
        start: BigInt(schedule.start),
        end: BigInt(schedule.end),
        epochLength: BigInt(schedule.epochLength),
        settleableEpochs,
      };
    }
    cache.set(agreementId, { terms, readAt: now() });
    return terms;
  }

  function refresh(agreementId: bigint): Promise<AgreementTerms | undefined> {
    let pending = inflight.get(agreementId);
    if (!pending) {
      pending = load(agreementId).finally(() => inflight.delete(agreementId));
      inflight.set(agreementId, pending);
    }
    return pending;
  }

  return {
    peek(agreementId) {
      const hit = cache.get(agreementId);
      if (!hit) return undefined;
      if (now() - hit.readAt > statusTtlMs) refresh(agreementId).catch(() => {});
      return hit.terms;
    },
    async get(agreementId) {
      const hit = cache.get(agreementId);
      if (hit && now() - hit.readAt <= statusTtlMs) return hit.terms;
      const missedAt = unknown.get(agreementId);
      if (missedAt !== undefined && now() - missedAt <= statusTtlMs) return undefined;
      return refresh(agreementId);
    },
  };
}
