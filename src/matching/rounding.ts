import type { FlowAssignment } from "./assignment";
import type { EdgeSet } from "./candidates";
import type { PreparedInstance } from "./prepare";

/**
 * Chooses the pairs to open from an LP solution: by LP surplus (Σ value·x over the pair's
 * edges), best first, as long as both members have a partner slot left. Returns the adjacency
 * lists (j > i) of the chosen pairs.
 */
export function choosePairs(p: PreparedInstance, edges: EdgeSet, x: Float64Array): number[][] {
  const contribution = new Float64Array(edges.pairCount);
  for (let e = 0; e < edges.edgeCount; e++) contribution[edges.pair[e]] += edges.value[e] * x[e];
  const order = Array.from({ length: edges.pairCount }, (_, q) => q)
    .filter((q) => contribution[q] > 1e-9)
    .sort((a, b) => contribution[b] - contribution[a] || a - b);
  const slots = Int32Array.from(p.partnerSlots);
  const chosen: number[][] = Array.from({ length: p.n }, () => []);
  for (const q of order) {
    const i = edges.pairLow[q];
    const j = edges.pairHigh[q];
    if (slots[i] <= 0 || slots[j] <= 0) continue;
    slots[i]--;
    slots[j]--;
    chosen[i].push(j);
  }
  return chosen;
}

/**
 * Turns a fractional flow on pairs that already respect the partner limits into a feasible
 * integer one: round every flow down (capacities and demands stay satisfied), then, until
 * nothing changes, cut a member's incoming flows (least valuable per credit first) while it
 * exceeds its credit headroom, and close pairs below the minimum agreement size. Cuts only lower
 * flows, so the loop ends; cutting a flow can only hurt its sender's credit, which is re-checked.
 */
export function roundAndRepair(p: PreparedInstance, edges: EdgeSet, x: Float64Array): FlowAssignment[] {
  const E = edges.edgeCount;
  const amount = new Float64Array(E);
  const cost = new Float64Array(p.n);
  const incoming: number[][] = Array.from({ length: p.n }, () => []);
  for (let e = 0; e < E; e++) {
    amount[e] = Math.floor(x[e] + 1e-7);
    if (amount[e] <= 0) continue;
    cost[edges.to[e]] += amount[e] * edges.rate[e];
    cost[edges.from[e]] -= amount[e] * edges.rate[e];
    incoming[edges.to[e]].push(e);
  }
  const perCredit = (e: number) =>
    edges.rate[e] > 0 ? edges.value[e] / edges.rate[e] : Number.POSITIVE_INFINITY;
  for (const list of incoming) list.sort((a, b) => perCredit(a) - perCredit(b) || a - b);
  const pairTotal = new Float64Array(edges.pairCount);
  const edgesOfPair: number[][] = Array.from({ length: edges.pairCount }, () => []);
  for (let e = 0; e < E; e++) edgesOfPair[edges.pair[e]].push(e);
  const cut = (e: number, by: number, queue: number[]) => {
    amount[e] -= by;
    cost[edges.to[e]] -= by * edges.rate[e];
    cost[edges.from[e]] += by * edges.rate[e];
    if (cost[edges.from[e]] > p.headroom[edges.from[e]] + 1e-9) queue.push(edges.from[e]);
  };
  let changed = true;
  while (changed) {
    changed = false;
    const queue: number[] = [];
    for (let m = 0; m < p.n; m++) if (cost[m] > p.headroom[m] + 1e-9) queue.push(m);
    while (queue.length > 0) {
      const m = queue.pop()!;
      for (const e of incoming[m]) {
        if (cost[m] <= p.headroom[m] + 1e-9) break;
        if (amount[e] <= 0 || edges.rate[e] <= 0) continue;
        const by = Math.min(amount[e], Math.ceil((cost[m] - p.headroom[m] - 1e-9) / edges.rate[e]));
        cut(e, by, queue);
        changed = true;
      }
    }
    pairTotal.fill(0);
    for (let e = 0; e < E; e++) pairTotal[edges.pair[e]] += amount[e];
    for (let q = 0; q < edges.pairCount; q++) {
      if (pairTotal[q] <= 0 || pairTotal[q] >= p.config.minAgreementSize) continue;
      const ignored: number[] = [];
      for (const e of edgesOfPair[q]) if (amount[e] > 0) cut(e, amount[e], ignored);
      changed = true;
    }
  }
  const out: FlowAssignment[] = [];
  for (let e = 0; e < E; e++) {
    if (amount[e] < 1) continue;
    out.push({
      from: edges.from[e],
      to: edges.to[e],
      supply: edges.supply[e],
      demand: edges.demand[e],
      segment: edges.segment[e],
      value: edges.value[e],
      rate: edges.rate[e],
      amount: amount[e],
    });
  }
  return out;
}
