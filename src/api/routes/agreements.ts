import type { FastifyInstance } from "fastify";
import {
  type AgreementRow,
  loadAgreementViews,
  loadFlows,
  scheduleOf,
  toAgreementView,
} from "../agreement-rows";
import type { ApiContext } from "../context";
import { agreementEpochs } from "../epochs";
import { NotFoundError } from "../errors";
import { normaliseAddress, toDecimalOrNull, toExact, toExactOrNull, toInt } from "../format";
import {
  addressSchema,
  agreementSummarySchema,
  errorResponses,
  exactIntegerSchema,
  flowSchema,
  nullableExactIntegerSchema,
  pageMeta,
  pagingQuery,
  uintStringSchema,
} from "../schemas";

const agreementWithFlows = {
  ...agreementSummarySchema,
  properties: { ...agreementSummarySchema.properties, flows: { type: "array", items: flowSchema } },
} as const;

const epochState = { type: "string", enum: ["settled", "pending", "disputed", "missing", "open"] } as const;

const epochSchema = {
  type: "object",
  properties: {
    epoch: exactIntegerSchema,
    start: { type: "integer" },
    end: { type: "integer" },
    state: epochState,
    flows: {
      type: "array",
      items: {
        type: "object",
        properties: {
          flow: { type: "integer" },
          state: epochState,
          batchStatus: { type: ["string", "null"] },
          count: nullableExactIntegerSchema,
          settledCount: nullableExactIntegerSchema,
          amount: { type: ["string", "null"] },
          cosigned: { type: ["boolean", "null"] },
        },
      },
    },
  },
} as const;

/** Epochs listed by GET /api/agreements/:id (newest first); the totals cover every epoch. */
const EPOCHS_SHOWN = 48;
/** Epoch totals count at most this many recent epochs (seconds-long demo epochs add up fast). */
const EPOCHS_COUNTED = 5_000;

interface BatchRow {
  flow_index: number;
  epoch: bigint;
  status: string;
  count: bigint;
  settled_count: bigint | null;
  amount: bigint | null;
  cosigned: boolean;
}

export function registerAgreementRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get<{ Querystring: { status?: string; member?: string; limit: number; offset: number } }>(
    "/api/agreements",
    {
      schema: {
        operationId: "listAgreements",
        summary: "Agreements, newest first, with their flows and settled traffic",
        tags: ["agreements"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: {
              type: "string",
              enum: ["proposed", "active", "rejected", "expired", "terminated"],
              description: "Only agreements in this status",
            },
            member: { ...addressSchema, description: "Only agreements this member is a party to" },
            ...pagingQuery,
          },
        },
        response: {
          200: {
            type: "object",
            properties: { ...pageMeta, items: { type: "array", items: agreementWithFlows } },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const { status, member, limit, offset } = request.query;
      const where: string[] = ["true"];
      const params: unknown[] = [];
      if (status !== undefined) {
        params.push(status);
        where.push(`a.status = $${params.length}`);
      }
      if (member !== undefined) {
        params.push(normaliseAddress(member));
        where.push(`a.parties @> jsonb_build_array($${params.length}::text)`);
      }
      const page = await loadAgreementViews(
        ctx.db,
        where.join(" AND "),
        params,
        { limit, offset },
        ctx.now(),
      );
      return { ...page, limit, offset };
    },
  );

  app.get<{ Params: { id: string } }>(
    "/api/agreements/:id",
    {
      schema: {
        operationId: "getAgreement",
        summary:
          "One agreement: flows, and each epoch's state per flow (settled, pending, disputed, missing)",
        tags: ["agreements"],
        params: {
          type: "object",
          required: ["id"],
          additionalProperties: false,
          properties: { id: uintStringSchema },
        },
        response: {
          200: {
            type: "object",
            properties: {
              agreement: agreementWithFlows,
              epochTotals: {
                type: "object",
                properties: {
                  settled: { type: "integer" },
                  pending: { type: "integer" },
                  disputed: { type: "integer" },
                  missing: { type: "integer" },
                  open: { type: "integer" },
                },
              },
              epochs: { type: "array", items: epochSchema },
            },
          },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const now = ctx.now();
      const [row] = await ctx.db.query<AgreementRow>(
        "SELECT * FROM agreements WHERE agreement_id = $1::numeric",
        [request.params.id],
      );
      if (!row)
        throw new NotFoundError(`no agreement ${request.params.id}; list them with GET /api/agreements`);
      const flows = (await loadFlows(ctx.db, [row.agreement_id])).get(row.agreement_id.toString()) ?? [];
      const batches = await ctx.db.query<BatchRow>(
        "SELECT flow_index, epoch, status, count, settled_count, amount, cosigned FROM batches WHERE agreement_id = $1",
        [row.agreement_id],
      );
      const running = ["active", "terminated"].includes(row.status);
      const all = running
        ? agreementEpochs(
            scheduleOf(row),
            flows.length,
            batches.map((b) => ({
              flowIndex: b.flow_index,
              epoch: toInt(b.epoch),
              status: b.status,
              count: toExact(b.count),
              settledCount: toExactOrNull(b.settled_count),
              amount: toDecimalOrNull(b.amount),
              cosigned: b.cosigned,
            })),
            now,
            ctx.submissionWindowSeconds,
            EPOCHS_COUNTED,
          )
        : [];
      const epochTotals = { settled: 0, pending: 0, disputed: 0, missing: 0, open: 0 };
      for (const e of all) for (const f of e.flows) epochTotals[f.state]++;
      return {
        agreement: { ...toAgreementView(row, flows, now), flows },
        epochTotals,
        epochs: all.slice(0, EPOCHS_SHOWN),
      };
    },
  );
}
