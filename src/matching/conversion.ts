import type { SettledHistory } from "./types";

/**
 * Predicted conversion of a referral from member i to member j in segment s, learned from settled
 * history with Beta priors pooled at three levels (empirical Bayes):
 *
 *   segment s:            mu_s   = (k·mu0   + conv_s)   / (k + ref_s)
 *   recipient j, seg s:   mu_js  = (k·mu_s  + conv_js)  / (k + ref_js)
 *   pair i→j, seg s:      p_ijs  = (k·mu_js + conv_ijs) / (k + ref_ijs)
 *
 * Each level is the posterior mean of a Beta(k·m, k·(1-m)) prior centred on the level above, so a
 * new member (no history) gets its segment's pooled rate instead of zero and is not starved,
 * while a pair with a long record converges to its own rate. Members are indices 0..n-1 here
 * because the engine calls `predict` for millions of candidate edges.
 */
export interface ConversionTable {
  predict(from: number, to: number, segment: number): number;
  /** Number of segments the table covers (`recipientMean` is indexed to · segmentCount + s). */
  readonly segmentCount: number;
  /** Recipient-and-segment level estimate: `predict` for a sender with no history to `to` in s. */
  readonly recipientMean: Float64Array;
  /** Whether `from` has pair-level history (only then can `predict` differ from `recipientMean`). */
  hasPairHistory(from: number): boolean;
}

export function createConversionTable(
  history: readonly SettledHistory[],
  memberIndex: ReadonlyMap<string, number>,
  segmentCount: number,
  prior: { readonly mean: number; readonly strength: number },
): ConversionTable {
  const k = prior.strength;
  const n = memberIndex.size;
  const segRef = new Float64Array(segmentCount);
  const segConv = new Float64Array(segmentCount);
  const recRef = new Float64Array(n * segmentCount);
  const recConv = new Float64Array(n * segmentCount);
  // Per sender: (to·segmentCount + s) -> [referrals, conversions]; most senders have none.
  const pairs: (Map<number, [number, number]> | undefined)[] = new Array(n);
  for (const h of history) {
    const i = memberIndex.get(h.from);
    const j = memberIndex.get(h.to);
    if (i === undefined || j === undefined || h.segment < 0 || h.segment >= segmentCount) continue;
    const ref = Math.max(0, h.referrals);
    const conv = Math.min(ref, Math.max(0, h.conversions));
    segRef[h.segment] += ref;
    segConv[h.segment] += conv;
    recRef[j * segmentCount + h.segment] += ref;
    recConv[j * segmentCount + h.segment] += conv;
    let map = pairs[i];
    if (!map) {
      map = new Map();
      pairs[i] = map;
    }
    const key = j * segmentCount + h.segment;
    const cur = map.get(key);
    if (cur) {
      cur[0] += ref;
      cur[1] += conv;
    } else map.set(key, [ref, conv]);
  }
  const recMean = new Float64Array(n * segmentCount);
  for (let s = 0; s < segmentCount; s++) {
    const mu = (k * prior.mean + segConv[s]) / (k + segRef[s]);
    for (let j = 0; j < n; j++) {
      const idx = j * segmentCount + s;
      recMean[idx] = (k * mu + recConv[idx]) / (k + recRef[idx]);
    }
  }
  return {
    segmentCount,
    recipientMean: recMean,
    hasPairHistory: (from) => pairs[from] !== undefined,
    predict(from, to, segment) {
      const key = to * segmentCount + segment;
      const muJ = recMean[key];
      const p = pairs[from]?.get(key);
      return p ? (k * muJ + p[1]) / (k + p[0]) : muJ;
    },
  };
}
