import { INDUSTRIES, type IndustryName } from "../catalogue/industries";
import { SEGMENTS, type SegmentName } from "../catalogue/segments";
import { SeededRandom } from "./random";
import type {
  DemandOffer,
  ExistingAgreement,
  MatchingInstance,
  MatchingMember,
  SettledHistory,
  SupplyOffer,
} from "./types";

/**
 * Seeded generator of realistic consortia, used by tests, benchmarks and the demo.
 *
 * - Industries follow the catalogue with plausible shares (many shops and local-service apps,
 *   few search engines); each industry supplies the audiences it naturally has and demands those
 *   it wants to acquire (a bank supplies high-income and investors, wants young adults and movers).
 * - Sizes are heavy-tailed: a member's scale is Pareto(α = 1.2), so a few giants sit among many
 *   small institutions; capacities and volumes scale with it, with log-normal noise.
 * - Rates come from a market value per segment (a high-income referral is worth far more than a
 *   video watcher), times the industry's willingness to pay, with log-normal dispersion; suppliers
 *   ask about 60 % of the market value.
 * - Credit limits are 0.5–3 epochs of a member's demand spend and balances come from random
 *   zero-sum transfers, so many members need reciprocity to afford what they receive.
 * - Some settled history (conversions drawn around a per-recipient quality) and a few existing
 *   agreements.
 */
export interface GenerateOptions {
  readonly members: number;
  readonly seed: number;
  /** Settled history records per member (default 1.5). */
  readonly historyPerMember?: number;
  /** Existing agreements per member (default 0.04). */
  readonly agreementsPerMember?: number;
}

export interface GeneratedConsortium {
  readonly instance: MatchingInstance;
  /** Display name of each member id. */
  readonly names: ReadonlyMap<string, string>;
}

interface IndustryProfile {
  readonly share: number;
  readonly supplies: readonly SegmentName[];
  readonly demands: readonly SegmentName[];
  /** Multiplier on the segment market value this industry pays. */
  readonly willingness: number;
  /** Median referrals per epoch of a scale-1 member (supply; demand is 60 % of it). */
  readonly capacity: number;
}

const PROFILES: Record<IndustryName, IndustryProfile> = {
  banking: {
    share: 8,
    supplies: ["high-income", "investors", "homeowners", "small-business", "families", "retirees"],
    demands: ["young-adults", "students", "new-parents", "movers", "job-seekers", "small-business"],
    willingness: 1.6,
    capacity: 300,
  },
  insurance: {
    share: 7,
    supplies: ["homeowners", "car-owners", "families", "retirees", "health-conscious"],
    demands: ["new-parents", "movers", "car-owners", "frequent-travelers", "pet-owners", "homeowners"],
    willingness: 1.4,
    capacity: 250,
  },
  ecommerce: {
    share: 16,
    supplies: ["online-shoppers", "bargain-hunters", "luxury-buyers", "young-adults", "pet-owners", "urban"],
    demands: ["high-income", "families", "new-parents", "gamers", "video-watchers", "luxury-buyers"],
    willingness: 0.7,
    capacity: 1200,
  },
  "local-services": {
    share: 12,
    supplies: ["homeowners", "renters", "movers", "small-business", "rural", "families"],
    demands: ["homeowners", "movers", "new-parents", "pet-owners", "urban"],
    willingness: 0.8,
    capacity: 500,
  },
  content: {
    share: 11,
    supplies: ["video-watchers", "young-adults", "gamers", "students", "urban"],
    demands: ["learners", "online-shoppers", "health-conscious", "young-adults"],
    willingness: 0.5,
    capacity: 3000,
  },
  search: {
    share: 3,
    supplies: [
      "online-shoppers",
      "frequent-travelers",
      "job-seekers",
      "learners",
      "high-income",
      "bargain-hunters",
    ],
    demands: ["small-business", "young-adults"],
    willingness: 0.6,
    capacity: 5000,
  },
  travel: {
    share: 8,
    supplies: ["frequent-travelers", "luxury-buyers", "high-income", "retirees"],
    demands: ["high-income", "families", "students", "luxury-buyers", "investors"],
    willingness: 1.0,
    capacity: 400,
  },
  education: {
    share: 8,
    supplies: ["students", "learners", "job-seekers", "young-adults"],
    demands: ["job-seekers", "young-adults", "learners", "new-parents"],
    willingness: 0.9,
    capacity: 400,
  },
  gaming: {
    share: 7,
    supplies: ["gamers", "young-adults", "video-watchers", "students"],
    demands: ["young-adults", "video-watchers", "students", "bargain-hunters"],
    willingness: 0.6,
    capacity: 1500,
  },
  automotive: {
    share: 6,
    supplies: ["car-owners", "rural", "families", "high-income"],
    demands: ["high-income", "movers", "families", "young-adults"],
    willingness: 1.3,
    capacity: 200,
  },
  telecom: {
    share: 5,
    supplies: ["young-adults", "movers", "students", "urban", "renters"],
    demands: ["movers", "students", "frequent-travelers", "gamers"],
    willingness: 0.9,
    capacity: 800,
  },
  healthcare: {
    share: 7,
    supplies: ["health-conscious", "retirees", "new-parents", "families"],
    demands: ["health-conscious", "retirees", "pet-owners", "families"],
    willingness: 1.1,
    capacity: 300,
  },
};

