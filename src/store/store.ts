import path from "node:path";
import type { StoreDriver } from "./driver";
import { createPgliteDriver } from "./drivers/pglite";
import { createPostgresDriver } from "./drivers/postgres";
import { migrate } from "./migrate";

export type CreateStoreOptions =
  | { dataDir: string; databaseUrl?: undefined; schema?: undefined }
  | { databaseUrl: string; schema?: string; dataDir?: string }
  /** In-memory PGlite, for tests and benchmarks. */
  | { memory: true };

export interface Store {
  readonly driver: StoreDriver;
  close(): Promise<void>;
}

/** Subdirectory of the data directory that holds the embedded database. */
export const EMBEDDED_DB_DIR = "db";

/**
 * Opens the FlowPact store and brings its schema up to date: PostgreSQL when `databaseUrl` is
 * given, otherwise PGlite in `<dataDir>/db`.
 *
 * @example
 * const store = await createStore({ dataDir: config.dataDir, databaseUrl: config.databaseUrl });
 */
export async function createStore(options: CreateStoreOptions): Promise<Store> {
  const driver =
    "memory" in options
      ? await createPgliteDriver("memory://")
      : options.databaseUrl !== undefined
        ? await createPostgresDriver(options.databaseUrl, { schema: options.schema })
        : await createPgliteDriver(path.join(options.dataDir, EMBEDDED_DB_DIR));
  try {
    await migrate(driver);
  } catch (error) {
    await driver.close().catch(() => {});
    throw error;
  }
  return { driver, close: () => driver.close() };
}
