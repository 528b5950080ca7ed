/**
 * `npm start`: the whole FlowPact demo on this machine. Starts a local Hardhat node; on the first
 * run deploys FlowPact and admits a 30-institution consortium with its offers, on a later run
 * replays the saved chain journal into the node (same blocks, same hashes) and resumes. Then runs
 * the matching daemon (proposes agreements of 10-second epochs, finalises claims), the indexer,
 * every member's node (auto-accept, epoch close, claims, disputes), a traffic simulator with one
 * dishonest member, and the dashboard. Ctrl-C, SIGTERM (a service manager, `kill <pid>`) and SIGHUP
 * (a closed terminal) stop all of it, and so does the death of `npm start` itself: no process it
 * started outlives it. The state stays in the data dir.
 *
 * Environment: FLOWPACT_RPC_PORT (default 8545), FLOWPACT_API_PORT (default 8480),
 * FLOWPACT_DEMO_DIR (default .flowpact/demo; delete it to start over).
 */
import { spawn } from "node:child_process";
import path from "node:path";
import { childOfThisProcess, exitWithParent } from "../src/demo/parent-watch";
import { runDemo } from "../src/demo/supervisor";

/** Set in the demo process this script starts (see `launch`). */
const DEMO_PROCESS = "FLOWPACT_START_DEMO_PROCESS";

/** Each stops the demo in order, its state saved. */
const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

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
    operatorToken: process.env.FLOWPACT_OPERATOR_TOKEN || undefined,
    log,
  });
  // The token rides in the fragment: the browser never sends it to a server or a log.
  log(
    `dashboard: ${demo.dashboardUrl}/#token=${demo.operatorToken}  (JSON API: ${demo.dashboardUrl}/api/summary)`,
  );
  log(
    demo.resumed
      ? "resumed: agreements, balances and receipts are those of the last run; settlement goes on. Ctrl-C stops everything."
      : "the daemon proposes agreements as soon as the offers are indexed; they start 30 s later and run 10-second epochs, so settled credits show about 45 s after the first proposals. Ctrl-C stops everything.",
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
  for (const signal of STOP_SIGNALS) process.on(signal, () => shutdown(signal));
}

/**
 * Runs the demo in a child process and only relays signals to it. Under `tsx` (what `npm start`
 * runs), tsx's CLI relays a Ctrl-C to its child and SIGKILLs that child unless the child's loader
 * acknowledges the signal within 30 ms; the demo's busy event loop (a PGlite query, 30 member
 * nodes) misses that on a loaded machine, and a SIGKILLed demo leaves its chain and its daemon
 * behind. This process has nothing else to do, so it acknowledges at once; the demo itself,
 * started with tsx's require hook rather than its CLI, stops in order however long it takes.
 *
 * Nothing outlives its parent: `npm start` runs this under `sh -c`, and npm relays a SIGTERM to
 * that shell only, which dies without passing it on; so this process watches its parent (the
 * shell, or tsx's CLI) and stops the demo when it is gone, and the demo does the same with this
 * process (parent-watch.cjs: a SIGKILLed parent included).
 */
function launch(): void {
  exitWithParent(process.ppid);
  const watched = childOfThisProcess();
  const child = spawn(process.execPath, [...watched.execArgv, "--require", "tsx/cjs", __filename], {
    cwd: path.join(__dirname, ".."),
    stdio: "inherit",
    env: { ...process.env, ...watched.env, [DEMO_PROCESS]: "1" },
  });
  // A terminal's Ctrl-C reaches the demo too (same process group): it stops once for both.
  const relay = (signal: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  };
  for (const signal of STOP_SIGNALS) process.on(signal, relay);
  child.once("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (process.env[DEMO_PROCESS])
  main().catch((error: Error) => {
    console.error(`flowpact start: ${error.message}`);
    process.exit(1);
  });
else launch();
