import { assignmentObjective, type FlowAssignment } from "./assignment";
import { collectOfferEdges, type EdgeSet, OfferEdgeScanner } from "./candidates";
import { diveOnSupport } from "./diving";
import { solveGreedy } from "./greedy";
import { type Highs, runHighs } from "./highs";
import { buildMatchingModel } from "./model";
import { searchPairs } from "./pair-search";
import { type PreparedInstance, prepareInstance } from "./prepare";
import { type PricingResult, priceAllPairs, zeroMultipliers } from "./pricing";
import { buildProposals } from "./proposals";
import { RestrictedLp } from "./restricted-lp";
import { choosePairs, roundAndRepair } from "./rounding";
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  type MatchingInstance,
  type MatchingResult,
  type SolutionReport,
} from "./types";

/** Column generation stops after this many LP rounds even if some pairs still price positive. */
const MAX_PRICING_ROUNDS = 12;
/** Closed pairs per member kept as candidates for the partner slots (× maxPartners). */
const SHORTLIST_FACTOR = 2;
/** Rounds of the pair search (each: b-matching, flow LP, rounding, pricing). */
const PAIR_SEARCH_ROUNDS = 3;
/** Rounds of the pair search that seeds column generation (one b-matching, flow LP, rounding). */
const SEED_SEARCH_ROUNDS = 1;
/**
 * Column generation stops adding pairs once the restricted LP would hold more than this many
 * (the LP with pair variables grows slow beyond it: about 22 s for the second round at 5,000
 * members, 36,000 pairs; 1,000 members converge within it, about 17,000 pairs in 9 rounds). A
 * size rule, not the clock, so that the same input gives the same output (the time limit is only
 * a safety net).
 */
const MAX_RESTRICTED_PAIRS = 40_000;
/** Pairs added per member and round, and kept per member in the first restricted model. */
const PAIRS_ADDED_PER_MEMBER = 3;

/**
 * Solves one matching instance and returns proposals plus a report.
 *
 * Small instances (≤ `exactMaxPairs` candidate pairs) are one exact MIP over every candidate
 * edge. Larger ones first run one pair-search round (pairs by b-matching, flows by LP, see
 * `pair-search.ts`), whose pairs seed column generation: a restricted LP with pair variables over
 * promising pairs, priced against the full candidate set after every round to add the pairs with
 * positive Lagrangian profit, until the restricted LP would exceed `MAX_RESTRICTED_PAIRS`; each
 * pricing also yields a proven upper bound on the whole instance (see `pricing.ts`). The LP is
 * rounded (pairs by LP surplus within the partner limits, flows re-solved, repaired, filled
 * greedily) and dived (`diving.ts`: over-subscribed members' weakest pairs closed one LP at a
 * time); a restricted MIP follows only when the restricted model is as small as an exact one.
 * The best of greedy, pair search, rounding, diving and MIP is returned, so the engine never
 * returns less than the greedy baseline. Every step is chosen by size rules; the time limit is
 * only a safety net (and bounds the exact MIP), and the solve time is the only clock the engine
 * reads.
 */
export function solveMatching(
  highs: Highs,
  instance: MatchingInstance,
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
): MatchingResult {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const p = prepareInstance(instance, config);
  const scanner = new OfferEdgeScanner(p);
  // Pricing at π = 0: counts the candidates, gives a first bound and each member's best pairs.
  const initial = priceAllPairs(
    p,
    scanner,
    zeroMultipliers(p),
    () => undefined,
    SHORTLIST_FACTOR * Math.max(1, config.maxPartners),
  );
  const greedy = solveGreedy(p);
  const run: Run = {
    highs,
    p,
    scanner,
    initial,
    greedy,
    greedyObjective: assignmentObjective(greedy),
    greedySeconds: elapsed(),
    elapsed,
    notes: [],
  };
  if (initial.pairs === 0) return emptyResult(run);
  if (initial.pairs <= config.exactMaxPairs) return solveExact(run);
  if (initial.pairs > config.pairSearchMinPairs) return solveByPairSearch(run);
  return solveByColumnGeneration(run);
}

/** What every strategy starts from: the instance, its first pricing and the greedy baseline. */
interface Run {
  readonly highs: Highs;
  readonly p: PreparedInstance;
  readonly scanner: OfferEdgeScanner;
  /** Pricing at π = 0: candidate counts, a first bound, each member's best pairs. */
  readonly initial: PricingResult;
  readonly greedy: readonly FlowAssignment[];
  readonly greedyObjective: number;
  readonly greedySeconds: number;
  readonly elapsed: () => number;
  readonly notes: string[];
}

