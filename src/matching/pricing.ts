import type { OfferEdgeScanner } from "./candidates";
import type { PreparedInstance } from "./prepare";

/** Nonnegative multipliers of the coupling rows, indexed by offer or member (0 when absent). */
export interface Multipliers {
  readonly supply: Float64Array;
  readonly demand: Float64Array;
  readonly credit: Float64Array;
  readonly partner: Float64Array;
}

export function zeroMultipliers(p: PreparedInstance): Multipliers {
  return {
    supply: new Float64Array(p.supplyIds.length),
    demand: new Float64Array(p.demandIds.length),
    credit: new Float64Array(p.n),
    partner: new Float64Array(p.n),
  };
}

/** Keeps, per member, the `size` best-scoring partners seen (ties: first seen wins). */
export class PartnerShortlist {
  private readonly score: Float64Array;
  private readonly partner: Int32Array;
  private readonly floor: Float64Array;
  constructor(
    private readonly n: number,
    private readonly size: number,
  ) {
    this.score = new Float64Array(n * size).fill(Number.NEGATIVE_INFINITY);
    this.partner = new Int32Array(n * size).fill(-1);
    this.floor = new Float64Array(n).fill(Number.NEGATIVE_INFINITY);
  }
  offer(m: number, j: number, score: number): void {
    if (score <= this.floor[m]) return;
    const base = m * this.size;
    let worst = base;
    for (let k = base + 1; k < base + this.size; k++) if (this.score[k] < this.score[worst]) worst = k;
    this.score[worst] = score;
    this.partner[worst] = j;
    let floor = Number.POSITIVE_INFINITY;
    for (let k = base; k < base + this.size; k++) floor = Math.min(floor, this.score[k]);
    this.floor[m] = floor;
  }
  /** Unordered pairs (min·n + max) of every shortlist. */
  pairs(): number[] {
    return this.scored().keys;
  }
  /** The same pairs, each once, with the best score it was offered with (member order). */
  scored(): { keys: number[]; scores: number[] } {
    const keys: number[] = [];
    const scores: number[] = [];
    const seen = new Map<number, number>();
    for (let m = 0; m < this.n; m++) {
      for (let k = m * this.size; k < (m + 1) * this.size; k++) {
        const j = this.partner[k];
        if (j < 0) continue;
        const key = Math.min(m, j) * this.n + Math.max(m, j);
        const at = seen.get(key);
        if (at === undefined) {
          seen.set(key, keys.length);
          keys.push(key);
          scores.push(this.score[k]);
        } else scores[at] = Math.max(scores[at], this.score[k]);
      }
    }
    return { keys, scores };
  }
}

export interface PricingResult {
  /** Best valid upper bound on the optimum found by this pricing (min of the bounds below). */
  readonly bound: number;
  /** Σ π·rhs + Σ_p max(0, φ_p − κ_i − κ_j): the classic Lagrangian bound (≥ the full LP). */
  readonly lagrangianBound: number;
  /** Σ π·rhs + Σ_m top-k_m of max(0, φ_p − κ_i − κ_j)/2: keeps the partner count integral. */
  readonly partnerBound: number;
  /** The same with κ = 0. */
  readonly partnerBoundWithoutKappa: number;
  /** Pairs outside `inModel` whose Lagrangian profit is positive, best few per member. */
  readonly improving: number[];
  /** Lagrangian profit ψ_p of each pair in `improving`. */
  readonly improvingScore: number[];
  /**
   * Σ π·rhs + min(Σ_a capacity_a · max_{e∈a} d_e⁺, Σ_b volume_b · max_{e∈b} d_e⁺): the dual
   * objective after raising every α_a (or every β_b) by its offer's largest reduced cost, which
   * makes the multipliers dual feasible for the flow LP without partner limits or minimum size
   * (a relaxation of the model). With the duals of a flow LP over the most promising pairs this
   * is close to that LP; at π = 0 it sells each offer at its best edge value.
   */
  readonly offerBound: number;
  /**
   * Sender-side relaxation: keep each member's supply rows, its partner limit and every pair's
   * own offer limits, dualise the rest with π. The problem then splits by sender m, whose value
   * is at most min(Σ_{a of m} capacity_a · max_{e∈a} d_e⁺, sum of its k_m best one-way pair
   * values φ_{m→j}); the bound is Σ π·rhs plus the sum over senders. The same by recipient
   * (demand rows kept); the least of the two. Much tighter than `offerBound` when large members
   * can sell only to a few partners, each of which buys little.
   */
  readonly memberBound: number;
  /** What the scan saw: offer edges, segment-level candidate edges, candidate pairs. */
  readonly offerEdges: number;
  readonly segmentEdges: number;
  readonly pairs: number;
}

