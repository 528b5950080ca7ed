import type { Highs, ModelData } from "highs";
import type { EdgeSet } from "./candidates";
import type { PreparedInstance } from "./prepare";

/**
 * The matching MIP over a set of candidate edges, as HiGHS column-wise arrays.
 *
 *   max  Σ_e value_e · x_e
 *   s.t. Σ_{e from offer a} x_e ≤ capacity_a                   (supply, dual α_a ≥ 0)
 *        Σ_{e to offer b}   x_e ≤ volume_b                     (demand, dual β_b ≥ 0)
 *        Σ_{e into m} r_e x_e − Σ_{e out of m} r_e x_e ≤ H_m   (credit headroom, dual γ_m ≥ 0)
 *        Σ_{pairs p ∋ m} y_p ≤ slots_m                         (partners, dual κ_m ≥ 0)
 *        x_e ≤ upper_e · y_pair(e)                             (a flow needs the pair's agreement)
 *        Σ_{e ∈ p} x_e ≥ minAgreementSize · y_p                (minimum agreement size)
 *        x_e ∈ ℤ≥0 (caps are whole referrals), y_p ∈ {0, 1}
 *
 * Columns: x_0..x_{E-1}, then y_0..y_{P-1}.
 */
export interface MatchingModel {
  readonly data: ModelData;
  readonly edges: EdgeSet;
  /** Row of each supply offer / demand offer / member, or -1 when absent from the model. */
  readonly supplyRow: Int32Array;
  readonly demandRow: Int32Array;
  readonly creditRow: Int32Array;
  readonly partnerRow: Int32Array;
}

export interface ModelVariant {
  /** Integer x and binary y (the MIP); otherwise its LP relaxation. */
  readonly integer: boolean;
  /**
   * Leave out the minimum-size rows: a relaxation, used for bounds (it can only raise the LP) and
   * for the rounding heuristic, which enforces the minimum size itself.
   */
  readonly withoutMinimumSize?: boolean;
  /** Fix every y to 1: the pairs are already chosen (within the partner limits). */
  readonly pairsOpen?: boolean;
}

export function buildMatchingModel(
  highs: Highs,
  p: PreparedInstance,
  edges: EdgeSet,
  variant: ModelVariant,
): MatchingModel {
  const E = edges.edgeCount;
  const P = edges.pairCount;
  const integer = variant.integer;
  const minSize = variant.withoutMinimumSize ? 0 : p.config.minAgreementSize;
  const supplyRow = new Int32Array(p.supplyIds.length).fill(-1);
  const demandRow = new Int32Array(p.demandIds.length).fill(-1);
  const creditRow = new Int32Array(p.n).fill(-1);
  const partnerRow = new Int32Array(p.n).fill(-1);
  const lower: number[] = [];
  const upperB: number[] = [];
  const inf = highs.infinity;
  const addRow = (lo: number, hi: number) => {
    lower.push(lo);
    upperB.push(hi);
    return lower.length - 1;
  };
  for (let e = 0; e < E; e++) {
    const a = edges.supply[e];
    const b = edges.demand[e];
    if (supplyRow[a] < 0) supplyRow[a] = addRow(-inf, p.supplyCapacity[a]);
    if (demandRow[b] < 0) demandRow[b] = addRow(-inf, p.demandVolume[b]);
    for (const m of [edges.from[e], edges.to[e]])
      if (creditRow[m] < 0) creditRow[m] = addRow(-inf, p.headroom[m]);
  }
  // A partner row only matters when a member has more candidate pairs than free slots.
  const degree = new Int32Array(p.n);
  for (let q = 0; q < P; q++) {
    degree[edges.pairLow[q]]++;
    degree[edges.pairHigh[q]]++;
  }
  for (let m = 0; m < p.n; m++)
    if (degree[m] > p.partnerSlots[m]) partnerRow[m] = addRow(-inf, p.partnerSlots[m]);
  const linkRow0 = lower.length;
  for (let e = 0; e < E; e++) addRow(-inf, 0);
  const minRow0 = lower.length;
  if (minSize > 0) for (let q = 0; q < P; q++) addRow(0, inf);

  const edgesOfPair: number[][] = Array.from({ length: P }, () => []);
  for (let e = 0; e < E; e++) edgesOfPair[edges.pair[e]].push(e);

  const starts: number[] = [0];
  const indices: number[] = [];
  const values: number[] = [];
  const push = (row: number, v: number) => {
    indices.push(row);
    values.push(v);
  };
  for (let e = 0; e < E; e++) {
    const r = edges.rate[e];
    push(supplyRow[edges.supply[e]], 1);
    push(demandRow[edges.demand[e]], 1);
    if (r !== 0) {
      push(creditRow[edges.from[e]], -r);
      push(creditRow[edges.to[e]], r);
    }
    push(linkRow0 + e, 1);
    if (minSize > 0) push(minRow0 + edges.pair[e], 1);
    starts.push(indices.length);
  }
  for (let q = 0; q < P; q++) {
    const lo = partnerRow[edges.pairLow[q]];
    const hi = partnerRow[edges.pairHigh[q]];
    if (lo >= 0) push(lo, 1);
    if (hi >= 0) push(hi, 1);
    for (const e of edgesOfPair[q]) push(linkRow0 + e, -edges.upper[e]);
    if (minSize > 0) push(minRow0 + q, -minSize);
    starts.push(indices.length);
  }
  const numCols = E + P;
  const colCost = new Float64Array(numCols);
  colCost.set(edges.value);
  const colUpper = new Float64Array(numCols);
  colUpper.set(edges.upper);
  colUpper.fill(1, E);
  const colLower = new Float64Array(numCols);
  if (variant.pairsOpen) colLower.fill(1, E);
  const data: ModelData = {
    numCols,
    numRows: lower.length,
    sense: highs.constants.objectiveSense.maximize,
    colCost,
    colLower,
    colUpper,
    rowLower: Float64Array.from(lower),
    rowUpper: Float64Array.from(upperB),
    matrix: {
      format: "csc",
      numRows: lower.length,
      numCols,
      starts: Int32Array.from(starts),
      indices: Int32Array.from(indices),
      values: Float64Array.from(values),
    },
    ...(integer ? { integrality: new Int32Array(numCols).fill(highs.constants.variableType.integer) } : {}),
  };
  return { data, edges, supplyRow, demandRow, creditRow, partnerRow };
}
