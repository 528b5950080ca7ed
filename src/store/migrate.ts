import type { StoreDriver } from "./driver";
import { MIGRATIONS, type Migration } from "./migrations";

/** The database holds a newer schema than this code knows: upgrade FlowPact. */
export class StoreSchemaTooNewError extends Error {
  override name = "StoreSchemaTooNewError";
  constructor(
    readonly applied: number,
    readonly known: number,
  ) {
    super(
      `the database schema is at migration ${applied} but this FlowPact knows only ${known}: upgrade FlowPact or use another data directory`,
    );
  }
}

// Any constant: serialises concurrent migrators on PostgreSQL (PGlite is single-connection).
const MIGRATION_LOCK = 0x466c6f77;

/**
 * Applies the migrations the database does not have yet, each in its own transaction, and
 * returns the ids applied. Safe to run from several processes at once on PostgreSQL.
 */
export async function migrate(
  driver: StoreDriver,
  migrations: readonly Migration[] = MIGRATIONS,
): Promise<number[]> {
  await driver.exec(
    "CREATE TABLE IF NOT EXISTS schema_migrations (id integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())",
  );
  const applied: number[] = [];
  for (const migration of migrations) {
    const done = await driver.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [MIGRATION_LOCK]);
      const rows = await tx.query<{ id: number }>("SELECT id FROM schema_migrations WHERE id = $1", [
        migration.id,
      ]);
      if (rows.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("INSERT INTO schema_migrations (id, name) VALUES ($1, $2)", [
        migration.id,
        migration.name,
      ]);
      return true;
    });
    if (done) applied.push(migration.id);
  }
  const [latest] = await driver.query<{ id: number | null }>("SELECT max(id) AS id FROM schema_migrations");
  const known = migrations.at(-1)?.id ?? 0;
  if (latest.id !== null && latest.id > known) throw new StoreSchemaTooNewError(latest.id, known);
  return applied;
}

/** Splits a migration into statements (ours have no `;` inside literals or bodies;
 * comments are dropped first). */
function splitStatements(sql: string): string[] {
  return sql
    .replace(/--.*$/gm, "")
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
