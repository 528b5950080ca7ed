import fastify, { type FastifyInstance, type FastifyRequest } from "fastify";
import type { DestinationStream } from "pino";
import type { Address } from "viem";
import { SESSION_KEY_PATH, type SessionKeyCertificateBody } from "../protocol/session-key";
import { type AgreementDirectory, type AgreementTerms, epochAt, isSettling } from "./agreements";
import { drawClickId } from "./click-id";
import {
  AgreementNotRunningError,
  CrossAgreementTokenError,
  DuplicateConversionError,
  InvalidRequestError,
  MemberNodeError,
  NotRecipientError,
  NotReferrerError,
  RateLimitedError,
  ReplayedTokenError,
  UnknownAgreementError,
  UnknownArrivalError,
} from "./errors";
import type { ExposureGuard } from "./exposure";
import type { ReceiptJournal } from "./journal";
import { createRateLimiter, type RateLimiter, rateLimitSource } from "./rate-limit";
import { decodeTrackingToken, type TrackingTokenIssuer, type TrackingTokenVerifier } from "./tracking-token";

/** Query parameters the referrer appends to the recipient's landing URL. */
export const LANDING_TOKEN_PARAM = "fpt";

/** Where the recipient of a flow wants its visitors sent; undefined when unknown. */
export type LandingUrlResolver = (
  recipient: Address,
  agreementId: bigint,
  flow: number,
) => string | undefined;

export interface TrackingServerOptions {
  /** This member's account address (lower-case or checksummed). */
  member: Address;
  agreements: AgreementDirectory;
  issuer: TrackingTokenIssuer;
  verifier: TrackingTokenVerifier;
  journal: ReceiptJournal;
  landingUrl: LandingUrlResolver;
  /** Token lifetime in seconds (default 600: a visitor has ten minutes to land). */
  tokenTtl?: bigint;
  /** Anti-fraud limit per source per minute and route, on every route (default 600). */
  rateLimit?: number | RateLimiter;
  /**
   * Reverse proxies (addresses or CIDRs) whose X-Forwarded-For names the client; from any other
   * peer the header is ignored (default: none, the socket's peer is the client).
   */
  trustProxy?: readonly string[];
  /** Where log lines go (default stdout); `false` for no logs at all. */
  logStream?: DestinationStream | false;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Clock in unix seconds. */
  now?: () => bigint;
  /**
   * This member's exposure as a referrer: while a flow's unacknowledged clicks exceed the bound,
   * its tracking link sends visitors on without a billable token (see exposure.ts).
   */
  exposure?: ExposureGuard;
  /** Hears every durable arrival (the acknowledger marks its flow's epoch for acknowledgement). */
  onArrival?: (key: { agreementId: bigint; flow: number; epoch: bigint }) => void;
}

const UINT_PATTERN = /^(0|[1-9][0-9]{0,77})$/;
const FLOW_PATTERN = /^(0|[1-9][0-9]{0,4})$/;
const CLICK_ID_PATTERN = /^0x[0-9a-f]{64}$/;
const MAX_UINT256 = (1n << 256n) - 1n;

function parseFlowParams(params: unknown): { agreementId: bigint; flow: number } {
  const { agreementId, flow } = (params ?? {}) as { agreementId?: unknown; flow?: unknown };
  if (typeof agreementId !== "string" || !UINT_PATTERN.test(agreementId) || BigInt(agreementId) > MAX_UINT256)
    throw new InvalidRequestError("agreement id must be a decimal uint256");
  if (typeof flow !== "string" || !FLOW_PATTERN.test(flow))
    throw new InvalidRequestError("flow must be a small decimal index");
  return { agreementId: BigInt(agreementId), flow: Number(flow) };
}

function bodyField(body: unknown, field: string): unknown {
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new InvalidRequestError(`the body must be a JSON object with "${field}"`);
  return (body as Record<string, unknown>)[field];
}

/**
 * Log serializers that keep personal data out of every log line: a request is logged as its
 * method and matched route pattern only (`/r/:agreementId/:flow`), never its address, port, host,
 * headers, path or query string (a path or query can carry anything a client puts there); a
 * response as its status code.
 */
