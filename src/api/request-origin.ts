import { isIP } from "node:net";
import type { FastifyReply, FastifyRequest } from "fastify";

/** Host names a loopback-bound dashboard always answers to. */
const LOOPBACK_HOSTS = ["localhost", "127.0.0.1", "::1"];

/** The host name of a Host header (`name`, `name:port`, `[v6]:port`), lower-case; undefined if malformed. */
function hostName(host: string): string | undefined {
  const bracketed = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i.exec(host);
  if (bracketed) return bracketed[1].toLowerCase();
  const plain = /^([a-z0-9.-]+)(?::\d{1,5})?$/i.exec(host);
  return plain ? plain[1].toLowerCase().replace(/\.$/, "") : undefined;
}

/** An address as the socket reports it, IPv4-mapped IPv6 unwrapped. */
const unmapped = (address: string | undefined) => address?.toLowerCase().replace(/^::ffff:(?=\d+\.)/, "");

export interface RequestOriginGuardOptions {
  /**
   * Host names (no port) the dashboard is reached by besides loopback and the address it is bound
   * to: a public name behind a reverse proxy, say.
   */
  allowedHosts?: readonly string[];
}

/**
 * Refuses requests that were not meant for this server (DNS rebinding) or that come from another
 * site's page:
 * - the Host header must name the address the client connected to, a loopback name, or one of
 *   `allowedHosts`; a page on `evil.example` whose name was rebound to this address sends
 *   `Host: evil.example` and gets 421;
 * - an `Origin` header, when the browser sends one, must be this very origin (the request's
 *   protocol + the Host); any other, `null` included, gets 403.
 *
 * @example
 * app.addHook("onRequest", createRequestOriginGuard({ allowedHosts: ["dashboard.example"] }));
 */
export function createRequestOriginGuard(options: RequestOriginGuardOptions = {}) {
  const allowed = new Set([...LOOPBACK_HOSTS, ...(options.allowedHosts ?? []).map((h) => h.toLowerCase())]);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const host = request.headers.host;
    const name = typeof host === "string" ? hostName(host) : undefined;
    const bound = unmapped(request.socket.localAddress);
    const ok = name !== undefined && (allowed.has(name) || (isIP(name) !== 0 && name === bound));
    if (!ok)
      return reply.status(421).send({
        error: "MisdirectedRequest",
        message: `this server does not answer for host ${String(host ?? "(none)").slice(0, 100)}; use its own address (or add the name to the allowed hosts)`,
      });
    const origin = request.headers.origin;
    if (origin === undefined) return;
    if (origin.toLowerCase() !== `${request.protocol}://${host}`.toLowerCase())
      return reply.status(403).send({
        error: "Forbidden",
        message: `requests from origin ${String(origin).slice(0, 100)} are refused: only the dashboard's own pages may call this API`,
      });
  };
}