/** Market value of one referral per segment, in credits. */
const SEGMENT_VALUE: Record<SegmentName, number> = {
  "young-adults": 30,
  families: 70,
  students: 30,
  retirees: 60,
  "high-income": 200,
  "small-business": 130,
  homeowners: 120,
  renters: 40,
  "car-owners": 90,
  "frequent-travelers": 100,
  gamers: 20,
  "online-shoppers": 25,
  investors: 250,
  "new-parents": 100,
  "job-seekers": 50,
  "pet-owners": 40,
  "health-conscious": 50,
  movers: 110,
  urban: 20,
  rural: 20,
  "video-watchers": 10,
  learners: 35,
  "luxury-buyers": 150,
  "bargain-hunters": 15,
};

/** Typical base conversion per segment (fraction of referrals that convert). */
const SEGMENT_CONVERSION = 0.05;

const NAME_PREFIXES = [
  "North",
  "Alpine",
  "Harbor",
  "Crest",
  "Blue",
  "Summit",
  "River",
  "Oak",
  "Silver",
  "Bright",
  "Nova",
  "Pioneer",
  "Granite",
  "Coastal",
  "Meadow",
  "Aurora",
  "Atlas",
  "Cedar",
  "Lumen",
  "Vista",
];
const NAME_SUFFIX: Record<IndustryName, string> = {
  banking: "Bank",
  insurance: "Insurance",
  ecommerce: "Shop",
  "local-services": "Services",
  content: "Media",
  search: "Search",
  travel: "Travel",
  education: "Academy",
  gaming: "Games",
  automotive: "Motors",
  telecom: "Mobile",
  healthcare: "Health",
};

const bit = (s: SegmentName) => SEGMENTS.indexOf(s);

interface MemberDraft {
  readonly id: string;
  readonly name: string;
  readonly industry: (typeof INDUSTRIES)[number];
  readonly scale: number;
}

/** Generates a consortium of `members` institutions across all catalogue industries. */
export function generateConsortium(options: GenerateOptions): GeneratedConsortium {
  const rng = new SeededRandom(options.seed);
  const shares = INDUSTRIES.map((i) => PROFILES[i.name].share);
  const drafts: MemberDraft[] = [];
  const used = new Set<string>();
  for (let k = 0; k < options.members; k++) {
    const industry = INDUSTRIES[rng.weighted(shares)];
    let name = `${rng.pick(NAME_PREFIXES)} ${NAME_SUFFIX[industry.name]}`;
    if (used.has(name)) name = `${name} ${k + 1}`;
    used.add(name);
    drafts.push({ id: rng.address(), name, industry, scale: Math.min(200, rng.pareto(1, 1.2)) });
  }
  return build(rng, drafts, options.historyPerMember ?? 1.5, options.agreementsPerMember ?? 0.04);
}

