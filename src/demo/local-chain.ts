import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import type { NodeReplayResult } from "./chain-node.config";
import { childOfThisProcess } from "./parent-watch";

const ROOT = path.join(__dirname, "..", "..");

/** The local Hardhat node did not come up. */
export class LocalChainError extends Error {
  override name = "LocalChainError";
}

export interface LocalChain {
  rpcUrl: string;
  /** True when this process started the node (and so stops it); false when one was already running. */
  owned: boolean;
  /** The node's process id, when this process started it. */
  pid?: number;
  /** How the node's own replay of `LocalChainOptions.journal` went, when one was asked for. */
  replay?: NodeReplayResult;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

function rpcCaller(rpcUrl: string) {
  let id = 0;
  return async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new LocalChainError(`${method}: ${body.error.message}`);
    return body.result as T;
  };
}

export interface LocalChainOptions {
  /**
   * Genesis time of a node this call starts (Hardhat's `initialDate`, passed through
   * `FLOWPACT_CHAIN_GENESIS_DATE` to hardhat.config.ts). Two nodes with the same genesis time have
   * the same genesis block, so a chain journal replays into the same block hashes.
   */
  genesisDate?: Date;
  /** Start a node even if one answers at the port (it is an error then). */
  fresh?: boolean;
  /**
   * A chain journal for a node this call starts to replay in its own process before it answers
   * (src/demo/chain-node.config.ts); `resultFile` receives the outcome, returned as `replay`.
   */
  journal?: { file: string; resultFile: string };
}

/**
 * Uses the chain already answering at 127.0.0.1:`port` if there is one (a node left running
 * keeps its state, so the demo resumes on it), otherwise starts `hardhat node` there as a child
 * process and resolves once it answers JSON-RPC. The node never outlives this process: `stop()`,
 * this process's exit, or its death (even by SIGKILL, noticed within a second) stops it.
 */
export async function startLocalChain(
  port: number,
  timeoutMs = 90_000,
  options: LocalChainOptions = {},
): Promise<LocalChain> {
  const rpcUrl = `http://127.0.0.1:${port}`;
  const rpc = rpcCaller(rpcUrl);
  const answering = await rpc("eth_chainId").then(
    () => true,
    () => false,
  );
  if (answering) {
    if (options.fresh)
      throw new LocalChainError(`a node already answers at ${rpcUrl}: stop it or set FLOWPACT_RPC_PORT`);
    return { rpcUrl, owned: false, rpc, stop: async () => {} };
  }
  // The node stops by itself when this process is gone, even SIGKILLed (parent-watch.cjs).
  const watched = childOfThisProcess();
  const env: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...watched.env };
  if (options.genesisDate) env.FLOWPACT_CHAIN_GENESIS_DATE = options.genesisDate.toISOString();
  else delete env.FLOWPACT_CHAIN_GENESIS_DATE;
  delete env.FLOWPACT_REPLAY_JOURNAL;
  delete env.FLOWPACT_REPLAY_RESULT;
  const replayConfig: string[] = [];
  if (options.journal) {
    env.FLOWPACT_REPLAY_JOURNAL = options.journal.file;
    env.FLOWPACT_REPLAY_RESULT = options.journal.resultFile;
    rmSync(options.journal.resultFile, { force: true });
    replayConfig.push("--config", path.join(__dirname, "chain-node.config.ts"));
  }
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...watched.execArgv,
      path.join(ROOT, "node_modules", "hardhat", "internal", "cli", "cli.js"),
      ...replayConfig,
      "node",
      "--hostname",
      "127.0.0.1",
      "--port",
      String(port),
    ],
    // Its own process group: a Ctrl-C in the terminal reaches only the caller, which stops the
    // node last, after everything that writes to the chain (and the chain journal) has stopped.
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env, detached: true },
  );
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  child.once("exit", () => process.removeListener("exit", killOnExit));
  let output = "";
  const keep = (d: Buffer) => {
    if (output.length < 20_000) output += d;
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 3_000).unref();
    });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new LocalChainError(
        `hardhat node exited early (is port ${port} taken? set FLOWPACT_RPC_PORT):\n${output.slice(-2_000)}`,
      );
    try {
      await rpc("eth_chainId");
      const resultFile = options.journal?.resultFile;
      const replay =
        resultFile && existsSync(resultFile)
          ? (JSON.parse(readFileSync(resultFile, "utf8")) as NodeReplayResult)
          : undefined;
      return { rpcUrl, owned: true, pid: child.pid, rpc, stop, replay };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new LocalChainError(`hardhat node did not answer on ${rpcUrl} within ${timeoutMs / 1000} s`);
}
