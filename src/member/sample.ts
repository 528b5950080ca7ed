import { randomInt } from "node:crypto";

/**
 * `k` distinct indices drawn uniformly from [0, n) with the OS CSPRNG (an auditor's sample must
 * not be predictable by the member that answers it). Floyd's algorithm: O(k) draws.
 */
export function randomSample(n: number, k: number): number[] {
  const chosen = new Set<number>();
  for (let j = n - k; j < n; j++) {
    const t = randomInt(0, j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  return [...chosen];
}
