import { expect } from "chai";
import { generateConsortium } from "../../../src/matching/generator";
import { type Highs, loadMatchingSolver } from "../../../src/matching/highs";
import { solveMatching } from "../../../src/matching/solve";
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  type MatchingInstance,
  type MatchingResult,
} from "../../../src/matching/types";

/**
 * What a member experiences, checked from the instance and the proposals alone (no engine code):
 * its co-parties are every other party of its pending/active agreements and of every proposal it
 * receives, whether or not a flow joins them. Written independently of the model builder.
 */
interface Violation {
  readonly member: string;
  readonly what: string;
}

function violations(instance: MatchingInstance, config: MatchingConfig, result: MatchingResult): Violation[] {
  const industry = new Map(instance.members.map((m) => [m.id, m.industry]));
  const limit = new Map(instance.members.map((m) => [m.id, m.maxPartners ?? config.maxPartners]));
  // A member excludes an industry when any of its offers does.
  const excludes = new Map<string, bigint>();
  for (const o of [...instance.supply, ...instance.demand])
    excludes.set(o.member, (excludes.get(o.member) ?? 0n) | o.excludedIndustries);
  const excluded = (by: string, of: string) => ((excludes.get(by) ?? 0n) >> BigInt(industry.get(of)!)) & 1n;
  const compete = (x: string, y: string) => {
    const a = industry.get(x)!;
    const b = industry.get(y)!;
    if (a === b) return config.sameIndustryCompetes;
    return config.competingIndustries.some(([p, q]) => (p === a && q === b) || (p === b && q === a));
  };
  const coParties = new Map<string, Set<string>>(instance.members.map((m) => [m.id, new Set<string>()]));
  const join = (parties: readonly string[]) => {
    for (const x of parties) for (const y of parties) if (x !== y) coParties.get(x)!.add(y);
  };
  for (const a of instance.agreements) join(a.parties);
  const existing = new Map([...coParties].map(([m, set]) => [m, new Set(set)]));
  const out: Violation[] = [];
  for (const proposal of result.proposals) {
    for (const x of proposal.parties) {
      for (const y of proposal.parties) {
        if (x === y) continue;
        if (excluded(x, y))
          out.push({ member: x, what: `${proposal.kind} with ${y}, whose industry it excludes` });
        if (compete(x, y) && x < y) out.push({ member: x, what: `${proposal.kind} with competitor ${y}` });
        if (existing.get(x)!.has(y) && x < y)
          out.push({ member: x, what: `${proposal.kind} with ${y}, already a co-party` });
      }
    }
    join(proposal.parties);
  }
  for (const [m, set] of coParties)
    if (set.size > limit.get(m)!) out.push({ member: m, what: `${set.size} co-parties > ${limit.get(m)}` });
  return out;
}

describe("matching engine: every proposal is acceptable to every party", function () {
  this.timeout(600_000);
  let highs: Highs;
  before(async () => {
    highs = await loadMatchingSolver();
  });

  it("at 100 members: no member above its partner limit (co-parties) nor in an agreement with an excluded industry", () => {
    const found: string[] = [];
    // 20261222 is bench:match's 100-member instance; seed 2 had the most violations before.
    for (const seed of [20261222, 2]) {
      const { instance } = generateConsortium({ members: 100, seed });
      const config = { ...DEFAULT_MATCHING_CONFIG, timeLimitSeconds: 20, mipRelativeGap: 0.02 };
      const result = solveMatching(highs, instance, config);
      expect(result.proposals.length).to.be.greaterThan(10);
      for (const v of violations(instance, config, result))
        found.push(`seed ${seed}: ${v.member}: ${v.what}`);
    }
    expect(found, found.join("\n")).to.deep.equal([]);
  });

  it("proposes a 4-cycle only when its diagonal parties may share it and stay within their limits", () => {
    // a → b → c → d → a, one offer each way; c's offer excludes a's industry (no flow joins them).
    const id = (k: number) => `0x${(k + 1).toString(16).padStart(40, "0")}`;
    const cycle = (excludedByC: bigint, maxPartnersOfA?: number): MatchingInstance => ({
      members: [1, 2, 3, 4].map((industry, k) => ({
        id: id(k),
        industry,
        creditBalance: 0n,
        creditLimit: 10n ** 9n,
        ...(k === 0 && maxPartnersOfA !== undefined ? { maxPartners: maxPartnersOfA } : {}),
      })),
      supply: [0, 1, 2, 3].map((k) => ({
        id: `s${k}`,
        member: id(k),
        segments: 1n << BigInt(k),
        capacity: 100,
        minRate: 1,
        excludedIndustries: k === 2 ? excludedByC : 0n,
      })),
      demand: [0, 1, 2, 3].map((k) => ({
        id: `d${k}`,
        member: id(k),
        segments: 1n << BigInt((k + 3) % 4),
        volume: 100,
        maxRate: 10,
        excludedIndustries: 0n,
      })),
      agreements: [],
      history: [],
    });
    const kinds = (instance: MatchingInstance) =>
      solveMatching(highs, instance, DEFAULT_MATCHING_CONFIG).proposals.map((p) => p.kind);
    expect(kinds(cycle(0n))).to.deep.equal(["cycle4"]);
    expect(kinds(cycle(1n << 1n))).to.deep.equal(["one-way", "one-way", "one-way", "one-way"]);
    expect(kinds(cycle(0n, 2))).to.deep.equal(["one-way", "one-way", "one-way", "one-way"]);
  });
});
