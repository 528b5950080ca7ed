import type { Address } from "viem";
import type { FlowPactClient } from "../clients";
import type { OfferTerms } from "../types";
import { readFlowPact } from "../write";

export interface GetOfferParameters {
  offerId: bigint;
}
export interface GetOfferReturnType {
  offerId: bigint;
  owner: Address;
  terms: OfferTerms;
  /** Not withdrawn, not expired, owner still active. */
  live: boolean;
}

/**
 * An offer as the OfferBook holds it now.
 *
 * @example
 * const { owner, terms, live } = await getOffer(client, { offerId: 3n });
 */
export async function getOffer(
  client: FlowPactClient,
  { offerId }: GetOfferParameters,
): Promise<GetOfferReturnType> {
  const [owner, terms] = await readFlowPact<readonly [Address, OfferTerms]>(client, {
    contract: "OfferBook",
    functionName: "offer",
    args: [offerId],
  });
  const live = await readFlowPact<boolean>(client, {
    contract: "OfferBook",
    functionName: "isOfferLive",
    args: [offerId],
  });
  return { offerId, owner, terms, live };
}
