import type { Queryable } from "../driver";
import { toJson } from "../tables";

/** An event the indexer set aside: where it is on the chain, what it was and why it failed. */
export interface QuarantinedEvent {
  blockNumber: bigint;
  logIndex: number;
  blockHash: string;
  txHash: string;
  /** Null when the log did not decode. */
  contract: string | null;
  name: string | null;
  args: Record<string, unknown> | null;
  /** The log as fetched (address, topics, data). */
  raw: { address: string; topics: readonly string[]; data: string };
  error: string;
}

/** Stores (or replaces) a quarantined event, in the transaction that indexes its block. */
export async function quarantineEvent(db: Queryable, event: QuarantinedEvent): Promise<void> {
  await db.query(
    `INSERT INTO quarantined_events (block_number, log_index, block_hash, tx_hash, contract, name, args, raw, error)
     VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9)
     ON CONFLICT (block_number, log_index) DO UPDATE SET
       block_hash = EXCLUDED.block_hash, tx_hash = EXCLUDED.tx_hash, contract = EXCLUDED.contract,
       name = EXCLUDED.name, args = EXCLUDED.args, raw = EXCLUDED.raw, error = EXCLUDED.error`,
    [
      event.blockNumber,
      event.logIndex,
      event.blockHash,
      event.txHash,
      event.contract,
      event.name,
      event.args === null ? null : toJson(event.args),
      toJson(event.raw),
      event.error,
    ],
  );
}

/** How many events are quarantined. */
export async function countQuarantinedEvents(db: Queryable): Promise<bigint> {
  const [{ n }] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM quarantined_events");
  return n;
}

/** The quarantined events, newest first. */
export async function listQuarantinedEvents(db: Queryable, limit = 100): Promise<QuarantinedEvent[]> {
  const rows = await db.query<{
    block_number: bigint;
    log_index: number;
    block_hash: string;
    tx_hash: string;
    contract: string | null;
    name: string | null;
    args: Record<string, unknown> | null;
    raw: QuarantinedEvent["raw"];
    error: string;
  }>("SELECT * FROM quarantined_events ORDER BY block_number DESC, log_index DESC LIMIT $1", [limit]);
  return rows.map((r) => ({
    blockNumber: r.block_number,
    logIndex: Number(r.log_index),
    blockHash: r.block_hash,
    txHash: r.tx_hash,
    contract: r.contract,
    name: r.name,
    args: r.args,
    raw: r.raw,
    error: r.error,
  }));
}
