import type { Queryable } from "../driver";

export interface StoredBatch {
  agreementId: bigint;
  flowIndex: number;
  epoch: bigint;
  status: "committed" | "claimed" | "disputed" | "finalised" | "resolved";
  count: bigint;
  root: string;
  cosigned: boolean;
  challengeEnds: bigint | null;
  settledCount: bigint;
  amount: bigint;
  payer: string | null;
  payee: string | null;
}

/** Batches of an agreement (or all), in (agreement, flow, epoch) order. */
export async function listBatches(
  db: Queryable,
  filter: { agreementId?: bigint } = {},
): Promise<StoredBatch[]> {
  const rows =
    filter.agreementId === undefined
      ? await db.query("SELECT * FROM batches ORDER BY agreement_id, flow_index, epoch")
      : await db.query("SELECT * FROM batches WHERE agreement_id = $1 ORDER BY flow_index, epoch", [
          filter.agreementId,
        ]);
  return rows.map((r) => ({
    agreementId: r.agreement_id as bigint,
    flowIndex: Number(r.flow_index),
    epoch: r.epoch as bigint,
    status: r.status as StoredBatch["status"],
    count: r.count as bigint,
    root: r.root as string,
    cosigned: r.cosigned as boolean,
    challengeEnds: r.challenge_ends as bigint | null,
    settledCount: r.settled_count as bigint,
    amount: r.amount as bigint,
    payer: r.payer as string | null,
    payee: r.payee as string | null,
  }));
}
