import { expect } from "chai";
import fc from "fast-check";
import { OfferEdgeScanner } from "../../../src/matching/candidates";
import { prepareInstance } from "../../../src/matching/prepare";
import { type Multipliers, priceAllPairs } from "../../../src/matching/pricing";
import { SeededRandom } from "../../../src/matching/random";
import { bruteForceOptimum, tinyCase } from "./tiny";

/**
 * Every bound the pricing returns must hold for any multipliers π ≥ 0 (the engine reports the
 * least it has seen as the bound of the whole instance), so each is checked against the
 * brute-force optimum at π = 0 and at random π.
 */
describe("matching pricing bounds", function () {
  this.timeout(120_000);

  it("every pricing bound is at least the brute-force optimum, at π = 0 and at random π ≥ 0", () => {
    let nonTrivial = 0;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (seed) => {
        const c = tinyCase(seed, 4, 3);
        const optimum = bruteForceOptimum(c);
        if (optimum > 0) nonTrivial++;
        const p = prepareInstance(c.instance, c.config);
        const scanner = new OfferEdgeScanner(p);
        const rng = new SeededRandom(seed);
        const scale = [0, 0.1, 1, 5];
        for (const s of scale) {
          const random = (length: number) => Float64Array.from({ length }, () => s * rng.uniform(0, 1));
          const pi: Multipliers = {
            supply: random(p.supplyIds.length),
            demand: random(p.demandIds.length),
            credit: random(p.n),
            partner: random(p.n),
          };
          const r = priceAllPairs(p, scanner, pi, () => undefined, 2);
          const floor = optimum - 1e-6 * Math.max(1, optimum);
          expect(r.memberBound, `member bound at scale ${s}`).to.be.at.least(floor);
          expect(r.offerBound, `offer bound at scale ${s}`).to.be.at.least(floor);
          expect(r.partnerBound, `partner bound at scale ${s}`).to.be.at.least(floor);
          expect(r.partnerBoundWithoutKappa, `partner bound (κ = 0) at scale ${s}`).to.be.at.least(floor);
          expect(r.lagrangianBound, `Lagrangian bound at scale ${s}`).to.be.at.least(floor);
          expect(r.bound).to.be.at.least(floor);
        }
      }),
      { seed: 5, numRuns: 40 },
    );
    expect(nonTrivial).to.be.greaterThan(12);
  });
});
