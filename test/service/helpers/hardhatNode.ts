import { createServer } from "node:net";
import { type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";
import { startLocalChain } from "../../../src/demo/local-chain";

/** Hardhat's development mnemonic: its accounts are funded on every `hardhat node`. */
const DEV_MNEMONIC = "test test test test test test test test test test test junk";

/** Private keys of the node's first 20 funded accounts (#0 deploys and governs in tests). */
export const DEV_KEYS: readonly Hex[] = Array.from({ length: 20 }, (_, addressIndex) =>
  toHex(mnemonicToAccount(DEV_MNEMONIC, { addressIndex }).getHdKey().privateKey!),
);

export interface LocalNode {
  rpcUrl: string;
  port: number;
  /** JSON-RPC call straight to the node (evm_snapshot, evm_mine, …). */
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/**
 * Starts a real `hardhat node` on a free port as a child process (the demo's own starter) and
 * resolves when it answers JSON-RPC. Always `stop()` it (in an `after` hook).
 */
export async function startHardhatNode(timeoutMs = 60_000): Promise<LocalNode> {
  const port = await freePort();
  const chain = await startLocalChain(port, timeoutMs);
  return { rpcUrl: chain.rpcUrl, port, rpc: chain.rpc, stop: chain.stop };
}
