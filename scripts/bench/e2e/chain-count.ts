import type { Address, Hex, PublicClient } from "viem";
import { settlementAbi } from "../../../src/abi/contracts";

/** What the chain says was settled: read back from Settlement, never from the nodes' stores. */
export interface SettledOnChain {
  /** Sum of the counts of the co-signed batches committed (BatchCommitted events). */
  settled: bigint;
  /** Sum of `settledCount` of those batches (Settlement.batchOf): equals `settled` under the caps. */
  settledCount: bigint;
  batches: number;
  /** Distinct epochs with a committed batch. */
  epochs: number;
  /** Count per `${agreementId}:${flow}:${epoch}`. */
  byBatch: Map<string, bigint>;
  /** Batches claimed without a co-signature (none expected: each is a disagreement). */
  claimed: number;
  /** Gas of the commit transactions (from their receipts). */
  commitGas: bigint;
}

/**
 * Reads every BatchCommitted and BatchClaimed event of `settlement` since `fromBlock`, checks
 * each committed batch's view, and sums the commits' gas from their receipts.
 */
export async function readSettledOnChain(
  publicClient: PublicClient,
  settlement: Address,
  fromBlock: bigint,
): Promise<SettledOnChain> {
  const committed = await publicClient.getContractEvents({
    address: settlement,
    abi: settlementAbi,
    eventName: "BatchCommitted",
    fromBlock,
    toBlock: "latest",
  });
  const claimed = await publicClient.getContractEvents({
    address: settlement,
    abi: settlementAbi,
    eventName: "BatchClaimed",
    fromBlock,
    toBlock: "latest",
  });
  const byBatch = new Map<string, bigint>();
  const epochs = new Set<bigint>();
  const txs = new Set<Hex>();
  let settled = 0n;
  let settledCount = 0n;
  for (const log of committed) {
    const { agreementId, flow, epoch, count } = log.args as {
      agreementId: bigint;
      flow: bigint;
      epoch: bigint;
      count: bigint;
    };
    byBatch.set(`${agreementId}:${flow}:${epoch}`, count);
    epochs.add(epoch);
    settled += count;
    txs.add(log.transactionHash);
    const view = (await publicClient.readContract({
      address: settlement,
      abi: settlementAbi,
      functionName: "batchOf",
      args: [agreementId, flow, epoch],
    })) as { settledCount: bigint };
    settledCount += view.settledCount;
  }
  let commitGas = 0n;
  for (const hash of txs) commitGas += (await publicClient.getTransactionReceipt({ hash })).gasUsed;
  return {
    settled,
    settledCount,
    batches: committed.length,
    epochs: epochs.size,
    byBatch,
    claimed: claimed.length,
    commitGas,
  };
}
