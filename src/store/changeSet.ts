import type { Queryable } from "./driver";
import { ident, type TableKeys, toJson, toParam } from "./tables";

export type Row = Record<string, unknown>;

/** An event as archived in `events`; `args` is the decoded event arguments. */
export interface ArchivedEvent {
  blockNumber: bigint;
  logIndex: number;
  blockHash: string;
  txHash: string;
  contract: string;
  name: string;
  args: Record<string, unknown>;
}

/**
 * The writes of one block (or of one finalized block range) collected in memory and written in
 * one transaction. Handlers read through it (`get`) so they see their own earlier writes, and
 * replace whole rows (`put`). When `flush` is given an undo block, the image of every row before
 * the block is saved in `undo_log` first, so a reorg can restore it exactly.
 */
export interface ChangeSet {
  get<T extends Row = Row>(table: string, key: Row): Promise<T | undefined>;
  put(table: string, row: Row): void;
  /** Deletes the row with this key (a no-op when there is none). */
  remove(table: string, key: Row): void;
  archive(event: ArchivedEvent): void;
  /** Number of rows waiting to be written (events excluded). */
  readonly size: number;
  flush(tx: Queryable, options: { undoBlock?: bigint }): Promise<void>;
}

/** Rows per INSERT: bounds the size of one statement's jsonb parameter. */
const ROWS_PER_STATEMENT = 5_000;

export class UnknownTableError extends Error {
  override name = "UnknownTableError";
  constructor(readonly table: string) {
    super(`the store has no table "${table}" with a primary key: add it in a migration`);
  }
}

export function createChangeSet(db: Queryable, keys: TableKeys): ChangeSet {
  // table -> key string -> row (undefined when known to be absent)
  const cache = new Map<string, Map<string, Row | undefined>>();
  // A `null` row marks a deletion.
  const dirty = new Map<string, Map<string, Row | null>>();
  const events: ArchivedEvent[] = [];
  // Key string -> key columns of every dirty row (cache keys are per table, so prefix them).
  const keyRows = new Map<string, Row>();

  const keyColumns = (table: string) => {
    const columns = keys.get(table);
    if (!columns) throw new UnknownTableError(table);
    return columns;
  };
  const keyOf = (table: string, row: Row) => `${table}:${toJson(keyColumns(table).map((c) => row[c]))}`;
  const tableCache = (table: string) => {
    let c = cache.get(table);
    if (!c) {
      c = new Map();
      cache.set(table, c);
    }
    return c;
  };

  return {
    get size() {
      let n = 0;
      for (const rows of dirty.values()) n += rows.size;
      return n;
    },
    async get<T extends Row>(table: string, key: Row) {
      const k = keyOf(table, key);
      const c = tableCache(table);
      if (c.has(k)) return c.get(k) as T | undefined;
      const columns = keyColumns(table);
      const where = columns.map((col, i) => `${ident(col)} = $${i + 1}`).join(" AND ");
      const [row] = await db.query<T>(
        `SELECT * FROM ${ident(table)} WHERE ${where}`,
        columns.map((col) => toParam(key[col])),
      );
      c.set(k, row);
      return row;
    },
    put(table, row) {
      markDirty(table, row, row);
    },
    remove(table, key) {
      markDirty(table, key, null);
    },
    archive(event) {
      events.push(event);
    },
    async flush(tx, { undoBlock }) {
      if (undoBlock !== undefined) {
        for (const [table, rows] of dirty)
          await saveUndoImages(
            tx,
            table,
            keyColumns(table),
            [...rows.keys()].map((k) => keyRows.get(k)!),
            undoBlock,
          );
      }
      for (const [table, rows] of dirty) {
        const columns = keyColumns(table);
        const puts = [...rows.values()].filter((r): r is Row => r !== null);
        const removals = [...rows.entries()].filter(([, r]) => r === null).map(([k]) => keyRows.get(k)!);
        await deleteRows(tx, table, columns, removals);
        await upsertRows(tx, table, columns, puts);
      }
      if (events.length > 0) await insertEvents(tx, events);
      dirty.clear();
      keyRows.clear();
      events.length = 0;
    },
  };

  function markDirty(table: string, keySource: Row, row: Row | null) {
    const k = keyOf(table, keySource);
    keyRows.set(k, Object.fromEntries(keyColumns(table).map((c) => [c, keySource[c]])));
    tableCache(table).set(k, row ?? undefined);
    let d = dirty.get(table);
    if (!d) {
      d = new Map();
      dirty.set(table, d);
    }
    d.set(k, row);
  }
}

