import type { Highs } from "highs";
import { collectOfferEdges, type EdgeSet, OfferEdgeScanner } from "./candidates";
import type { PreparedInstance } from "./prepare";
import type { Multipliers } from "./pricing";

/**
 * The LP relaxation of the matching model over a growing set of pairs, kept in one persistent
 * HiGHS model so that each column-generation round warm-starts from the previous basis instead of
 * solving from scratch. The minimum-size rows are left out (a relaxation: the LP can only rise,
 * so every bound stays valid; the rounding heuristic enforces the minimum size).
 *
 * Rows: supply offers, demand offers, credit per member, partners per member (all created up
 * front so that new pairs only add columns), then one link row x_e − u_e·y_p ≤ 0 per edge.
 */
export class RestrictedLp {
  private readonly model;
  private readonly supplyRow0 = 0;
  private readonly demandRow0: number;
  private readonly creditRow0: number;
  private readonly partnerRow0: number;
  private rows: number;
  private cols = 0;
  private readonly parts: EdgeSet[] = [];
  private pairCount = 0;
  /** Column of each edge's x and of each pair's y, in insertion order. */
  private readonly xCol: number[] = [];
  private readonly yCol: number[] = [];
  private readonly scanner: OfferEdgeScanner;
  /** Seconds spent in `run` so far (HiGHS measures its time limit over all runs of a model). */
  private runSeconds = 0;

  constructor(
    private readonly highs: Highs,
    private readonly p: PreparedInstance,
  ) {
    this.scanner = new OfferEdgeScanner(p);
    const S = p.supplyIds.length;
    const D = p.demandIds.length;
    this.demandRow0 = S;
    this.creditRow0 = S + D;
    this.partnerRow0 = S + D + p.n;
    this.rows = S + D + 2 * p.n;
    const inf = highs.infinity;
    const upper = new Float64Array(this.rows);
    upper.set(p.supplyCapacity, 0);
    upper.set(p.demandVolume, S);
    upper.set(p.headroom, S + D);
    for (let m = 0; m < p.n; m++) upper[S + D + p.n + m] = p.partnerSlots[m];
    this.model = highs.createModel({
      numCols: 0,
      numRows: this.rows,
      sense: highs.constants.objectiveSense.maximize,
      colCost: [],
      colLower: [],
      colUpper: [],
      rowLower: new Float64Array(this.rows).fill(-inf),
      rowUpper: upper,
      matrix: { format: "csc", numRows: this.rows, numCols: 0, starts: [0], indices: [], values: [] },
    });
    this.model.options.set({ output_flag: false, random_seed: 0 });
  }

  /** Adds the candidate edges of the given pairs (adjacency lists, j > i). */
  addPairs(selected: readonly (readonly number[])[]): void {
    const edges = collectOfferEdges(this.p, selected, this.scanner);
    if (edges.edgeCount === 0) return;
    const E = edges.edgeCount;
    const P = edges.pairCount;
    const cost = new Float64Array(E + P);
    const upper = new Float64Array(E + P);
    const starts: number[] = [0];
    const indices: number[] = [];
    const values: number[] = [];
    for (let e = 0; e < E; e++) {
      cost[e] = edges.value[e];
      upper[e] = edges.upper[e];
      indices.push(this.supplyRow0 + edges.supply[e], this.demandRow0 + edges.demand[e]);
      values.push(1, 1);
      const r = edges.rate[e];
      if (r !== 0) {
        const from = this.creditRow0 + edges.from[e];
        const to = this.creditRow0 + edges.to[e];
        // CSC wants row indices of one column in any order but without duplicates.
        indices.push(from, to);
        values.push(-r, r);
      }
      starts.push(indices.length);
      this.xCol.push(this.cols + e);
    }
    for (let q = 0; q < P; q++) {
      upper[E + q] = 1;
      indices.push(this.partnerRow0 + edges.pairLow[q], this.partnerRow0 + edges.pairHigh[q]);
      values.push(1, 1);
      starts.push(indices.length);
      this.yCol.push(this.cols + E + q);
    }
    this.model.addCols({
      cost,
      lower: new Float64Array(E + P),
      upper,
      matrix: {
        format: "csc",
        numRows: this.rows,
        numCols: E + P,
        starts: Int32Array.from(starts),
        indices: Int32Array.from(indices),
        values: Float64Array.from(values),
      },
    });
    const linkStarts: number[] = [0];
    const linkIndices: number[] = [];
    const linkValues: number[] = [];
    for (let e = 0; e < E; e++) {
      linkIndices.push(this.cols + e, this.cols + E + edges.pair[e]);
      linkValues.push(1, -edges.upper[e]);
      linkStarts.push(linkIndices.length);
    }
    this.cols += E + P;
    this.model.addRows({
      lower: new Float64Array(E).fill(-this.highs.infinity),
      upper: new Float64Array(E),
      matrix: {
        format: "csr",
        numRows: E,
        numCols: this.cols,
        starts: Int32Array.from(linkStarts),
        indices: Int32Array.from(linkIndices),
        values: Float64Array.from(linkValues),
      },
    });
    this.rows += E;
    this.parts.push({ ...edges, pair: edges.pair.map((q) => q + this.pairCount) });
    this.pairCount += P;
  }

