import type { FastifyInstance } from "fastify";
import { countQuarantinedEvents } from "../../store/queries/quarantine";
import type { ApiContext } from "../context";
import { FINAL_BATCH_STATUSES } from "../epochs";
import { toDecimal, toExact, toInt } from "../format";
import { errorResponses, exactIntegerSchema } from "../schemas";

const countsSchema = {
  type: "object",
  additionalProperties: { type: "integer" },
  description: "Rows per status",
} as const;

const summaryResponse = {
  type: "object",
  required: ["members", "agreements", "batches", "credits", "audits", "indexer"],
  properties: {
    members: { type: "object", properties: { total: { type: "integer" }, byStatus: countsSchema } },
    agreements: { type: "object", properties: { total: { type: "integer" }, byStatus: countsSchema } },
    batches: {
      type: "object",
      properties: {
        total: { type: "integer" },
        byStatus: countsSchema,
        final: { type: "integer", description: "Committed, finalised or resolved" },
        settledReferrals: exactIntegerSchema,
        settledCredits: { type: "string" },
      },
    },
    credits: {
      type: "object",
      properties: {
        circulating: { type: "string", description: "Sum of positive balances" },
        balanceSum: { type: "string", description: "Sum of all balances: zero on a healthy ledger" },
        arrears: { type: "string" },
        postings: { type: "integer" },
      },
    },
    audits: {
      type: "object",
      properties: {
        attestations: { type: "integer" },
        openDisputes: { type: "integer" },
        lastVerdict: { type: ["string", "null"] },
      },
    },
    indexer: {
      type: "object",
      properties: {
        chainId: { type: ["integer", "null"] },
        indexedBlock: { type: ["integer", "null"] },
        eventCount: { type: ["integer", "null"] },
        quarantinedEvents: {
          type: "integer",
          description:
            "Events the indexer could not apply and set aside (GET them from the store's quarantined_events)",
        },
      },
    },
    now: { type: "integer", description: "Server clock (unix seconds) used for epochs" },
  },
} as const;

export function registerSummaryRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get(
    "/api/summary",
    {
      schema: {
        operationId: "getSummary",
        summary: "Consortium at a glance: members, agreements, batches, credits, audits, indexer",
        tags: ["consortium"],
        response: { 200: summaryResponse, ...errorResponses },
      },
    },
    async () => {
      const byStatus = async (table: "members" | "agreements" | "batches") => {
        const rows = await ctx.db.query<{ status: string; n: bigint }>(
          `SELECT status, count(*) AS n FROM ${table} GROUP BY status`,
        );
        return Object.fromEntries(rows.map((r) => [r.status, toInt(r.n)]));
      };
      const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
      const [members, agreements, batches] = [
        await byStatus("members"),
        await byStatus("agreements"),
        await byStatus("batches"),
      ];
      const [settled] = await ctx.db.query<{ referrals: bigint; credits: bigint }>(
        "SELECT coalesce(sum(settled_count), 0) AS referrals, coalesce(sum(amount), 0) AS credits FROM batches",
      );
      const [credits] = await ctx.db.query<{ circulating: bigint; total: bigint; arrears: bigint }>(
        `SELECT coalesce(sum(CASE WHEN balance > 0 THEN balance ELSE 0 END), 0) AS circulating,
                coalesce(sum(balance), 0) AS total, coalesce(sum(arrears), 0) AS arrears FROM balances`,
      );
      const [postings] = await ctx.db.query<{ n: bigint }>("SELECT count(*) AS n FROM credit_postings");
      const [attestations] = await ctx.db.query<{ n: bigint }>("SELECT count(*) AS n FROM attestations");
      const [last] = await ctx.db.query<{ verdict: string }>(
        "SELECT verdict FROM attestations ORDER BY block_number DESC, attestation_id DESC LIMIT 1",
      );
      const [open] = await ctx.db.query<{ n: bigint }>(
        "SELECT count(*) AS n FROM batches WHERE status = 'disputed'",
      );
      const [progress] = await ctx.db.query<{ chain_id: bigint; indexed_block: bigint; event_count: bigint }>(
        "SELECT chain_id, indexed_block, event_count FROM indexer_progress LIMIT 1",
      );
      const quarantined = await countQuarantinedEvents(ctx.db);
      return {
        members: { total: sum(members), byStatus: members },
        agreements: { total: sum(agreements), byStatus: agreements },
        batches: {
          total: sum(batches),
          byStatus: batches,
          final: FINAL_BATCH_STATUSES.reduce((acc, s) => acc + (batches[s] ?? 0), 0),
          settledReferrals: toExact(settled.referrals),
          settledCredits: toDecimal(settled.credits),
        },
        credits: {
          circulating: toDecimal(credits.circulating),
          balanceSum: toDecimal(credits.total),
          arrears: toDecimal(credits.arrears),
          postings: toInt(postings.n),
        },
        audits: {
          attestations: toInt(attestations.n),
          openDisputes: toInt(open.n),
          lastVerdict: last?.verdict ?? null,
        },
        indexer: {
          chainId: progress ? toInt(progress.chain_id) : null,
          indexedBlock: progress ? toInt(progress.indexed_block) : null,
          eventCount: progress ? toInt(progress.event_count) : null,
          quarantinedEvents: toInt(quarantined),
        },
        now: Math.floor(ctx.now()),
      };
    },
  );
}
