import { markCoParties, offersPair } from "./pairing";
import { type PreparedInstance, settleRate } from "./prepare";

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
 * Candidate edges at offer level: one per (supply offer a of member i, demand offer b of member
 * j), carried on the segment of a ∩ b with the best predicted conversion.
 *
 * Why this loses nothing: the segment edges a→b (one per common segment) share the same supply
 * row, demand row, settle rate (so the same credit coefficients) and pair. Any solution of the
 * segment-level model stays feasible when every referral of a→b is moved to the best segment, and
 * its objective does not drop (value = (maxRate − minRate) · conversion, with maxRate ≥ minRate).
 * So the exact optimum, the LP optimum and every Lagrangian bound are the same over offer edges,
 * and the link row x_ab ≤ min(capacity_a, volume_b) · y is tighter than one per segment (where the
 * LP could fill every segment up to min(capacity, volume) with the same fraction of y).
 *
 * The scan fills reusable typed buffers for one member at a time (no closure per edge): the hot
 * loops of pricing and edge collection run over millions of edges.
 */
export class OfferEdgeScanner {
  /** Edges of the last `scan(i)`: pairs {i, j} with j > i, both directions. */
  count = 0;
  from = new Int32Array(1024);
  to = new Int32Array(1024);
  supply = new Int32Array(1024);
  demand = new Int32Array(1024);
  segment = new Int32Array(1024);
  /** Number of common segments (segment-level candidate edges this offer edge stands for). */
  segments = new Int32Array(1024);
  value = new Float64Array(1024);
  upper = new Float64Array(1024);
  rate = new Float64Array(1024);
  /** Segment-level candidate edges seen by every scan so far (the definition of an edge). */
  segmentEdgesSeen = 0;

  private readonly words: number;
  private readonly demandMask: Uint32Array;
  private readonly stampSupply: Int32Array;
  private readonly stampDemand: Int32Array;
  private stamp = 0;

  constructor(private readonly p: PreparedInstance) {
    const segmentCount = p.supplyBySegment.length;
    this.words = Math.max(1, Math.ceil(segmentCount / 32));
    this.demandMask = masks(p.demandSegments, this.words);
    this.stampSupply = new Int32Array(p.supplyIds.length);
    this.stampDemand = new Int32Array(p.demandIds.length);
  }

  private grow(): void {
    const size = this.from.length * 2;
    const ints = (old: Int32Array) => {
      const next = new Int32Array(size);
      next.set(old);
      return next;
    };
    const floats = (old: Float64Array) => {
      const next = new Float64Array(size);
      next.set(old);
      return next;
    };
    this.from = ints(this.from);
    this.to = ints(this.to);
    this.supply = ints(this.supply);
    this.demand = ints(this.demand);
    this.segment = ints(this.segment);
    this.segments = ints(this.segments);
    this.value = floats(this.value);
    this.upper = floats(this.upper);
    this.rate = floats(this.rate);
  }

  /**
   * Enumerates the candidate edges of the pairs {i, j} with j > i, both directions, by the
   * pairing rule (`offersPair`, pairing.ts), so that scanning every i visits each edge once.
   * Edges come in blocks of i's own offers: first i's supply offers (out edges, by offer), then
   * its demand offers (in edges). With `live` (a greedy pass), edges the pass can no longer take
   * are skipped (see `LiveState`). Returns `count`.
   */
  scan(i: number, live?: LiveState): number {
    const p = this.p;
    this.count = 0;
    if (p.partnerSlots[i] <= 0) return 0;
    if (live && live.slots[i] <= 0 && live.activeMark[i] !== i + 1) return 0;
    markCoParties(p, i);
    for (const a of p.supplyOfMember[i]) {
      if (live && live.capLeft[a] < 1) continue;
      const stamp = ++this.stamp;
      for (const s of p.supplySegments[a]) {
        for (const b of p.demandBySegment[s]) {
          if (this.stampDemand[b] === stamp) continue;
          this.stampDemand[b] = stamp;
          if (p.demandMember[b] > i) this.consider(i, a, b, live);
        }
      }
    }
    for (const b of p.demandOfMember[i]) {
      if (live && live.volLeft[b] < 1) continue;
      const stamp = ++this.stamp;
      for (const s of p.demandSegments[b]) {
        for (const a of p.supplyBySegment[s]) {
          if (this.stampSupply[a] === stamp) continue;
          this.stampSupply[a] = stamp;
          if (p.supplyMember[a] > i) this.consider(i, a, b, live);
        }
      }
    }
    return this.count;
  }

