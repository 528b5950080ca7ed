import { existsSync, readFileSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context";
import { NotFoundError } from "../errors";
import { toExact, toExactOrNull, toInt } from "../format";
import {
  errorResponses,
  exactIntegerSchema,
  nullableExactIntegerSchema,
  pageMeta,
  pagingQuery,
} from "../schemas";

interface AttestationRow {
  attestation_id: bigint;
  auditor: string;
  report_hash: string;
  verdict: string;
  from_block: bigint;
  to_block: bigint;
  block_number: bigint;
  tx_hash: string;
}

interface DisputeRow {
  agreement_id: bigint;
  flow_index: number;
  epoch: bigint;
  counter_count: bigint;
  status: string;
  resolved_count: bigint | null;
  dispute_upheld: boolean | null;
  auditor: string | null;
  opened_block: bigint;
  updated_block: bigint;
  count: bigint | null;
}

/** Where the latest HTML audit report is served. */
const LATEST_REPORT_PATH = "/audits/latest.html";

export function registerAuditRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get(LATEST_REPORT_PATH, { schema: { hide: true } }, async (_request, reply) => {
    const file = ctx.auditReportFile;
    if (!file || !existsSync(file))
      throw new NotFoundError("no audit report yet: the auditor writes one after its first audit");
    // Self-contained (inline styles and charts); no script may run from it.
    return reply
      .type("text/html; charset=utf-8")
      .header(
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'",
      )
      .send(readFileSync(file, "utf8"));
  });

  app.get<{ Querystring: { limit: number; offset: number } }>(
    "/api/audits",
    {
      schema: {
        operationId: "listAudits",
        summary: "Auditors' on-chain attestations (verdicts over block ranges) and dispute resolutions",
        tags: ["audits"],
        querystring: { type: "object", additionalProperties: false, properties: { ...pagingQuery } },
        response: {
          200: {
            type: "object",
            properties: {
              ...pageMeta,
              reportUrl: {
                type: ["string", "null"],
                description: "The latest HTML audit report, when an auditor writes one for this dashboard",
              },
              verdicts: { type: "object", additionalProperties: { type: "integer" } },
              attestations: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    auditor: { type: "string" },
                    reportHash: { type: "string" },
                    verdict: { type: "string", description: "clean, anomalies or fraud" },
                    fromBlock: exactIntegerSchema,
                    toBlock: exactIntegerSchema,
                    blockNumber: { type: "integer" },
                    txHash: { type: "string" },
                  },
                },
              },
              disputes: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    agreementId: { type: "string" },
                    flow: { type: "integer" },
                    epoch: exactIntegerSchema,
                    claimedCount: nullableExactIntegerSchema,
                    counterCount: exactIntegerSchema,
                    status: { type: "string" },
                    resolvedCount: nullableExactIntegerSchema,
                    disputeUpheld: { type: ["boolean", "null"] },
                    auditor: { type: ["string", "null"] },
                    openedBlock: { type: "integer" },
                    updatedBlock: { type: "integer" },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const [{ n }] = await ctx.db.query<{ n: bigint }>("SELECT count(*) AS n FROM attestations");
      const verdicts = await ctx.db.query<{ verdict: string; n: bigint }>(
        "SELECT verdict, count(*) AS n FROM attestations GROUP BY verdict",
      );
      const attestations = await ctx.db.query<AttestationRow>(
        `SELECT * FROM attestations ORDER BY block_number DESC, attestation_id DESC
          LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
      );
      const disputes = await ctx.db.query<DisputeRow>(
        `SELECT d.*, b.count FROM disputes d
           LEFT JOIN batches b ON b.agreement_id = d.agreement_id AND b.flow_index = d.flow_index AND b.epoch = d.epoch
          ORDER BY d.updated_block DESC LIMIT 100`,
      );
      return {
        total: toInt(n),
        limit,
        offset,
        reportUrl: ctx.auditReportFile && existsSync(ctx.auditReportFile) ? LATEST_REPORT_PATH : null,
        verdicts: Object.fromEntries(verdicts.map((v) => [v.verdict, toInt(v.n)])),
        attestations: attestations.map((a) => ({
          id: a.attestation_id.toString(),
          auditor: a.auditor,
          reportHash: a.report_hash,
          verdict: a.verdict,
          fromBlock: toExact(a.from_block),
          toBlock: toExact(a.to_block),
          blockNumber: toInt(a.block_number),
          txHash: a.tx_hash,
        })),
        disputes: disputes.map((d) => ({
          agreementId: d.agreement_id.toString(),
          flow: d.flow_index,
          epoch: toExact(d.epoch),
          claimedCount: toExactOrNull(d.count),
          counterCount: toExact(d.counter_count),
          status: d.status,
          resolvedCount: toExactOrNull(d.resolved_count),
          disputeUpheld: d.dispute_upheld,
          auditor: d.auditor,
          openedBlock: toInt(d.opened_block),
          updatedBlock: toInt(d.updated_block),
        })),
      };
    },
  );
}