function emptyResult(run: Run): MatchingResult {
  return {
    proposals: [],
    report: {
      method: "exact-mip",
      status: "empty",
      objective: 0,
      lpBound: 0,
      bound: 0,
      gap: 0,
      greedyObjective: 0,
      solveSeconds: run.elapsed(),
      candidateEdges: 0,
      candidatePairs: 0,
      modelPairs: 0,
      notes: [],
    },
  };
}

/** Small instances: the LP over every candidate edge, rounded and dived, then the exact MIP. */
function solveExact(run: Run): MatchingResult {
  const { highs, p } = run;
  const edges = collectOfferEdges(p, undefined, run.scanner);
  const lp = runHighs(highs, buildMatchingModel(highs, p, edges, { integer: false }).data, {
    timeLimitSeconds: p.config.timeLimitSeconds - run.elapsed(),
    mipRelativeGap: 0,
  });
  return improveAndReport(run, true, lp.objective, edges, lp.colValue, run.greedy);
}

/** The pair search over `rounds`, within what is left of the time limit (both strategies use it). */
function searchPairsWithin(run: Run, rounds: number) {
  const { p, elapsed, notes } = run;
  return searchPairs(
    run.highs,
    p,
    run.scanner,
    run.initial,
    run.greedy,
    rounds,
    SHORTLIST_FACTOR * Math.max(1, p.config.maxPartners),
    () => p.config.timeLimitSeconds - elapsed(),
    notes,
  );
}

/**
 * Very large instances: the LP with pair variables is out of reach, so the pair search (pairs
 * chosen first, flows by a fast LP) gives the primal and its pricings give the bound.
 */
function solveByPairSearch(run: Run): MatchingResult {
  const { p, elapsed, notes } = run;
  const search = searchPairsWithin(run, PAIR_SEARCH_ROUNDS);
  notes.push(
    `greedy ${run.greedyObjective.toFixed(2)} (${run.greedySeconds.toFixed(1)} s), pair search ${search.rounds} rounds`,
  );
  const objective = assignmentObjective(search.best);
  const bound = Math.max(search.bound, objective);
  return {
    proposals: buildProposals(p, search.best),
    report: {
      method: "pair-search",
      status: "feasible",
      objective,
      lpBound: search.bound,
      bound,
      gap: bound > 0 ? (bound - objective) / bound : 0,
      greedyObjective: run.greedyObjective,
      solveSeconds: elapsed(),
      candidateEdges: run.initial.segmentEdges,
      candidatePairs: run.initial.pairs,
      modelPairs: 0,
      notes,
    },
  };
}

/**
 * Mid-sized instances: a quick incumbent first (pairs by b-matching, flows by LP, no pair
 * variables), whose pairs seed column generation, so that the LP's first round already holds a
 * good solution; then rounding, diving and (when small enough) the restricted MIP.
 */
function solveByColumnGeneration(run: Run): MatchingResult {
  const { p, elapsed, notes } = run;
  const search = searchPairsWithin(run, SEED_SEARCH_ROUNDS);
  const start = assignmentObjective(search.best) > run.greedyObjective ? search.best : run.greedy;
  notes.push(`pair search ${assignmentObjective(search.best).toFixed(2)} (at ${elapsed().toFixed(1)} s)`);
  const generated = generatePairs(
    run.highs,
    p,
    run.scanner,
    run.initial,
    start,
    p.config.timeLimitSeconds,
    elapsed,
    notes,
  );
  const lpBound = Math.min(generated.bound, search.bound);
  return improveAndReport(run, false, lpBound, generated.edges, generated.relaxed, start);
}

/**
 * From an LP solution over `edges`: LP rounding, LP diving and, when the model is as small as an
 * exact one (a size rule, not the clock), the MIP warm-started from the best of them and `start`.
 */
