import { lookup as dnsLookup } from "node:dns/promises";
import http, { type IncomingMessage } from "node:http";
import https from "node:https";
import { isIP, type LookupFunction } from "node:net";
import type { z } from "zod";
import {
  type AddressCategory,
  classifyAddress,
  inNetworkRange,
  type NetworkRange,
  PRIVATE_NETWORK_CATEGORIES,
  parseNetworkRange,
} from "./address-policy";
import { OutboundError } from "./errors";

/** Default cap on an answer's body: 1 MiB (a message whose schema allows more passes its own bound per request). */
export const DEFAULT_MAX_BODY_BYTES = 1 << 20;
/** Default time for the whole exchange (DNS, connect, request, every byte of the answer). */
export const DEFAULT_TIMEOUT_MS = 10_000;
/** Default time the connection may sit without a byte moving. */
export const DEFAULT_IDLE_TIMEOUT_MS = 5_000;

export interface OutboundClientOptions {
  /**
   * Allow loopback, RFC 1918 / CGNAT / ULA private and link-local addresses (the local demo and
   * tests, whose nodes listen on 127.0.0.1). Metadata, multicast, unspecified and reserved
   * addresses stay refused.
   */
  allowPrivateNetworks?: boolean;
  /** CIDR ranges always allowed, whatever their category (e.g. a consortium's private VPN "10.20.0.0/16"). */
  allowedNetworks?: readonly string[];
  maxBodyBytes?: number;
  timeoutMs?: number;
  idleTimeoutMs?: number;
  /** Resolves a host name to its addresses (default: the system resolver, every address). */
  resolve?: (hostname: string) => Promise<Array<{ address: string; family: number }>>;
}

export interface OutboundRequest {
  method?: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string;
  /** Overrides the client's total timeout for this request. */
  timeoutMs?: number;
  /** Overrides the client's body cap, for a message whose schema allows larger answers. */
  maxBodyBytes?: number;
  /** Overrides the client's idle timeout, for a message the peer may think about before answering. */
  idleTimeoutMs?: number;
}

/** A peer's answer: its status and its body parsed as JSON (undefined when empty or not JSON). */
export interface OutboundAnswer {
  status: number;
  body: unknown;
}

/**
 * The one way to reach a URL another party published (a member's profile `uri`): the answer is a
 * status and parsed JSON, size-capped and time-boxed, from an address the policy allows.
 */
export interface OutboundClient {
  /** Throws OutboundError when no usable answer came back (any status is an answer). */
  request(url: string, request?: OutboundRequest): Promise<OutboundAnswer>;
  readonly allowsPrivateNetworks: boolean;
}

const systemResolve = (hostname: string) => dnsLookup(hostname, { all: true, verbatim: true });

/**
 * Creates the outbound client. It resolves the host itself and checks every address against the
 * policy before connecting, then connects to the address it checked (the socket's lookup is
 * pinned to it: a DNS answer that changes between check and connect is never used). It never
 * follows a redirect (a 3xx is `redirect-refused`), stops reading past `maxBodyBytes`, and gives
 * up after `timeoutMs` in all or `idleTimeoutMs` without a byte.
 *
 * @example
 * const outbound = createOutboundClient({ allowPrivateNetworks: config.allowPrivateNetworks });
 * const { status, body } = await outbound.request(`${nodeUrl}/v1/session-key`);
 * if (status === 200) parseAnswer(sessionKeyCertificateSchema, body);
 */