/**
 * Prices every candidate pair of the full model against multipliers and returns valid upper
 * bounds. Dualising the supply, demand and credit rows with multipliers α, β, γ ≥ 0 leaves, for
 * every pair p = {i, j}, a subproblem on the pair's offer edges (see candidates.ts):
 *
 *   φ_p = max Σ_{e∈p} d_e x_e  s.t. x_e ≤ u_e, and per direction Σ_{e from a} x_e ≤ capacity_a,
 *         Σ_{e to b} x_e ≤ volume_b (valid: the full model has these rows too),
 *   d_e = value_e − α_a − β_b + rate_e (γ_from − γ_to),
 *
 * and for every feasible (x, y):  objective ≤ Σ π·rhs + Σ_p φ_p y_p.  We over-estimate φ_p per
 * direction by the least of Σ u_e d_e⁺, Σ_a capacity_a · max_{e∈a} d_e⁺ and
 * Σ_b volume_b · max_{e∈b} d_e⁺, and set φ_p = 0 when the pair cannot reach the minimum agreement
 * size at all (then y_p = 0 in every feasible solution). What is left is a b-matching
 * max Σ φ_p y_p, Σ_{p∋m} y_p ≤ k_m, y binary, bounded two ways for partner multipliers κ ≥ 0:
 *
 *   Σ φ_p y_p = Σ (φ_p − κ_i − κ_j) y_p + Σ_m κ_m deg_m(y) ≤ Σ_m κ_m k_m + Σ_p ψ_p⁺ y_p,
 *   Σ_p ψ_p⁺ y_p = Σ_m Σ_{p∋m} (ψ_p⁺/2) y_p ≤ Σ_m (sum of the k_m largest ψ_p⁺/2 over p ∋ m),
 *
 * and the same with κ = 0. Every bound is valid for any π ≥ 0; the engine keeps the least.
 */
