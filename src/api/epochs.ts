import type { ExactInteger } from "./format";

/**
 * Where each epoch of an agreement stands, from the agreement's schedule and the batches indexed
 * for it. Pure, so it is tested without a store.
 */

export type FlowEpochState = "settled" | "pending" | "disputed" | "missing" | "open";

export interface EpochSchedule {
  startTime: number;
  endTime: number;
  epochLength: number;
  /** Terminated agreements stop at their effective time. */
  terminationEffectiveAt: number | null;
}

export interface StoredBatch {
  flowIndex: number;
  epoch: number;
  status: string;
  count: ExactInteger;
  settledCount: ExactInteger | null;
  amount: string | null;
  cosigned: boolean;
}

export interface FlowEpoch {
  flow: number;
  state: FlowEpochState;
  batchStatus: string | null;
  count: ExactInteger | null;
  settledCount: ExactInteger | null;
  amount: string | null;
  cosigned: boolean | null;
}

export interface AgreementEpoch {
  epoch: number;
  start: number;
  end: number;
  state: FlowEpochState;
  flows: FlowEpoch[];
}

/** Batch statuses after which a batch is final (`ISettlement.BatchStatus`). */
export const FINAL_BATCH_STATUSES = ["committed", "finalised", "resolved"] as const;

/** The schedule as the chain has it (uint64 values), for exact arithmetic. */
export interface ExactSchedule {
  startTime: bigint;
  endTime: bigint;
  epochLength: bigint;
  terminationEffectiveAt: bigint | null;
}

/** Epochs between start and end (or the termination's effective time), exactly. */
export function exactEpochCount(s: ExactSchedule): bigint {
  const end =
    s.terminationEffectiveAt !== null && s.terminationEffectiveAt < s.endTime
      ? s.terminationEffectiveAt
      : s.endTime;
  if (s.epochLength <= 0n || end <= s.startTime) return 0n;
  return (end - s.startTime + s.epochLength - 1n) / s.epochLength;
}

export function epochCount(s: EpochSchedule): number {
  return Number(
    exactEpochCount({
      startTime: BigInt(s.startTime),
      endTime: BigInt(s.endTime),
      epochLength: BigInt(s.epochLength),
      terminationEffectiveAt: s.terminationEffectiveAt === null ? null : BigInt(s.terminationEffectiveAt),
    }),
  );
}

/** The epoch running at `now`, or null before the start or after the end. */
export function currentEpoch(s: EpochSchedule, now: number): number | null {
  if (s.epochLength <= 0 || now < s.startTime) return null;
  const e = Math.floor((now - s.startTime) / s.epochLength);
  return e < epochCount(s) ? e : null;
}

export function flowEpochState(
  batch: StoredBatch | undefined,
  epochEnd: number,
  now: number,
  submissionWindowSeconds: number,
): FlowEpochState {
  if (batch) {
    if ((FINAL_BATCH_STATUSES as readonly string[]).includes(batch.status)) return "settled";
    if (batch.status === "disputed") return "disputed";
    return "pending";
  }
  if (now < epochEnd) return "open";
  // Batches are accepted until the submission window after the epoch's end closes.
  return now < epochEnd + submissionWindowSeconds ? "pending" : "missing";
}

const SEVERITY: readonly FlowEpochState[] = ["disputed", "missing", "pending", "open", "settled"];

/**
 * The most recent `limit` epochs that have started (newest first), each with every flow's state.
 * An epoch's own state is its worst flow's: disputed, then missing, pending, open, settled.
 */
export function agreementEpochs(
  schedule: EpochSchedule,
  flowCount: number,
  batches: readonly StoredBatch[],
  now: number,
  submissionWindowSeconds: number,
  limit: number,
): AgreementEpoch[] {
  const total = epochCount(schedule);
  if (total === 0 || now < schedule.startTime) return [];
  const started = Math.min(total, Math.floor((now - schedule.startTime) / schedule.epochLength) + 1);
  const byKey = new Map(batches.map((b) => [`${b.flowIndex}:${b.epoch}`, b]));
  const epochs: AgreementEpoch[] = [];
  for (let e = started - 1; e >= 0 && epochs.length < limit; e--) {
    const start = schedule.startTime + e * schedule.epochLength;
    const end = start + schedule.epochLength;
    const flows: FlowEpoch[] = [];
    for (let f = 0; f < flowCount; f++) {
      const batch = byKey.get(`${f}:${e}`);
      flows.push({
        flow: f,
        state: flowEpochState(batch, end, now, submissionWindowSeconds),
        batchStatus: batch?.status ?? null,
        count: batch?.count ?? null,
        settledCount: batch?.settledCount ?? null,
        amount: batch?.amount ?? null,
        cosigned: batch?.cosigned ?? null,
      });
    }
    const state = SEVERITY.find((s) => flows.some((f) => f.state === s)) ?? "open";
    epochs.push({ epoch: e, start, end, state, flows });
  }
  return epochs;
}
