import { appendFileSync, existsSync, readFileSync } from "node:fs";
import {
  formatTransaction,
  type Hex,
  keccak256,
  type RpcTransaction,
  serializeTransaction,
  type TransactionSerializable,
} from "viem";

/**
 * The local chain's journal: every block after genesis as one JSON line (`<dataDir>/chain.jsonl`)
 * with its number, hash, timestamp and transactions as raw signed bytes. A Hardhat 2 node keeps
 * no state across restarts; replaying the journal into a fresh node started with the same genesis
 * time (`FLOWPACT_CHAIN_GENESIS_DATE`) rebuilds the very same chain: same transactions, so the same
 * contract addresses, state and transaction hashes, and the same block hashes.
 *
 * Why blocks are read back from the node rather than transactions caught on their way in: the
 * chain changes through every client of the demo (bootstrap, daemon, member nodes, dashboard)
 * and through `evm_mine`; following blocks records all of it with no proxy in front of the node,
 * and each rebuilt transaction is checked against its hash, so a journal line is known to be
 * exactly what the chain holds.
 */
export interface JournalBlock {
  number: number;
  hash: Hex;
  timestamp: number;
  /** Raw signed transactions, in block order. */
  txs: Hex[];
}

export type Rpc = <T>(method: string, params?: unknown[]) => Promise<T>;

/** The journal cannot be recorded or replayed as it is. */
export class ChainJournalError extends Error {
  override name = "ChainJournalError";
}

/** The replayed chain differs from the journal (another Hardhat version, or an edited journal). */
export class ChainReplayDivergedError extends ChainJournalError {
  override name = "ChainReplayDivergedError";
  constructor(
    readonly blockNumber: number,
    detail: string,
  ) {
    super(
      `the replayed chain differs from the journal at block ${blockNumber} (${detail}); delete the demo's data directory to start over`,
    );
  }
}

type RpcBlock = { number: Hex; hash: Hex; timestamp: Hex; transactions: RpcTransaction[] };

/** The raw signed bytes of a transaction read from a block, checked against its hash. */
export function rawTransaction(rpcTx: RpcTransaction): Hex {
  const tx = formatTransaction(rpcTx);
  const serializable = { ...tx, data: tx.input } as unknown as TransactionSerializable;
  const raw = serializeTransaction(serializable, { r: tx.r, s: tx.s, v: tx.v, yParity: tx.yParity });
  if (keccak256(raw) !== tx.hash)
    throw new ChainJournalError(
      `transaction ${tx.hash} (type ${tx.type}) does not serialize back to its hash: the chain journal cannot record it`,
    );
  return raw;
}

/** Reads a block with its transactions from the node, as a journal line. */
export async function journalBlock(rpc: Rpc, number: number): Promise<JournalBlock> {
  const block = await rpc<RpcBlock | null>("eth_getBlockByNumber", [`0x${number.toString(16)}`, true]);
  if (!block) throw new ChainJournalError(`block ${number} is missing from the node`);
  return {
    number,
    hash: block.hash,
    timestamp: Number(BigInt(block.timestamp)),
    txs: block.transactions.map(rawTransaction),
  };
}

/**
 * The journal's blocks, in order. A last line cut short by a crash mid-write is dropped (that
 * block is recorded again from the node); anything else out of place is an error.
 */
export function readChainJournal(file: string): JournalBlock[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: JournalBlock[] = [];
  for (const [k, line] of lines.entries()) {
    if (line.trim() === "") continue;
    let block: JournalBlock;
    try {
      block = JSON.parse(line) as JournalBlock;
    } catch {
      if (k >= lines.length - 2) break;
      throw new ChainJournalError(
        `${file}:${k + 1} is not a journal line; delete the data directory to start over`,
      );
    }
    if (block.number !== blocks.length + 1)
      throw new ChainJournalError(
        `${file}:${k + 1} holds block ${block.number}, expected ${blocks.length + 1}; delete the data directory to start over`,
      );
    blocks.push(block);
  }
  return blocks;
}

export interface ChainRecorder {
  /** The last block written to the journal. */
  readonly recordedBlock: number;
  /** Records every block up to the node's head now. */
  catchUp(): Promise<void>;
  /** Stops following after a last catch-up (call before the node stops). */
  stop(): Promise<void>;
}

/**
 * Follows the node's blocks and appends each one to the journal file, from `afterBlock + 1`.
 * Polls every `pollMs`; failed polls are retried, and reported from the third in a row.
 */
