import type { FastifyReply, FastifyRequest } from "fastify";
import { createRateLimiter, rateLimitSource } from "../member/rate-limit";

export interface ApiRateLimitOptions {
  /** Requests per client and window on every route (default 1,200: a few dashboards polling). */
  max?: number;
  /** Member actions (accept, reject) per client and window (default 30). */
  actionMax?: number;
  /** Window in ms (default 60,000). */
  windowMs?: number;
}

/**
 * Per-client limits on every route, before anything else is done for the request: reads at
 * `max`, member actions (POST) also at the stricter `actionMax`. The client is `request.ip`, which
 * is the socket's peer unless that peer is a configured trusted proxy (then X-Forwarded-For's
 * client), reduced by `rateLimitSource` (IPv6 by /64) and kept only as a salted hash.
 *
 * @example
 * app.addHook("onRequest", createApiRateLimit({ max: 600, actionMax: 20 }));
 */
export function createApiRateLimit(options: ApiRateLimitOptions = {}) {
  const windowMs = options.windowMs ?? 60_000;
  const all = createRateLimiter({ max: options.max ?? 1_200, windowMs });
  const actions = createRateLimiter({ max: options.actionMax ?? 30, windowMs });
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const source = rateLimitSource(request.ip ?? "");
    const allowed =
      all.allow(source, "api") && (request.method !== "POST" || actions.allow(source, "action"));
    if (!allowed)
      return reply
        .status(429)
        .header("retry-after", String(Math.ceil(windowMs / 1000)))
        .send({ error: "TooManyRequests", message: "too many requests from this client; wait a minute" });
  };
}
