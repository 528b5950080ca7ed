import { type PreparedInstance, settleRate } from "./prepare";

/**
 * Called once per candidate edge `from → to` in segment `s`, between supply offer `a` (of `from`)
 * and demand offer `b` (of `to`). `value` is the expected surplus per referral, `upper` the most
 * referrals per epoch the two offers allow, `rate` the settle rate.
 */
export type EdgeVisitor = (
  from: number,
  to: number,
  a: number,
  b: number,
  s: number,
  value: number,
  upper: number,
  rate: number,
) => void;

/**
 * What a greedy pass has used so far. Edges it can no longer take are skipped by the scan: an
 * exhausted offer (< 1 referral left) or a pair that is not open while one side has no slot left.
 * All of these only tighten as the pass goes on, so skipping them never changes its result.
 * `activeMark[j] === i + 1` must mark i's open pairs (and activeMark[i] === i + 1 when i has an
 * open pair with a partner j > i) while member i is scanned.
 */
export interface LiveState {
  readonly slots: Int32Array;
  readonly capLeft: Float64Array;
  readonly volLeft: Float64Array;
  readonly activeMark: Int32Array;
}

/**
 * Visits every candidate edge of the pairs {i, j} with j > i (both directions), so that calling
 * it for every i visits each edge exactly once without materialising the O(n²) edge set.
 *
 * An edge i→j for segment s exists when i supplies s, j demands s, j's max rate ≥ i's min rate,
 * neither offer excludes the other's industry, the industries do not compete, both members still
 * have a partner slot, the offers have capacity left, and the pair has no existing agreement.
 */
export function scanPairsOf(p: PreparedInstance, i: number, visit: EdgeVisitor, live?: LiveState): void {
  if (p.partnerSlots[i] <= 0) return;
  if (live && live.slots[i] <= 0 && live.activeMark[i] !== i + 1) return;
  const K = p.industryCount;
  const indI = p.industryIdx[i];
  const mark = p.existingMark;
  for (const j of p.existingPartners[i]) mark[j] = i + 1;
  const marked = i + 1;
  for (const a of p.supplyOfMember[i]) {
    const cap = p.supplyCapacity[a];
    if (cap <= 0 || (live && live.capLeft[a] < 1)) continue;
    const minRate = p.supplyMinRate[a];
    const exA = p.supplyExcluded[a];
    for (const s of p.supplySegments[a]) {
      const list = p.demandBySegment[s];
      for (let k = 0; k < list.length; k++) {
        const b = list[k];
        const j = p.demandMember[b];
        if (j <= i || p.partnerSlots[j] <= 0) continue;
        if (
          live &&
          (live.volLeft[b] < 1 ||
            ((live.slots[i] <= 0 || live.slots[j] <= 0) && live.activeMark[j] !== i + 1))
        )
          continue;
        const maxRate = p.demandMaxRate[b];
        const vol = p.demandVolume[b];
        if (maxRate < minRate || vol <= 0) continue;
        const indJ = p.industryIdx[j];
        if (p.competes[indI * K + indJ] === 1) continue;
        if (exA !== null && exA[indJ] === 1) continue;
        const exB = p.demandExcluded[b];
        if (exB !== null && exB[indI] === 1) continue;
        if (mark[j] === marked) continue;
        const value = (maxRate - minRate) * p.conversion.predict(i, j, s);
        visit(i, j, a, b, s, value, Math.min(cap, vol), settleRate(minRate, maxRate));
      }
    }
  }
  for (const b of p.demandOfMember[i]) {
    const vol = p.demandVolume[b];
    if (vol <= 0 || (live && live.volLeft[b] < 1)) continue;
    const maxRate = p.demandMaxRate[b];
    const exB = p.demandExcluded[b];
    for (const s of p.demandSegments[b]) {
      const list = p.supplyBySegment[s];
      for (let k = 0; k < list.length; k++) {
        const a = list[k];
        const j = p.supplyMember[a];
        if (j <= i || p.partnerSlots[j] <= 0) continue;
        if (
          live &&
          (live.capLeft[a] < 1 ||
            ((live.slots[i] <= 0 || live.slots[j] <= 0) && live.activeMark[j] !== i + 1))
        )
          continue;
        const minRate = p.supplyMinRate[a];
        const cap = p.supplyCapacity[a];
        if (maxRate < minRate || cap <= 0) continue;
        const indJ = p.industryIdx[j];
        if (p.competes[indI * K + indJ] === 1) continue;
        if (exB !== null && exB[indJ] === 1) continue;
        const exA = p.supplyExcluded[a];
        if (exA !== null && exA[indI] === 1) continue;
        if (mark[j] === marked) continue;
        const value = (maxRate - minRate) * p.conversion.predict(j, i, s);
        visit(j, i, a, b, s, value, Math.min(cap, vol), settleRate(minRate, maxRate));
      }
    }
  }
}