export const privacySerializers = {
  req: (req: { method?: string; routeOptions?: { url?: string } }) => ({
    method: req.method,
    route: req.routeOptions?.url ?? "(no route)",
  }),
  res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
};

/**
 * The member node's public HTTP face: the tracking redirect (as referrer), the arrival and
 * conversion endpoints (as recipient), health. Every failure a client can cause is a 4xx JSON
 * `{ error, code, message }`; a 5xx means a bug or a store outage.
 *
 * Routes:
 * - `GET  /r/:agreementId/:flow` → 302 to the recipient's landing URL with `?fpt=<token>`
 * - `POST /v1/agreements/:agreementId/flows/:flow/arrivals` `{ token }` → 201 once per token
 * - `POST /v1/conversions` `{ clickId }` → 201 once per arrived click
 * - `GET  /healthz`
 */
export function createTrackingServer(options: TrackingServerOptions): FastifyInstance {
  const member = options.member.toLowerCase() as Address;
  const { agreements, issuer, verifier, journal, landingUrl } = options;
  const tokenTtl = options.tokenTtl ?? 600n;
  const now = options.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const limiter =
    typeof options.rateLimit === "object"
      ? options.rateLimit
      : createRateLimiter({ max: options.rateLimit ?? 600 });

  const app = fastify({
    logger:
      options.logStream === false
        ? false
        : {
            level: options.logLevel ?? "info",
            serializers: privacySerializers,
            ...(options.logStream ? { stream: options.logStream } : {}),
          },
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    bodyLimit: 8_192,
    routerOptions: { maxParamLength: 100 },
    // Request ids are per-process counters, never taken from a client header.
    requestIdHeader: false,
  });

  // JSON bodies keep their exact bytes: node-to-node signatures cover the body as sent.
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    (request as FastifyRequest & { rawBody?: string }).rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(new InvalidRequestError("the body is not valid JSON"), undefined);
    }
  });

  // Every route, the node-to-node, audit-proof and report routes registered later included, and
  // misses: counted per client (IPv6 by /64) and route before anything else is done. The address
  // is only hashed under a salt that rotates; it is never stored or logged.
  app.addHook("onRequest", async (request) => {
    const scope = request.routeOptions.url ?? "(no route)";
    if (!limiter.allow(rateLimitSource(request.ip ?? ""), scope)) throw new RateLimitedError();
  });

  const agreement = async (agreementId: bigint, flow: number): Promise<AgreementTerms> => {
    const terms = agreements.peek(agreementId) ?? (await agreements.get(agreementId));
    if (!terms) throw new UnknownAgreementError(agreementId);
    if (!terms.flows[flow]) throw new UnknownAgreementError(agreementId, flow);
    return terms;
  };

  app.setErrorHandler((error: Error & { statusCode?: number; code?: string }, request, reply) => {
    if (error instanceof MemberNodeError)
      return reply
        .code(error.statusCode)
        .send({ error: error.name, code: error.code, message: error.shortMessage });
    const status = error.statusCode;
    if (typeof status === "number" && status >= 400 && status < 500)
      return reply
        .code(status)
        .send({ error: "BadRequest", code: error.code ?? "bad_request", message: error.message });
    request.log.error(
      { err: { name: error.name, message: error.message, stack: error.stack } },
      "request failed",
    );
    return reply.code(500).send({ error: "InternalError", code: "internal", message: "internal error" });
  });

  app.setNotFoundHandler((_request, reply) =>
    reply.code(404).send({ error: "NotFound", code: "not_found", message: "no such endpoint" }),
  );

  app.get("/healthz", async () => ({ status: "ok", member }));

  // The member's current session key certificate (public): referrers MAC their tokens for it.
  app.get(SESSION_KEY_PATH, async (): Promise<SessionKeyCertificateBody> => {
    const { certificate } = issuer.sessionKeys()[0];
    return {
      member: certificate.member,
      sessionKey: certificate.sessionKey,
      notAfter: certificate.notAfter.toString(),
      signature: certificate.signature,
    };
  });

  app.get("/r/:agreementId/:flow", async (request, reply) => {
    const { agreementId, flow } = parseFlowParams(request.params);
    const terms = await agreement(agreementId, flow);
    const referredFlow = terms.flows[flow];
    if (referredFlow.from !== member) throw new NotReferrerError(agreementId, flow);
    if (!isSettling(terms)) throw new AgreementNotRunningError(agreementId, `its status is ${terms.status}`);
    const t = now();
    const epoch = epochAt(terms, t);
    if (epoch === undefined)
      throw new AgreementNotRunningError(agreementId, `time ${t} is outside its schedule`);
    const landing = landingUrl(referredFlow.to, agreementId, flow);
    if (!landing)
      throw new AgreementNotRunningError(agreementId, `no landing URL is known for ${referredFlow.to}`);
    if (options.exposure && !options.exposure.allows({ agreementId, flow, epoch }, t)) {
      // The recipient is behind on acknowledging this flow: the visitor still goes, unbilled.
      return reply
        .code(302)
        .header("location", landing)
        .header("cache-control", "no-store")
        .header("referrer-policy", "no-referrer")
        .header("x-flowpact-billable", "paused")
        .send();
    }
    const clickId = drawClickId();
    const expiry = t + tokenTtl;
    const token = issuer.issue({ agreementId, flow, epoch, clickId, expiry }, referredFlow.to);
    await journal.recordClick({ tenant: member, clickId, agreementId, flow, epoch, expiresAt: expiry });
    options.exposure?.sent({ agreementId, flow, epoch }, t);
    const separator = landing.includes("?") ? "&" : "?";
    return reply
      .code(302)
      .header("location", `${landing}${separator}${LANDING_TOKEN_PARAM}=${token}`)
      .header("cache-control", "no-store")
      .header("referrer-policy", "no-referrer")
      .send();
  });

  app.post("/v1/agreements/:agreementId/flows/:flow/arrivals", async (request, reply) => {
    const endpoint = parseFlowParams(request.params);
    const token = decodeTrackingToken(bodyField(request.body, "token"));
    if (token.agreementId !== endpoint.agreementId || token.flow !== endpoint.flow)
      throw new CrossAgreementTokenError(token, endpoint);
    const terms = await agreement(token.agreementId, token.flow);
    const flow = terms.flows[token.flow];
    if (flow.to !== member) throw new NotRecipientError(token.agreementId, token.flow);
    if (!isSettling(terms))
      throw new AgreementNotRunningError(token.agreementId, `its status is ${terms.status}`);
    if (token.epoch >= terms.settleableEpochs)
      throw new AgreementNotRunningError(
        token.agreementId,
        `epoch ${token.epoch} is past its last settleable epoch`,
      );
    await verifier.verify(token, flow.from, member);
    const t = now();
    const current = epochAt(terms, t);
    if (current !== undefined && token.epoch > current)
      throw new InvalidRequestError(`the token names epoch ${token.epoch}, which has not begun`);
    const recorded = await journal.recordArrival({
      tenant: member,
      clickId: token.clickId,
      agreementId: token.agreementId,
      flow: token.flow,
      epoch: token.epoch,
      arrivedAt: t,
    });
    if (!recorded) throw new ReplayedTokenError(token.clickId);
    options.onArrival?.({ agreementId: token.agreementId, flow: token.flow, epoch: token.epoch });
    return reply.code(201).send({
      status: "recorded",
      agreementId: token.agreementId.toString(),
      flow: token.flow,
      epoch: token.epoch.toString(),
      clickId: token.clickId,
    });
  });

  app.post("/v1/conversions", async (request, reply) => {
    const clickId = bodyField(request.body, "clickId");
    if (typeof clickId !== "string" || !CLICK_ID_PATTERN.test(clickId))
      throw new InvalidRequestError("clickId must be 0x followed by 64 lower-case hex digits");
    const outcome = await journal.recordConversion({ tenant: member, clickId, convertedAt: now() });
    if (outcome === "unknown_arrival") throw new UnknownArrivalError(clickId);
    if (outcome === "duplicate") throw new DuplicateConversionError(clickId);
    return reply.code(201).send({ status: "recorded", clickId });
  });

  return app;
}
