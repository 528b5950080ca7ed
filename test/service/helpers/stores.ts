import { randomBytes } from "node:crypto";
import pg from "pg";
import { createStore, type Store } from "../../../src/store/store";

/** A store target the store suite (and others) run against. */
export interface StoreTarget {
  name: string;
  open(): Promise<Store>;
  /** Drops what `open` created (a PostgreSQL schema). */
  cleanUp(): Promise<void>;
}

export const POSTGRES_SKIPPED_LINE = "store suite on PostgreSQL skipped: TEST_DATABASE_URL is not set";

/** Embedded PGlite in memory: always available. */
export const pgliteTarget: StoreTarget = {
  name: "PGlite",
  open: () => createStore({ memory: true }),
  cleanUp: async () => {},
};

/**
 * PostgreSQL from TEST_DATABASE_URL, in a fresh schema per call of `open` (so runs never see
 * each other's rows); `undefined` when the variable is not set.
 */
export function postgresTarget(): StoreTarget | undefined {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) return undefined;
  const schemas: string[] = [];
  return {
    name: "PostgreSQL",
    open: () => {
      const schema = `flowpact_test_${randomBytes(6).toString("hex")}`;
      schemas.push(schema);
      return createStore({ databaseUrl: url, schema });
    },
    cleanUp: async () => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        for (const schema of schemas.splice(0))
          await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      } finally {
        await client.end();
      }
    },
  };
}

/** Empties every table (not the migrations): reuse one database across tests, PGlite is slow to open. */
export async function truncateAll(store: Store): Promise<void> {
  await store.driver.exec(
    "TRUNCATE indexer_progress, blocks, events, undo_log, members, offers, agreements, flows, batches, disputes, credit_postings, balances, arrears, bonds, attestations, quarantined_events",
  );
}

/** Every domain table's rows in key order, for comparing two stores exactly. */
export async function dumpDomain(store: Store): Promise<Record<string, unknown[]>> {
  const tables = [
    "members",
    "offers",
    "agreements",
    "flows",
    "batches",
    "disputes",
    "credit_postings",
    "balances",
    "arrears",
    "bonds",
    "attestations",
    "events",
  ];
  const dump: Record<string, unknown[]> = {};
  for (const table of tables) {
    const rows = await store.driver.query<Record<string, unknown>>(`SELECT * FROM ${table}`);
    dump[table] = rows
      .map((r) => JSON.stringify(r, (_k, v) => (typeof v === "bigint" ? v.toString() : v)))
      .sort();
  }
  return dump;
}
