import { type ConversionTable, createConversionTable } from "./conversion";
import type { MatchingConfig, MatchingInstance } from "./types";

/**
 * The instance in indexed form: members, offers and segments become integers, existing agreements
 * are already subtracted from capacities, demands, credit headroom and partner slots. Every list is
 * sorted by id so that the order of the input never changes the result.
 */
export interface PreparedInstance {
  readonly config: MatchingConfig;
  readonly n: number;
  readonly memberIds: readonly string[];
  readonly memberIndex: ReadonlyMap<string, number>;
  /** Industry of each member as an index into `competes` (not the catalogue code). */
  readonly industryIdx: Int32Array;
  readonly industryCount: number;
  /** competes[a * industryCount + b] = 1 when industries a and b never trade. */
  readonly competes: Uint8Array;
  /**
   * refusesIndustry[i * industryCount + k] = 1 when member i shares no agreement with a member of
   * industry k: the industries compete, or one of i's offers excludes k (see `membersMayShare`).
   */
  readonly refusesIndustry: Uint8Array;
  /** Per-epoch credit a member may still spend net on new agreements (>= 0). */
  readonly headroom: Float64Array;
  /** Co-parties a member may have in all (its `maxPartners`, or the config's). */
  readonly partnerLimit: Int32Array;
  /** New co-parties a member may still take (>= 0): its limit less its existing co-parties. */
  readonly partnerSlots: Int32Array;
  readonly supplyIds: readonly string[];
  readonly supplyMember: Int32Array;
  readonly supplyCapacity: Float64Array;
  readonly supplyMinRate: Float64Array;
  readonly supplySegments: readonly number[][];
  readonly supplyOfMember: readonly number[][];
  readonly demandIds: readonly string[];
  readonly demandMember: Int32Array;
  readonly demandVolume: Float64Array;
  readonly demandMaxRate: Float64Array;
  readonly demandSegments: readonly number[][];
  readonly demandOfMember: readonly number[][];
  /** Offers (indices) that contain each segment bit. */
  readonly supplyBySegment: readonly Int32Array[];
  readonly demandBySegment: readonly Int32Array[];
  /**
   * Each member's co-parties in pending or active agreements: every other party of them, with a
   * flow between the two or not (what the member counts against its partner limit).
   */
  readonly existingPartners: readonly (readonly number[])[];
  /** Scratch for scans: existingMark[j] === i + 1 while member i's pairs are scanned. */
  readonly existingMark: Int32Array;
  readonly conversion: ConversionTable;
}

export class InvalidMatchingInstanceError extends Error {
  override name = "InvalidMatchingInstanceError";
  constructor(detail: string) {
    super(`invalid matching instance: ${detail}; fix the indexed state or the generator that built it`);
  }
}

function bits(bitmap: bigint): number[] {
  const out: number[] = [];
  for (let bit = 0; bitmap > 0n; bit++, bitmap >>= 1n) if (bitmap & 1n) out.push(bit);
  return out;
}

const byId = <T extends { id: string }>(a: T, b: T) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Settle rate rule: the midpoint of the supplier's minimum and the recipient's maximum, rounded down. */
export function settleRate(minRate: number, maxRate: number): number {
  return Math.floor((minRate + maxRate) / 2);
}

/** Takes `amount` from the remaining `left` of `offers`, in order, skipping those not `usable`. */
function consume(
  offers: readonly number[],
  usable: (o: number) => boolean,
  left: Float64Array,
  amount: number,
) {
  for (const o of offers) {
    if (amount <= 0) return;
    if (!usable(o)) continue;
    const used = Math.min(amount, left[o]);
    left[o] -= used;
    amount -= used;
  }
}

