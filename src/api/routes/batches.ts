import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context";
import { normaliseAddress, toDecimalOrNull, toExact, toExactOrNull, toInt } from "../format";
import {
  addressSchema,
  errorResponses,
  exactIntegerSchema,
  nullableExactIntegerSchema,
  pageMeta,
  pagingQuery,
  uintStringSchema,
} from "../schemas";

export const batchSchema = {
  type: "object",
  properties: {
    agreementId: { type: "string" },
    flow: { type: "integer" },
    epoch: exactIntegerSchema,
    from: { type: "string", description: "Referrer" },
    to: { type: "string", description: "Recipient" },
    status: { type: "string", description: "committed, claimed, disputed, finalised or resolved" },
    cosigned: { type: "boolean" },
    count: { ...exactIntegerSchema, description: "Referrals the referrer submitted" },
    settledCount: nullableExactIntegerSchema,
    amount: { type: ["string", "null"], description: "Credits paid so far" },
    challengeEnds: nullableExactIntegerSchema,
    root: { type: "string" },
    dispute: {
      type: ["object", "null"],
      properties: {
        counterCount: exactIntegerSchema,
        status: { type: "string" },
        resolvedCount: nullableExactIntegerSchema,
        disputeUpheld: { type: ["boolean", "null"] },
        auditor: { type: ["string", "null"] },
      },
    },
    submittedBlock: { type: "integer" },
    updatedBlock: { type: "integer" },
  },
} as const;

interface BatchRow {
  agreement_id: bigint;
  flow_index: number;
  epoch: bigint;
  status: string;
  count: bigint;
  root: string;
  cosigned: boolean;
  challenge_ends: bigint | null;
  settled_count: bigint | null;
  amount: bigint | null;
  submitted_block: bigint;
  updated_block: bigint;
  from_member: string | null;
  to_member: string | null;
  counter_count: bigint | null;
  dispute_status: string | null;
  resolved_count: bigint | null;
  dispute_upheld: boolean | null;
  auditor: string | null;
}

export function registerBatchRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get<{
    Querystring: { status?: string; agreement?: string; member?: string; limit: number; offset: number };
  }>(
    "/api/batches",
    {
      schema: {
        operationId: "listBatches",
        summary: "Settlement batches, newest first: co-signed, claimed, disputed, finalised, resolved",
        tags: ["settlement"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", enum: ["committed", "claimed", "disputed", "finalised", "resolved"] },
            agreement: { ...uintStringSchema, description: "Only this agreement's batches" },
            member: { ...addressSchema, description: "Only batches this member sent or received" },
            ...pagingQuery,
          },
        },
        response: {
          200: { type: "object", properties: { ...pageMeta, items: { type: "array", items: batchSchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, agreement, member, limit, offset } = request.query;
      const where: string[] = ["true"];
      const params: unknown[] = [];
      if (status !== undefined) {
        params.push(status);
        where.push(`b.status = $${params.length}`);
      }
      if (agreement !== undefined) {
        params.push(agreement);
        where.push(`b.agreement_id = $${params.length}::numeric`);
      }
      if (member !== undefined) {
        params.push(normaliseAddress(member));
        where.push(`(f.from_member = $${params.length} OR f.to_member = $${params.length})`);
      }
      const from = `FROM batches b
        LEFT JOIN flows f ON f.agreement_id = b.agreement_id AND f.flow_index = b.flow_index
        LEFT JOIN disputes d ON d.agreement_id = b.agreement_id AND d.flow_index = b.flow_index AND d.epoch = b.epoch
        WHERE ${where.join(" AND ")}`;
      const [{ n }] = await ctx.db.query<{ n: bigint }>(`SELECT count(*) AS n ${from}`, params);
      const rows = await ctx.db.query<BatchRow>(
        `SELECT b.*, f.from_member, f.to_member, d.counter_count, d.status AS dispute_status, d.resolved_count,
                d.dispute_upheld, d.auditor
           ${from}
          ORDER BY b.updated_block DESC, b.agreement_id DESC, b.flow_index, b.epoch DESC
          LIMIT ${Math.trunc(limit)} OFFSET ${Math.trunc(offset)}`,
        params,
      );
      return {
        total: toInt(n),
        limit,
        offset,
        items: rows.map((r) => ({
          agreementId: r.agreement_id.toString(),
          flow: r.flow_index,
          epoch: toExact(r.epoch),
          from: r.from_member ?? "",
          to: r.to_member ?? "",
          status: r.status,
          cosigned: r.cosigned,
          count: toExact(r.count),
          settledCount: toExactOrNull(r.settled_count),
          amount: toDecimalOrNull(r.amount),
          challengeEnds: toExactOrNull(r.challenge_ends),
          root: r.root,
          dispute:
            r.dispute_status === null
              ? null
              : {
                  counterCount: toExact(r.counter_count),
                  status: r.dispute_status,
                  resolvedCount: toExactOrNull(r.resolved_count),
                  disputeUpheld: r.dispute_upheld,
                  auditor: r.auditor,
                },
          submittedBlock: toInt(r.submitted_block),
          updatedBlock: toInt(r.updated_block),
        })),
      };
    },
  );
}
