import type {
  AgreementFlow,
  DemandOffer,
  ExistingAgreement,
  MatchingInstance,
  MatchingMember,
  SettledHistory,
  SupplyOffer,
} from "../matching/types";
import type { Queryable } from "../store/driver";
import { equivalenceKey } from "./equivalence";
import { intentTerms } from "./journal";

/** Agreements that block an equivalent proposal: pending (proposed, not yet expired) or active. */
export interface OpenAgreements {
  /** For the engine: their flows use capacity and credit, their parties are already partners. */
  readonly agreements: ExistingAgreement[];
  /** Equivalence keys of every open agreement, in the store or only in the daemon's journal. */
  readonly keys: Set<string>;
}

/** Engine quantities are JS numbers; a uint256 beyond 2^53 is clamped (no real offer is that big). */
const num = (v: bigint | string | number): number => {
  const b = BigInt(v);
  return b > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(b);
};

/**
 * Open agreements from the store plus the journal's proposals the indexer has not seen yet (a
 * proposal sent this tick, or one a crash left unindexed), so neither the engine nor the
 * equivalence check can miss one the daemon itself just sent.
 */
export async function loadOpenAgreements(db: Queryable, now: bigint): Promise<OpenAgreements> {
  const rows = await db.query<{
    agreement_id: bigint;
    parties: string[];
    status: string;
    proposal_expiry: bigint;
  }>(
    `SELECT agreement_id, parties, status, proposal_expiry FROM agreements
     WHERE status = 'active' OR (status = 'proposed' AND proposal_expiry > $1)`,
    [now],
  );
  const flowRows = await db.query<{
    agreement_id: bigint;
    from_member: string;
    to_member: string;
    segments: bigint;
    cap_per_epoch: bigint;
    rate: bigint;
  }>(
    `SELECT f.agreement_id, f.from_member, f.to_member, f.segments, f.cap_per_epoch, f.rate
     FROM flows f JOIN agreements a USING (agreement_id)
     WHERE a.status = 'active' OR (a.status = 'proposed' AND a.proposal_expiry > $1)
     ORDER BY f.agreement_id, f.flow_index`,
    [now],
  );
  const flowsById = new Map<string, AgreementFlow[]>();
  for (const f of flowRows) {
    const id = BigInt(f.agreement_id).toString();
    const list = flowsById.get(id) ?? [];
    list.push({
      from: f.from_member,
      to: f.to_member,
      segments: BigInt(f.segments),
      capPerEpoch: BigInt(f.cap_per_epoch),
      rate: BigInt(f.rate),
    });
    flowsById.set(id, list);
  }
  const agreements: ExistingAgreement[] = [];
  const keys = new Set<string>();
  const known = new Set<string>();
  for (const row of rows) {
    const id = BigInt(row.agreement_id).toString();
    const flows = flowsById.get(id) ?? [];
    agreements.push({ id, parties: row.parties, flows });
    keys.add(equivalenceKey({ parties: row.parties, flows }));
    known.add(id);
  }
  // Journal entries still in flight, or confirmed but not yet in the store (or open in it).
  const storeStatus = new Map<string, string>();
  for (const r of await db.query<{ agreement_id: bigint; status: string }>(
    "SELECT agreement_id, status FROM agreements",
  ))
    storeStatus.set(BigInt(r.agreement_id).toString(), r.status);
  for (const intent of await intentTerms(db)) {
    const id = intent.agreementId?.toString();
    if (id !== undefined && storeStatus.has(id)) continue; // the store's row decides
    const terms = intent.terms as {
      parties: string[];
      flows: Array<{ from: string; to: string; segments: string; capPerEpoch: string; rate: string }>;
      proposalExpiry: string;
    };
    if (BigInt(terms.proposalExpiry) <= now) continue;
    const flows = terms.flows.map((f) => ({
      from: f.from.toLowerCase(),
      to: f.to.toLowerCase(),
      segments: BigInt(f.segments),
      capPerEpoch: BigInt(f.capPerEpoch),
      rate: BigInt(f.rate),
    }));
    const parties = terms.parties.map((p) => p.toLowerCase());
    agreements.push({ id: `intent-${intent.id}`, parties, flows });
    keys.add(intent.equivalenceKey);
  }
  return { agreements, keys };
}

/** Conversions reported back by recipients (off chain): the chain only knows settled referrals. */
export type ConversionSource = (pair: { from: string; to: string; segment: number }) => number | undefined;

