import type { Hex } from "viem";
import { buildReceiptTree, type ReceiptTree } from "../receipts";
import type { Queryable } from "../store/driver";

export const ZERO_ROOT = `0x${"00".repeat(32)}` as Hex;

/**
 * Statuses of a referrer's batch once it is on chain (`member_batches.status`): it is never
 * submitted again, and it is what the proof API serves. `claimed` moves on to `disputed`,
 * `finalised` or `resolved` as the node follows the chain.
 */
export const SUBMITTED_BATCH_STATUSES = [
  "committed",
  "claimed",
  "disputed",
  "finalised",
  "resolved",
] as const;

/** `('committed', 'claimed', …)` for SQL. */
export const SUBMITTED_BATCH_STATUSES_SQL = `(${SUBMITTED_BATCH_STATUSES.map((s) => `'${s}'`).join(", ")})`;

/** The receipts of one (agreement, flow, epoch) as one member recorded them, and their tree. */
export interface FlowBatch {
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  count: number;
  /** Merkle root (ZERO_ROOT when there is no receipt). */
  root: Hex;
  /** Undefined when there is no receipt. */
  tree?: ReceiptTree;
}

export interface BuildFlowBatchParameters {
  tenant: string;
  /** The referrer builds from the clicks it sent, the recipient from the arrivals it received. */
  source: "clicks" | "arrivals";
  agreementId: bigint;
  flow: number;
  epoch: bigint;
}

/**
 * Builds a flow's batch for an epoch from this member's durable receipts (receipts library:
 * OpenZeppelin-compatible leaves and tree), in a deterministic order so both sides of a flow
 * that hold the same receipts get the same root.
 *
 * @example
 * const batch = await buildFlowBatch(store.driver, { tenant, source: "arrivals", agreementId, flow: 0, epoch: 3n });
 */
export async function buildFlowBatch(
  db: Queryable,
  { tenant, source, agreementId, flow, epoch }: BuildFlowBatchParameters,
): Promise<FlowBatch> {
  const table = source === "clicks" ? "member_clicks" : "member_arrivals";
  const rows = await db.query<{ click_id: string }>(
    `SELECT click_id FROM ${table} WHERE tenant = $1 AND agreement_id = $2 AND flow = $3 AND epoch = $4 ORDER BY click_id`,
    [tenant, agreementId.toString(), flow, epoch.toString()],
  );
  if (rows.length === 0) return { agreementId, flow, epoch, count: 0, root: ZERO_ROOT };
  const tree = await buildReceiptTree({
    receipts: rows.map((r) => ({ agreementId, flow, epoch, clickId: r.click_id as Hex })),
  });
  return { agreementId, flow, epoch, count: tree.count, root: tree.root, tree };
}

/** Records what became of a batch in `member_batches` (one row per tenant, role and batch). */
export async function recordBatch(
  db: Queryable,
  row: {
    tenant: string;
    role: "referrer" | "recipient";
    batch: Pick<FlowBatch, "agreementId" | "flow" | "epoch" | "count" | "root">;
    status: string;
    coSignature?: string;
    txHash?: string;
    detail?: string;
    now: bigint;
  },
): Promise<void> {
  await db.query(
    `INSERT INTO member_batches (tenant, role, agreement_id, flow, epoch, count, root, status, co_signature, tx_hash, detail, updated_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
     ON CONFLICT (tenant, role, agreement_id, flow, epoch) DO UPDATE SET
       count = EXCLUDED.count, root = EXCLUDED.root, status = EXCLUDED.status,
       co_signature = COALESCE(EXCLUDED.co_signature, member_batches.co_signature),
       tx_hash = COALESCE(EXCLUDED.tx_hash, member_batches.tx_hash),
       detail = EXCLUDED.detail, updated_at = EXCLUDED.updated_at`,
    [
      row.tenant,
      row.role,
      row.batch.agreementId.toString(),
      row.batch.flow,
      row.batch.epoch.toString(),
      row.batch.count.toString(),
      row.batch.root,
      row.status,
      row.coSignature ?? null,
      row.txHash ?? null,
      row.detail ?? null,
      row.now.toString(),
    ],
  );
}
