import { getAddress } from "viem";
import { industryByCode } from "../catalogue/industries";
import { segmentNames } from "../catalogue/segments";
import type { Store } from "../store/store";

/**
 * Reads for `list` commands, from the store the indexer fills (`flowpact index`). Lists read the
 * store rather than the chain because the contracts keep no enumerable indexes; `show` reads the
 * chain. The store is made fresh (or its lag reported) before: `CliContext.indexedStore`. Addresses come out checksummed, numbers as bigints.
 */

const industryName = (code: number): string => industryByCode(code)?.name ?? `#${code}`;
const checksum = (a: string) => getAddress(a);

export interface MemberRow {
  address: string;
  status: string;
  industry: string;
  segments: string[];
  uri: string;
  signer: string;
  updatedBlock: bigint;
}

export async function listMembers(store: Store, filter: { status?: string }): Promise<MemberRow[]> {
  const rows = await store.driver.query<{
    address: string;
    status: string;
    industry: number;
    segments: bigint;
    uri: string;
    signer: string;
    updated_block: bigint;
  }>(
    `SELECT address, status, industry, segments, uri, signer, updated_block FROM members
      WHERE ($1::text IS NULL OR status = $1) ORDER BY applied_block, address`,
    [filter.status ?? null],
  );
  return rows.map((r) => ({
    address: checksum(r.address),
    status: r.status,
    industry: industryName(Number(r.industry)),
    segments: segmentNames(BigInt(r.segments)),
    uri: r.uri,
    signer: checksum(r.signer),
    updatedBlock: BigInt(r.updated_block),
  }));
}

export interface OfferRow {
  offerId: bigint;
  owner: string;
  supplySegments: string[];
  capacityPerEpoch: bigint;
  minRate: bigint;
  demandSegments: string[];
  volumePerEpoch: bigint;
  maxRate: bigint;
  excludedIndustries: string[];
  expiry: bigint;
  withdrawn: boolean;
}

/** Industries set in an exclusion bitmap (bit = industry code). */
export function industryNames(bitmap: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 256; bit++) if ((bitmap >> BigInt(bit)) & 1n) names.push(industryName(bit));
  return names;
}

export async function listOffers(
  store: Store,
  filter: { owner?: string; includeWithdrawn?: boolean },
): Promise<OfferRow[]> {
  const rows = await store.driver.query<Record<string, unknown>>(
    `SELECT * FROM offers WHERE ($1::text IS NULL OR owner = $1) AND ($2::boolean OR NOT withdrawn)
      ORDER BY offer_id`,
    [filter.owner?.toLowerCase() ?? null, filter.includeWithdrawn === true],
  );
  return rows.map((r) => ({
    offerId: BigInt(r.offer_id as bigint),
    owner: checksum(r.owner as string),
    supplySegments: segmentNames(BigInt(r.supply_segments as bigint)),
    capacityPerEpoch: BigInt(r.capacity_per_epoch as bigint),
    minRate: BigInt(r.min_rate as bigint),
    demandSegments: segmentNames(BigInt(r.demand_segments as bigint)),
    volumePerEpoch: BigInt(r.volume_per_epoch as bigint),
    maxRate: BigInt(r.max_rate as bigint),
    excludedIndustries: industryNames(BigInt(r.excluded_industries as bigint)),
    expiry: BigInt(r.expiry as bigint),
    withdrawn: r.withdrawn as boolean,
  }));
}

export interface AgreementRow {
  agreementId: bigint;
  status: string;
  proposer: string;
  parties: string[];
  acceptedBy: string[];
  start: bigint;
  end: bigint;
  epochLength: bigint;
  flows: { from: string; to: string; segments: string[]; capPerEpoch: bigint; rate: bigint }[];
}

export async function listAgreements(
  store: Store,
  filter: { status?: string; party?: string },
): Promise<AgreementRow[]> {
  const rows = await store.driver.query<Record<string, unknown>>(
    `SELECT * FROM agreements WHERE ($1::text IS NULL OR status = $1)
        AND ($2::text IS NULL OR parties @> to_jsonb($2::text))
      ORDER BY agreement_id`,
    [filter.status ?? null, filter.party?.toLowerCase() ?? null],
  );
  const flows = await store.driver.query<Record<string, unknown>>(
    "SELECT * FROM flows ORDER BY agreement_id, flow_index",
  );
  const jsonList = (v: unknown): string[] => (typeof v === "string" ? JSON.parse(v) : (v as string[]));
  return rows.map((r) => {
    const id = BigInt(r.agreement_id as bigint);
    return {
      agreementId: id,
      status: r.status as string,
      proposer: checksum(r.proposer as string),
      parties: jsonList(r.parties).map(checksum),
      acceptedBy: jsonList(r.accepted_by).map(checksum),
      start: BigInt(r.start_time as bigint),
      end: BigInt(r.end_time as bigint),
      epochLength: BigInt(r.epoch_length as bigint),
      flows: flows
        .filter((f) => BigInt(f.agreement_id as bigint) === id)
        .map((f) => ({
          from: checksum(f.from_member as string),
          to: checksum(f.to_member as string),
          segments: segmentNames(BigInt(f.segments as bigint)),
          capPerEpoch: BigInt(f.cap_per_epoch as bigint),
          rate: BigInt(f.rate as bigint),
        })),
    };
  });
}
