import type { FastifyInstance } from "fastify";
import { type AgreementRow, loadAgreementViews } from "../agreement-rows";
import type { ApiContext, ProposalAction } from "../context";
import { ApiError, ConflictError, NotConfiguredError, NotFoundError, UpstreamError } from "../errors";
import { normaliseAddress } from "../format";
import {
  addressSchema,
  agreementSummarySchema,
  errorResponses,
  errorSchema,
  flowSchema,
  memberAddressParams,
  uintStringSchema,
} from "../schemas";

const proposalSchema = {
  ...agreementSummarySchema,
  properties: {
    ...agreementSummarySchema.properties,
    flows: { type: "array", items: flowSchema },
    acceptedByMember: { type: "boolean", description: "This member has already accepted" },
    expired: { type: "boolean", description: "The acceptance deadline has passed" },
  },
} as const;

const actionParams = {
  type: "object",
  required: ["address", "id"],
  additionalProperties: false,
  properties: { address: addressSchema, id: uintStringSchema },
} as const;

/**
 * Member actions must carry this header. A page on another origin cannot add a custom header
 * without a CORS preflight, which this server never grants: a site the operator happens to visit
 * cannot make a member accept a proposal through the local dashboard (CSRF).
 */
export const MEMBER_ACTION_HEADER = "x-flowpact-action";

const actionHeaders = {
  type: "object",
  required: [MEMBER_ACTION_HEADER],
  properties: {
    [MEMBER_ACTION_HEADER]: {
      type: "string",
      enum: ["accept", "reject"],
      description: "The action again, as a custom header (guards against cross-site requests)",
    },
  },
} as const;

const actionResponse = {
  type: "object",
  properties: {
    agreementId: { type: "string" },
    member: { type: "string" },
    action: { type: "string", enum: ["accept", "reject"] },
    hash: { type: ["string", "null"], description: "Transaction hash, when one was sent" },
  },
} as const;

export function registerProposalRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get<{ Params: { address: string } }>(
    "/api/members/:address/proposals",
    {
      schema: {
        operationId: "listMemberProposals",
        summary: "Agreements proposed to a member and still awaiting acceptance",
        tags: ["members"],
        params: memberAddressParams,
        response: {
          200: { type: "object", properties: { items: { type: "array", items: proposalSchema } } },
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const member = normaliseAddress(request.params.address);
      const now = ctx.now();
      const [known] = await ctx.db.query("SELECT 1 FROM members WHERE address = $1", [member]);
      if (!known)
        throw new NotFoundError(`no member ${member} in the index; list members with GET /api/members`);
      const page = await loadAgreementViews(
        ctx.db,
        "a.status = 'proposed' AND a.parties @> jsonb_build_array($1::text)",
        [member],
        { limit: 200, offset: 0 },
        now,
      );
      return {
        items: page.items.map((a) => ({
          ...a,
          acceptedByMember: a.acceptedBy.includes(member),
          expired: BigInt(a.proposalExpiry) <= BigInt(Math.floor(now)),
        })),
      };
    },
  );

  const registerAction = (action: "accept" | "reject", send: () => ProposalAction | undefined) =>
    app.post<{ Params: { address: string; id: string } }>(
      `/api/members/:address/proposals/:id/${action}`,
      {
        // The operator token first: without it nothing about the request is looked at.
        onRequest: async (request) => ctx.checkOperator(request),
        schema: {
          operationId: `${action}Proposal`,
          summary:
            action === "accept"
              ? "The member accepts a proposed agreement (its node sends AgreementBook.accept)"
              : "The member rejects a proposed agreement (its node sends AgreementBook.reject)",
          tags: ["members"],
          params: actionParams,
          headers: actionHeaders,
          description: "Needs the operator token: `Authorization: Bearer <token>` (401 without it).",
          response: {
            401: errorSchema,
            202: {
              ...actionResponse,
              description: "Sent; the index shows the result once the block is indexed",
            },
            409: errorSchema,
            501: errorSchema,
            502: errorSchema,
            ...errorResponses,
          },
        },
      },
      async (request, reply) => {
        if (request.headers[MEMBER_ACTION_HEADER] !== action)
          throw new ApiError(
            400,
            "BadRequest",
            `the ${MEMBER_ACTION_HEADER} header must say "${action}" (it guards member actions against cross-site requests)`,
          );
        const member = normaliseAddress(request.params.address);
        const [row] = await ctx.db.query<AgreementRow>(
          "SELECT * FROM agreements WHERE agreement_id = $1::numeric",
          [request.params.id],
        );
        if (!row) throw new NotFoundError(`no agreement ${request.params.id}`);
        if (!row.parties.includes(member))
          throw new NotFoundError(`member ${member} is not a party to agreement ${request.params.id}`);
        if (row.status !== "proposed")
          throw new ConflictError(
            `agreement ${request.params.id} is ${row.status}, not proposed: nothing to ${action}`,
          );
        if (action === "accept" && row.accepted_by.includes(member))
          throw new ConflictError(`member ${member} has already accepted agreement ${request.params.id}`);
        if (BigInt(row.proposal_expiry) <= BigInt(Math.floor(ctx.now())))
          throw new ConflictError(`the proposal ${request.params.id} expired; wait for a new one`);
        const fn = send();
        if (!fn)
          throw new NotConfiguredError(
            `this server holds no member keys, so it cannot ${action}; use the member's node or \`flowpact\` CLI`,
          );
        let hash: string | null = null;
        try {
          hash = (await fn(member, row.agreement_id))?.hash ?? null;
        } catch (cause) {
          request.log.warn(
            { err: cause },
            "%s of agreement %s by %s failed",
            action,
            request.params.id,
            member,
          );
          throw new UpstreamError(
            `the ${action} of agreement ${request.params.id} failed: ${cause instanceof Error ? cause.message : String(cause)}`,
            { cause },
          );
        }
        return reply.status(202).send({ agreementId: request.params.id, member, action, hash });
      },
    );
  registerAction("accept", () => ctx.acceptProposal);
  registerAction("reject", () => ctx.rejectProposal);
}
