import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Address, Hex } from "viem";
import type { Deployment } from "../chain/deployments";

/**
 * What `npm start` remembers between runs, in `<dataDir>/demo.json`. The demo resumes only on
 * the very chain it bootstrapped (same genesis block hash and the Consortium still deployed); a
 * fresh `hardhat node` has neither, so the data directory is reset and the consortium bootstrapped
 * again, which keeps the store consistent with the chain it indexes.
 */
export interface DemoState {
  chainId: number;
  genesisHash: Hex;
  deployment: Deployment;
  /** Member addresses in the order of the demo's generated keys. */
  members: Address[];
  /** The member whose node under-reports arrivals. */
  dishonest: Address;
  /** Agreements the bootstrap proposed and the parties accepted. */
  agreements: string[];
  bootstrappedAt: string;
}

const STATE_FILE = "demo.json";

export function readDemoState(dataDir: string): DemoState | undefined {
  const file = path.join(dataDir, STATE_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, "utf8")) as DemoState;
  } catch {
    return undefined;
  }
}

export function writeDemoState(dataDir: string, state: DemoState): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(path.join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`);
}

/** Removes everything the demo keeps in `dataDir` (store, daemon data, state file). */
export function resetDataDir(dataDir: string): void {
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
}

/** Whether `state` describes the chain answering now: same genesis, Consortium still deployed. */
export async function stateMatchesChain(
  state: DemoState,
  rpc: <T>(method: string, params?: unknown[]) => Promise<T>,
): Promise<boolean> {
  const genesis = await rpc<{ hash: Hex } | null>("eth_getBlockByNumber", ["0x0", false]);
  if (!genesis || genesis.hash !== state.genesisHash) return false;
  const code = await rpc<Hex>("eth_getCode", [state.deployment.contracts.Consortium, "latest"]);
  return code !== "0x";
}