export function createOutboundClient(options: OutboundClientOptions = {}): OutboundClient {
  const allowPrivate = options.allowPrivateNetworks === true;
  const allowed: NetworkRange[] = (options.allowedNetworks ?? []).map(parseNetworkRange);
  const defaultMaxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const idleTimeoutMs = options.idleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const resolve = options.resolve ?? systemResolve;

  const refusal = (address: string): AddressCategory | undefined => {
    if (allowed.some((range) => inNetworkRange(address, range))) return undefined;
    const category = classifyAddress(address);
    if (category === "public") return undefined;
    if (allowPrivate && PRIVATE_NETWORK_CATEGORIES.has(category)) return undefined;
    return category;
  };

  const pinnedAddress = async (hostname: string): Promise<{ address: string; family: number }> => {
    const literal = hostname.replace(/^\[|\]$/g, "");
    let addresses: Array<{ address: string; family: number }>;
    if (isIP(literal)) addresses = [{ address: literal, family: isIP(literal) }];
    else {
      try {
        addresses = await resolve(hostname);
      } catch (error) {
        throw new OutboundError("network", `${hostname} does not resolve`, { cause: error });
      }
      if (addresses.length === 0) throw new OutboundError("network", `${hostname} does not resolve`);
    }
    // Every address must pass: a name that also resolves to an internal address is refused whole.
    for (const { address } of addresses) {
      const category = refusal(address);
      if (category)
        throw new OutboundError(
          "address-refused",
          `${hostname} is ${address === literal ? "" : `resolved to ${address}, `}a ${category} address: refused`,
        );
    }
    return addresses[0];
  };

  return {
    allowsPrivateNetworks: allowPrivate,
    async request(target, request = {}) {
      let url: URL;
      try {
        url = new URL(target);
      } catch {
        throw new OutboundError("invalid-url", "not an absolute URL");
      }
      if ((url.protocol !== "http:" && url.protocol !== "https:") || url.username || url.password)
        throw new OutboundError("invalid-url", `${url.protocol} URLs (or credentials in a URL) are refused`);
      const timeoutMs = request.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
      const maxBodyBytes = request.maxBodyBytes ?? defaultMaxBodyBytes;
      const deadline = Date.now() + timeoutMs;
      const timedOut = () => new OutboundError("timeout", `no complete answer within ${timeoutMs} ms`);

      let dnsTimer: NodeJS.Timeout | undefined;
      const pinned = await Promise.race([
        pinnedAddress(url.hostname),
        new Promise<never>((_, reject) => {
          dnsTimer = setTimeout(() => reject(timedOut()), timeoutMs);
        }),
      ]).finally(() => clearTimeout(dnsTimer));

      // The socket connects to the address checked above, whatever the resolver says now.
      const lookup: LookupFunction = (_hostname, lookupOptions, callback) => {
        if ((lookupOptions as { all?: boolean }).all)
          (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [
            pinned,
          ]);
        else callback(null, pinned.address, pinned.family);
      };
      const body = request.body === undefined ? undefined : Buffer.from(request.body);
      return new Promise<OutboundAnswer>((resolveAnswer, reject) => {
        let settled = false;
        const fail = (error: OutboundError) => {
          if (settled) return;
          settled = true;
          clearTimeout(totalTimer);
          req.destroy();
          reject(error);
        };
        const req = (url.protocol === "https:" ? https : http).request({
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ""),
          port: url.port || undefined,
          path: `${url.pathname}${url.search}`,
          method: request.method ?? "GET",
          headers: {
            accept: "application/json",
            ...request.headers,
            ...(body ? { "content-length": String(body.length) } : {}),
          },
          lookup,
          // A fresh connection per request: no socket opened under another policy is reused.
          agent: false,
        });
        const totalTimer = setTimeout(() => fail(timedOut()), Math.max(0, deadline - Date.now()));
        const idleMs = request.idleTimeoutMs ?? idleTimeoutMs;
        req.setTimeout(idleMs, () =>
          fail(new OutboundError("timeout", `the connection was idle for ${idleMs} ms`)),
        );
        req.on("error", (error: NodeJS.ErrnoException) =>
          fail(
            new OutboundError("network", `connection failed (${error.code ?? "error"})`, { cause: error }),
          ),
        );
        req.on("response", (res: IncomingMessage) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400) {
            fail(new OutboundError("redirect-refused", `the node answered ${status}: redirect refused`));
            return;
          }
          const declared = Number(res.headers["content-length"]);
          if (Number.isFinite(declared) && declared > maxBodyBytes) {
            fail(tooLarge(maxBodyBytes));
            return;
          }
          const chunks: Buffer[] = [];
          let received = 0;
          res.on("data", (chunk: Buffer) => {
            received += chunk.length;
            if (received > maxBodyBytes) {
              fail(tooLarge(maxBodyBytes));
              return;
            }
            chunks.push(chunk);
          });
          res.on("error", () => fail(new OutboundError("network", "the answer was cut off")));
          res.on("aborted", () => fail(new OutboundError("network", "the answer was cut off")));
          res.on("end", () => {
            if (settled) return;
            settled = true;
            clearTimeout(totalTimer);
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: unknown;
            try {
              parsed = text === "" ? undefined : JSON.parse(text);
            } catch {
              parsed = undefined;
            }
            resolveAnswer({ status, body: parsed });
          });
        });
        req.end(body);
      });
    },
  };
}

function tooLarge(maxBodyBytes: number): OutboundError {
  return new OutboundError("too-large", `the answer is larger than ${maxBodyBytes} bytes`);
}

/**
 * A peer's answer body as the protocol schema's message, or OutboundError `invalid-answer`
 * naming the first field that does not fit (never echoing the peer's value).
 *
 * @example
 * const report = parseAnswer(conversionReportSchema, answer.body);
 */
export function parseAnswer<S extends z.ZodType>(schema: S, body: unknown, what = "answer"): z.infer<S> {
  let parsed: z.ZodSafeParseResult<z.infer<S>>;
  try {
    parsed = schema.safeParse(body);
  } catch {
    // A refinement that throws on a hostile value is a malformed answer too.
    throw new OutboundError("invalid-answer", `the ${what} is malformed`);
  }
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const where = issue?.path.length ? issue.path.map(String).join(".").slice(0, 80) : "body";
  throw new OutboundError(
    "invalid-answer",
    `the ${what} is malformed at ${where} (${issue?.code ?? "invalid"})`,
  );
}
