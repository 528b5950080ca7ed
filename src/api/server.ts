import Fastify, { type FastifyBaseLogger, type FastifyInstance } from "fastify";
import type { Store } from "../store/store";
import { DASHBOARD_DIST } from "../web/build";
import type { ApiContext, ProposalAction } from "./context";
import { handleApiError, handleNotFound } from "./errors";
import { createOpenApiCollector } from "./openapi";
import { createOperatorCheck, generateOperatorToken } from "./operator-token";
import { type ApiRateLimitOptions, createApiRateLimit } from "./rate-limits";
import { createRequestOriginGuard } from "./request-origin";
import { registerAgreementRoutes } from "./routes/agreements";
import { registerAuditRoutes } from "./routes/audits";
import { registerBalanceRoutes } from "./routes/balances";
import { registerBatchRoutes } from "./routes/batches";
import { registerMemberRoutes } from "./routes/members";
import { registerNetworkRoutes } from "./routes/network";
import { registerProposalRoutes } from "./routes/proposals";
import { registerSummaryRoutes } from "./routes/summary";
import { addSecurityHeaders } from "./security-headers";
import { registerDashboardRoutes } from "./static";

export { DASHBOARD_DIST };

export interface CreateApiServerOptions {
  store: Pick<Store, "driver">;
  /** Sends `AgreementBook.accept` for `member` (its member node's key). Without it, accept is 501. */
  acceptProposal?: ProposalAction;
  /** Sends `AgreementBook.reject` for `member`. Without it, reject is 501. */
  rejectProposal?: ProposalAction;
  /** A pino logger, `true` for fastify's default one, `false`/absent for none. */
  logger?: FastifyBaseLogger | boolean;
  /** Directory of the built dashboard, served at `/`; `false` serves the API only. */
  dashboardDir?: string | false;
  /** Unix seconds used for epochs and expiries (default: the wall clock). */
  now?: () => number;
  /** Seconds after an epoch's end during which a missing batch still counts as pending (default 3600). */
  submissionWindowSeconds?: number;
  /** An auditor's latest self-contained HTML report, served at `/audits/latest.html`. */
  auditReportFile?: string;
  /**
   * The bearer token member actions need (`Authorization: Bearer …`); generated when absent
   * (read it back as `app.operatorToken`).
   */
  operatorToken?: string;
  /** Host names the dashboard answers to besides loopback and its bound address (see request-origin.ts). */
  allowedHosts?: readonly string[];
  /**
   * Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed; from any other peer
   * the header is ignored (default: none).
   */
  trustProxy?: readonly string[];
  /** Per-client request limits (see rate-limits.ts). */
  rateLimit?: ApiRateLimitOptions;
}

/** The API server, with the operator token its member actions need. */
export type ApiServer = FastifyInstance & { readonly operatorToken: string };

/**
 * The dashboard's JSON API over the indexed store (read-only, except the member actions, which
 * go through the injected functions so the server stays testable without keys, and need the
 * operator token). Every request must name this server in its Host and come from its own origin,
 * is rate-limited per client, and every answer carries a CSP that forbids framing. Every route has
 * JSON schemas: requests are validated (bad input is a 4xx `{error, message}`, never a 5xx),
 * responses serialised by them, and `/api/openapi.json` documents them.
 *
 * @example
 * const app = await createApiServer({ store, acceptProposal: (member, id) => node.accept(member, id) });
 * const url = await app.listen({ host: "127.0.0.1", port: 8080 });
 * console.log(`dashboard: ${url}/#token=${app.operatorToken}`);
 */
export async function createApiServer(options: CreateApiServerOptions): Promise<ApiServer> {
  const logger = options.logger;
  const operatorToken = options.operatorToken ?? generateOperatorToken();
  // Unknown query parameters are refused (a typo must not silently widen a filter).
  const common = {
    bodyLimit: 64 * 1024,
    trustProxy: options.trustProxy && options.trustProxy.length > 0 ? [...options.trustProxy] : false,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false as const } },
  };
  const app: FastifyInstance = (typeof logger === "object"
    ? Fastify({ loggerInstance: logger, ...common })
    : Fastify({ logger: logger === true, ...common })) as unknown as FastifyInstance;
  const ctx: ApiContext = {
    db: options.store.driver,
    now: options.now ?? (() => Date.now() / 1000),
    submissionWindowSeconds: options.submissionWindowSeconds ?? 3600,
    acceptProposal: options.acceptProposal,
    rejectProposal: options.rejectProposal,
    auditReportFile: options.auditReportFile,
    checkOperator: createOperatorCheck(operatorToken),
  };
  const openapi = createOpenApiCollector();
  app.addHook("onRoute", openapi.onRoute);
  // Before anything else: the request must be for this server, from its own pages, within limits.
  app.addHook("onRequest", createRequestOriginGuard({ allowedHosts: options.allowedHosts }));
  app.addHook("onRequest", createApiRateLimit(options.rateLimit));
  app.addHook("onSend", addSecurityHeaders);
  app.setErrorHandler(handleApiError);
  app.setNotFoundHandler(handleNotFound);
  // POST bodies are optional: an empty body with a JSON content type is not an error here.
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === "") return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch {
      done(Object.assign(new Error("the body is not valid JSON"), { statusCode: 400 }), undefined);
    }
  });

  registerSummaryRoutes(app, ctx);
  registerMemberRoutes(app, ctx);
  registerProposalRoutes(app, ctx);
  registerAgreementRoutes(app, ctx);
  registerBatchRoutes(app, ctx);
  registerBalanceRoutes(app, ctx);
  registerNetworkRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  app.get("/api/openapi.json", { schema: { hide: true } }, async () =>
    openapi.document({
      title: "FlowPact dashboard API",
      version: "1",
      description:
        "Read-only view of the indexed FlowPact consortium (members, agreements, batches, credits, audits) and the member actions on proposals. Amounts and uint256 ids are decimal strings.",
    }),
  );
  const dashboardDir = options.dashboardDir === undefined ? DASHBOARD_DIST : options.dashboardDir;
  if (dashboardDir !== false) registerDashboardRoutes(app, dashboardDir);
  app.decorate("operatorToken", operatorToken);
  await app.ready();
  return app as ApiServer;
}
