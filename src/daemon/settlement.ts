import type { Logger } from "pino";
import type { FlowPactClient } from "../chain/clients";
import { writeFlowPact } from "../chain/write";
import type { Queryable } from "../store/driver";

export type EpochState = "settled" | "pending" | "disputed" | "missing";

/** Where each ended epoch of one agreement stands, per flow. */
export interface AgreementEpochReport {
  readonly agreementId: bigint;
  readonly status: string;
  /** Epochs that have ended and can settle (the engine of `settleableEpochs`, from the store). */
  readonly endedEpochs: number;
  readonly counts: Record<EpochState, number>;
  /** `flow:epoch` of every epoch not settled yet, with its state. */
  readonly open: ReadonlyArray<{ flow: number; epoch: number; state: Exclude<EpochState, "settled"> }>;
}

const SETTLED = new Set(["committed", "finalised", "resolved"]);

/**
 * Finalises every claimed batch whose challenge window has passed without a dispute (anyone may
 * call `finalise`; the matcher does it so claims do not wait on their referrer). A batch another
 * caller finalised first reverts in simulation and is skipped.
 */
export async function finaliseUndisputedClaims(
  db: Queryable,
  client: FlowPactClient,
  now: bigint,
  log: Logger,
): Promise<number> {
  const rows = await db.query<{ agreement_id: bigint; flow_index: number; epoch: bigint }>(
    `SELECT agreement_id, flow_index, epoch FROM batches
     WHERE status = 'claimed' AND challenge_ends IS NOT NULL AND challenge_ends <= $1
     ORDER BY agreement_id, flow_index, epoch`,
    [now],
  );
  let finalised = 0;
  for (const r of rows) {
    const args = [BigInt(r.agreement_id), BigInt(r.flow_index), BigInt(r.epoch)] as const;
    try {
      const { hash } = await writeFlowPact(client, {
        contract: "Settlement",
        functionName: "finalise",
        args,
      });
      finalised++;
      log.info(
        { agreementId: args[0].toString(), flow: r.flow_index, epoch: args[2].toString(), txHash: hash },
        "undisputed claim finalised",
      );
    } catch (error) {
      log.warn(
        {
          agreementId: args[0].toString(),
          flow: r.flow_index,
          epoch: args[2].toString(),
          err: (error as Error).message,
        },
        "could not finalise claim",
      );
    }
  }
  return finalised;
}

/**
 * For every agreement that ran (active or terminated), each ended epoch of each flow is settled
 * (co-signed commit, finalised claim or resolved dispute), pending (claimed, window open),
 * disputed (awaiting the auditors) or missing (no batch yet).
 */
export async function reportEpochs(db: Queryable, now: bigint): Promise<AgreementEpochReport[]> {
  const agreements = await db.query<{
    agreement_id: bigint;
    status: string;
    start_time: bigint;
    end_time: bigint;
    epoch_length: bigint;
    termination_epoch: bigint | null;
  }>(
    `SELECT agreement_id, status, start_time, end_time, epoch_length, termination_epoch FROM agreements
     WHERE status IN ('active', 'terminated') ORDER BY agreement_id`,
  );
  const reports: AgreementEpochReport[] = [];
  for (const a of agreements) {
    const start = BigInt(a.start_time);
    const length = BigInt(a.epoch_length);
    const total = (BigInt(a.end_time) - start) / length;
    let ended = now <= start ? 0n : (now - start) / length;
    if (ended > total) ended = total;
    if (a.termination_epoch !== null && ended > BigInt(a.termination_epoch))
      ended = BigInt(a.termination_epoch);
    const flows = await db.query<{ flow_index: number }>(
      "SELECT flow_index FROM flows WHERE agreement_id = $1 ORDER BY flow_index",
      [a.agreement_id],
    );
    const batches = await db.query<{ flow_index: number; epoch: bigint; status: string }>(
      "SELECT flow_index, epoch, status FROM batches WHERE agreement_id = $1",
      [a.agreement_id],
    );
    const byKey = new Map(batches.map((b) => [`${b.flow_index}:${BigInt(b.epoch)}`, b.status]));
    const counts: Record<EpochState, number> = { settled: 0, pending: 0, disputed: 0, missing: 0 };
    const open: Array<{ flow: number; epoch: number; state: Exclude<EpochState, "settled"> }> = [];
    for (const { flow_index } of flows) {
      for (let e = 0n; e < ended; e++) {
        const status = byKey.get(`${flow_index}:${e}`);
        const state: EpochState =
          status === undefined
            ? "missing"
            : SETTLED.has(status)
              ? "settled"
              : status === "disputed"
                ? "disputed"
                : "pending";
        counts[state]++;
        if (state !== "settled") open.push({ flow: Number(flow_index), epoch: Number(e), state });
      }
    }
    reports.push({
      agreementId: BigInt(a.agreement_id),
      status: a.status,
      endedEpochs: Number(ended),
      counts,
      open,
    });
  }
  return reports;
}
