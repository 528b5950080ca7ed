import type { Hash } from "viem";
import { settlementAbi } from "../../abi/contracts";
import type { FlowBatch } from "../flow-batch";
import { type SettlementClient, writeSettlement } from "./settlement-client";

/**
 * Disputes a claim with the recipient's own count and root (`Settlement.dispute`), posting the
 * current dispute bond. Caller: the flow's recipient.
 *
 * @example
 * const hash = await disputeBatch(client, { counter: { agreementId, flow, epoch, count: own.count, root: own.root } });
 */
export async function disputeBatch(
  client: SettlementClient,
  { counter }: { counter: Pick<FlowBatch, "agreementId" | "flow" | "epoch" | "count" | "root"> },
): Promise<Hash> {
  const bond = (await client.publicClient.readContract({
    address: client.settlement,
    abi: settlementAbi,
    functionName: "disputeBond",
  } as never)) as bigint;
  return writeSettlement(
    client,
    "dispute",
    [counter.agreementId, BigInt(counter.flow), counter.epoch, BigInt(counter.count), counter.root],
    bond,
  );
}
