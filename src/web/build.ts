import { readdirSync, statSync } from "node:fs";
import path from "node:path";

/** The dashboard's sources and where Vite writes the build. */
export const WEB_ROOT = __dirname;
export const DASHBOARD_DIST = path.join(WEB_ROOT, "dist");

const SOURCE = /\.(ts|html|css)$/;

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === "dist" || entry.name === "node_modules") continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSource(full));
    else if (SOURCE.test(entry.name) && entry.name !== "build.ts")
      newest = Math.max(newest, statSync(full).mtimeMs);
  }
  return newest;
}

/** True when dist/index.html is missing or older than a dashboard source file. */
export function dashboardIsStale(): boolean {
  try {
    return statSync(path.join(DASHBOARD_DIST, "index.html")).mtimeMs < newestSource(WEB_ROOT);
  } catch {
    return true;
  }
}

/**
 * Builds the dashboard with Vite into src/web/dist when it is missing or stale (or always with
 * `force`), and returns the directory to serve. Safe to call on every start: a fresh build is
 * reused.
 *
 * @example
 * const dir = await buildDashboard();
 * const app = await createApiServer({ store, dashboardDir: dir });
 */
export async function buildDashboard(options: { force?: boolean } = {}): Promise<string> {
  if (!options.force && !dashboardIsStale()) return DASHBOARD_DIST;
  // Vite 7 is ESM-only; Node ≥ 20.19 loads it with require().
  const { build } = await import("vite");
  await build({
    root: WEB_ROOT,
    configFile: false,
    logLevel: "warn",
    base: "/",
    build: { outDir: "dist", emptyOutDir: true, target: "es2022", reportCompressedSize: false },
  });
  return DASHBOARD_DIST;
}