export function startChainRecorder(options: {
  rpc: Rpc;
  file: string;
  afterBlock: number;
  pollMs?: number;
  onError?: (error: Error) => void;
}): ChainRecorder {
  let recorded = options.afterBlock;
  let stopped = false;
  let inflight: Promise<void> | undefined;
  const catchUpOnce = async () => {
    const head = Number(BigInt(await options.rpc<Hex>("eth_blockNumber")));
    while (recorded < head) {
      const lines: string[] = [];
      // A few blocks per write: one appendFileSync per block would dominate on a busy chain.
      for (let n = recorded + 1; n <= Math.min(head, recorded + 50); n++)
        lines.push(JSON.stringify(await journalBlock(options.rpc, n)));
      appendFileSync(options.file, `${lines.join("\n")}\n`);
      recorded += lines.length;
    }
  };
  const catchUp = async () => {
    while (inflight) await inflight.catch(() => undefined);
    inflight = catchUpOnce();
    try {
      await inflight;
    } finally {
      inflight = undefined;
    }
  };
  let timer: NodeJS.Timeout | undefined;
  let failures = 0;
  const schedule = () => {
    timer = setTimeout(async () => {
      // A busy process answers late now and then: only repeated failures are worth a line.
      await catchUp().then(
        () => {
          failures = 0;
        },
        (e: Error) => {
          if (++failures === 3) options.onError?.(e);
        },
      );
      if (!stopped) schedule();
    }, options.pollMs ?? 250);
  };
  schedule();
  return {
    get recordedBlock() {
      return recorded;
    },
    catchUp,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await catchUp();
    },
  };
}

const hex = (n: number) => `0x${n.toString(16)}`;

/**
 * Replays the journal into the node: each block's transactions sent raw and mined at the block's
 * own timestamp, so the node rebuilds the recorded chain. Blocks the node already has are
 * skipped after checking that its head is the journal's block (a node left running keeps its
 * chain, and may be ahead of the journal: the recorder then writes the rest). Block hashes are
 * checked every `checkEvery` blocks and at the end.
 *
 * @example
 * await replayChainJournal(chain.rpc, readChainJournal(file), { onProgress: (d, t) => log(`${d}/${t}`) });
 */
export async function replayChainJournal(
  rpc: Rpc,
  blocks: readonly JournalBlock[],
  options: { onProgress?: (done: number, total: number) => void; checkEvery?: number } = {},
): Promise<{ replayed: number; skipped: number }> {
  const head = Number(BigInt(await rpc<Hex>("eth_blockNumber")));
  const check = async (block: JournalBlock) => {
    const onNode = await rpc<{ hash: Hex } | null>("eth_getBlockByNumber", [hex(block.number), false]);
    if (onNode?.hash !== block.hash)
      throw new ChainReplayDivergedError(
        block.number,
        `hash ${onNode?.hash ?? "none"}, journal ${block.hash}`,
      );
  };
  // A node left running holds the journal's chain and maybe blocks the recorder had not written yet.
  if (head >= blocks.length) {
    if (blocks.length > 0) await check(blocks[blocks.length - 1]);
    return { replayed: 0, skipped: blocks.length };
  }
  if (head > 0) await check(blocks[head - 1]);
  const total = blocks.length;
  const checkEvery = options.checkEvery ?? 500;
  for (let k = head; k < total; k++) {
    const block = blocks[k];
    if (block.txs.length === 0) await rpc("evm_mine", [block.timestamp]);
    else if (block.txs.length === 1) {
      await rpc("evm_setNextBlockTimestamp", [block.timestamp]);
      await rpc("eth_sendRawTransaction", [block.txs[0]]);
    } else {
      // Several transactions in one block (the node mined without automine): queue them, mine once.
      await rpc("evm_setAutomine", [false]);
      try {
        for (const tx of block.txs) await rpc("eth_sendRawTransaction", [tx]);
        await rpc("evm_mine", [block.timestamp]);
      } finally {
        await rpc("evm_setAutomine", [true]);
      }
    }
    if ((k + 1) % checkEvery === 0 || k + 1 === total) {
      await check(block);
      options.onProgress?.(k + 1, total);
    } else if ((k + 1) % 100 === 0) options.onProgress?.(k + 1, total);
  }
  return { replayed: total - head, skipped: head };
}
