import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import type { Deployment } from "../chain/deployments";

/**
 * What `npm start` remembers between runs, in `<dataDir>/demo.json`, beside the chain journal
 * (`chain.jsonl`), the store of the indexer and the member nodes (`store/`) and the matching
 * daemon's own store (`daemon/`). A restarted demo starts a node with the same genesis time,
 * replays the journal into it and checks the genesis and the replayed blocks against the hashes
 * kept here, so the stores stay consistent with the chain they indexed.
 */
export interface DemoState {
  version: 2;
  chainId: number;
  genesisHash: Hex;
  /** Unix seconds of the genesis block: a restarted node is started at this date. */
  genesisTime: number;
  deployment: Deployment;
  /** Member addresses (lower-case) in the order of the demo's generated keys. */
  members: Address[];
  /** The MATCHER account the daemon proposes with. */
  matcher: Address;
  /**
   * The member whose node under-reports arrivals, and the member whose node auto-accepts nothing
   * (its proposals wait for the dashboard): both picked from the daemon's first proposals.
   */
  roles?: { dishonest: Address; manual: Address };
  bootstrappedAt: string;
}

const STATE_FILE = "demo.json";

export const demoPaths = (dataDir: string) => ({
  state: path.join(dataDir, STATE_FILE),
  journal: path.join(dataDir, "chain.jsonl"),
  store: path.join(dataDir, "store"),
  daemonStore: path.join(dataDir, "daemon"),
  deployments: path.join(dataDir, "deployments"),
  daemonLog: path.join(dataDir, "daemon.log"),
  audits: path.join(dataDir, "audits"),
});

export function readDemoState(dataDir: string): DemoState | undefined {
  const file = demoPaths(dataDir).state;
  if (!existsSync(file)) return undefined;
  try {
    const state = JSON.parse(readFileSync(file, "utf8")) as DemoState;
    return state.version === 2 ? state : undefined;
  } catch {
    return undefined;
  }
}

export function writeDemoState(dataDir: string, state: DemoState): void {
  mkdirSync(dataDir, { recursive: true });
  const file = demoPaths(dataDir).state;
  // Write then rename: a crash mid-write must not leave a state file that cannot be read.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

/** Removes everything the demo keeps in `dataDir` (journal, stores, daemon data, state file). */
export function resetDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
}