/** A materialised set of candidate edges grouped by unordered member pair. */
export interface EdgeSet {
  readonly edgeCount: number;
  readonly from: Int32Array;
  readonly to: Int32Array;
  readonly supply: Int32Array;
  readonly demand: Int32Array;
  readonly segment: Int32Array;
  readonly value: Float64Array;
  readonly upper: Float64Array;
  readonly rate: Float64Array;
  /** Pair index of each edge. */
  readonly pair: Int32Array;
  readonly pairCount: number;
  /** Pair endpoints, pairLow < pairHigh. */
  readonly pairLow: Int32Array;
  readonly pairHigh: Int32Array;
}

/**
 * Materialises the candidate edges of every pair, or only of the pairs in `selected` (adjacency
 * lists: selected[i] holds the partners j > i of member i).
 */
export function collectEdges(p: PreparedInstance, selected?: readonly (readonly number[])[]): EdgeSet {
  const from: number[] = [];
  const to: number[] = [];
  const supply: number[] = [];
  const demand: number[] = [];
  const segment: number[] = [];
  const value: number[] = [];
  const upper: number[] = [];
  const rate: number[] = [];
  const pair: number[] = [];
  const pairLow: number[] = [];
  const pairHigh: number[] = [];
  const stamp = new Int32Array(p.n);
  const pairOf = new Int32Array(p.n);
  const allowed = new Int32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const only = selected?.[i];
    if (selected && (!only || only.length === 0)) continue;
    if (only) for (const j of only) allowed[j] = i + 1;
    scanPairsOf(p, i, (f, t, a, b, s, v, u, r) => {
      const j = f === i ? t : f;
      if (only && allowed[j] !== i + 1) return;
      if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        pairOf[j] = pairLow.length;
        pairLow.push(i);
        pairHigh.push(j);
      }
      from.push(f);
      to.push(t);
      supply.push(a);
      demand.push(b);
      segment.push(s);
      value.push(v);
      upper.push(u);
      rate.push(r);
      pair.push(pairOf[j]);
    });
  }
  return {
    edgeCount: from.length,
    from: Int32Array.from(from),
    to: Int32Array.from(to),
    supply: Int32Array.from(supply),
    demand: Int32Array.from(demand),
    segment: Int32Array.from(segment),
    value: Float64Array.from(value),
    upper: Float64Array.from(upper),
    rate: Float64Array.from(rate),
    pair: Int32Array.from(pair),
    pairCount: pairLow.length,
    pairLow: Int32Array.from(pairLow),
    pairHigh: Int32Array.from(pairHigh),
  };
}

/** Counts candidate edges and pairs in one pass, without materialising them. */
export function countCandidates(p: PreparedInstance): { edges: number; pairs: number } {
  let edges = 0;
  let pairs = 0;
  const stamp = new Int32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    scanPairsOf(p, i, (f, t) => {
      const j = f === i ? t : f;
      edges++;
      if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        pairs++;
      }
    });
  }
  return { edges, pairs };
}
