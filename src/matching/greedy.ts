import type { FlowAssignment } from "./assignment";
import { type LiveState, OfferEdgeScanner } from "./candidates";
import type { PreparedInstance } from "./prepare";

/** Edges sorted at once (< 2^22, see `valueOrder`); larger sets are processed in value bands. */
const BAND_EDGES = 4_000_000;
/** Bands collected per scan of the candidate edges (memory: about 36 bytes per band edge). */
const BANDS_PER_SCAN = 4;
const BINS_PER_OCTAVE = 64;
const MIN_LOG2 = -40;
const BIN_COUNT = 80 * BINS_PER_OCTAVE;

function binOf(value: number): number {
  const b = Math.floor((Math.log2(value) - MIN_LOG2) * BINS_PER_OCTAVE);
  return b < 0 ? 0 : b >= BIN_COUNT ? BIN_COUNT - 1 : b;
}

/**
 * The baseline: take candidate edges (the same offer edges as the LP and the MIP: candidates.ts)
 * from the highest value per referral down, and give each as
 * many referrals as the offers, the payer's credit headroom and the partner limits still allow; a
 * new pair must reach the minimum agreement size on that one edge. Same constraints as the
 * optimiser, no foresight: it never sends traffic back to let a member afford what it receives.
 *
 * Large candidate sets are never materialised: a first pass histograms edge values, then each
 * value band (highest first) is collected, sorted and processed, which visits edges in exactly the
 * same order as one global sort (ties broken by scan order).
 */
export function solveGreedy(p: PreparedInstance, start: readonly FlowAssignment[] = []): FlowAssignment[] {
  const capLeft = Float64Array.from(p.supplyCapacity);
  const volLeft = Float64Array.from(p.demandVolume);
  const creditLeft = Float64Array.from(p.headroom);
  const slots = Int32Array.from(p.partnerSlots);
  const partnersOf: number[][] = Array.from({ length: p.n }, () => []);
  const open = (i: number, j: number) => {
    partnersOf[i].push(j);
    partnersOf[j].push(i);
  };
  const live: LiveState = { slots, capLeft, volLeft, activeMark: new Int32Array(p.n) };
  const scanner = new OfferEdgeScanner(p);
  const out: FlowAssignment[] = [];
  const minSize = p.config.minAgreementSize;
  // A feasible starting solution (the rounded LP) that the greedy pass then fills up.
  for (const f of start) {
    capLeft[f.supply] -= f.amount;
    volLeft[f.demand] -= f.amount;
    creditLeft[f.to] -= f.amount * f.rate;
    creditLeft[f.from] += f.amount * f.rate;
    if (!partnersOf[f.from].includes(f.to)) {
      open(f.from, f.to);
      slots[f.from]--;
      slots[f.to]--;
    }
    out.push(f);
  }

  const histogram = new Float64Array(BIN_COUNT);
  let total = 0;
  for (let i = 0; i < p.n; i++) {
    markOpenPairs(live.activeMark, partnersOf, i);
    const count = scanner.scan(i, live);
    for (let k = 0; k < count; k++) {
      const v = scanner.value[k];
      if (v <= 0 || scanner.upper[k] < 1) continue;
      histogram[binOf(v)]++;
      total++;
    }
  }
  // Value bands, highest first; up to BANDS_PER_SCAN of them are collected by one scan (a scan
  // of every candidate edge is the cost that grows with n², the sort and the pass are cheap).
  const bands: Band[] = [];
  for (let hi = BIN_COUNT - 1; hi >= 0 && total > 0; ) {
    let lo = hi;
    let count = histogram[lo];
    while (lo > 0 && count + histogram[lo - 1] <= BAND_EDGES) count += histogram[--lo];
    if (count > 0) bands.push({ lo, hi, count });
    hi = lo - 1;
  }
  for (let g = 0; g < bands.length; g += BANDS_PER_SCAN) {
    for (const band of collectBands(p, scanner, bands.slice(g, g + BANDS_PER_SCAN), live, partnersOf)) {
      for (const k of band.order) {
        const a = band.supply[k];
        const b = band.demand[k];
        const i = band.from[k];
        const j = band.to[k];
        const r = band.rate[k];
        let amount = Math.min(capLeft[a], volLeft[b]);
        if (amount < 1) continue;
        // A member has at most a few open pairs: a short array scan beats a hash lookup here.
        const isNew = !partnersOf[i].includes(j);
        if (isNew && (slots[i] <= 0 || slots[j] <= 0)) continue;
        if (r > 0) amount = Math.min(amount, Math.floor(creditLeft[j] / r));
        amount = Math.floor(amount);
        if (amount < 1 || (isNew && amount < minSize)) continue;
        capLeft[a] -= amount;
        volLeft[b] -= amount;
        creditLeft[j] -= amount * r;
        creditLeft[i] += amount * r;
        if (isNew) {
          open(i, j);
          slots[i]--;
          slots[j]--;
        }
        out.push({
          from: i,
          to: j,
          supply: a,
          demand: b,
          segment: band.segment[k],
          value: band.value[k],
          rate: r,
          amount,
        });
      }
    }
  }
  return out;
}