function improveAndReport(
  run: Run,
  exact: boolean,
  lpBound: number,
  edges: EdgeSet,
  relaxed: Float64Array,
  start: readonly FlowAssignment[],
): MatchingResult {
  const { highs, p, elapsed, notes } = run;
  const config = p.config;
  // Primal heuristic: open the pairs the LP likes best, re-solve the flows, round, fill greedily.
  // Nothing to round when the restricted LP stopped before its first solution (time limit).
  const hasLpSolution = relaxed.some((v) => v > 1e-9);
  const rounded = hasLpSolution
    ? roundedSolution(highs, p, edges, relaxed, Math.max(1, config.timeLimitSeconds - elapsed()))
    : [];
  const roundedObjective = assignmentObjective(rounded);
  let incumbent = roundedObjective > assignmentObjective(start) ? rounded : start;
  notes.push(
    `greedy ${run.greedyObjective.toFixed(2)} (${run.greedySeconds.toFixed(1)} s), LP rounding ${roundedObjective.toFixed(2)} (at ${elapsed().toFixed(1)} s)`,
  );
  // Second primal heuristic: close over-subscribed members' weakest pairs one LP at a time.
  const dived = hasLpSolution
    ? diveOnSupport(highs, p, edges, relaxed, () => config.timeLimitSeconds - elapsed())
    : [];
  const divedObjective = assignmentObjective(dived);
  if (divedObjective > assignmentObjective(incumbent)) incumbent = dived;
  notes.push(`LP diving ${divedObjective.toFixed(2)} (at ${elapsed().toFixed(1)} s)`);

  let mipStatus: number = highs.constants.modelStatus.notSet;
  let mipDualBound = Number.POSITIVE_INFINITY;
  if (exact || edges.pairCount <= config.exactMaxPairs) {
    const model = buildMatchingModel(highs, p, edges, { integer: true });
    const mip = runHighs(highs, model.data, {
      timeLimitSeconds: config.timeLimitSeconds - elapsed(),
      mipRelativeGap: config.mipRelativeGap,
      start: startFromAssignments(edges, incumbent),
    });
    mipStatus = mip.status;
    mipDualBound = mip.dualBound;
    if (mip.hasPrimal && mip.objective > assignmentObjective(incumbent) + 1e-9) {
      incumbent = assignmentsFromColumns(edges, mip.colValue);
    }
    if (mip.status !== highs.constants.modelStatus.optimal) notes.push("MIP stopped at its time limit");
  } else notes.push(`restricted model too large for the MIP (${edges.pairCount} pairs)`);
  const objective = assignmentObjective(incumbent);
  const optimal = exact && mipStatus === highs.constants.modelStatus.optimal;
  // HiGHS' MIP dual bound is a bound on the full problem only when the model holds every pair.
  const bound =
    exact && Number.isFinite(mipDualBound) ? Math.min(lpBound, Math.max(objective, mipDualBound)) : lpBound;
  const report: SolutionReport = {
    method: exact ? "exact-mip" : "column-generation",
    status: optimal ? "optimal" : "feasible",
    objective,
    lpBound,
    bound: Math.max(bound, objective),
    gap: bound > 0 ? Math.max(0, (bound - objective) / bound) : 0,
    greedyObjective: run.greedyObjective,
    solveSeconds: elapsed(),
    candidateEdges: run.initial.segmentEdges,
    candidatePairs: run.initial.pairs,
    modelPairs: edges.pairCount,
    notes,
  };
  return { proposals: buildProposals(p, incumbent), report };
}

/** The greedy baseline on its own, with the same report shape (its bound is not computed). */
export function solveMatchingGreedy(
  instance: MatchingInstance,
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
): MatchingResult {
  const started = performance.now();
  const p = prepareInstance(instance, config);
  const assignments = solveGreedy(p);
  const objective = assignmentObjective(assignments);
  return {
    proposals: buildProposals(p, assignments),
    report: {
      method: "greedy",
      status: objective > 0 ? "feasible" : "empty",
      objective,
      lpBound: Number.NaN,
      bound: Number.NaN,
      gap: Number.NaN,
      greedyObjective: objective,
      solveSeconds: (performance.now() - started) / 1000,
      candidateEdges: 0,
      candidatePairs: 0,
      modelPairs: 0,
      notes: [],
    },
  };
}

/**
 * LP rounding: open the pairs the LP likes best (within the partner limits), optionally re-solve
 * the flow LP on exactly those pairs, round down and repair (`rounding.ts`), then let the greedy
 * pass fill whatever capacity, demand, credit and partner slots are left.
 */
function roundedSolution(
  highs: Highs,
  p: PreparedInstance,
  edges: EdgeSet,
  relaxed: Float64Array,
  resolveSeconds: number | undefined,
): FlowAssignment[] {
  const chosenPairs = choosePairs(p, edges, relaxed);
  if (resolveSeconds !== undefined) {
    const chosen = collectOfferEdges(p, chosenPairs);
    if (chosen.edgeCount === 0) return solveGreedy(p);
    const lp = runHighs(
      highs,
      buildMatchingModel(highs, p, chosen, { integer: false, withoutMinimumSize: true, pairsOpen: true })
        .data,
      { timeLimitSeconds: resolveSeconds, mipRelativeGap: 0 },
    );
    if (lp.hasPrimal) return solveGreedy(p, roundAndRepair(p, chosen, lp.colValue));
  }
  // Without a re-solve: keep the LP flows of the chosen pairs only, then repair.
  const open = new Set<number>();
  chosenPairs.forEach((js, i) => {
    for (const j of js) open.add(i * p.n + j);
  });
  const x = new Float64Array(edges.edgeCount);
  for (let e = 0; e < edges.edgeCount; e++) {
    const q = edges.pair[e];
    if (open.has(edges.pairLow[q] * p.n + edges.pairHigh[q])) x[e] = relaxed[e];
  }
  return solveGreedy(p, roundAndRepair(p, edges, x));
}