/**
 * Settled referrals per directed pair and segment, from every batch that settled (committed
 * co-signed, finalised, or resolved). A flow's settled count is split evenly over its segments.
 */
export async function loadSettledReferrals(
  db: Queryable,
): Promise<Array<{ from: string; to: string; segment: number; referrals: number }>> {
  const rows = await db.query<{ from_member: string; to_member: string; segments: bigint; settled: bigint }>(
    `SELECT f.from_member, f.to_member, f.segments, sum(b.settled_count) AS settled
     FROM batches b JOIN flows f ON f.agreement_id = b.agreement_id AND f.flow_index = b.flow_index
     WHERE b.settled_count IS NOT NULL
     GROUP BY f.from_member, f.to_member, f.segments`,
  );
  const out: Array<{ from: string; to: string; segment: number; referrals: number }> = [];
  for (const r of rows) {
    const bits: number[] = [];
    for (let s = 0, m = BigInt(r.segments); m > 0n; s++, m >>= 1n) if (m & 1n) bits.push(s);
    if (bits.length === 0) continue;
    const each = num(r.settled) / bits.length;
    for (const segment of bits) out.push({ from: r.from_member, to: r.to_member, segment, referrals: each });
  }
  return out;
}

/**
 * The matching instance as the chain describes it now: admitted members with their credit
 * balance and limit, live offers split into their supply and demand sides, open agreements, and
 * settled history. Settled referrals feed the engine's conversion estimates only where the
 * recipient reported conversions (`conversions`): a referral count alone says nothing about
 * conversion, and feeding it as zero conversions would mark every settled pair as worthless.
 */
export async function buildInstance(
  db: Queryable,
  now: bigint,
  open: OpenAgreements,
  conversions?: ConversionSource,
): Promise<{ instance: MatchingInstance; settledReferrals: number }> {
  const memberRows = await db.query<{
    address: string;
    industry: number;
    balance: bigint | null;
    credit_limit: bigint | null;
  }>(
    `SELECT m.address, m.industry, b.balance, b.credit_limit
     FROM members m LEFT JOIN balances b ON b.member = m.address
     WHERE m.status = 'admitted' ORDER BY m.address`,
  );
  const members: MatchingMember[] = memberRows.map((m) => ({
    id: m.address,
    industry: Number(m.industry),
    creditBalance: BigInt(m.balance ?? 0n),
    creditLimit: BigInt(m.credit_limit ?? 0n),
  }));
  const admitted = new Set(members.map((m) => m.id));
  const offerRows = await db.query<{
    offer_id: bigint;
    owner: string;
    supply_segments: bigint;
    capacity_per_epoch: bigint;
    min_rate: bigint;
    demand_segments: bigint;
    volume_per_epoch: bigint;
    max_rate: bigint;
    excluded_industries: bigint;
  }>("SELECT * FROM offers WHERE NOT withdrawn AND expiry > $1 ORDER BY offer_id", [now]);
  const supply: SupplyOffer[] = [];
  const demand: DemandOffer[] = [];
  for (const o of offerRows) {
    if (!admitted.has(o.owner)) continue;
    const id = BigInt(o.offer_id).toString();
    if (BigInt(o.supply_segments) !== 0n && BigInt(o.capacity_per_epoch) > 0n)
      supply.push({
        id: `${id}-supply`,
        member: o.owner,
        segments: BigInt(o.supply_segments),
        capacity: num(o.capacity_per_epoch),
        minRate: num(o.min_rate),
        excludedIndustries: BigInt(o.excluded_industries),
      });
    if (BigInt(o.demand_segments) !== 0n && BigInt(o.volume_per_epoch) > 0n)
      demand.push({
        id: `${id}-demand`,
        member: o.owner,
        segments: BigInt(o.demand_segments),
        volume: num(o.volume_per_epoch),
        maxRate: num(o.max_rate),
        excludedIndustries: BigInt(o.excluded_industries),
      });
  }
  const settled = await loadSettledReferrals(db);
  const history: SettledHistory[] = [];
  for (const s of settled) {
    const converted = conversions?.(s);
    if (converted !== undefined) history.push({ ...s, conversions: converted });
  }
  const settledReferrals = settled.reduce((sum, s) => sum + s.referrals, 0);
  return {
    instance: { members, supply, demand, agreements: open.agreements, history },
    settledReferrals,
  };
}
