import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { type Hex, toHex } from "viem";
import { mnemonicToAccount } from "viem/accounts";

const ROOT = path.join(__dirname, "..", "..", "..");

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
 * Starts a real `hardhat node` on a free port as a child process and resolves when it answers
 * JSON-RPC. Always `stop()` it (in an `after` hook).
 */
export async function startHardhatNode(timeoutMs = 60_000): Promise<LocalNode> {
  const port = await freePort();
  const rpcUrl = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    process.execPath,
    [
      path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js"),
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, FORCE_COLOR: "0" } },
  );
  let output = "";
  child.stdout?.on("data", (d) => {
    if (output.length < 10_000) output += d;
  });
  child.stderr?.on("data", (d) => {
    if (output.length < 10_000) output += d;
  });
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited early:\n${output}`);
    try {
      await rpc("eth_chainId");
      return { rpcUrl, port, rpc, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`hardhat node did not answer on ${rpcUrl} within ${timeoutMs / 1000} s:\n${output}`);
}
