import { scanPairsOf } from "./candidates";
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
    const out: number[] = [];
    for (let m = 0; m < this.n; m++) {
      for (let k = m * this.size; k < (m + 1) * this.size; k++) {
        const j = this.partner[k];
        if (j >= 0) out.push(Math.min(m, j) * this.n + Math.max(m, j));
      }
    }
    return out;
  }
}

export interface PricingResult {
  /** Lagrangian upper bound on the LP relaxation of the full model (hence on the MIP). */
  readonly bound: number;
  /** Pairs outside `inModel` whose Lagrangian profit is positive, best few per member. */
  readonly improving: number[];
  /**
   * min(Σ_a capacity_a · max value of a's edges, Σ_b volume_b · max value of b's edges): the
   * Lagrangian bound for α_a (or β_b) = the offer's best edge value, where every d_e ≤ 0.
   */
  readonly offerBound: number;
}

/**
 * Prices every candidate pair of the full model against multipliers and returns a valid upper
 * bound. Dualising the supply, demand, credit and partner rows with multipliers π ≥ 0 leaves one
 * independent subproblem per pair p = {i, j}:
 *
 *   φ_p(π) = max Σ_{e∈p} d_e x_e − (κ_i + κ_j) y  s.t. 0 ≤ x_e ≤ u_e y, Σ x_e ≥ m y, 0 ≤ y ≤ 1,
 *   d_e = value_e − α_a − β_b + rate_e (γ_from − γ_to),
 *
 * and weak duality gives  OPT ≤ LP ≤ Σ π·rhs + Σ_p φ_p(π)  for every π ≥ 0. We over-estimate
 * φ_p by Σ u_e max(0, d_e) − κ_i − κ_j (dropping the minimum size, except that a pair whose
 * edges cannot reach it at all has φ_p = 0), which keeps the bound valid. With the optimal duals
 * of a restricted LP, the bound equals that LP's value once no pair outside it prices positive.
 */
export function priceAllPairs(
  p: PreparedInstance,
  pi: Multipliers,
  inModel: (i: number) => readonly number[] | undefined,
  perMember: number,
): PricingResult {
  let bound = 0;
  for (let a = 0; a < pi.supply.length; a++) bound += pi.supply[a] * p.supplyCapacity[a];
  for (let b = 0; b < pi.demand.length; b++) bound += pi.demand[b] * p.demandVolume[b];
  for (let m = 0; m < p.n; m++) bound += pi.credit[m] * p.headroom[m] + pi.partner[m] * p.partnerSlots[m];
  const minSize = p.config.minAgreementSize;
  const positive = new Float64Array(p.n);
  const reach = new Float64Array(p.n);
  const stamp = new Int32Array(p.n);
  const member = new Int32Array(p.n);
  const touched: number[] = [];
  const shortlist = new PartnerShortlist(p.n, perMember);
  const bestSupply = new Float64Array(p.supplyIds.length);
  const bestDemand = new Float64Array(p.demandIds.length);
  for (let i = 0; i < p.n; i++) {
    touched.length = 0;
    scanPairsOf(p, i, (f, t, a, b, _s, v, u, r) => {
      const j = f === i ? t : f;
      if (stamp[j] !== i + 1) {
        stamp[j] = i + 1;
        positive[j] = 0;
        reach[j] = 0;
        touched.push(j);
      }
      if (v > bestSupply[a]) bestSupply[a] = v;
      if (v > bestDemand[b]) bestDemand[b] = v;
      const d = v - pi.supply[a] - pi.demand[b] + r * (pi.credit[f] - pi.credit[t]);
      if (d > 0) positive[j] += u * d;
      reach[j] += u;
    });
    const present = inModel(i);
    if (present) for (const j of present) member[j] = i + 1;
    for (const j of touched) {
      if (reach[j] < minSize) continue;
      const phi = positive[j] - pi.partner[i] - pi.partner[j];
      if (phi <= 0) continue;
      bound += phi;
      if (member[j] !== i + 1 && phi > 1e-9) {
        shortlist.offer(i, j, phi);
        shortlist.offer(j, i, phi);
      }
    }
  }
  let supplySide = 0;
  let demandSide = 0;
  for (let a = 0; a < bestSupply.length; a++) supplySide += bestSupply[a] * p.supplyCapacity[a];
  for (let b = 0; b < bestDemand.length; b++) demandSide += bestDemand[b] * p.demandVolume[b];
  return { bound, improving: shortlist.pairs(), offerBound: Math.min(supplySide, demandSide) };
}
