import type { Queryable } from "../driver";

export interface IndexerProgress {
  chainId: bigint;
  startBlock: bigint;
  /** Last block whose changes are all stored. */
  indexedBlock: bigint;
  indexedHash: string | null;
  eventCount: bigint;
}

export interface StoredBlock {
  number: bigint;
  hash: string;
  parentHash: string;
}

const PROGRESS_ID = "flowpact";

export async function getIndexerProgress(db: Queryable): Promise<IndexerProgress | undefined> {
  const [row] = await db.query<{
    chain_id: bigint;
    start_block: bigint;
    indexed_block: bigint;
    indexed_hash: string | null;
    event_count: bigint;
  }>("SELECT * FROM indexer_progress WHERE id = $1", [PROGRESS_ID]);
  return (
    row && {
      chainId: row.chain_id,
      startBlock: row.start_block,
      indexedBlock: row.indexed_block,
      indexedHash: row.indexed_hash,
      eventCount: row.event_count,
    }
  );
}

export async function saveIndexerProgress(db: Queryable, progress: IndexerProgress): Promise<void> {
  await db.query(
    `INSERT INTO indexer_progress (id, chain_id, start_block, indexed_block, indexed_hash, event_count)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET chain_id = EXCLUDED.chain_id, start_block = EXCLUDED.start_block,
       indexed_block = EXCLUDED.indexed_block, indexed_hash = EXCLUDED.indexed_hash, event_count = EXCLUDED.event_count`,
    [
      PROGRESS_ID,
      progress.chainId,
      progress.startBlock,
      progress.indexedBlock,
      progress.indexedHash,
      progress.eventCount,
    ],
  );
}

export async function saveBlock(db: Queryable, block: StoredBlock): Promise<void> {
  await db.query(
    `INSERT INTO blocks (number, hash, parent_hash) VALUES ($1, $2, $3)
     ON CONFLICT (number) DO UPDATE SET hash = EXCLUDED.hash, parent_hash = EXCLUDED.parent_hash`,
    [block.number, block.hash, block.parentHash],
  );
}

/** Stored blocks from the newest down, for walking back to a fork point. */
export async function getRecentBlocks(db: Queryable, limit: number): Promise<StoredBlock[]> {
  const rows = await db.query<{ number: bigint; hash: string; parent_hash: string }>(
    "SELECT number, hash, parent_hash FROM blocks ORDER BY number DESC LIMIT $1",
    [limit],
  );
  return rows.map((r) => ({ number: r.number, hash: r.hash, parentHash: r.parent_hash }));
}

export async function countEvents(db: Queryable): Promise<bigint> {
  const [row] = await db.query<{ n: bigint }>("SELECT count(*) AS n FROM events");
  return row.n;
}
