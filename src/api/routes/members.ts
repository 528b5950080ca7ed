import type { FastifyInstance } from "fastify";
import { loadAgreementViews } from "../agreement-rows";
import type { ApiContext } from "../context";
import { NotFoundError } from "../errors";
import { normaliseAddress, segmentNames, toDecimal, toExact, toInt } from "../format";
import { loadMembers, memberSchema } from "../member-rows";
import {
  agreementSummarySchema,
  errorResponses,
  exactIntegerSchema,
  flowSchema,
  memberAddressParams,
} from "../schemas";

const offerSchema = {
  type: "object",
  properties: {
    id: { type: "string" },
    supplySegments: { type: "array", items: { type: "string" } },
    capacityPerEpoch: { type: "string" },
    minRate: { type: "string" },
    demandSegments: { type: "array", items: { type: "string" } },
    volumePerEpoch: { type: "string" },
    maxRate: { type: "string" },
    excludedIndustries: { type: "string", description: "Bitmap of refused industry codes" },
    expiry: { ...exactIntegerSchema, description: "Unix seconds (uint64; 2^64−1 never expires in practice)" },
    state: { type: "string", enum: ["active", "expired", "withdrawn"] },
    postedBlock: { type: "integer" },
  },
} as const;

interface OfferRow {
  offer_id: bigint;
  supply_segments: bigint;
  capacity_per_epoch: bigint;
  min_rate: bigint;
  demand_segments: bigint;
  volume_per_epoch: bigint;
  max_rate: bigint;
  excluded_industries: bigint;
  expiry: bigint;
  withdrawn: boolean;
  posted_block: bigint;
}

export function registerMemberRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get<{ Querystring: { status?: string; industry?: number } }>(
    "/api/members",
    {
      schema: {
        operationId: "listMembers",
        summary: "Every member with its industry, credit balance and settled traffic",
        tags: ["members"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            status: { type: "string", pattern: "^[a-z]{1,32}$", description: "e.g. admitted, suspended" },
            industry: { type: "integer", minimum: 0, maximum: 65535, description: "Catalogue industry code" },
          },
        },
        response: {
          200: { type: "object", properties: { items: { type: "array", items: memberSchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const where: string[] = ["true"];
      const params: unknown[] = [];
      if (request.query.status !== undefined) {
        params.push(request.query.status);
        where.push(`m.status = $${params.length + 1}`);
      }
      if (request.query.industry !== undefined) {
        params.push(request.query.industry);
        where.push(`m.industry = $${params.length + 1}`);
      }
      return { items: await loadMembers(ctx.db, where.join(" AND "), params, ctx.now()) };
    },
  );

  app.get<{ Params: { address: string } }>(
    "/api/members/:address",
    {
      schema: {
        operationId: "getMember",
        summary: "One member: profile, balance, offers and agreements",
        tags: ["members"],
        params: memberAddressParams,
        response: {
          200: {
            type: "object",
            properties: {
              member: memberSchema,
              offers: { type: "array", items: offerSchema },
              agreements: {
                type: "array",
                items: {
                  ...agreementSummarySchema,
                  properties: {
                    ...agreementSummarySchema.properties,
                    flows: { type: "array", items: flowSchema },
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
      const address = normaliseAddress(request.params.address);
      const now = ctx.now();
      const [member] = await loadMembers(ctx.db, "m.address = $2", [address], now);
      if (!member)
        throw new NotFoundError(`no member ${address} in the index; list members with GET /api/members`);
      const offers = await ctx.db.query<OfferRow>(
        "SELECT * FROM offers WHERE owner = $1 ORDER BY offer_id DESC LIMIT 200",
        [address],
      );
      const agreements = await loadAgreementViews(
        ctx.db,
        "a.parties @> jsonb_build_array($1::text)",
        [address],
        { limit: 200, offset: 0 },
        now,
      );
      return {
        member,
        offers: offers.map((o) => ({
          id: toDecimal(o.offer_id),
          supplySegments: segmentNames(o.supply_segments),
          capacityPerEpoch: toDecimal(o.capacity_per_epoch),
          minRate: toDecimal(o.min_rate),
          demandSegments: segmentNames(o.demand_segments),
          volumePerEpoch: toDecimal(o.volume_per_epoch),
          maxRate: toDecimal(o.max_rate),
          excludedIndustries: toDecimal(o.excluded_industries),
          expiry: toExact(o.expiry),
          state: o.withdrawn
            ? "withdrawn"
            : BigInt(o.expiry) <= BigInt(Math.floor(now))
              ? "expired"
              : "active",
          postedBlock: toInt(o.posted_block),
        })),
        agreements: agreements.items,
      };
    },
  );
}