export function prepareInstance(instance: MatchingInstance, config: MatchingConfig): PreparedInstance {
  const members = [...instance.members].sort(byId);
  const n = members.length;
  const memberIds = members.map((m) => m.id);
  const memberIndex = new Map(memberIds.map((id, i) => [id, i]));
  if (memberIndex.size !== n) throw new InvalidMatchingInstanceError("duplicate member id");

  const industryCodes = [...new Set(members.map((m) => m.industry))].sort((a, b) => a - b);
  const industryOf = new Map(industryCodes.map((code, i) => [code, i]));
  const K = industryCodes.length;
  const industryIdx = Int32Array.from(members, (m) => industryOf.get(m.industry)!);
  const competes = new Uint8Array(K * K);
  if (config.sameIndustryCompetes) for (let a = 0; a < K; a++) competes[a * K + a] = 1;
  for (const [x, y] of config.competingIndustries) {
    const a = industryOf.get(x);
    const b = industryOf.get(y);
    if (a !== undefined && b !== undefined) competes[a * K + b] = competes[b * K + a] = 1;
  }
  const memberOf = (id: string, what: string) => {
    const i = memberIndex.get(id);
    if (i === undefined) throw new InvalidMatchingInstanceError(`${what} names unknown member ${id}`);
    return i;
  };
  const checkCount = (x: number, what: string) => {
    if (!Number.isSafeInteger(x) || x < 0)
      throw new InvalidMatchingInstanceError(`${what} must be a non-negative integer, got ${x}`);
  };

  const supply = [...instance.supply].sort(byId);
  const demand = [...instance.demand].sort(byId);
  for (const o of supply) {
    checkCount(o.capacity, `supply offer ${o.id} capacity`);
    checkCount(o.minRate, `supply offer ${o.id} minRate`);
  }
  for (const o of demand) {
    checkCount(o.volume, `demand offer ${o.id} volume`);
    checkCount(o.maxRate, `demand offer ${o.id} maxRate`);
  }
  const refusesIndustry = new Uint8Array(n * K);
  for (let i = 0; i < n; i++)
    refusesIndustry.set(competes.subarray(industryIdx[i] * K, (industryIdx[i] + 1) * K), i * K);

  for (const o of [...supply, ...demand]) {
    const i = memberOf(o.member, `offer ${o.id}`);
    for (let k = 0; k < K; k++)
      if ((o.excludedIndustries >> BigInt(industryCodes[k])) & 1n) refusesIndustry[i * K + k] = 1;
  }
  const supplyMember = Int32Array.from(supply, (o) => memberOf(o.member, `supply offer ${o.id}`));
  const demandMember = Int32Array.from(demand, (o) => memberOf(o.member, `demand offer ${o.id}`));
  const supplyCapacity = Float64Array.from(supply, (o) => o.capacity);
  const demandVolume = Float64Array.from(demand, (o) => o.volume);
  const supplySegments = supply.map((o) => bits(o.segments));
  const demandSegments = demand.map((o) => bits(o.segments));
  const supplyOfMember: number[][] = Array.from({ length: n }, () => []);
  const demandOfMember: number[][] = Array.from({ length: n }, () => []);
  for (let a = 0; a < supplyMember.length; a++) supplyOfMember[supplyMember[a]].push(a);
  for (let b = 0; b < demandMember.length; b++) demandOfMember[demandMember[b]].push(b);

  // Existing agreements: their flows keep using capacity, demand and credit; their parties stay
  // co-parties; and no new agreement is proposed between two members that are already co-parties.
  const netCost = new Float64Array(n);
  const partners: Set<number>[] = Array.from({ length: n }, () => new Set());
  const sortedAgreements = [...instance.agreements].sort(byId);
  for (const agreement of sortedAgreements) {
    const parties = agreement.parties.map((id) => memberOf(id, `agreement ${agreement.id}`));
    for (const x of parties) for (const y of parties) if (x !== y) partners[x].add(y);
    for (const flow of agreement.flows) {
      const i = memberOf(flow.from, `agreement ${agreement.id}`);
      const j = memberOf(flow.to, `agreement ${agreement.id}`);
      const cap = Number(flow.capPerEpoch);
      netCost[j] += cap * Number(flow.rate);
      netCost[i] -= cap * Number(flow.rate);
      partners[i].add(j);
      partners[j].add(i);
      // The flow uses the offers that could have carried it (all its segments, at its rate)
      // first, and only then any other offer sharing a segment.
      const rate = Number(flow.rate);
      const fits = (segments: bigint) => (flow.segments & ~segments) === 0n;
      const order = (list: readonly number[], carries: (o: number) => boolean) => [
        ...list.filter(carries),
        ...list.filter((o) => !carries(o)),
      ];
      consume(
        order(supplyOfMember[i], (a) => fits(supply[a].segments) && supply[a].minRate <= rate),
        (a) => (supply[a].segments & flow.segments) !== 0n,
        supplyCapacity,
        cap,
      );
      consume(
        order(demandOfMember[j], (b) => fits(demand[b].segments) && demand[b].maxRate >= rate),
        (b) => (demand[b].segments & flow.segments) !== 0n,
        demandVolume,
        cap,
      );
    }
  }
  const horizon = Math.max(1, config.creditHorizonEpochs);
  const headroom = Float64Array.from(members, (m, i) =>
    Math.max(0, Number(m.creditLimit + m.creditBalance) / horizon - netCost[i]),
  );
  const partnerLimit = Int32Array.from(members, (m) => m.maxPartners ?? config.maxPartners);
  const partnerSlots = Int32Array.from(members, (_, i) => Math.max(0, partnerLimit[i] - partners[i].size));

  let segmentCount = 0;
  for (const list of [...supplySegments, ...demandSegments])
    for (const s of list) segmentCount = Math.max(segmentCount, s + 1);
  const bySegment = (lists: number[][]) => {
    const out: number[][] = Array.from({ length: segmentCount }, () => []);
    lists.forEach((segs, o) => {
      for (const s of segs) out[s].push(o);
    });
    return out.map((l) => Int32Array.from(l));
  };

  return {
    config,
    n,
    memberIds,
    memberIndex,
    industryIdx,
    industryCount: K,
    competes,
    refusesIndustry,
    headroom,
    partnerLimit,
    partnerSlots,
    supplyIds: supply.map((o) => o.id),
    supplyMember,
    supplyCapacity,
    supplyMinRate: Float64Array.from(supply, (o) => o.minRate),
    supplySegments,
    supplyOfMember,
    demandIds: demand.map((o) => o.id),
    demandMember,
    demandVolume,
    demandMaxRate: Float64Array.from(demand, (o) => o.maxRate),
    demandSegments,
    demandOfMember,
    supplyBySegment: bySegment(supplySegments),
    demandBySegment: bySegment(demandSegments),
    existingPartners: partners.map((set) => [...set].sort((a, b) => a - b)),
    existingMark: new Int32Array(n),
    conversion: createConversionTable(instance.history, memberIndex, segmentCount, config.conversionPrior),
  };
}
