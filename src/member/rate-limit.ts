import { hash, randomBytes } from "node:crypto";

/**
 * Anti-fraud rate limit that never keeps a client address: each request's source is reduced to
 * a keyed hash (SHA-256 of a random salt, then scope and source) under a salt that lives one window
 * only and is then thrown away with every key derived from it, so no counter can be linked to an
 * address or to the previous window. One-shot SHA-256 with the secret prefix (an HMAC costs twice
 * as much on the hot path; length extension gives nothing here: the key is only compared).
 */
export interface RateLimiter {
  /** Counts one request from `source` for `scope`; false when the source is over the limit. */
  allow(source: string, scope: string): boolean;
}

export interface CreateRateLimiterParameters {
  /** Requests allowed per source and scope in one window. */
  max: number;
  /** Window (and salt lifetime) in ms. */
  windowMs?: number;
  now?: () => number;
}

/**
 * @example
 * const limiter = createRateLimiter({ max: 600, windowMs: 60_000 });
 * if (!limiter.allow(request.ip, "redirect")) throw new RateLimitedError();
 */
export function createRateLimiter({
  max,
  windowMs = 60_000,
  now = Date.now,
}: CreateRateLimiterParameters): RateLimiter {
  let salt = randomBytes(32).toString("base64");
  let windowStart = now();
  let counts = new Map<string, number>();
  return {
    allow(source, scope) {
      const t = now();
      if (t - windowStart >= windowMs) {
        // New window: new salt, old keys dropped. Nothing of the past window survives.
        salt = randomBytes(32).toString("base64");
        counts = new Map();
        windowStart = t;
      }
      const key = hash("sha256", `${salt}\0${scope}\0${source}`, "base64url").slice(0, 22);
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      return count <= max;
    },
  };
}