export function priceAllPairs(
  p: PreparedInstance,
  scanner: OfferEdgeScanner,
  pi: Multipliers,
  inModel: (i: number) => readonly number[] | undefined,
  perMember: number,
): PricingResult {
  let base = 0;
  for (let a = 0; a < pi.supply.length; a++) base += pi.supply[a] * p.supplyCapacity[a];
  for (let b = 0; b < pi.demand.length; b++) base += pi.demand[b] * p.demandVolume[b];
  for (let m = 0; m < p.n; m++) base += pi.credit[m] * p.headroom[m];
  let kappaBase = 0;
  for (let m = 0; m < p.n; m++) kappaBase += pi.partner[m] * p.partnerSlots[m];
  const minSize = p.config.minAgreementSize;
  const n = p.n;
  // Per partner j of the member being scanned: out (i→j) and in (j→i) direction bounds.
  const sumOut = new Float64Array(n);
  const supplyOut = new Float64Array(n);
  const demandOut = new Float64Array(n);
  const sumIn = new Float64Array(n);
  const supplyIn = new Float64Array(n);
  const demandIn = new Float64Array(n);
  const reach = new Float64Array(n);
  const blockMax = new Float64Array(n);
  const blockStamp = new Int32Array(n);
  const stamp = new Int32Array(n);
  const member = new Int32Array(n);
  const touched: number[] = [];
  const blockTouched: number[] = [];
  // Per offer of the partner side (j's demand offers out, j's supply offers in).
  const demandMax = new Float64Array(p.demandIds.length);
  const demandStamp = new Int32Array(p.demandIds.length);
  const supplyMax = new Float64Array(p.supplyIds.length);
  const supplyStamp = new Int32Array(p.supplyIds.length);
  const offerTouched: number[] = [];
  const shortlist = new PartnerShortlist(n, perMember);
  const slotsMax = p.partnerSlots.reduce((max, k) => Math.max(max, k), 0);
  const topKappa = new TopK(n, slotsMax, p.partnerSlots);
  const topPlain = new TopK(n, slotsMax, p.partnerSlots);
  const senderTop = new TopK(n, slotsMax, p.partnerSlots);
  const recipientTop = new TopK(n, slotsMax, p.partnerSlots);
  let lagrangian = 0;
  const bestSupply = new Float64Array(p.supplyIds.length);
  const bestDemand = new Float64Array(p.demandIds.length);
  let block = 0;
  let offerEdges = 0;
  let pairs = 0;
  const segmentEdgesBefore = scanner.segmentEdgesSeen;
  for (let i = 0; i < n; i++) {
    const count = scanner.scan(i);
    if (count === 0) continue;
    offerEdges += count;
    touched.length = 0;
    offerTouched.length = 0;
    const { from, to, supply, demand, value, upper, rate } = scanner;
    const flushBlock = (offerCapacity: number, into: Float64Array) => {
      for (const j of blockTouched) into[j] += offerCapacity * blockMax[j];
      blockTouched.length = 0;
    };
    let blockOffer = -1;
    let blockOut = true;
    for (let k = 0; k < count; k++) {
      const f = from[k];
      const out = f === i;
      const j = out ? to[k] : f;
      const a = supply[k];
      const b = demand[k];
      const v = value[k];
      const u = upper[k];
      if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        sumOut[j] = supplyOut[j] = demandOut[j] = sumIn[j] = supplyIn[j] = demandIn[j] = reach[j] = 0;
        touched.push(j);
      }
      reach[j] += u;
      // The scan emits i's own offers in blocks: out edges grouped by a, in edges by b.
      const own = out ? a : b;
      if (own !== blockOffer || out !== blockOut) {
        if (blockOffer >= 0)
          flushBlock(
            blockOut ? p.supplyCapacity[blockOffer] : p.demandVolume[blockOffer],
            blockOut ? supplyOut : demandIn,
          );
        blockOffer = own;
        blockOut = out;
        block++;
      }
      const d = v - pi.supply[a] - pi.demand[b] + rate[k] * (pi.credit[f] - pi.credit[to[k]]);
      if (d <= 0) continue;
      if (d > bestSupply[a]) bestSupply[a] = d;
      if (d > bestDemand[b]) bestDemand[b] = d;
      if (blockStamp[j] !== block) {
        blockStamp[j] = block;
        blockMax[j] = 0;
        blockTouched.push(j);
      }
      if (d > blockMax[j]) blockMax[j] = d;
      if (out) {
        sumOut[j] += u * d;
        if (demandStamp[b] !== i + 1) {
          demandStamp[b] = i + 1;
          demandMax[b] = 0;
          offerTouched.push(b);
        }
        if (d > demandMax[b]) demandMax[b] = d;
      } else {
        sumIn[j] += u * d;
        if (supplyStamp[a] !== i + 1) {
          supplyStamp[a] = i + 1;
          supplyMax[a] = 0;
          offerTouched.push(-1 - a);
        }
        if (d > supplyMax[a]) supplyMax[a] = d;
      }
    }
    if (blockOffer >= 0)
      flushBlock(
        blockOut ? p.supplyCapacity[blockOffer] : p.demandVolume[blockOffer],
        blockOut ? supplyOut : demandIn,
      );
    for (const o of offerTouched) {
      if (o >= 0) demandOut[p.demandMember[o]] += p.demandVolume[o] * demandMax[o];
      else supplyIn[p.supplyMember[-1 - o]] += p.supplyCapacity[-1 - o] * supplyMax[-1 - o];
    }
    const present = inModel(i);
    if (present) for (const j of present) member[j] = i + 1;
    pairs += touched.length;
    for (const j of touched) {
      if (reach[j] < minSize) continue;
      const phiOut = Math.min(sumOut[j], supplyOut[j], demandOut[j]);
      const phiIn = Math.min(sumIn[j], supplyIn[j], demandIn[j]);
      if (phiOut > 0) {
        senderTop.offer(i, phiOut);
        recipientTop.offer(j, phiOut);
      }
      if (phiIn > 0) {
        senderTop.offer(j, phiIn);
        recipientTop.offer(i, phiIn);
      }
      const phi = phiOut + phiIn;
      if (phi <= 0) continue;
      topPlain.offer(i, phi / 2);
      topPlain.offer(j, phi / 2);
      const psi = phi - pi.partner[i] - pi.partner[j];
      if (psi <= 0) continue;
      lagrangian += psi;
      topKappa.offer(i, psi / 2);
      topKappa.offer(j, psi / 2);
      if (member[j] !== i + 1 && psi > 1e-9) {
        shortlist.offer(i, j, psi);
        shortlist.offer(j, i, psi);
      }
    }
  }
  let supplySide = 0;
  let demandSide = 0;
  for (let a = 0; a < bestSupply.length; a++) supplySide += bestSupply[a] * p.supplyCapacity[a];
  for (let b = 0; b < bestDemand.length; b++) demandSide += bestDemand[b] * p.demandVolume[b];
  const lagrangianBound = base + kappaBase + lagrangian;
  const partnerBound = base + kappaBase + Math.min(lagrangian, topKappa.total());
  const partnerBoundWithoutKappa = base + topPlain.total();
  const offerBound = base + Math.min(supplySide, demandSide);
  const memberSupply = new Float64Array(n);
  const memberDemand = new Float64Array(n);
  for (let a = 0; a < bestSupply.length; a++)
    memberSupply[p.supplyMember[a]] += bestSupply[a] * p.supplyCapacity[a];
  for (let b = 0; b < bestDemand.length; b++)
    memberDemand[p.demandMember[b]] += bestDemand[b] * p.demandVolume[b];
  const senders = senderTop.perMember();
  const recipients = recipientTop.perMember();
  let senderSide = 0;
  let recipientSide = 0;
  for (let m = 0; m < n; m++) {
    senderSide += Math.min(memberSupply[m], senders[m]);
    recipientSide += Math.min(memberDemand[m], recipients[m]);
  }
  const memberBound = base + Math.min(senderSide, recipientSide);
  const shortlisted = shortlist.scored();
  return {
    bound: Math.min(lagrangianBound, partnerBound, partnerBoundWithoutKappa, offerBound, memberBound),
    lagrangianBound,
    partnerBound,
    partnerBoundWithoutKappa,
    improving: shortlisted.keys,
    improvingScore: shortlisted.scores,
    offerBound,
    memberBound,
    offerEdges,
    segmentEdges: scanner.segmentEdgesSeen - segmentEdgesBefore,
    pairs,
  };
}

