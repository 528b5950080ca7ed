/**
 * The matching engine: pure (no I/O), deterministic for a given instance and work limit.
 *
 *   const highs = await loadMatchingSolver();
 *   const { proposals, report } = solveMatching(highs, instance, config);
 *
 * The daemon builds `instance` from indexed chain state (members with industry code, credit
 * balance and limit; supply/demand offers with segment and exclusion bitmaps; pending and active
 * agreements; settled history) and proposes each `ProposedAgreement` as is: `parties` and
 * `flows` have the shape of `AgreementBook` proposals (`Flow {from, to, segments, capPerEpoch,
 * rate}`).
 */

export type { GeneratedConsortium, GenerateOptions } from "./generator";
export { DEMO_INSTITUTIONS, generateConsortium, generateDemoConsortium } from "./generator";
export { loadMatchingSolver } from "./highs";
export { InvalidMatchingInstanceError, settleRate } from "./prepare";
export { SeededRandom } from "./random";
export { solveMatching, solveMatchingGreedy } from "./solve";
export * from "./types";
