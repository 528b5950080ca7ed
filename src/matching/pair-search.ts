import type { Highs } from "highs";
import { assignmentObjective, type FlowAssignment } from "./assignment";
import { collectOfferEdges, type OfferEdgeScanner } from "./candidates";
import { solveGreedy } from "./greedy";
import { runHighs } from "./highs";
import { buildMatchingModel } from "./model";
import type { PreparedInstance } from "./prepare";
import { type Multipliers, type PricingResult, priceAllPairs } from "./pricing";
import { roundAndRepair } from "./rounding";

export interface PairSearchResult {
  readonly best: FlowAssignment[];
  /** Least valid upper bound seen by the pricings (each is valid for its multipliers). */
  readonly bound: number;
  readonly rounds: number;
}

/**
 * Primal heuristic for instances too large for the LP with pair variables: choose the pairs
 * first, then let an LP place the flows.
 *
 * Round 0 opens pairs by a greedy b-matching on each pair's stand-alone surplus φ_p(0) (both
 * directions, so reciprocal pairs that balance each other's credit score high). Every round then
 * solves the flow LP on the open pairs (no pair variables: fast), rounds it down and repairs it
 * (`rounding.ts`) and lets the greedy fill what is left. The flow LP's duals price capacity,
 * demand and credit; pricing every candidate pair with them (`pricing.ts`) gives a valid bound and
 * each member's most profitable closed pairs, which compete for the partner slots with the open
 * pairs (scored by their LP surplus) in the next b-matching. Deterministic: a fixed number of
 * rounds, each a deterministic LP (HiGHS, fixed seed); the deadline only cuts rounds short.
 */
export function searchPairs(
  highs: Highs,
  p: PreparedInstance,
  scanner: OfferEdgeScanner,
  initial: PricingResult,
  greedy: readonly FlowAssignment[],
  rounds: number,
  perMember: number,
  secondsLeft: () => number,
  notes: string[],
): PairSearchResult {
  const n = p.n;
  // Candidate pairs with scores: the stand-alone surplus, or what the greedy got from the pair.
  let keys = [...initial.improving];
  let scores = [...initial.improvingScore];
  const greedyPairs = new Map<number, number>();
  for (const f of greedy) {
    const key = Math.min(f.from, f.to) * n + Math.max(f.from, f.to);
    greedyPairs.set(key, (greedyPairs.get(key) ?? 0) + f.value * f.amount);
  }
  {
    const at = new Map(keys.map((k, x) => [k, x]));
    for (const [key, value] of greedyPairs) {
      const x = at.get(key);
      if (x === undefined) {
        keys.push(key);
        scores.push(value);
      } else scores[x] = Math.max(scores[x], value);
    }
  }
  let best: FlowAssignment[] = [...greedy];
  let bestObjective = assignmentObjective(greedy);
  let bound = initial.bound;
  let done = 0;
  for (let round = 0; round < rounds; round++) {
    const chosen = bMatching(p, keys, scores);
    const edges = collectOfferEdges(p, chosen, scanner);
    if (edges.edgeCount === 0) break;
    const model = buildMatchingModel(highs, p, edges, {
      integer: false,
      withoutMinimumSize: true,
      pairsOpen: true,
    });
    const lp = runHighs(highs, model.data, {
      timeLimitSeconds: Math.max(1, secondsLeft()),
      mipRelativeGap: 0,
    });
    if (!lp.hasPrimal) break;
    const x = lp.colValue.subarray(0, edges.edgeCount);
    const candidate = solveGreedy(p, roundAndRepair(p, edges, x));
    const objective = assignmentObjective(candidate);
    if (objective > bestObjective) {
      best = candidate;
      bestObjective = objective;
    }
    done = round + 1;
    if (round === rounds - 1 || secondsLeft() <= 0) {
      notes.push(
        `pair search round ${round}: ${edges.pairCount} pairs, flow LP ${lp.objective.toFixed(0)}, rounded ${objective.toFixed(0)}`,
      );
      break;
    }
    const dual = (row: number) => (row >= 0 ? Math.max(0, lp.rowDual[row]) : 0);
    const pi: Multipliers = {
      supply: Float64Array.from(model.supplyRow, dual),
      demand: Float64Array.from(model.demandRow, dual),
      credit: Float64Array.from(model.creditRow, dual),
      partner: new Float64Array(n),
    };
    const open = Array.from({ length: n }, (_, i) => chosen[i]);
    const pricing = priceAllPairs(p, scanner, pi, (i) => open[i], perMember);
    bound = Math.min(bound, pricing.bound);
    notes.push(
      `pair search round ${round}: ${edges.pairCount} pairs, flow LP ${lp.objective.toFixed(0)}, rounded ${objective.toFixed(0)}, bound ${pricing.bound.toFixed(0)} (partner ${pricing.partnerBoundWithoutKappa.toFixed(0)}, lagrangian ${pricing.lagrangianBound.toFixed(0)})`,
    );
    // Open pairs compete with their LP surplus, closed ones with their profit at the LP's prices.
    const contribution = new Float64Array(edges.pairCount);
    for (let e = 0; e < edges.edgeCount; e++) contribution[edges.pair[e]] += edges.value[e] * x[e];
    keys = [];
    scores = [];
    for (let q = 0; q < edges.pairCount; q++) {
      if (contribution[q] <= 1e-9) continue;
      keys.push(edges.pairLow[q] * n + edges.pairHigh[q]);
      scores.push(contribution[q]);
    }
    // A loop, not push(...list): a spread of 100,000s of pairs overflows the call stack.
    for (let x = 0; x < pricing.improving.length; x++) {
      keys.push(pricing.improving[x]);
      scores.push(pricing.improvingScore[x]);
    }
    if (secondsLeft() <= 0) break;
  }
  return { best, bound, rounds: done };
}

/** Greedy b-matching: pairs by score (best first, ties by key), while both members have a slot. */
export function bMatching(
  p: PreparedInstance,
  keys: readonly number[],
  scores: readonly number[],
): number[][] {
  const order = Array.from(keys.keys()).sort((x, y) => scores[y] - scores[x] || keys[x] - keys[y]);
  const slots = Int32Array.from(p.partnerSlots);
  const chosen: number[][] = Array.from({ length: p.n }, () => []);
  const taken = new Set<number>();
  for (const x of order) {
    const key = keys[x];
    if (taken.has(key)) continue;
    const i = Math.floor(key / p.n);
    const j = key % p.n;
    if (slots[i] <= 0 || slots[j] <= 0) continue;
    taken.add(key);
    slots[i]--;
    slots[j]--;
    chosen[i].push(j);
  }
  return chosen;
}
