import type { FastifyReply, FastifyRequest } from "fastify";

/**
 * The dashboard's content policy: its own scripts, styles and API only (Vite emits no inline
 * script; element styles are set through the CSSOM, which the policy allows), the inline SVG
 * favicon as a data: image, and no framing by any page (the Accept button cannot be clickjacked).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/**
 * Adds the framing and sniffing defences to every answer (pages, assets, JSON, errors): the
 * dashboard CSP unless the route set a stricter one of its own (the audit report), which gets
 * `frame-ancestors 'none'` appended when it lacks it; `X-Frame-Options: DENY` for browsers that
 * predate frame-ancestors; `nosniff`; no referrer.
 */
export async function addSecurityHeaders(_request: FastifyRequest, reply: FastifyReply, payload: unknown) {
  const own = reply.getHeader("content-security-policy");
  if (typeof own !== "string") reply.header("content-security-policy", DASHBOARD_CSP);
  else if (!own.includes("frame-ancestors"))
    reply.header("content-security-policy", `${own}; frame-ancestors 'none'`);
  reply.header("x-frame-options", "DENY");
  reply.header("x-content-type-options", "nosniff");
  reply.header("referrer-policy", "no-referrer");
  return payload;
}
