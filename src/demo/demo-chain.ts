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
 * The demo's chain. With a saved demo: a node started at the saved genesis time (or the one
 * still running at the port), its genesis checked against the saved hash, and the chain journal
 * replayed into it with progress lines, every replayed block hash checked against the journal.
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
  const start = async (genesisTime: number) => {
    const chain = await startLocalChain(options.port, 90_000, { genesisDate: new Date(genesisTime * 1000) });
    log(
      chain.owned
        ? `local chain: started hardhat node at ${chain.rpcUrl}`
        : `local chain: using the node already running at ${chain.rpcUrl}`,
    );
    return chain;
  };
  const chain = await start(saved?.genesisTime ?? secondsNow());
  if (!saved) return { chain, saved, journaled: 0, replayed: 0 };
  const genesis = await blockOf(chain.rpc, "0x0");
  if (genesis.hash !== saved.genesisHash) {
    log("the saved demo belongs to another chain (its genesis block differs): starting over");
    saved = undefined;
  } else {
    try {
      const blocks = readChainJournal(demoPaths(options.dataDir).journal);
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
      log(
        replayed > 0
          ? `replayed ${replayed} blocks in ${((Date.now() - started) / 1000).toFixed(1)} s: every checked block hash matches the journal`
          : `the running node already holds the journal's ${blocks.length} blocks`,
      );
      return { chain, saved, journaled: blocks.length, replayed };
    } catch (error) {
      if (!(error instanceof ChainJournalError)) throw error;
      log(`${error.message}: starting over`);
      saved = undefined;
    }
  }
  if (!chain.owned) return { chain, saved, journaled: 0, replayed: 0 };
  // The node holds (part of) another chain: start over on a fresh one.
  await chain.stop();
  return { chain: await start(secondsNow()), saved, journaled: 0, replayed: 0 };
}