function generatePairs(
  highs: Highs,
  p: PreparedInstance,
  scanner: OfferEdgeScanner,
  initial: PricingResult,
  greedy: readonly FlowAssignment[],
  budgetSeconds: number,
  elapsed: () => number,
  notes: string[],
): { edges: EdgeSet; bound: number; relaxed: Float64Array } {
  const adjacency: Set<number>[] = Array.from({ length: p.n }, () => new Set());
  let modelPairs = 0;
  let fresh: number[][] = Array.from({ length: p.n }, () => []);
  const addPair = (key: number) => {
    const i = Math.floor(key / p.n);
    const j = key % p.n;
    if (adjacency[i].has(j)) return false;
    adjacency[i].add(j);
    modelPairs++;
    fresh[i].push(j);
    return true;
  };
  // Start from each member's best few pairs by raw surplus, plus every pair of the start solution.
  let bound = initial.bound;
  const firstPerMember = Math.max(1, Math.ceil(p.config.maxPartners / 2));
  const perMember = new Int32Array(p.n);
  for (const key of initial.improving) {
    const i = Math.floor(key / p.n);
    const j = key % p.n;
    if (perMember[i] >= firstPerMember && perMember[j] >= firstPerMember) continue;
    perMember[i]++;
    perMember[j]++;
    addPair(key);
  }
  for (const f of greedy) addPair(Math.min(f.from, f.to) * p.n + Math.max(f.from, f.to));
  const lp = new RestrictedLp(highs, p);
  try {
    lp.addPairs(fresh);
    let current = adjacency.map((set) => [...set]);
    let relaxed: Float64Array = new Float64Array(0);
    for (let round = 1; round <= MAX_PRICING_ROUNDS; round++) {
      const solution = lp.solve(budgetSeconds - elapsed());
      if (solution.status !== highs.constants.modelStatus.optimal) {
        notes.push(
          `restricted LP round ${round} stopped early (status ${solution.status}); bound from the previous round`,
        );
        break;
      }
      relaxed = solution.x;
      const pricing = priceAllPairs(
        p,
        scanner,
        solution.multipliers,
        (i) => current[i],
        PAIRS_ADDED_PER_MEMBER,
      );
      bound = Math.min(bound, pricing.bound);
      fresh = Array.from({ length: p.n }, () => []);
      let added = 0;
      for (const key of pricing.improving) if (addPair(key)) added++;
      notes.push(
        `round ${round} (${elapsed().toFixed(1)} s): LP ${solution.objective.toFixed(2)}, bound ${pricing.bound.toFixed(2)} (lagrangian ${pricing.lagrangianBound.toFixed(0)}, partner ${pricing.partnerBound.toFixed(0)}, partner κ=0 ${pricing.partnerBoundWithoutKappa.toFixed(0)}), +${added} pairs`,
      );
      if (added === 0 || bound - solution.objective <= 1e-7 * Math.abs(bound)) break;
      if (modelPairs > MAX_RESTRICTED_PAIRS) {
        notes.push(`column generation stopped: the restricted LP would exceed ${MAX_RESTRICTED_PAIRS} pairs`);
        break;
      }
      if (elapsed() > budgetSeconds) {
        notes.push("column generation stopped at its time budget");
        break;
      }
      lp.addPairs(fresh);
      current = adjacency.map((set) => [...set]);
    }
    const edges = lp.edges();
    const x = new Float64Array(edges.edgeCount);
    x.set(relaxed.subarray(0, Math.min(relaxed.length, x.length)));
    return { edges, bound, relaxed: x };
  } finally {
    lp.dispose();
  }
}

function startFromAssignments(edges: EdgeSet, assignments: readonly FlowAssignment[]): Float64Array {
  // Offer edges carry every segment of a→b: a flow on any segment maps to its offer edge.
  const col = new Map<string, number>();
  for (let e = 0; e < edges.edgeCount; e++) col.set(`${edges.supply[e]}:${edges.demand[e]}`, e);
  const start = new Float64Array(edges.edgeCount + edges.pairCount);
  for (const f of assignments) {
    const e = col.get(`${f.supply}:${f.demand}`);
    if (e === undefined) continue;
    start[e] += f.amount;
    start[edges.edgeCount + edges.pair[e]] = 1;
  }
  return start;
}

function assignmentsFromColumns(edges: EdgeSet, colValue: Float64Array): FlowAssignment[] {
  const out: FlowAssignment[] = [];
  for (let e = 0; e < edges.edgeCount; e++) {
    const amount = Math.round(colValue[e]);
    if (amount < 1) continue;
    out.push({
      from: edges.from[e],
      to: edges.to[e],
      supply: edges.supply[e],
      demand: edges.demand[e],
      segment: edges.segment[e],
      value: edges.value[e],
      rate: edges.rate[e],
      amount,
    });
  }
  return out;
}