/** Per member, the sum of its k_m largest values offered (k_m = its free partner slots). */
class TopK {
  private readonly values: Float64Array;
  constructor(
    private readonly n: number,
    private readonly width: number,
    private readonly k: Int32Array,
  ) {
    this.values = new Float64Array(n * Math.max(1, width));
  }
  /** Values are kept in descending order in the member's first k_m cells (0 = empty). */
  offer(m: number, value: number): void {
    const k = this.k[m];
    if (k <= 0) return;
    const base = m * this.width;
    let pos = base + k - 1;
    if (value <= this.values[pos]) return;
    while (pos > base && this.values[pos - 1] < value) {
      this.values[pos] = this.values[pos - 1];
      pos--;
    }
    this.values[pos] = value;
  }
  /** Sum of each member's k_m largest values. */
  perMember(): Float64Array {
    const out = new Float64Array(this.n);
    for (let m = 0; m < this.n; m++) {
      const base = m * this.width;
      for (let c = 0; c < this.k[m]; c++) out[m] += this.values[base + c];
    }
    return out;
  }
  total(): number {
    let sum = 0;
    for (let m = 0; m < this.n; m++) {
      const base = m * this.width;
      for (let c = 0; c < this.k[m]; c++) sum += this.values[base + c];
    }
    return sum;
  }
}
