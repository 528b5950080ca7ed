import type { Hex } from "viem";
import { ChainJournalError, readChainJournal, replayChainJournal } from "./chain-journal";
import { type LocalChain, startLocalChain } from "./local-chain";
import { type DemoState, demoPaths, readDemoState } from "./state";

export interface DemoChain {
  chain: LocalChain;
  /** The saved demo when its chain is back (replayed, or still running); undefined: start over. */
  saved: DemoState | undefined;
  /** Blocks of the chain journal the node holds (the recorder continues after them). */
  journaled: number;
  /** Blocks replayed into a fresh node. */
  replayed: number;
}

export const blockOf = async (rpc: LocalChain["rpc"], tag: string) => {
  const block = await rpc<{ hash: Hex; timestamp: Hex; number: Hex }>("eth_getBlockByNumber", [tag, false]);
  return {
    hash: block.hash,
    timestamp: Number(BigInt(block.timestamp)),
    number: Number(BigInt(block.number)),
  };
};

const secondsNow = () => Math.floor(Date.now() / 1000);

/**
 * The demo's chain. With a saved demo: a node started at the saved genesis time that replays the
 * chain journal in its own process before it answers (or the node still running at the port,
 * replayed into over JSON-RPC), its genesis checked against the saved hash and every checked
 * block hash against the journal.
 * When that fails (another Hardhat version, a damaged journal) or there is no saved demo: a fresh
 * node whose genesis is now, and `saved` undefined so the caller bootstraps.
 */
export async function openDemoChain(options: {
  port: number;
  dataDir: string;
  log: (line: string) => void;
}): Promise<DemoChain> {
  const { log } = options;
  let saved = readDemoState(options.dataDir);
  const paths = demoPaths(options.dataDir);
  const start = async (genesisTime: number, replay: boolean) => {
    const started = Date.now();
    const chain = await startLocalChain(options.port, 180_000, {
      genesisDate: new Date(genesisTime * 1000),
      // A node this demo starts replays the journal itself, before it answers: see chain-node.config.ts.
      journal: replay ? { file: paths.journal, resultFile: `${paths.journal}.replay.json` } : undefined,
    });
    if (chain.replay && "replayed" in chain.replay)
      log(
        `replayed ${chain.replay.replayed} blocks of the chain journal in the node in ${chain.replay.seconds.toFixed(1)} s (node answering after ${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
    else if (chain.replay) log(`the node could not replay the chain journal: ${chain.replay.error}`);
    log(
      chain.owned
        ? `local chain: started hardhat node at ${chain.rpcUrl}`
        : `local chain: using the node already running at ${chain.rpcUrl}`,
    );
    return chain;
  };
  const chain = await start(saved?.genesisTime ?? secondsNow(), saved !== undefined);
  if (!saved) return { chain, saved, journaled: 0, replayed: 0 };
  const genesis = await blockOf(chain.rpc, "0x0");
  if (genesis.hash !== saved.genesisHash) {
    log("the saved demo belongs to another chain (its genesis block differs): starting over");
    saved = undefined;
  } else {
    try {
      if (chain.replay && "error" in chain.replay)
        throw chain.replay.name === "ChainReplayDivergedError" || chain.replay.name === "ChainJournalError"
          ? new ChainJournalError(chain.replay.error)
          : new Error(`the node could not replay the chain journal: ${chain.replay.error}`);
      const blocks = readChainJournal(paths.journal);
      const started = Date.now();
      let shown = 0;
      const { replayed } = await replayChainJournal(chain.rpc, blocks, {
        onProgress: (done, total) => {
          // About ten lines for a long journal, one for a short one.
          if (done === total || done - shown >= Math.max(500, Math.ceil(total / 10))) {
            shown = done;
            log(`replaying the chain journal: ${done}/${total} blocks`);
          }
        },
      });
      // Only a node that was already running (or one that stopped short) replays over JSON-RPC.
      if (replayed > 0)
        log(
          `replayed ${replayed} blocks in ${((Date.now() - started) / 1000).toFixed(1)} s: every checked block hash matches the journal`,
        );
      else if (chain.replay) log("every checked block hash matches the journal");
      else log(`the running node already holds the journal's ${blocks.length} blocks`);
      const inNode = chain.replay && "replayed" in chain.replay ? chain.replay.replayed : 0;
      return { chain, saved, journaled: blocks.length, replayed: replayed + inNode };
    } catch (error) {
      if (!(error instanceof ChainJournalError)) throw error;
      log(`${error.message}: starting over`);
      saved = undefined;
    }
  }
  if (!chain.owned) return { chain, saved, journaled: 0, replayed: 0 };
  // The node holds (part of) another chain: start over on a fresh one.
  await chain.stop();
  return { chain: await start(secondsNow(), false), saved, journaled: 0, replayed: 0 };
}
