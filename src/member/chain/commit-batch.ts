import type { Hash, Hex } from "viem";
import type { Batch } from "../../receipts";
import { type SettlementClient, writeSettlement } from "./settlement-client";

export type CommitBatchParameters = { batch: Batch; recipientSignature: Hex };

/**
 * Commits a batch co-signed by the flow's recipient (`Settlement.commit`); final at once.
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
