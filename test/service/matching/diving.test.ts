import { expect } from "chai";
import fc from "fast-check";
import { assignmentObjective } from "../../../src/matching/assignment";
import { collectOfferEdges } from "../../../src/matching/candidates";
import { diveOnSupport } from "../../../src/matching/diving";
import { generateConsortium } from "../../../src/matching/generator";
import { type Highs, loadMatchingSolver, runHighs } from "../../../src/matching/highs";
import { buildMatchingModel } from "../../../src/matching/model";
import { type PreparedInstance, prepareInstance } from "../../../src/matching/prepare";
import { buildProposals } from "../../../src/matching/proposals";
import { solveMatching } from "../../../src/matching/solve";
import { DEFAULT_MATCHING_CONFIG, type MatchingResult } from "../../../src/matching/types";
import { bruteForceOptimum, expectValidProposals, tinyCase } from "./tiny";

/** The LP relaxation over every candidate pair: what the dive starts from. */
function relaxation(highs: Highs, p: PreparedInstance) {
  const edges = collectOfferEdges(p);
  if (edges.edgeCount === 0) return undefined;
  const lp = runHighs(highs, buildMatchingModel(highs, p, edges, { integer: false }).data, {
    timeLimitSeconds: 30,
    mipRelativeGap: 0,
  });
  return { edges, lp, x: Float64Array.from(lp.colValue.subarray(0, edges.edgeCount)) };
}

describe("matching LP diving", function () {
  this.timeout(120_000);
  let highs: Highs;
  before(async () => {
    highs = await loadMatchingSolver();
  });

  it("turns the LP into flows that keep every constraint, never above the optimum", () => {
    let found = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const base = tinyCase(seed, 4, 3);
        // One partner each: the partner limit is what the dive has to repair.
        const c = { ...base, config: { ...base.config, maxPartners: 1 } };
        const p = prepareInstance(c.instance, c.config);
        const relaxed = relaxation(highs, p);
        if (!relaxed) return;
        const { edges, lp, x } = relaxed;
        const dived = diveOnSupport(highs, p, edges, x, () => 30);
        const objective = assignmentObjective(dived);
        const result = {
          proposals: buildProposals(p, dived),
          report: { objective },
        } as unknown as MatchingResult;
        expectValidProposals(c, result);
        expect(objective).to.be.at.most(bruteForceOptimum(c) + 1e-6);
        expect(objective).to.be.at.most(lp.objective + 1e-6);
        if (objective > 0) found++;
      }),
      { seed: 5, numRuns: 40 },
    );
    expect(found).to.be.greaterThan(8);
  });

  it("closes pairs until every member's pairs fit its slots, and gives up on no time", () => {
    const { instance } = generateConsortium({ members: 60, seed: 9 });
    const config = { ...DEFAULT_MATCHING_CONFIG, maxPartners: 2 };
    const p = prepareInstance(instance, config);
    const { edges, x } = relaxation(highs, p)!;
    const dived = diveOnSupport(highs, p, edges, x, () => 30);
    const partners = new Map<number, Set<number>>();
    for (const f of dived) {
      for (const [m, o] of [
        [f.from, f.to],
        [f.to, f.from],
      ]) {
        if (!partners.has(m)) partners.set(m, new Set());
        partners.get(m)!.add(o);
      }
    }
    expect(partners.size).to.be.greaterThan(10);
    for (const [m, set] of partners) expect(set.size).to.be.at.most(p.partnerSlots[m]);
    // The LP alone over-subscribes some member (or there would be nothing to dive for).
    const used = new Map<number, number>();
    const flowOfPair = new Float64Array(edges.pairCount);
    for (let e = 0; e < edges.edgeCount; e++) flowOfPair[edges.pair[e]] += x[e];
    for (let q = 0; q < edges.pairCount; q++) {
      if (flowOfPair[q] <= 1e-7) continue;
      for (const m of [edges.pairLow[q], edges.pairHigh[q]]) used.set(m, (used.get(m) ?? 0) + 1);
    }
    expect([...used.entries()].some(([m, k]) => k > p.partnerSlots[m])).to.equal(true);
    expect(diveOnSupport(highs, p, edges, x, () => 0)).to.deep.equal([]);
  });

  it("the engine reports the dive and keeps it when it beats rounding", () => {
    const { instance } = generateConsortium({ members: 150, seed: 4 });
    const result = solveMatching(highs, instance, {
      ...DEFAULT_MATCHING_CONFIG,
      exactMaxPairs: 0,
      timeLimitSeconds: 60,
    });
    const note = (prefix: string) => {
      const line = result.report.notes.find((n) => n.includes(prefix));
      expect(line, `note "${prefix}"`).to.not.equal(undefined);
      return Number(/([\d.]+) \(at/.exec(line!.slice(line!.indexOf(prefix)))![1]);
    };
    const rounded = note("LP rounding");
    const dived = note("LP diving");
    expect(dived).to.be.greaterThan(0);
    // The notes print objectives to 2 decimals.
    expect(result.report.objective).to.be.at.least(Math.max(rounded, dived) - 0.005);
  });
});