  /** Adds the edge a → b when the pairing rule (and the live state) allow it. */
  private consider(i: number, a: number, b: number, live: LiveState | undefined): void {
    const p = this.p;
    if (!offersPair(p, a, b, i)) return;
    const from = p.supplyMember[a];
    const to = p.demandMember[b];
    if (live) {
      const j = from === i ? to : from;
      if (live.capLeft[a] < 1 || live.volLeft[b] < 1) return;
      if ((live.slots[i] <= 0 || live.slots[j] <= 0) && live.activeMark[j] !== i + 1) return;
    }
    // The offer edge stands for every common segment; it carries the best-converting one.
    const conv = p.conversion;
    const S = conv.segmentCount;
    const pairHistory = conv.hasPairHistory(from);
    const base = b * this.words;
    let best = -1;
    let bestConv = -1;
    let common = 0;
    for (const s of p.supplySegments[a]) {
      if (((this.demandMask[base + (s >>> 5)] >>> (s & 31)) & 1) === 0) continue;
      common++;
      const c = pairHistory ? conv.predict(from, to, s) : conv.recipientMean[to * S + s];
      if (c > bestConv) {
        bestConv = c;
        best = s;
      }
    }
    const minRate = p.supplyMinRate[a];
    const maxRate = p.demandMaxRate[b];
    this.push(
      from,
      to,
      a,
      b,
      best,
      common,
      (maxRate - minRate) * bestConv,
      Math.min(p.supplyCapacity[a], p.demandVolume[b]),
      minRate,
      maxRate,
    );
  }

  private push(
    from: number,
    to: number,
    a: number,
    b: number,
    s: number,
    common: number,
    value: number,
    upper: number,
    minRate: number,
    maxRate: number,
  ): void {
    if (this.count === this.from.length) this.grow();
    const k = this.count++;
    this.from[k] = from;
    this.to[k] = to;
    this.supply[k] = a;
    this.demand[k] = b;
    this.segment[k] = s;
    this.segments[k] = common;
    this.value[k] = value;
    this.upper[k] = upper;
    this.rate[k] = settleRate(minRate, maxRate);
    this.segmentEdgesSeen += common;
  }
}

function masks(lists: readonly number[][], words: number): Uint32Array {
  const out = new Uint32Array(lists.length * words);
  lists.forEach((segs, o) => {
    for (const s of segs) out[o * words + (s >>> 5)] |= 1 << (s & 31);
  });
  return out;
}

/**
 * Materialises the offer edges of every pair, or only of the pairs in `selected` (adjacency
 * lists: selected[i] holds the partners j > i of member i). Pairs are numbered in scan order.
 */
export function collectOfferEdges(
  p: PreparedInstance,
  selected?: readonly (readonly number[])[],
  scanner: OfferEdgeScanner = new OfferEdgeScanner(p),
): EdgeSet {
  const out = new EdgeBuilder();
  const stamp = new Int32Array(p.n);
  const pairOf = new Int32Array(p.n);
  const allowed = new Int32Array(p.n);
  for (let i = 0; i < p.n; i++) {
    const only = selected?.[i];
    if (selected && (!only || only.length === 0)) continue;
    if (only) for (const j of only) allowed[j] = i + 1;
    const count = scanner.scan(i);
    for (let k = 0; k < count; k++) {
      const f = scanner.from[k];
      const j = f === i ? scanner.to[k] : f;
      if (only && allowed[j] !== i + 1) continue;
      if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        pairOf[j] = out.addPair(i, j);
      }
      out.addEdge(scanner, k, pairOf[j]);
    }
  }
  return out.build();
}

/** Growable typed columns of an `EdgeSet`. */
class EdgeBuilder {
  private n = 0;
  private pairs = 0;
  private ints = Array.from({ length: 6 }, () => new Int32Array(256));
  private floats = Array.from({ length: 3 }, () => new Float64Array(256));
  private pairLow = new Int32Array(256);
  private pairHigh = new Int32Array(256);

  addPair(i: number, j: number): number {
    if (this.pairs === this.pairLow.length) {
      this.pairLow = grown(this.pairLow);
      this.pairHigh = grown(this.pairHigh);
    }
    this.pairLow[this.pairs] = i;
    this.pairHigh[this.pairs] = j;
    return this.pairs++;
  }

  addEdge(s: OfferEdgeScanner, k: number, pair: number): void {
    if (this.n === this.ints[0].length) {
      this.ints = this.ints.map(grown);
      this.floats = this.floats.map(grown);
    }
    const e = this.n++;
    const [from, to, supply, demand, segment, pairs] = this.ints;
    from[e] = s.from[k];
    to[e] = s.to[k];
    supply[e] = s.supply[k];
    demand[e] = s.demand[k];
    segment[e] = s.segment[k];
    pairs[e] = pair;
    this.floats[0][e] = s.value[k];
    this.floats[1][e] = s.upper[k];
    this.floats[2][e] = s.rate[k];
  }

  build(): EdgeSet {
    const [from, to, supply, demand, segment, pair] = this.ints.map((a) => a.slice(0, this.n));
    const [value, upper, rate] = this.floats.map((a) => a.slice(0, this.n));
    return {
      edgeCount: this.n,
      from,
      to,
      supply,
      demand,
      segment,
      value,
      upper,
      rate,
      pair,
      pairCount: this.pairs,
      pairLow: this.pairLow.slice(0, this.pairs),
      pairHigh: this.pairHigh.slice(0, this.pairs),
    };
  }
}

function grown<T extends Int32Array | Float64Array>(old: T): T {
  const next = new (old.constructor as new (n: number) => T)(old.length * 2);
  next.set(old as never);
  return next;
}
