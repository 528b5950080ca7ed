import type { PreparedInstance } from "./prepare";

/**
 * The pairing rule, the one definition of a candidate edge that greedy, the LP and the MIP all
 * enumerate (through `OfferEdgeScanner`, candidates.ts), so that the "vs greedy" comparison is
 * between solvers of the same problem.
 *
 * Supply offer `a` (of member i) may send to demand offer `b` (of member j) in a segment both
 * hold (the scanner only pairs offers through a common segment) when:
 * - i ≠ j, and both offers are live (capacity and volume left after existing agreements);
 * - j's max rate ≥ i's min rate;
 * - the two members may share an agreement (`membersMayShare`);
 * - both members have a partner slot left, and they are not already co-parties of a pending or
 *   active agreement (the engine never proposes a second agreement between two co-parties).
 *
 * `scanned` is i or j, the member whose co-parties `markCoParties` marked last.
 */
export function offersPair(p: PreparedInstance, a: number, b: number, scanned: number): boolean {
  const i = p.supplyMember[a];
  const j = p.demandMember[b];
  return (
    i !== j &&
    p.supplyCapacity[a] > 0 &&
    p.demandVolume[b] > 0 &&
    p.demandMaxRate[b] >= p.supplyMinRate[a] &&
    p.partnerSlots[i] > 0 &&
    p.partnerSlots[j] > 0 &&
    membersMayShare(p, i, j) &&
    p.existingMark[i === scanned ? j : i] !== scanned + 1
  );
}

/** Marks the existing co-parties of member i for `offersPair` (scratch shared by every scan). */
export function markCoParties(p: PreparedInstance, i: number): void {
  for (const j of p.existingPartners[i]) p.existingMark[j] = i + 1;
}

/**
 * Whether members i and j may be parties of one agreement, flow or no flow between them: their
 * industries do not compete, and neither member's offers exclude the other's industry (a member
 * excludes an industry when any of its offers does). The same rule decides the co-parties of a
 * 3- or 4-party cycle (proposals.ts) and the member's auto-accept (acceptance.ts), so every
 * agreement the engine proposes is one each party's own offers allow.
 */
export function membersMayShare(p: PreparedInstance, i: number, j: number): boolean {
  const K = p.industryCount;
  return (
    p.refusesIndustry[i * K + p.industryIdx[j]] === 0 && p.refusesIndustry[j * K + p.industryIdx[i]] === 0
  );
}
