import type { OfferTerms } from "../../chain/types";
import type { Queryable } from "../driver";
import { addressKey } from "./rows";

/** An offer as indexed: its on-chain terms plus who posted it and when. */
export interface StoredOffer extends OfferTerms {
  offerId: bigint;
  owner: string;
  withdrawn: boolean;
  postedBlock: bigint;
  updatedBlock: bigint;
}

function toOffer(r: Record<string, unknown>): StoredOffer {
  return {
    offerId: r.offer_id as bigint,
    owner: r.owner as string,
    supplySegments: r.supply_segments as bigint,
    capacityPerEpoch: r.capacity_per_epoch as bigint,
    minRate: r.min_rate as bigint,
    demandSegments: r.demand_segments as bigint,
    volumePerEpoch: r.volume_per_epoch as bigint,
    maxRate: r.max_rate as bigint,
    excludedIndustries: r.excluded_industries as bigint,
    expiry: r.expiry as bigint,
    withdrawn: r.withdrawn as boolean,
    postedBlock: r.posted_block as bigint,
    updatedBlock: r.updated_block as bigint,
  };
}

export interface ListOffersFilter {
  owner?: string;
  /** Only offers not withdrawn and not expired at this timestamp (seconds). */
  liveAt?: bigint;
}

/** Offers as indexed, by id. */
export async function listOffers(db: Queryable, filter: ListOffersFilter = {}): Promise<StoredOffer[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.owner !== undefined) where.push(`owner = $${params.push(addressKey(filter.owner))}`);
  if (filter.liveAt !== undefined) where.push(`NOT withdrawn AND expiry > $${params.push(filter.liveAt)}`);
  const rows = await db.query(
    `SELECT * FROM offers ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY offer_id`,
    params,
  );
  return rows.map(toOffer);
}

export async function getStoredOffer(db: Queryable, offerId: bigint): Promise<StoredOffer | undefined> {
  const [row] = await db.query("SELECT * FROM offers WHERE offer_id = $1", [offerId]);
  return row && toOffer(row);
}
