import type { Hash } from "viem";
import type { Batch } from "../../receipts";
import { type SettlementClient, writeSettlement } from "./settlement-client";

/**
 * Claims a batch without co-signature (`Settlement.claim`), opening its challenge window.
 * Caller: the flow's referrer, when the recipient did not co-sign by the deadline.
 *
 * @example
 * const hash = await claimBatch(client, { batch });
 */
export function claimBatch(client: SettlementClient, { batch }: { batch: Batch }): Promise<Hash> {
  return writeSettlement(client, "claim", [
    batch.agreementId,
    BigInt(batch.flow),
    batch.epoch,
    BigInt(batch.count),
    batch.root,
  ]);
}
