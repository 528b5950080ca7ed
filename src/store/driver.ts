/**
 * The one small interface the store needs from a database: both the embedded PGlite and a
 * PostgreSQL server implement it, and every query in `queries/` is plain SQL that runs on both.
 *
 * Integer columns (`bigint`, `numeric(78,0)`) are returned as JS `bigint`, like viem's values.
 */
export interface Queryable {
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<Row[]>;
}

export interface StoreDriver extends Queryable {
  /** `"pglite"` or `"postgres"`, for messages and metrics. */
  readonly kind: "pglite" | "postgres";
  /** Runs several `;`-separated statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database could not be opened or reached; retrying later may help. */
export class StoreConnectionError extends Error {
  override name = "StoreConnectionError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
