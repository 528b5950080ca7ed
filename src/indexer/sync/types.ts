import type { Hex, Log } from "viem";

export interface BlockHeader {
  number: bigint;
  hash: Hex;
  parentHash: Hex;
}

/**
 * What following the chain produces, in Ponder's manner: a new block with its FlowPact logs,
 * a reorg back to the last common block, or a block that can no longer be reorganised away.
 */
export type RealtimeEvent =
  | { type: "block"; block: BlockHeader; logs: Log[] }
  | { type: "reorg"; forkBlock: bigint; replacedTip: bigint }
  | { type: "finalize"; block: bigint };

/** The chain reorganised deeper than the blocks the store keeps hashes and undo data for. */
export class ReorgTooDeepError extends Error {
  override name = "ReorgTooDeepError";
  constructor(readonly oldestKnown: bigint) {
    super(
      `the chain reorganised below block ${oldestKnown}, older than FLOWPACT_FINALITY_DEPTH allows undoing: raise it and re-index into a fresh data directory`,
    );
  }
}

/**
 * The chain's RPC kept failing (network, HTTP 5xx, timeout, internal error) for as many retries
 * as this run allows (`flowpact index --once`, a daemon tick). Nothing was rolled back: the next
 * run resumes where this one stopped.
 */
export class ChainRpcFailingError extends Error {
  override name = "ChainRpcFailingError";
  constructor(
    readonly method: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(
      `the chain RPC failed ${attempts} times in a row (${method}): check the node or FLOWPACT_RPC_URL; the index is intact and resumes where it stopped`,
      { cause },
    );
  }
}