/** The 30 named institutions of the demo consortium (fixed industries, seeded sizes). */
export const DEMO_INSTITUTIONS: ReadonlyArray<readonly [string, IndustryName]> = [
  ["Northbank", "banking"],
  ["Harbor Savings", "banking"],
  ["Fundwise Investments", "banking"],
  ["Alpine Insurance", "insurance"],
  ["Beacon Mutual", "insurance"],
  ["Shopwise", "ecommerce"],
  ["Cartly", "ecommerce"],
  ["Luxe Avenue", "ecommerce"],
  ["Trailmark Outdoors", "ecommerce"],
  ["Fixly", "local-services"],
  ["Nestfinder", "local-services"],
  ["Handy Lane", "local-services"],
  ["Homebase Realty", "local-services"],
  ["Clipstream", "content"],
  ["Loopy Video", "content"],
  ["Findr", "search"],
  ["Wayfarer Travel", "travel"],
  ["Skyhop", "travel"],
  ["Brightpath Academy", "education"],
  ["Codecamp Online", "education"],
  ["Pixel Forge Games", "gaming"],
  ["Questline", "gaming"],
  ["Motorhub", "automotive"],
  ["Drivewell", "automotive"],
  ["Telco One", "telecom"],
  ["Wavelink Mobile", "telecom"],
  ["Vitacare Clinics", "healthcare"],
  ["Greenleaf Pharmacy", "healthcare"],
  ["Pawsome Vets", "healthcare"],
  ["Civic Credit Union", "banking"],
];

/** The demo consortium: the 30 named institutions above with seeded offers, credit and history. */
export function generateDemoConsortium(seed = 1): GeneratedConsortium {
  const rng = new SeededRandom(seed);
  const drafts = DEMO_INSTITUTIONS.map(([name, industryName]) => ({
    id: rng.address(),
    name,
    industry: INDUSTRIES.find((i) => i.name === industryName)!,
    scale: Math.min(20, rng.pareto(1, 1.2)),
  }));
  return build(rng, drafts, 3, 0);
}

function pickSegments(rng: SeededRandom, from: readonly SegmentName[], max: number): SegmentName[] {
  const count = rng.int(1, Math.min(max, from.length));
  // Earlier segments of a profile are more typical of the industry: weight 1/(rank+1).
  const weights = from.map((_, k) => 1 / (k + 1));
  const chosen = new Set<SegmentName>();
  while (chosen.size < count) {
    const k = rng.weighted(weights);
    chosen.add(from[k]);
    weights[k] = 0;
  }
  return [...chosen];
}

function bitmap(segments: readonly SegmentName[]): bigint {
  return segments.reduce((acc, s) => acc | (1n << BigInt(bit(s))), 0n);
}

function marketValue(segments: readonly SegmentName[]): number {
  return segments.reduce((acc, s) => acc + SEGMENT_VALUE[s], 0) / segments.length;
}

