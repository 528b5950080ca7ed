import { assignmentObjective, type FlowAssignment } from "./assignment";
import { collectEdges, countCandidates, type EdgeSet } from "./candidates";
import { solveGreedy } from "./greedy";
import { type Highs, runHighs } from "./highs";
import { buildMatchingModel } from "./model";
import { type PreparedInstance, prepareInstance } from "./prepare";
import { multipliersFromDuals, priceAllPairs, zeroMultipliers } from "./pricing";
import { buildProposals } from "./proposals";
import {
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  type MatchingInstance,
  type MatchingResult,
  type SolutionReport,
} from "./types";

/** Column generation stops after this many LP rounds even if some pairs still price positive. */
const MAX_PRICING_ROUNDS = 12;
/** Pairs added per member and round, and kept per member in the first restricted model. */
const PAIRS_ADDED_PER_MEMBER = 3;

/**
 * Solves one matching instance and returns proposals plus a report.
 *
 * Small instances (≤ `exactMaxPairs` candidate pairs) are one exact MIP over every candidate
 * edge. Larger ones use column generation: a restricted LP over promising pairs, priced against
 * the full candidate set after every round to add the pairs with positive Lagrangian profit; each
 * pricing also yields a proven upper bound on the full LP (see `pricing.ts`). The final MIP runs
 * on the generated pairs, warm-started with the greedy solution, so the engine never returns less
 * than the greedy baseline. The solve time is the only clock the engine reads.
 */
export function solveMatching(
  highs: Highs,
  instance: MatchingInstance,
  config: MatchingConfig = DEFAULT_MATCHING_CONFIG,
): MatchingResult {
  const started = performance.now();
  const elapsed = () => (performance.now() - started) / 1000;
  const p = prepareInstance(instance, config);
  const counts = countCandidates(p);
  const greedy = solveGreedy(p);
  const greedyObjective = assignmentObjective(greedy);
  if (counts.pairs === 0) {
    return {
      proposals: [],
      report: {
        method: "exact-mip",
        status: "empty",
        objective: 0,
        lpBound: 0,
        bound: 0,
        gap: 0,
        solveSeconds: elapsed(),
        candidateEdges: 0,
        candidatePairs: 0,
        modelPairs: 0,
        notes: [],
      },
    };
  }
  const notes: string[] = [];
  const exact = counts.pairs <= config.exactMaxPairs;
  let lpBound: number;
  let edges: EdgeSet;
  if (exact) {
    edges = collectEdges(p);
    const lp = runHighs(highs, buildMatchingModel(highs, p, edges, false).data, {
      timeLimitSeconds: config.timeLimitSeconds - elapsed(),
      mipRelativeGap: 0,
    });
    lpBound = lp.objective;
  } else {
    const generated = generatePairs(highs, p, greedy, config.timeLimitSeconds * 0.6, elapsed, notes);
    lpBound = generated.bound;
    edges = generated.edges;
  }

  const model = buildMatchingModel(highs, p, edges, true);
  const start = startFromAssignments(edges, greedy);
  const mip = runHighs(highs, model.data, {
    timeLimitSeconds: config.timeLimitSeconds - elapsed(),
    mipRelativeGap: config.mipRelativeGap,
    start,
  });
  let assignments = greedy;
  if (mip.hasPrimal && mip.objective >= greedyObjective)
    assignments = assignmentsFromColumns(edges, mip.colValue);
  else notes.push("HiGHS found nothing better than the greedy start; returning it");
  const objective = assignmentObjective(assignments);
  const optimal = exact && mip.status === highs.constants.modelStatus.optimal;
  if (!exact && mip.status !== highs.constants.modelStatus.optimal)
    notes.push("restricted MIP stopped at its time limit");
  // HiGHS' MIP dual bound is a bound on the full problem only when the model holds every pair.
  const bound =
    exact && Number.isFinite(mip.dualBound) ? Math.min(lpBound, Math.max(objective, mip.dualBound)) : lpBound;
  const report: SolutionReport = {
    method: exact ? "exact-mip" : "column-generation",
    status: optimal ? "optimal" : "feasible",
    objective,
    lpBound,
    bound: Math.max(bound, objective),
    gap: bound > 0 ? Math.max(0, (bound - objective) / bound) : 0,
    solveSeconds: elapsed(),
    candidateEdges: counts.edges,
    candidatePairs: counts.pairs,
    modelPairs: edges.pairCount,
    notes,
  };
  return { proposals: buildProposals(p, assignments), report };
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
      solveSeconds: (performance.now() - started) / 1000,
      candidateEdges: 0,
      candidatePairs: 0,
      modelPairs: 0,
      notes: [],
    },
  };
}

function generatePairs(
  highs: Highs,
  p: PreparedInstance,
  greedy: readonly FlowAssignment[],
  budgetSeconds: number,
  elapsed: () => number,
  notes: string[],
): { edges: EdgeSet; bound: number } {
  const maxPartners = Math.max(1, p.config.maxPartners);
  const adjacency: Set<number>[] = Array.from({ length: p.n }, () => new Set());
  const addPair = (key: number) => adjacency[Math.floor(key / p.n)].add(key % p.n);
  const lists = () => adjacency.map((set) => [...set].sort((x, y) => x - y));
  // Start from each member's best pairs by raw surplus, plus every pair the greedy used.
  const initial = priceAllPairs(p, zeroMultipliers(p), () => undefined, maxPartners + PAIRS_ADDED_PER_MEMBER);
  let bound = initial.bound;
  for (const key of initial.improving) addPair(key);
  for (const f of greedy) addPair(Math.min(f.from, f.to) * p.n + Math.max(f.from, f.to));
  let current = lists();
  let edges = collectEdges(p, current);
  for (let round = 1; round <= MAX_PRICING_ROUNDS; round++) {
    const model = buildMatchingModel(highs, p, edges, false);
    const lp = runHighs(highs, model.data, {
      timeLimitSeconds: budgetSeconds - elapsed(),
      mipRelativeGap: 0,
    });
    if (lp.status !== highs.constants.modelStatus.optimal) {
      notes.push(
        `restricted LP round ${round} stopped early (status ${lp.status}); bound from the previous round`,
      );
      break;
    }
    const pricing = priceAllPairs(
      p,
      multipliersFromDuals(p, model, lp.rowDual),
      (i) => current[i],
      PAIRS_ADDED_PER_MEMBER,
    );
    bound = Math.min(bound, pricing.bound);
    const added = pricing.improving.length;
    notes.push(
      `round ${round}: ${edges.pairCount} pairs, LP ${lp.objective.toFixed(2)}, bound ${pricing.bound.toFixed(2)}, +${added} pairs`,
    );
    if (added === 0 || bound - lp.objective <= 1e-7 * Math.abs(bound)) break;
    if (elapsed() > budgetSeconds) {
      notes.push("column generation stopped at its time budget");
      break;
    }
    for (const key of pricing.improving) addPair(key);
    current = lists();
    edges = collectEdges(p, current);
  }
  return { edges, bound };
}

function startFromAssignments(edges: EdgeSet, assignments: readonly FlowAssignment[]): Float64Array {
  const col = new Map<string, number>();
  for (let e = 0; e < edges.edgeCount; e++)
    col.set(`${edges.supply[e]}:${edges.demand[e]}:${edges.segment[e]}`, e);
  const start = new Float64Array(edges.edgeCount + edges.pairCount);
  for (const f of assignments) {
    const e = col.get(`${f.supply}:${f.demand}:${f.segment}`);
    if (e === undefined) continue;
    start[e] = f.amount;
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
