import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import type { OfferTerms } from "../types";
import { writeFlowPact } from "../write";

export interface UpdateOfferParameters {
  offerId: bigint;
  terms: OfferTerms;
}
export interface UpdateOfferReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Replaces the terms of one of the caller's offers.
 *
 * @example
 * await updateOffer(client, { offerId: 3n, terms: { ...terms, capacityPerEpoch: 800n } });
 */
export async function updateOffer(
  client: FlowPactClient,
  { offerId, terms }: UpdateOfferParameters,
): Promise<UpdateOfferReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "OfferBook",
    functionName: "updateOffer",
    args: [offerId, terms],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
