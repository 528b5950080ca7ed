import { execFile, spawn } from "node:child_process";
import path from "node:path";

const BIN = path.join(__dirname, "..", "..", "..", "src", "cli", "bin.cjs");

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Settings a developer's shell may hold that would leak into the CLI under test. */
const SCRUBBED = [
  "FLOWPACT_PRIVATE_KEY",
  "FLOWPACT_KEYSTORE",
  "FLOWPACT_KEYSTORE_PASSWORD",
  "FLOWPACT_CONFIG",
  "FLOWPACT_CHAIN_ID",
  "DATABASE_URL",
  // Where the chain, deployment and store are (a running demo's included).
  "FLOWPACT_RPC_URL",
  "FLOWPACT_DEPLOYMENTS_DIR",
  "FLOWPACT_DATA_DIR",
  "FLOWPACT_DEMO_DIR",
  "FLOWPACT_RPC_PORT",
  "FLOWPACT_API_PORT",
];

/**
 * Runs `flowpact` as its own process (`node src/cli/bin.cjs …`, what `npx flowpact` runs), in
 * `cwd`, with `env` on top of a scrubbed copy of this process's environment.
 */
export function createCliRunner(base: { cwd: string; env: Record<string, string> }) {
  return (args: string[], env: Record<string, string> = {}): Promise<CliResult> => {
    const fullEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...base.env, ...env };
    for (const name of SCRUBBED) if (!(name in env) && !(name in base.env)) delete fullEnv[name];
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [BIN, ...args],
        { cwd: base.cwd, env: fullEnv, maxBuffer: 10 * 1024 * 1024 },
        (error, stdout, stderr) => {
          const code = error ? (typeof error.code === "number" ? error.code : 1) : 0;
          resolve({ code, stdout, stderr });
        },
      );
    });
  };
}

/** Parses the `--json` output of a successful run, failing with the run's stderr otherwise. */
export function jsonOf<T = Record<string, unknown>>(result: CliResult, what: string): T {
  if (result.code !== 0)
    throw new Error(`${what} exited with ${result.code}:\n${result.stderr}\n${result.stdout}`);
  return JSON.parse(result.stdout) as T;
}

/**
 * Runs `flowpact` with its stdout closed before it writes anything: what `flowpact … | head`
 * does to a command whose output outlives the reader.
 */
export function runCliWithClosedStdout(
  base: { cwd: string; env: Record<string, string> },
  args: string[],
): Promise<{ code: number | null; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...base.env };
  for (const name of SCRUBBED) if (!(name in base.env)) delete env[name];
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: base.cwd,
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once("close", (code) => resolve({ code, stderr })));
}
