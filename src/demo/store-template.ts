import { cpSync, existsSync, readFileSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { createStore } from "../store/store";

/** Kept outside the demo's data dir, so deleting the demo to start over keeps the template. */
const CACHE_DIR = path.join(__dirname, "..", "..", ".flowpact", "cache");

/** The PGlite release that wrote the template: another release starts a new one. */
function pgliteVersion(): string {
  try {
    const file = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

let building: Promise<string> | undefined;

/**
 * The migrated, empty store every fresh demo store is copied from: made once per checkout (and
 * PGlite release), kept under `.flowpact/cache`. Call it early, so the initdb overlaps the chain's
 * start; later calls share the same promise.
 */
export function storeTemplate(): Promise<string> {
  building ??= (async () => {
    const template = path.join(CACHE_DIR, `store-template-pglite-${pgliteVersion()}`);
    if (existsSync(template)) return template;
    // Built aside and renamed: a start interrupted mid-initdb (or a concurrent one) never leaves
    // a half-made template behind.
    const aside = `${template}.${process.pid}.tmp`;
    rmSync(aside, { recursive: true, force: true });
    const store = await createStore({ dataDir: aside });
    await store.close();
    try {
      renameSync(aside, template);
    } catch {
      // Another start made it meanwhile: use theirs.
      rmSync(aside, { recursive: true, force: true });
    }
    return template;
  })();
  building.catch(() => {
    building = undefined;
  });
  return building;
}

/**
 * Creates the stores a fresh demo needs (`createStore({ dataDir })` for each dir) by copying the
 * template. A fresh embedded store costs PGlite's initdb, several seconds of CPU (20 s of wall
 * time on a loaded 2-core machine), and the demo needs two (its own and the matching daemon's, a
 * process of its own): the template pays it once per checkout, even when the demo's data dir is
 * deleted to start over. A copy takes well under a second; `createStore` then only checks the
 * migrations (a template older than the code gets the new ones there).
 */
export async function createStoresFromTemplate(dirs: readonly string[]): Promise<void> {
  const template = await storeTemplate();
  for (const dir of dirs) {
    rmSync(dir, { recursive: true, force: true });
    cpSync(template, dir, { recursive: true });
  }
}