async function saveUndoImages(
  tx: Queryable,
  table: string,
  key: readonly string[],
  rows: Row[],
  block: bigint,
) {
  const t = ident(table);
  const match = key.map((c) => `x.${ident(c)} = k.${ident(c)}`).join(" AND ");
  const keyImages = rows.map((row) => Object.fromEntries(key.map((c) => [c, row[c]])));
  await tx.query(
    `INSERT INTO undo_log (block_number, table_name, key, prior)
     SELECT $1::bigint, $2::text, e.value,
            (SELECT to_jsonb(x) FROM ${t} x, jsonb_populate_record(NULL::${t}, e.value) k WHERE ${match})
       FROM jsonb_array_elements($3::jsonb) WITH ORDINALITY AS e(value, ord)
      ORDER BY e.ord`,
    [block, table, toJson(keyImages)],
  );
}

async function deleteRows(tx: Queryable, table: string, key: readonly string[], keys: Row[]) {
  for (const k of keys) {
    const where = key.map((c, i) => `${ident(c)} = $${i + 1}`).join(" AND ");
    await tx.query(
      `DELETE FROM ${ident(table)} WHERE ${where}`,
      key.map((c) => toParam(k[c])),
    );
  }
}

async function upsertRows(tx: Queryable, table: string, key: readonly string[], rows: Row[]) {
  // Group rows by their column set so each statement has one column list.
  const groups = new Map<string, Row[]>();
  for (const row of rows) {
    const signature = Object.keys(row).sort().join(",");
    const group = groups.get(signature);
    if (group) group.push(row);
    else groups.set(signature, [row]);
  }
  const t = ident(table);
  for (const [signature, group] of groups) {
    const columns = signature.split(",").map(ident);
    const updates = signature.split(",").filter((c) => !key.includes(c));
    const conflict =
      updates.length === 0
        ? "DO NOTHING"
        : `DO UPDATE SET ${updates.map((c) => `${ident(c)} = EXCLUDED.${ident(c)}`).join(", ")}`;
    // All rows travel as ONE jsonb parameter that PostgreSQL expands itself: far cheaper than
    // thousands of bound parameters, on PGlite above all.
    for (let i = 0; i < group.length; i += ROWS_PER_STATEMENT) {
      await tx.query(
        `INSERT INTO ${t} (${columns.join(", ")})
         SELECT ${columns.join(", ")} FROM jsonb_populate_recordset(NULL::${t}, $1::jsonb)
         ON CONFLICT (${key.map(ident).join(", ")}) ${conflict}`,
        [toJson(group.slice(i, i + ROWS_PER_STATEMENT))],
      );
    }
  }
}

async function insertEvents(tx: Queryable, events: ArchivedEvent[]) {
  for (let i = 0; i < events.length; i += ROWS_PER_STATEMENT) {
    const rows = events.slice(i, i + ROWS_PER_STATEMENT).map((e) => ({
      block_number: e.blockNumber,
      log_index: e.logIndex,
      block_hash: e.blockHash,
      tx_hash: e.txHash,
      contract: e.contract,
      name: e.name,
      args: e.args,
    }));
    // A duplicate (block_number, log_index) fails the transaction: an event is never stored twice.
    await tx.query(
      `INSERT INTO events (block_number, log_index, block_hash, tx_hash, contract, name, args)
       SELECT block_number, log_index, block_hash, tx_hash, contract, name, args
         FROM jsonb_populate_recordset(NULL::events, $1::jsonb)`,
      [toJson(rows)],
    );
  }
}
