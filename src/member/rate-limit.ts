import { hash, randomBytes } from "node:crypto";
import { isIPv4, isIPv6 } from "node:net";

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

/**
 * The rate-limit source of a client address: an IPv4 address as it is (IPv4-mapped IPv6 included),
 * an IPv6 address by its /64 prefix, since one subscriber usually holds a whole /64 and could
 * otherwise rotate through 2^64 buckets.
 *
 * @example
 * rateLimitSource("2001:db8:1:2::7") // "2001:db8:1:2::/64"
 * rateLimitSource("::ffff:192.0.2.1") // "192.0.2.1"
 */
export function rateLimitSource(ip: string): string {
  const address = ip.replace(/%.*$/, "").toLowerCase();
  if (isIPv4(address)) return address;
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped && isIPv4(mapped[1])) return mapped[1];
  if (!isIPv6(address)) return address;
  const groups = expandIPv6(address);
  return `${groups.slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros (an embedded IPv4 tail included). */
function expandIPv6(address: string): string[] {
  let text = address;
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split(".").map(Number);
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes("::") ? text.split("::") : [text, undefined];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...middle, ...right].map((g) => Number.parseInt(g || "0", 16).toString(16));
}
