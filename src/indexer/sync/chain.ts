import { type Address, BlockNotFoundError, type Log } from "viem";
import type { FlowPactPublicClient } from "../../chain/clients";
import { isRangeRefusal, isRpcFailure } from "./rpc";
import type { BlockHeader } from "./types";

/**
 * Block header, or `undefined` when the node answers that it has no such block (the chain is
 * shorter). A failing RPC is not an answer: its error is thrown, for the caller to retry.
 */
export async function fetchHeader(
  client: FlowPactPublicClient,
  number: bigint,
): Promise<BlockHeader | undefined> {
  try {
    const block = await client.getBlock({ blockNumber: number });
    return { number: block.number!, hash: block.hash!, parentHash: block.parentHash };
  } catch (error) {
    if (error instanceof BlockNotFoundError) return undefined;
    throw error;
  }
}

/**
 * FlowPact logs of [fromBlock, toBlock], halving the range when the node refuses one as too
 * large (public RPCs cap results), so any `logRange` works against any provider. A failing RPC
 * is thrown as it is (for the caller to retry), not split into ever smaller ranges.
 */
export async function fetchLogs(
  client: FlowPactPublicClient,
  addresses: Address[],
  fromBlock: bigint,
  toBlock: bigint,
): Promise<Log[]> {
  try {
    return await client.getLogs({ address: addresses, fromBlock, toBlock });
  } catch (error) {
    if (toBlock <= fromBlock || (isRpcFailure(error) && !isRangeRefusal(error))) throw error;
    const middle = (fromBlock + toBlock) / 2n;
    const [left, right] = await Promise.all([
      fetchLogs(client, addresses, fromBlock, middle),
      fetchLogs(client, addresses, middle + 1n, toBlock),
    ]);
    return [...left, ...right];
  }
}

/** Logs of exactly the block with this hash: consistent with the header even during a reorg. */
export function fetchBlockLogs(client: FlowPactPublicClient, addresses: Address[], blockHash: `0x${string}`) {
  return client.getLogs({ address: addresses, blockHash });
}
