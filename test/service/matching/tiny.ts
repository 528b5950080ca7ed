import { expect } from "chai";
import { SeededRandom } from "../../../src/matching/random";
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  type MatchingInstance,
  type MatchingResult,
} from "../../../src/matching/types";

/**
 * Small random instances where every member has exactly one supply and one demand offer, so
 * that every constraint can be checked from the proposals alone (the on-chain view) and the
 * optimum can be found by enumerating every integer flow vector.
 */
export interface TinyCase {
  readonly instance: MatchingInstance;
  readonly config: MatchingConfig;
}

export const SEGMENT_COUNT = 3;

export function tinyCase(seed: number, members: number, maxCap: number): TinyCase {
  const rng = new SeededRandom(seed);
  const ids = Array.from({ length: members }, (_, k) => `0x${(k + 1).toString(16).padStart(40, "0")}`);
  const industries = ids.map(() => rng.int(1, 3));
  const segs = () => {
    let bits = 0n;
    while (bits === 0n) for (let s = 0; s < SEGMENT_COUNT; s++) if (rng.chance(0.5)) bits |= 1n << BigInt(s);
    return bits;
  };
  const exclusion = () => (rng.chance(0.2) ? 1n << BigInt(rng.int(1, 3)) : 0n);
  const instance: MatchingInstance = {
    members: ids.map((id, k) => {
      const limit = rng.int(0, 40);
      return {
        id,
        industry: industries[k],
        creditLimit: BigInt(limit),
        creditBalance: BigInt(rng.int(-limit, 20)),
        ...(rng.chance(0.2) ? { maxPartners: rng.int(0, 2) } : {}),
      };
    }),
    supply: ids.map((id) => ({
      id: `${id}-s`,
      member: id,
      segments: segs(),
      capacity: rng.int(0, maxCap),
      minRate: rng.int(1, 8),
      excludedIndustries: exclusion(),
    })),
    demand: ids.map((id) => ({
      id: `${id}-d`,
      member: id,
      segments: segs(),
      volume: rng.int(0, maxCap),
      maxRate: rng.int(1, 10),
      excludedIndustries: exclusion(),
    })),
    agreements: [],
    history: Array.from({ length: rng.int(0, 4) }, () => {
      const referrals = rng.int(1, 50);
      return {
        from: rng.pick(ids),
        to: rng.pick(ids),
        segment: rng.int(0, SEGMENT_COUNT - 1),
        referrals,
        conversions: rng.int(0, referrals),
      };
    }),
  };
  const config: MatchingConfig = {
    ...DEFAULT_MATCHING_CONFIG,
    maxPartners: rng.int(1, 2),
    minAgreementSize: rng.int(0, 3),
    creditHorizonEpochs: 1,
    sameIndustryCompetes: rng.chance(0.8),
    competingIndustries: rng.chance(0.3) ? [[1, 2]] : [],
    conversionPrior: { mean: 0.3, strength: 5 },
  };
  return { instance, config };
}

/** Whether member m (one supply and one demand offer) excludes industry k: either offer does. */
export function excludes(c: TinyCase, m: number, k: number): boolean {
  const bitmap = c.instance.supply[m].excludedIndustries | c.instance.demand[m].excludedIndustries;
  return ((bitmap >> BigInt(k)) & 1n) === 1n;
}

/** The rules, written again independently of the engine. */
export function competes(config: MatchingConfig, a: number, b: number): boolean {
  if (a === b) return config.sameIndustryCompetes;
  return config.competingIndustries.some(([x, y]) => (x === a && y === b) || (x === b && y === a));
}

function conversion(c: TinyCase, from: string, to: string, s: number): number {
  const { mean, strength: k } = c.config.conversionPrior;
  const sum = (pred: (h: MatchingInstance["history"][number]) => boolean) =>
    c.instance.history
      .filter(pred)
      .reduce((acc, h) => [acc[0] + h.referrals, acc[1] + h.conversions], [0, 0]);
  const [refS, convS] = sum((h) => h.segment === s);
  const muS = (k * mean + convS) / (k + refS);
  const [refJ, convJ] = sum((h) => h.segment === s && h.to === to);
  const muJ = (k * muS + convJ) / (k + refJ);
  const [refP, convP] = sum((h) => h.segment === s && h.to === to && h.from === from);
  return refP > 0 ? (k * muJ + convP) / (k + refP) : muJ;
}

interface BruteEdge {
  from: number;
  to: number;
  value: number;
  rate: number;
  upper: number;
}

