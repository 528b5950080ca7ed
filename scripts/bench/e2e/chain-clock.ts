import type { LocalNode } from "../../../test/service/helpers/hardhatNode";

/**
 * The time the member nodes and the chain agree on: the machine's clock plus an offset that is
 * also the Hardhat node's. Nodes decide epochs with `now()`; the chain checks an epoch's end
 * against its blocks' timestamps, which follow the same offset (or run slightly ahead when many
 * transactions are mined within one second, which only makes an ended epoch more ended).
 */
export interface ChainClock {
  /** Unix seconds on the shared clock. */
  now(): bigint;
  /** Moves both the chain and `now()` forward by `seconds` and mines a block. */
  advance(seconds: bigint): Promise<void>;
  /** Mines an empty block at the chain's now (calls are simulated on the latest block). */
  mine(): Promise<void>;
}

const wall = () => Math.floor(Date.now() / 1000);

/**
 * Jumps the chain to `at` (the agreements' start: proposals and acceptances mined earlier pushed
 * its clock ahead, one second per block) and returns the clock that follows it from there.
 */
export async function startChainClock(node: LocalNode, at: bigint): Promise<ChainClock> {
  await node.rpc("evm_setNextBlockTimestamp", [Number(at)]);
  await node.rpc("evm_mine");
  let offset = Number(at) - wall();
  return {
    now: () => BigInt(wall() + offset),
    async advance(seconds) {
      await node.rpc("evm_increaseTime", [Number(seconds)]);
      offset += Number(seconds);
      await node.rpc("evm_mine");
    },
    async mine() {
      await node.rpc("evm_mine");
    },
  };
}
