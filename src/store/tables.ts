import type { Queryable } from "./driver";

/** Primary-key columns of every table of the current schema, read from the catalog. */
export type TableKeys = ReadonlyMap<string, readonly string[]>;

export async function loadTableKeys(db: Queryable): Promise<TableKeys> {
  const rows = await db.query<{ table_name: string; column_name: string }>(
    `SELECT tc.table_name, kcu.column_name
       FROM information_schema.table_constraints tc
       JOIN information_schema.key_column_usage kcu
         ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
      WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_schema = current_schema()
      ORDER BY tc.table_name, kcu.ordinal_position`,
  );
  const keys = new Map<string, string[]>();
  for (const row of rows) {
    const list = keys.get(row.table_name) ?? [];
    list.push(row.column_name);
    keys.set(row.table_name, list);
  }
  return keys;
}

/** Quotes an identifier that comes from our own schema (never from user input). */
export const ident = (name: string): string => {
  if (!/^[a-z_][a-z0-9_]*$/.test(name))
    throw new TypeError(`unexpected SQL identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
};

/** A JS value as a query parameter both drivers accept the same way. */
export function toParam(value: unknown): unknown {
  if (value === undefined) return null;
  if (
    value !== null &&
    typeof value === "object" &&
    !(value instanceof Date) &&
    !(value instanceof Uint8Array)
  )
    return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
  return value;
}

/** JSON text for keys and images: bigints as decimal strings (PostgreSQL casts them back). */
export const toJson = (value: unknown): string =>
  JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v));
