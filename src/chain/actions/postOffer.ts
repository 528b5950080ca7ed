import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import type { OfferTerms } from "../types";
import { eventFromReceipt, writeFlowPact } from "../write";

export interface PostOfferParameters {
  terms: OfferTerms;
}
export interface PostOfferReturnType {
  offerId: bigint;
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Publishes an offer (supply, demand or both) for the calling member.
 *
 * @example
 * const { offerId } = await postOffer(client, { terms: { supplySegments: 0b101n, capacityPerEpoch: 500n, minRate: 2n, demandSegments: 0n, volumePerEpoch: 0n, maxRate: 0n, excludedIndustries: 1n << 1n, expiry } });
 */
export async function postOffer(
  client: FlowPactClient,
  { terms }: PostOfferParameters,
): Promise<PostOfferReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "OfferBook",
    functionName: "postOffer",
    args: [terms],
  });
  const { offerId } = eventFromReceipt<{ offerId: bigint }>(client, receipt, "OfferBook", "OfferPosted");
  return { offerId, hash, blockNumber: receipt.blockNumber };
}