interface Band {
  readonly lo: number;
  readonly hi: number;
  /** Edges in the band's bins at the start of the pass (an upper bound on what is collected). */
  readonly count: number;
}

/**
 * Collects the edges of consecutive bands in one scan, skipping those the pass can no longer
 * take (see `LiveState`). Collecting a band before the bands above it are processed skips fewer
 * edges, never different ones in order, so the pass takes exactly the same edges.
 */
function collectBands(
  p: PreparedInstance,
  scanner: OfferEdgeScanner,
  bands: readonly Band[],
  live: LiveState,
  partnersOf: readonly number[][],
) {
  const bandOfBin = new Int16Array(BIN_COUNT).fill(-1);
  for (const [x, band] of bands.entries()) bandOfBin.fill(x, band.lo, band.hi + 1);
  const store = bands.map((band) => ({
    from: new Int32Array(band.count),
    to: new Int32Array(band.count),
    supply: new Int32Array(band.count),
    demand: new Int32Array(band.count),
    segment: new Int32Array(band.count),
    value: new Float64Array(band.count),
    rate: new Float64Array(band.count),
    k: 0,
  }));
  for (let i = 0; i < p.n; i++) {
    markOpenPairs(live.activeMark, partnersOf, i);
    const count = scanner.scan(i, live);
    for (let e = 0; e < count; e++) {
      const v = scanner.value[e];
      if (v <= 0 || scanner.upper[e] < 1) continue;
      const x = bandOfBin[binOf(v)];
      if (x < 0) continue;
      const into = store[x];
      const k = into.k++;
      into.from[k] = scanner.from[e];
      into.to[k] = scanner.to[e];
      into.supply[k] = scanner.supply[e];
      into.demand[k] = scanner.demand[e];
      into.segment[k] = scanner.segment[e];
      into.value[k] = v;
      into.rate[k] = scanner.rate[e];
    }
  }
  return store.map((band) => ({ ...band, order: valueOrder(band.value, band.k) }));
}

/** Indices of the first k edges by value, highest first, ties in scan order. */
function valueOrder(value: Float64Array, k: number): Uint32Array {
  // One native numeric sort instead of a comparator over millions of edges: the key packs the
  // value's log2 on a 2^-24 grid (relative resolution 4e-8) above the scan index (< 2^22), so
  // edges are taken by value, highest first, and ties (within 4e-8) in scan order.
  const order = new Uint32Array(k);
  if (k < 2 ** 22) {
    const keys = new Float64Array(k);
    for (let x = 0; x < k; x++) {
      const q = Math.min(2 ** 31 - 1, Math.max(0, Math.floor((Math.log2(value[x]) - MIN_LOG2) * 2 ** 24)));
      keys[x] = (2 ** 31 - 1 - q) * 2 ** 22 + x;
    }
    keys.sort();
    for (let x = 0; x < k; x++) order[x] = keys[x] % 2 ** 22;
  } else {
    // A single histogram bin this large is not expected; fall back to a comparator sort.
    for (let x = 0; x < k; x++) order[x] = x;
    order.sort((x, y) => value[y] - value[x] || x - y);
  }
  return order;
}

/** Sets up `LiveState.activeMark` for scanning member i. */
function markOpenPairs(mark: Int32Array, partnersOf: readonly number[][], i: number): void {
  for (const j of partnersOf[i]) {
    mark[j] = i + 1;
    if (j > i) mark[i] = i + 1;
  }
}
