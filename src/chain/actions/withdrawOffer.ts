import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface WithdrawOfferParameters {
  offerId: bigint;
}
export interface WithdrawOfferReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Withdraws one of the caller's offers.
 *
 * @example
 * await withdrawOffer(client, { offerId: 3n });
 */
export async function withdrawOffer(
  client: FlowPactClient,
  { offerId }: WithdrawOfferParameters,
): Promise<WithdrawOfferReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "OfferBook",
    functionName: "withdrawOffer",
    args: [offerId],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
