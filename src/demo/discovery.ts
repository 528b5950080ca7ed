import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * How other shells find a running `npm start` demo: `<dataDir>/running.json`, written once the
 * dashboard listens and removed when the demo stops. The CLI reads it (through
 * `FLOWPACT_DEMO_DIR`, or `.flowpact/demo` under the working directory) for the chain's URL;
 * the deployment is `<dataDir>/deployments`, beside it.
 */
export interface DemoDiscovery {
  rpcUrl: string;
  dashboardUrl: string;
  chainId: number;
  /** The demo's process: a file left by a killed demo names a process that is gone. */
  pid: number;
}

const DISCOVERY_FILE = "running.json";

export const demoDiscoveryFile = (dataDir: string): string => path.join(dataDir, DISCOVERY_FILE);

/**
 * Writes the discovery file and logs the line to paste into another shell; returns what removes
 * the file again (call it when the demo stops).
 */
export function publishDemoDiscovery(
  dataDir: string,
  discovery: Omit<DemoDiscovery, "pid">,
  log: (line: string) => void,
): () => Promise<void> {
  const file = demoDiscoveryFile(dataDir);
  writeFileSync(`${file}.tmp`, `${JSON.stringify({ ...discovery, pid: process.pid }, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  log(
    `other shells: export FLOWPACT_DEMO_DIR=${path.resolve(dataDir)}   (then \`npx flowpact …\` uses this demo's chain, deployment and an index of its own)`,
  );
  return async () => rmSync(file, { force: true });
}

/** The running demo's discovery file, or undefined when there is none or its process is gone. */
export function readDemoDiscovery(dataDir: string): DemoDiscovery | undefined {
  const file = demoDiscoveryFile(dataDir);
  if (!existsSync(file)) return undefined;
  let found: Partial<DemoDiscovery>;
  try {
    found = JSON.parse(readFileSync(file, "utf8")) as Partial<DemoDiscovery>;
  } catch {
    return undefined;
  }
  if (typeof found.rpcUrl !== "string" || typeof found.pid !== "number") return undefined;
  try {
    process.kill(found.pid, 0); // throws ESRCH when the process is gone
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return undefined;
  }
  return found as DemoDiscovery;
}
