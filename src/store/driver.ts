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

/**
 * SQLSTATE classes that say nothing about the data written: connection exceptions (08),
 * transaction rollbacks such as serialization failures (40), insufficient resources (53),
 * operator intervention such as a statement timeout or shutdown (57), system errors (58) and
 * internal errors (XX). Anything else a statement raises (22 data exception, 23 constraint…) is
 * the row's fault, and writing the same row again fails the same way.
 */
const TRANSIENT_SQLSTATE_CLASSES = new Set(["08", "40", "53", "57", "58", "XX"]);

/**
 * Whether `error` is the database's or the network's (retrying later may succeed) rather than the
 * data's. Errors raised by our own code (a handler's `TypeError`) are not transient.
 */
export function isTransientStoreError(error: unknown): boolean {
  if (error instanceof StoreConnectionError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code))
    return TRANSIENT_SQLSTATE_CLASSES.has(code.slice(0, 2));
  // Node's socket errors (ECONNRESET, ECONNREFUSED, EPIPE, ETIMEDOUT…).
  if (typeof code === "string" && /^E[A-Z]+$/.test(code)) return true;
  // pg and PGlite report a connection lost or closed mid-query without a code.
  return (
    error instanceof Error &&
    /Connection terminated|Client was closed|not queryable|encountered a connection error|PGlite is closed/i.test(
      error.message,
    )
  );
}
