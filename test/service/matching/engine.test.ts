import { expect } from "chai";
import fc from "fast-check";
import { generateConsortium } from "../../../src/matching/generator";
import { type Highs, loadMatchingSolver } from "../../../src/matching/highs";
import { solveMatching, solveMatchingGreedy } from "../../../src/matching/solve";
import { DEFAULT_MATCHING_CONFIG, type MatchingInstance } from "../../../src/matching/types";
import { bruteForceOptimum, expectValidProposals, tinyCase } from "./tiny";

describe("matching engine", function () {
  this.timeout(120_000);
  let highs: Highs;
  before(async () => {
    highs = await loadMatchingSolver();
  });

  it("matches the brute-force optimum on instances small enough to enumerate", () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const c = tinyCase(seed, 4, 3);
        const result = solveMatching(highs, c.instance, c.config);
        const optimum = bruteForceOptimum(c);
        if (optimum > 0) nonTrivial++;
        expect(result.report.status).to.be.oneOf(["optimal", "empty"]);
        expect(result.report.objective).to.be.closeTo(optimum, 1e-6 * Math.max(1, optimum));
        expectValidProposals(c, result);
      }),
      { seed: 20261122, numRuns: 40 },
    );
    // The generator must produce instances where something can be matched, or the test is empty.
    expect(nonTrivial).to.be.greaterThan(12);
  });

  it("every proposal respects capacities, demands, credit, partners, exclusions and competition; greedy never wins", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.integer({ min: 5, max: 12 }),
        (seed, members) => {
          const c = tinyCase(seed, members, 40);
          const result = solveMatching(highs, c.instance, {
            ...c.config,
            maxPartners: 3,
            timeLimitSeconds: 20,
          });
          expectValidProposals({ ...c, config: { ...c.config, maxPartners: 3 } }, result);
          const greedy = solveMatchingGreedy(c.instance, { ...c.config, maxPartners: 3 });
          expectValidProposals({ ...c, config: { ...c.config, maxPartners: 3 } }, greedy);
          expect(greedy.report.objective).to.be.at.most(result.report.objective + 1e-6);
          expect(result.report.bound + 1e-6).to.be.at.least(result.report.objective);
        },
      ),
      { seed: 7, numRuns: 10 },
    );
  });

  it("column generation keeps every constraint and its Lagrangian bound is above the exact optimum", () => {
    let generated = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const base = tinyCase(seed, 8, 40);
        const c = { ...base, config: { ...base.config, maxPartners: 2, timeLimitSeconds: 20 } };
        const exact = solveMatching(highs, c.instance, c.config);
        // exactMaxPairs = 0 forces the large-instance path on the same instance.
        const large = solveMatching(highs, c.instance, { ...c.config, exactMaxPairs: 0 });
        expectValidProposals(c, large);
        if (large.report.method === "column-generation") generated++;
        expect(large.report.greedyObjective).to.be.at.most(large.report.objective + 1e-6);
        if (exact.report.status === "optimal") {
          expect(large.report.objective).to.be.at.most(exact.report.objective + 1e-6);
          expect(large.report.lpBound + 1e-6).to.be.at.least(exact.report.objective);
        }
      }),
      { seed: 11, numRuns: 10 },
    );
    expect(generated).to.be.greaterThan(4);
  });

  it("is deterministic: same instance (in any order) gives the same proposals", () => {
    const { instance } = generateConsortium({ members: 15, seed: 3 });
    const config = { ...DEFAULT_MATCHING_CONFIG, timeLimitSeconds: 30 };
    const first = solveMatching(highs, instance, config);
    const reversed: MatchingInstance = {
      members: [...instance.members].reverse(),
      supply: [...instance.supply].reverse(),
      demand: [...instance.demand].reverse(),
      agreements: [...instance.agreements].reverse(),
      history: [...instance.history].reverse(),
    };
    const second = solveMatching(highs, reversed, config);
    expect(second.proposals).to.deep.equal(first.proposals);
    expect(second.report.objective).to.equal(first.report.objective);
    expect(first.proposals.length).to.be.greaterThan(0);
  });

  it("an existing flow uses the offer that can carry it (its segments at its rate), not the first one sharing a segment", () => {
    const id = (k: number) => `0x${(k + 1).toString(16).padStart(40, "0")}`;
    const [a, b, c] = [id(0), id(1), id(2)];
    // a's s0 cannot carry the existing flow a → b (rate 13 < its min 25), s1 can; c only wants
    // segment 2, which only s1 holds: 1,000 − 400 = 600 referrals are left for c.
    const instance: MatchingInstance = {
      members: [a, b, c].map((m, k) => ({
        id: m,
        industry: k + 1,
        creditBalance: 0n,
        creditLimit: 10n ** 9n,
      })),
      supply: [
        { id: "s0", member: a, segments: 0b001n, capacity: 600, minRate: 25, excludedIndustries: 0n },
        { id: "s1", member: a, segments: 0b101n, capacity: 1_000, minRate: 11, excludedIndustries: 0n },
      ],
      demand: [
        { id: "d-b", member: b, segments: 0b001n, volume: 400, maxRate: 15, excludedIndustries: 0n },
        { id: "d-c", member: c, segments: 0b100n, volume: 5_000, maxRate: 100, excludedIndustries: 0n },
      ],
      agreements: [
        {
          id: "x",
          parties: [a, b],
          flows: [{ from: a, to: b, segments: 0b001n, capPerEpoch: 400n, rate: 13n }],
        },
      ],
      history: [],
    };
    const { proposals } = solveMatching(highs, instance, DEFAULT_MATCHING_CONFIG);
    const toC = proposals.flatMap((p) => p.flows).filter((f) => f.from === a && f.to === c);
    expect(toC.reduce((sum, f) => sum + Number(f.capPerEpoch), 0)).to.equal(600);
  });
});
