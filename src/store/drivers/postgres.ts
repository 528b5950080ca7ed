import pg from "pg";
import { redactSecrets } from "../../config/redact";
import { type Queryable, StoreConnectionError, type StoreDriver } from "../driver";

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/** Same parsing as the PGlite driver: integer columns come back as `bigint`. */
const bigintTypes = {
  getTypeParser(oid: number, format?: "text" | "binary") {
    if (oid === INT8_OID || oid === NUMERIC_OID) return (value: string) => BigInt(value);
    return pg.types.getTypeParser(oid, format);
  },
};

export interface PostgresDriverOptions {
  /** Schema to create (if missing) and work in; default `public`. Tests use a fresh one per run. */
  schema?: string;
  /** Connections in the pool; the indexer writes through one at a time. */
  maxConnections?: number;
}

/** A PostgreSQL server reached through `pg`'s connection pool. */
export async function createPostgresDriver(
  databaseUrl: string,
  options: PostgresDriverOptions = {},
): Promise<StoreDriver> {
  const schema = options.schema ?? "public";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema))
    throw new TypeError(`invalid schema name ${JSON.stringify(schema)}`);
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    max: options.maxConnections ?? 4,
    types: bigintTypes,
    // Set at connection start-up, so no query can run before the search path is in place.
    options: `-c search_path=${schema}`,
  });
  // An idle client's error (server restart) must not crash the process; the next query reports it.
  pool.on("error", () => {});
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
  } catch (cause) {
    await pool.end().catch(() => {});
    const where = redactSecrets(databaseUrl);
    throw new StoreConnectionError(
      `cannot reach PostgreSQL at ${where}: ${(cause as Error).message}; check DATABASE_URL and that the server is running`,
      { cause },
    );
  }
  const wrap = (q: pg.Pool | pg.PoolClient): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await q.query(sql, params as unknown[] | undefined);
      return result.rows as Row[];
    },
  });
  return {
    kind: "postgres",
    ...wrap(pool),
    async exec(sql) {
      await pool.query(sql);
    },
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("BEGIN");
        const result = await fn(wrap(client));
        await client.query("COMMIT");
        return result;
      } catch (error) {
        await client.query("ROLLBACK").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
