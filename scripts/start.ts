/**
 * `npm start`: the whole FlowPact demo on this machine. Starts a local Hardhat node; on the first
 * run deploys FlowPact and admits a 30-institution consortium with its offers, on a later run
 * replays the saved chain journal into the node (same blocks, same hashes) and resumes. Then runs
 * the matching daemon (proposes agreements of 10-second epochs, finalises claims), the indexer,
 * every member's node (auto-accept, epoch close, claims, disputes), a traffic simulator with one
 * dishonest member, and the dashboard. Ctrl-C stops all of it; the state stays in the data dir.
 *
 * Environment: FLOWPACT_RPC_PORT (default 8545), FLOWPACT_API_PORT (default 8480),
 * FLOWPACT_DEMO_DIR (default .flowpact/demo; delete it to start over).
 */
import path from "node:path";
import { runDemo } from "../src/demo/supervisor";

class StartConfigError extends Error {
  override name = "StartConfigError";
}

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65_535)
    throw new StartConfigError(`${name}="${raw}" is not a TCP port: set it to 1–65535 or unset it`);
  return port;
}

async function main(): Promise<void> {
  const started = Date.now();
  const dataDir = path.resolve(
    process.env.FLOWPACT_DEMO_DIR || path.join(__dirname, "..", ".flowpact", "demo"),
  );
  const log = (line: string) => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${line}`);
  const demo = await runDemo({
    dataDir,
    rpcPort: portFromEnv("FLOWPACT_RPC_PORT", 8545),
    apiPort: portFromEnv("FLOWPACT_API_PORT", 8480),
    log,
  });
  log(`dashboard: ${demo.dashboardUrl}/  (JSON API: ${demo.dashboardUrl}/api/summary)`);
  log(
    demo.resumed
      ? "resumed: agreements, balances and receipts are those of the last run; settlement goes on. Ctrl-C stops everything."
      : "the daemon proposes agreements as soon as the offers are indexed; they start 40 s later and run 10-second epochs, so settlements follow about a minute after the first proposals. Ctrl-C stops everything.",
  );
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the demo (state kept in ${dataDir})`);
    demo
      .stop()
      .then(() => {
        log("stopped");
        process.exit(0);
      })
      .catch((error: Error) => {
        console.error(`flowpact start: ${error.message}`);
        process.exit(1);
      });
  };
  process.on("SIGINT", () => shutdown("SIGINT"));
  process.on("SIGTERM", () => shutdown("SIGTERM"));
}

main().catch((error: Error) => {
  console.error(`flowpact start: ${error.message}`);
  process.exit(1);
});
