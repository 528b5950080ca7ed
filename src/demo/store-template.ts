import { spawn } from "node:child_process";
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

const templateDir = () => path.join(CACHE_DIR, `store-template-pglite-${pgliteVersion()}`);

/**
 * The migrated, empty store every fresh demo store is copied from: made once per checkout (and
 * PGlite release), kept under `.flowpact/cache`. Call it early, so the initdb overlaps the chain's
 * start; later calls share the same promise.
 */
export function storeTemplate(): Promise<string> {
  building ??= (async () => {
    const template = templateDir();
    if (existsSync(template)) return template;
    // Built aside and renamed: a start interrupted mid-initdb (or a concurrent one) never leaves
    // a half-made template behind.
    const aside = `${template}.${process.pid}.tmp`;
    rmSync(aside, { recursive: true, force: true });
    await buildInChildProcess(aside);
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
 * initdb is seconds of synchronous WebAssembly: in this process it would stall the demo's event
 * loop (the chain's start, the bootstrap's transactions) for as long, so a child process runs it.
 */
function buildInChildProcess(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--require", "tsx/cjs", __filename, BUILD_FLAG, dir], {
      cwd: path.join(__dirname, "..", ".."),
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr?.on("data", (d) => {
      stderr += d;
    });
    const killOnExit = () => child.kill("SIGKILL");
    process.once("exit", killOnExit);
    child.once("error", reject);
    child.once("exit", (code) => {
      process.removeListener("exit", killOnExit);
      if (code === 0) resolve();
      else
        reject(new Error(`creating the demo's store template failed (exit ${code}): ${stderr.slice(-500)}`));
    });
  });
}

const BUILD_FLAG = "--build-store-template";

if (require.main === module && process.argv[2] === BUILD_FLAG)
  createStore({ dataDir: process.argv[3] as string })
    .then((store) => store.close())
    .then(
      () => process.exit(0),
      (error: Error) => {
        console.error(error.message);
        process.exit(1);
      },
    );

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
