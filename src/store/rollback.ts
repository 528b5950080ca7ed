import type { Queryable } from "./driver";
import { ident } from "./tables";

/**
 * Undoes every change made by blocks after `forkBlock`: replays the undo log backwards (each
 * image is the row as it was before its block), then drops those blocks' events (quarantined
 * ones too) and hashes.
 * Returns the number of row images restored.
 */
export async function rollbackToBlock(tx: Queryable, forkBlock: bigint): Promise<number> {
  const entries = await tx.query<{ id: bigint; table_name: string; key_columns: string[] }>(
    `SELECT id, table_name, ARRAY(SELECT jsonb_object_keys(key)) AS key_columns
       FROM undo_log WHERE block_number > $1 ORDER BY id DESC`,
    [forkBlock],
  );
  for (const entry of entries) {
    const t = ident(entry.table_name);
    const match = entry.key_columns.map((c) => `x.${ident(c)} = k.${ident(c)}`).join(" AND ");
    await tx.query(
      `DELETE FROM ${t} x USING undo_log u, jsonb_populate_record(NULL::${t}, u.key) k
        WHERE u.id = $1 AND ${match}`,
      [entry.id],
    );
    await tx.query(
      `INSERT INTO ${t} SELECT (jsonb_populate_record(NULL::${t}, u.prior)).* FROM undo_log u
        WHERE u.id = $1 AND u.prior IS NOT NULL`,
      [entry.id],
    );
  }
  await tx.query("DELETE FROM undo_log WHERE block_number > $1", [forkBlock]);
  await tx.query("DELETE FROM events WHERE block_number > $1", [forkBlock]);
  await tx.query("DELETE FROM quarantined_events WHERE block_number > $1", [forkBlock]);
  await tx.query("DELETE FROM blocks WHERE number > $1", [forkBlock]);
  return entries.length;
}

/** Forgets undo images and block hashes of blocks that can no longer be reorganised away. */
export async function pruneFinalized(tx: Queryable, finalizedBlock: bigint): Promise<void> {
  await tx.query("DELETE FROM undo_log WHERE block_number <= $1", [finalizedBlock]);
  // Keep the newest finalized hash: the next block's parent must match it.
  await tx.query("DELETE FROM blocks WHERE number < $1", [finalizedBlock]);
}