  /** Solves (warm-started); returns the status, objective, x per edge (union order) and multipliers. */
  solve(timeLimitSeconds: number): {
    status: number;
    objective: number;
    x: Float64Array;
    multipliers: Multipliers;
  } {
    // HiGHS' time limit counts every run of the model so far, not just this one.
    this.model.options.set({ time_limit: this.runSeconds + Math.max(0.5, timeLimitSeconds) });
    const started = performance.now();
    this.model.run();
    this.runSeconds += (performance.now() - started) / 1000;
    // Later rounds only add columns: keep the basis and skip presolve, which would discard it.
    this.model.options.set({ presolve: "off" });
    const status = this.model.getModelStatus();
    const solution = this.model.getSolution();
    const p = this.p;
    const S = p.supplyIds.length;
    const D = p.demandIds.length;
    const dual = (r: number) => Math.max(0, solution.rowDual[r]);
    const multipliers: Multipliers = {
      supply: Float64Array.from({ length: S }, (_, a) => dual(this.supplyRow0 + a)),
      demand: Float64Array.from({ length: D }, (_, b) => dual(this.demandRow0 + b)),
      credit: Float64Array.from({ length: p.n }, (_, m) => dual(this.creditRow0 + m)),
      partner: Float64Array.from({ length: p.n }, (_, m) => dual(this.partnerRow0 + m)),
    };
    const x = Float64Array.from(this.xCol, (c) => solution.colValue[c]);
    return { status, objective: this.model.getObjectiveValue(), x, multipliers };
  }

  /** Every edge added so far, as one edge set (pairs numbered in insertion order). */
  edges(): EdgeSet {
    const cat = <T extends Int32Array | Float64Array>(pick: (e: EdgeSet) => T, make: (n: number) => T): T => {
      const total = this.parts.reduce((s, e) => s + pick(e).length, 0);
      const out = make(total);
      let offset = 0;
      for (const part of this.parts) {
        out.set(pick(part) as never, offset);
        offset += pick(part).length;
      }
      return out;
    };
    const ints = (n: number) => new Int32Array(n);
    const floats = (n: number) => new Float64Array(n);
    return {
      edgeCount: this.xCol.length,
      from: cat((e) => e.from, ints),
      to: cat((e) => e.to, ints),
      supply: cat((e) => e.supply, ints),
      demand: cat((e) => e.demand, ints),
      segment: cat((e) => e.segment, ints),
      value: cat((e) => e.value, floats),
      upper: cat((e) => e.upper, floats),
      rate: cat((e) => e.rate, floats),
      pair: cat((e) => e.pair, ints),
      pairCount: this.pairCount,
      pairLow: cat((e) => e.pairLow, ints),
      pairHigh: cat((e) => e.pairHigh, ints),
    };
  }

  dispose(): void {
    this.model.dispose();
  }
}
