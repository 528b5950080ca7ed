import type { Hash, Hex } from "viem";
import type { FlowBatch } from "../flow-batch";
import { type SettlementClient, writeSettlement } from "./settlement-client";

export type CommitBatchParameters = {
  batch: Pick<FlowBatch, "agreementId" | "flow" | "epoch" | "root"> & { count: number | bigint };
  recipientSignature: Hex;
};

/**
 * Commits a batch at the recipient's acknowledgement of it (`Settlement.commit`); final at once.
 * Caller: the flow's referrer.
 *
 * @example
 * const hash = await commitBatch(client, { batch, recipientSignature });
 */
export function commitBatch(
  client: SettlementClient,
  { batch, recipientSignature }: CommitBatchParameters,
): Promise<Hash> {
  return writeSettlement(client, "commit", [
    batch.agreementId,
    BigInt(batch.flow),
    batch.epoch,
    BigInt(batch.count),
    batch.root,
    recipientSignature,
  ]);
}
