/**
 * Seeded pseudo-random numbers for generated instances (mulberry32): the same seed always gives
 * the same consortium, on every machine, which tests and benchmarks rely on.
 */
export class SeededRandom {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  /** Index drawn with probability proportional to `weights`. */
  weighted(weights: readonly number[]): number {
    let total = 0;
    for (const w of weights) total += w;
    let x = this.next() * total;
    for (let k = 0; k < weights.length; k++) {
      x -= weights[k];
      if (x < 0) return k;
    }
    return weights.length - 1;
  }
  normal(): number {
    // Box–Muller; 1 - next() keeps the logarithm finite.
    return Math.sqrt(-2 * Math.log(1 - this.next())) * Math.cos(2 * Math.PI * this.next());
  }
  /** Log-normal with the given median and log-space spread. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  /** Pareto (heavy tail) with minimum `scale` and tail index `alpha`. */
  pareto(scale: number, alpha: number): number {
    return scale / (1 - this.next()) ** (1 / alpha);
  }
  /** A 20-byte hex address. */
  address(): string {
    let hex = "0x";
    for (let k = 0; k < 5; k++)
      hex += Math.floor(this.next() * 4294967296)
        .toString(16)
        .padStart(8, "0");
    return hex;
  }
}
