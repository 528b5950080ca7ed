import type { FlowPactEvent } from "../events";
import { type ContractHandlers, lower } from "./handler";

function offerRow(event: FlowPactEvent, postedBlock: bigint) {
  const t = event.args.terms as Record<string, bigint>;
  return {
    offer_id: event.args.offerId as bigint,
    owner: lower(event.args.owner),
    supply_segments: t.supplySegments,
    capacity_per_epoch: t.capacityPerEpoch,
    min_rate: t.minRate,
    demand_segments: t.demandSegments,
    volume_per_epoch: t.volumePerEpoch,
    max_rate: t.maxRate,
    excluded_industries: t.excludedIndustries,
    expiry: t.expiry,
    withdrawn: false,
    posted_block: postedBlock,
    updated_block: event.blockNumber,
  };
}

/** Offers; a withdrawn offer is deleted on chain but kept here, flagged, for the history. */
export const offerBookHandlers: ContractHandlers = {
  OfferPosted(event, changes) {
    changes.put("offers", offerRow(event, event.blockNumber));
  },
  async OfferUpdated(event, changes) {
    const current = await changes.get<{ posted_block: bigint }>("offers", { offer_id: event.args.offerId });
    changes.put("offers", offerRow(event, current?.posted_block ?? event.blockNumber));
  },
  async OfferWithdrawn(event, changes) {
    const current = await changes.get("offers", { offer_id: event.args.offerId });
    if (current) changes.put("offers", { ...current, withdrawn: true, updated_block: event.blockNumber });
  },
};
