/**
 * The Hardhat config of `npm start`'s node when it resumes a saved demo: the project's config,
 * plus a chain journal replayed inside the node process before its JSON-RPC server opens.
 *
 * Why inside: a replay is one request after another (every transaction depends on the state the
 * previous one left, and block hashes must come out the same), so over HTTP each block pays two
 * round trips between two processes; on a busy 2-core machine those round trips, not the EVM,
 * were the cost (47 blocks/s). In the node's own process a request is a call into EDR.
 * `FLOWPACT_REPLAY_JOURNAL` names the journal, `FLOWPACT_REPLAY_RESULT` the file the outcome is
 * written to (`{ replayed, seconds }` or `{ error }`): the node opens its server either way, and
 * the demo decides (see demo-chain.ts).
 */
import { renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { TASK_NODE_GET_PROVIDER } from "hardhat/builtin-tasks/task-names";
import { subtask } from "hardhat/config";
import type { EthereumProvider } from "hardhat/types";
import config from "../../hardhat.config";
import { readChainJournal, replayChainJournal } from "./chain-journal";

/** What the node reports of its replay (`FLOWPACT_REPLAY_RESULT`). */
export type NodeReplayResult = { replayed: number; seconds: number } | { error: string; name: string };

subtask(TASK_NODE_GET_PROVIDER).setAction(async (args, _hre, runSuper) => {
  const provider: EthereumProvider = await runSuper(args);
  const journal = process.env.FLOWPACT_REPLAY_JOURNAL;
  const resultFile = process.env.FLOWPACT_REPLAY_RESULT;
  if (!journal || !resultFile) return provider;
  const started = Date.now();
  let result: NodeReplayResult;
  try {
    const rpc = <T>(method: string, params: unknown[] = []) =>
      provider.request({ method, params }) as Promise<T>;
    const { replayed } = await replayChainJournal(rpc, readChainJournal(journal));
    result = { replayed, seconds: (Date.now() - started) / 1000 };
  } catch (error) {
    result = { error: (error as Error).message, name: (error as Error).name };
  }
  writeFileSync(`${resultFile}.tmp`, JSON.stringify(result));
  renameSync(`${resultFile}.tmp`, resultFile);
  return provider;
});

export default { ...config, paths: { ...config.paths, root: path.join(__dirname, "..", "..") } };
