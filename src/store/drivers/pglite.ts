import { mkdirSync } from "node:fs";
import { PGlite, types } from "@electric-sql/pglite";
import { type Queryable, StoreConnectionError, type StoreDriver } from "../driver";

const bigintParsers = {
  [types.INT8]: (value: string) => BigInt(value),
  [types.NUMERIC]: (value: string) => BigInt(value),
};

/**
 * The embedded database: PostgreSQL compiled to WebAssembly, persisted in `dir`
 * (`"memory://"` keeps it in memory). One process at a time may open a directory.
 */
export async function createPgliteDriver(dir: string): Promise<StoreDriver> {
  if (!dir.startsWith("memory://")) mkdirSync(dir, { recursive: true });
  let db: PGlite;
  try {
    db = new PGlite(dir, { parsers: bigintParsers });
    await db.waitReady;
  } catch (cause) {
    throw new StoreConnectionError(
      `cannot open the embedded database in ${dir}: check that the directory is writable and that no other FlowPact process uses it`,
      { cause },
    );
  }
  const wrap = (q: Pick<PGlite, "query">): Queryable => ({
    async query<Row>(sql: string, params?: readonly unknown[]) {
      const result = await q.query<Row>(sql, params as unknown[] | undefined);
      return result.rows;
    },
  });
  return {
    kind: "pglite",
    ...wrap(db),
    async exec(sql) {
      await db.exec(sql);
    },
    transaction(fn) {
      return db.transaction((tx) => fn(wrap(tx)));
    },
    close: () => db.close(),
  };
}