export function bruteForceOptimum(c: TinyCase): number {
  const { members, supply, demand } = c.instance;
  const edges: BruteEdge[] = [];
  const slots = members.map((m) => m.maxPartners ?? c.config.maxPartners);
  for (let i = 0; i < members.length; i++) {
    for (let j = 0; j < members.length; j++) {
      if (i === j || slots[i] <= 0 || slots[j] <= 0) continue;
      const a = supply[i];
      const b = demand[j];
      if (b.maxRate < a.minRate || competes(c.config, members[i].industry, members[j].industry)) continue;
      if (excludes(c, i, members[j].industry) || excludes(c, j, members[i].industry)) continue;
      const upper = Math.min(a.capacity, b.volume);
      if (upper <= 0) continue;
      for (let s = 0; s < SEGMENT_COUNT; s++) {
        if (!((a.segments >> BigInt(s)) & 1n) || !((b.segments >> BigInt(s)) & 1n)) continue;
        edges.push({
          from: i,
          to: j,
          value: (b.maxRate - a.minRate) * conversion(c, members[i].id, members[j].id, s),
          rate: Math.floor((a.minRate + b.maxRate) / 2),
          upper,
        });
      }
    }
  }
  const headroom = members.map((m) => Math.max(0, Number(m.creditLimit + m.creditBalance)));
  const x = new Array<number>(edges.length).fill(0);
  let best = 0;
  const check = () => {
    const out = members.map(() => 0);
    const inn = members.map(() => 0);
    const cost = members.map(() => 0);
    const pairTotal = new Map<string, number>();
    let objective = 0;
    edges.forEach((e, k) => {
      if (x[k] === 0) return;
      out[e.from] += x[k];
      inn[e.to] += x[k];
      cost[e.to] += x[k] * e.rate;
      cost[e.from] -= x[k] * e.rate;
      const key = `${Math.min(e.from, e.to)}-${Math.max(e.from, e.to)}`;
      pairTotal.set(key, (pairTotal.get(key) ?? 0) + x[k]);
      objective += x[k] * e.value;
    });
    const partners = members.map(() => 0);
    for (const [key, total] of pairTotal) {
      if (total < c.config.minAgreementSize) return;
      for (const m of key.split("-")) partners[Number(m)]++;
    }
    for (let m = 0; m < members.length; m++) {
      if (out[m] > supply[m].capacity || inn[m] > demand[m].volume) return;
      if (cost[m] > headroom[m] + 1e-9 || partners[m] > slots[m]) return;
    }
    best = Math.max(best, objective);
  };
  const enumerate = (k: number) => {
    if (k === edges.length) return check();
    for (let v = 0; v <= edges[k].upper; v++) {
      x[k] = v;
      enumerate(k + 1);
    }
    x[k] = 0;
  };
  enumerate(0);
  return best;
}

/** Checks a result against every constraint, from the proposals alone. */
export function expectValidProposals(c: TinyCase, result: MatchingResult): void {
  const { members, supply, demand } = c.instance;
  const index = new Map(members.map((m, k) => [m.id, k]));
  const out = members.map(() => 0);
  const inn = members.map(() => 0);
  const cost = members.map(() => 0);
  const pairTotal = new Map<string, number>();
  // Co-parties as a member experiences them: every other party of its agreements.
  const coParties = members.map(() => new Set<string>());
  let surplus = 0;
  for (const proposal of result.proposals) {
    expect(proposal.parties.length).to.be.within(2, 4);
    expect(new Set(proposal.parties).size).to.equal(proposal.parties.length);
    for (const x of proposal.parties) {
      for (const y of proposal.parties) {
        if (x === y) continue;
        const [i, j] = [index.get(x)!, index.get(y)!];
        coParties[i].add(y);
        expect(
          excludes(c, i, members[j].industry),
          `${x} shares an agreement with an excluded industry`,
        ).to.equal(false);
        expect(
          competes(c.config, members[i].industry, members[j].industry),
          "competitors share an agreement",
        ).to.equal(false);
      }
    }
    surplus += proposal.surplus;
    for (const flow of proposal.flows) {
      expect(proposal.parties).to.include(flow.from);
      expect(proposal.parties).to.include(flow.to);
      const i = index.get(flow.from)!;
      const j = index.get(flow.to)!;
      const a = supply[i];
      const b = demand[j];
      const cap = Number(flow.capPerEpoch);
      expect(cap).to.be.greaterThan(0);
      expect(flow.segments & ~(a.segments & b.segments), "segments outside both offers").to.equal(0n);
      expect(Number(flow.rate)).to.equal(Math.floor((a.minRate + b.maxRate) / 2));
      expect(b.maxRate).to.be.at.least(a.minRate);
      expect(competes(c.config, members[i].industry, members[j].industry), "competitors trade").to.equal(
        false,
      );
      expect(excludes(c, i, members[j].industry), "excluded by supplier").to.equal(false);
      expect(excludes(c, j, members[i].industry), "excluded by recipient").to.equal(false);
      out[i] += cap;
      inn[j] += cap;
      cost[j] += cap * Number(flow.rate);
      cost[i] -= cap * Number(flow.rate);
      const key = `${Math.min(i, j)}-${Math.max(i, j)}`;
      pairTotal.set(key, (pairTotal.get(key) ?? 0) + cap);
    }
  }
  const partners = members.map(() => 0);
  for (const [key, total] of pairTotal) {
    expect(total, `pair ${key} below the minimum agreement size`).to.be.at.least(c.config.minAgreementSize);
    for (const m of key.split("-")) partners[Number(m)]++;
  }
  const horizon = c.config.creditHorizonEpochs;
  members.forEach((m, k) => {
    expect(out[k], `${m.id} sends over capacity`).to.be.at.most(supply[k].capacity);
    expect(inn[k], `${m.id} receives over volume`).to.be.at.most(demand[k].volume);
    const headroom = Math.max(0, Number(m.creditLimit + m.creditBalance) / horizon);
    expect(cost[k], `${m.id} over credit headroom`).to.be.at.most(headroom + 1e-6);
    expect(partners[k], `${m.id} over partner limit`).to.be.at.most(m.maxPartners ?? c.config.maxPartners);
    expect(coParties[k].size, `${m.id} over partner limit (co-parties)`).to.be.at.most(
      m.maxPartners ?? c.config.maxPartners,
    );
  });
  expect(surplus).to.be.closeTo(result.report.objective, 1e-6 * Math.max(1, result.report.objective));
}
