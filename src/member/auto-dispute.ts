import type { Address, Hex } from "viem";
import { settlementAbi } from "../abi/contracts";
import type { StoreDriver } from "../store/driver";
import type { AgreementDirectory } from "./agreements";
import { disputeBatch } from "./chain/dispute-batch";
import type { SettlementClient } from "./chain/settlement-client";
import { buildFlowBatch, type FlowBatch, recordBatch } from "./flow-batch";

export type AutoDisputeOutcome =
  | { type: "disputed"; claimed: { count: bigint; root: Hex }; own: FlowBatch; txHash: Hex }
  | { type: "accepted"; claimed: { count: bigint; root: Hex }; own: FlowBatch }
  | { type: "failed"; claimed: { count: bigint; root: Hex }; reason: string };

/**
 * Watches `BatchClaimed` on Settlement for the flows this member receives, and disputes every
 * claim that does not match its own arrival records (with its own count and root, which the
 * contract settles at once; an auditor resolves the rest). One pass per call, from the block
 * after the last one it scanned.
 */
export function createAutoDisputer(p: {
  member: Address;
  driver: StoreDriver;
  agreements: AgreementDirectory;
  settlement: SettlementClient;
  now: () => bigint;
  fromBlock?: bigint;
}) {
  const tenant = p.member.toLowerCase();
  let nextBlock = p.fromBlock ?? 0n;
  return {
    async once(): Promise<AutoDisputeOutcome[]> {
      const head = await p.settlement.publicClient.getBlockNumber({ cacheTime: 0 });
      if (head < nextBlock) return [];
      const logs = (await p.settlement.publicClient.getContractEvents({
        address: p.settlement.settlement,
        abi: settlementAbi,
        eventName: "BatchClaimed",
        fromBlock: nextBlock,
        toBlock: head,
      } as never)) as unknown as Array<{
        args: { agreementId: bigint; flow: bigint; epoch: bigint; count: bigint; root: Hex };
      }>;
      nextBlock = head + 1n;
      const outcomes: AutoDisputeOutcome[] = [];
      for (const { args } of logs) {
        const claimed = { count: BigInt(args.count), root: args.root };
        const terms = await p.agreements.get(args.agreementId);
        const flow = terms?.flows[Number(args.flow)];
        if (!flow || flow.to !== tenant) continue;
        try {
          const own = await buildFlowBatch(p.driver, {
            tenant,
            source: "arrivals",
            agreementId: args.agreementId,
            flow: Number(args.flow),
            epoch: BigInt(args.epoch),
          });
          // A claim at or below our own count costs us nothing we did not receive: let it stand
          // (the contract only takes disputes with a lower count).
          if (BigInt(own.count) >= claimed.count) {
            outcomes.push({ type: "accepted", claimed, own });
            continue;
          }
          const txHash = await disputeBatch(p.settlement, { counter: own });
          await recordBatch(p.driver, {
            tenant,
            role: "recipient",
            batch: own,
            status: "disputed",
            txHash,
            detail: `claimed ${claimed.count} (root ${claimed.root})`,
            now: p.now(),
          });
          outcomes.push({ type: "disputed", claimed, own, txHash });
        } catch (error) {
          outcomes.push({ type: "failed", claimed, reason: (error as Error).message.split("\n")[0] });
        }
      }
      return outcomes;
    },
  };
}
