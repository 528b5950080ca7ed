import type { Address, Hex } from "viem";
import { settlementAbi } from "../abi/contracts";
import type { StoreDriver } from "../store/driver";
import type { AgreementDirectory } from "./agreements";
import { disputeBatch } from "./chain/dispute-batch";
import { readBatch } from "./chain/read-batch";
import { upholdDispute } from "./chain/resolve-dispute";
import type { SettlementClient } from "./chain/settlement-client";
import { buildFlowBatch, type FlowBatch, recordBatch } from "./flow-batch";

export type AutoDisputeOutcome =
  | { type: "disputed"; claimed: { count: bigint; root: Hex }; own: FlowBatch; txHash: Hex }
  | { type: "upheld"; claimed: { count: bigint; root: Hex }; own: FlowBatch; txHash: Hex }
  | { type: "accepted"; claimed: { count: bigint; root: Hex }; own: FlowBatch }
  | { type: "failed"; claimed: { count: bigint; root: Hex }; reason: string };

/**
 * Watches `BatchClaimed` on Settlement for the flows this member receives, and disputes every
 * claim above its own arrival records (with its own count and root, which the contract settles at
 * once; the excess settles only if the referrer shows this member's acknowledgement above it). Then
 * closes its disputes nobody answered once their answer window has passed (`upholdDispute`: its
 * count stands, its bond comes back). One pass per call, from the block after the last one scanned.
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
        args: {
          agreementId: bigint;
          flow: bigint;
          epoch: bigint;
          count: bigint;
          root: Hex;
          acknowledgedCount: bigint;
        };
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
          // A claim at or below our own count (or the flow's cap, which is all it can settle)
          // costs us nothing we did not receive: let it stand (the contract only takes disputes
          // with a lower count, never below what we acknowledged).
          const payable = claimed.count < flow.capPerEpoch ? claimed.count : flow.capPerEpoch;
          if (BigInt(own.count) >= payable || BigInt(own.count) < BigInt(args.acknowledgedCount)) {
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
      outcomes.push(...(await upholdUnanswered()));
      return outcomes;
    },
  };

  /** This member's disputes whose answer window has passed with no acknowledgement shown: closed. */
  async function upholdUnanswered(): Promise<AutoDisputeOutcome[]> {
    const rows = await p.driver.query<{
      agreement_id: string;
      flow: number;
      epoch: string;
      count: string;
      root: string;
      detail: string | null;
    }>(
      `SELECT agreement_id, flow, epoch, count, root, detail FROM member_batches
       WHERE tenant = $1 AND role = 'recipient' AND status = 'disputed' ORDER BY agreement_id, flow, epoch`,
      [tenant],
    );
    const outcomes: AutoDisputeOutcome[] = [];
    for (const row of rows) {
      const key = { agreementId: BigInt(row.agreement_id), flow: Number(row.flow), epoch: BigInt(row.epoch) };
      const own: FlowBatch = { ...key, count: Number(row.count), root: row.root as Hex };
      try {
        const onChain = await readBatch(p.settlement, key);
        const claimed = { count: onChain.count, root: onChain.root };
        if (onChain.status !== "disputed") {
          await recordBatch(p.driver, {
            tenant,
            role: "recipient",
            batch: own,
            status: onChain.status,
            detail: row.detail ?? undefined,
            now: p.now(),
          });
          continue;
        }
        if (p.now() < onChain.challengeEnds) continue;
        const txHash = await upholdDispute(p.settlement, key);
        await recordBatch(p.driver, {
          tenant,
          role: "recipient",
          batch: own,
          status: "resolved",
          txHash,
          detail: `dispute upheld: no acknowledgement above ${own.count} was shown`,
          now: p.now(),
        });
        outcomes.push({ type: "upheld", claimed, own, txHash });
      } catch (error) {
        outcomes.push({
          type: "failed",
          claimed: { count: 0n, root: row.root as Hex },
          reason: (error as Error).message.split("\n")[0],
        });
      }
    }
    return outcomes;
  }
}