function build(
  rng: SeededRandom,
  drafts: readonly MemberDraft[],
  historyPerMember: number,
  agreementsPerMember: number,
): GeneratedConsortium {
  const supply: SupplyOffer[] = [];
  const demand: DemandOffer[] = [];
  const spend = new Map<string, number>();
  const otherIndustries = (own: number) => INDUSTRIES.filter((i) => i.code !== own);
  const exclusion = (own: number) =>
    rng.chance(0.15) ? 1n << BigInt(rng.pick(otherIndustries(own)).code) : 0n;
  for (const m of drafts) {
    const profile = PROFILES[m.industry.name];
    const supplyOffers = 1 + (rng.chance(0.4) ? 1 : 0) + (m.scale > 5 ? 1 : 0);
    for (let k = 0; k < supplyOffers; k++) {
      const segments = pickSegments(rng, profile.supplies, 3);
      supply.push({
        id: `${m.id}-s${k}`,
        member: m.id,
        segments: bitmap(segments),
        capacity: Math.max(10, Math.round(rng.logNormal(profile.capacity * m.scale, 0.5))),
        minRate: Math.max(1, Math.round(rng.logNormal(marketValue(segments) * 0.6, 0.3))),
        excludedIndustries: exclusion(m.industry.code),
      });
    }
    const demandOffers = 1 + (rng.chance(0.35) ? 1 : 0);
    let memberSpend = 0;
    for (let k = 0; k < demandOffers; k++) {
      const segments = pickSegments(rng, profile.demands, 3);
      const volume = Math.max(10, Math.round(rng.logNormal(profile.capacity * 0.6 * m.scale, 0.5)));
      const maxRate = Math.max(
        1,
        Math.round(rng.logNormal(marketValue(segments) * profile.willingness, 0.3)),
      );
      memberSpend += volume * maxRate;
      demand.push({
        id: `${m.id}-d${k}`,
        member: m.id,
        segments: bitmap(segments),
        volume,
        maxRate,
        excludedIndustries: exclusion(m.industry.code),
      });
    }
    spend.set(m.id, memberSpend);
  }

  const limits = drafts.map((m) => BigInt(Math.round(spend.get(m.id)! * rng.uniform(0.5, 3))));
  const balances = drafts.map(() => 0n);
  // Zero-sum history of transfers, each within the payer's limit.
  for (let t = 0; t < drafts.length * 3 && drafts.length > 1; t++) {
    const a = rng.int(0, drafts.length - 1);
    const b = rng.int(0, drafts.length - 1);
    if (a === b) continue;
    const amount = BigInt(Math.floor(Number(limits[a]) * rng.uniform(0, 0.6)));
    if (balances[a] - amount < -limits[a]) continue;
    balances[a] -= amount;
    balances[b] += amount;
  }
  const members: MatchingMember[] = drafts.map((m, k) => ({
    id: m.id,
    industry: m.industry.code,
    creditBalance: balances[k],
    creditLimit: limits[k],
  }));

  const industryOf = new Map(drafts.map((m) => [m.id, m.industry.code]));
  const demandBySegment: DemandOffer[][] = SEGMENTS.map(() => []);
  for (const o of demand)
    for (let s = 0; s < SEGMENTS.length; s++) if ((o.segments >> BigInt(s)) & 1n) demandBySegment[s].push(o);
  // A compatible (supply offer, demand offer, segment) triple, or undefined after a few tries.
  const compatible = () => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const a = rng.pick(supply);
      const segs = SEGMENTS.map((_, s) => s).filter((s) => (a.segments >> BigInt(s)) & 1n);
      const s = rng.pick(segs);
      const candidates = demandBySegment[s];
      if (candidates.length === 0) continue;
      const b = rng.pick(candidates);
      if (industryOf.get(a.member) === industryOf.get(b.member) || b.maxRate < a.minRate) continue;
      return { a, b, s };
    }
    return undefined;
  };
  const quality = new Map(drafts.map((m) => [m.id, rng.logNormal(1, 0.4)]));
  const history: SettledHistory[] = [];
  const historyCount = Math.round(drafts.length * historyPerMember);
  for (let h = 0; h < historyCount; h++) {
    const c = compatible();
    if (!c) continue;
    const referrals = Math.max(1, Math.round(rng.logNormal(300, 1)));
    const p = Math.min(0.9, SEGMENT_CONVERSION * quality.get(c.b.member)! * rng.logNormal(1, 0.2));
    history.push({
      from: c.a.member,
      to: c.b.member,
      segment: c.s,
      referrals,
      conversions: Math.min(referrals, Math.round(referrals * p)),
    });
  }
  const agreements: ExistingAgreement[] = [];
  const paired = new Set<string>();
  const agreementCount = Math.round(drafts.length * agreementsPerMember);
  for (let k = 0; k < agreementCount; k++) {
    const c = compatible();
    if (!c) continue;
    const key = [c.a.member, c.b.member].sort().join("|");
    if (paired.has(key)) continue;
    paired.add(key);
    agreements.push({
      id: `agreement-${k}`,
      parties: [c.a.member, c.b.member],
      flows: [
        {
          from: c.a.member,
          to: c.b.member,
          segments: 1n << BigInt(c.s),
          capPerEpoch: BigInt(
            Math.max(1, Math.round(Math.min(c.a.capacity, c.b.volume) * rng.uniform(0.1, 0.3))),
          ),
          rate: BigInt(Math.floor((c.a.minRate + c.b.maxRate) / 2)),
        },
      ],
    });
  }
  return {
    instance: { members, supply, demand, agreements, history },
    names: new Map(drafts.map((m) => [m.id, m.name])),
  };
}
