import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context";
import { agreementKind } from "../cycles";
import { industryOf, toDecimal, toInt } from "../format";
import { displayNameOf, displayNameProperties, loadDisplayNames } from "../member-names";
import { errorResponses } from "../schemas";

interface NodeRow {
  address: string;
  status: string;
  industry: number;
  uri: string;
  balance: bigint | null;
  credit_limit: bigint | null;
}

interface FlowRow {
  agreement_id: bigint;
  status: string;
  from_member: string;
  to_member: string;
  settled: bigint;
  credits: bigint;
}

/** Agreement statuses whose flows are drawn: running ones solid, pending proposals dashed. */
const DRAWN_STATUSES = ["active", "terminated", "proposed"];

export function registerNetworkRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get(
    "/api/network",
    {
      schema: {
        operationId: "getNetwork",
        summary: "The traffic network: members as nodes, agreement flows as directed edges, cycles flagged",
        tags: ["consortium"],
        response: {
          200: {
            type: "object",
            properties: {
              nodes: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    id: { type: "string" },
                    ...displayNameProperties,
                    status: { type: "string" },
                    industry: { type: "string" },
                    industryCode: { type: "integer" },
                    industryLabel: { type: "string" },
                    balance: { type: "string" },
                    creditLimit: { type: "string" },
                  },
                },
              },
              edges: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    from: { type: "string" },
                    to: { type: "string" },
                    state: { type: "string", enum: ["running", "proposed"] },
                    settledReferrals: { type: "integer" },
                    settledCredits: { type: "string" },
                    agreements: { type: "array", items: { type: "string" } },
                    cycle: { type: "boolean", description: "Part of a 3- or 4-party cycle agreement" },
                    reciprocal: { type: "boolean", description: "The reverse direction also flows" },
                  },
                },
              },
              cycles: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    agreementId: { type: "string" },
                    members: { type: "array", items: { type: "string" } },
                    settledReferrals: { type: "integer" },
                  },
                },
              },
            },
          },
          ...errorResponses,
        },
      },
    },
    async () => {
      const names = await loadDisplayNames(ctx.db);
      const nodes = await ctx.db.query<NodeRow>(
        `SELECT m.address, m.status, m.industry, m.uri, b.balance, b.credit_limit
           FROM members m LEFT JOIN balances b ON b.member = m.address
          WHERE m.status NOT IN ('none', 'applied', 'declined')
          ORDER BY m.applied_block, m.address`,
      );
      const flows = await ctx.db.query<FlowRow>(
        `SELECT f.agreement_id, a.status, f.from_member, f.to_member,
                coalesce(sum(b.settled_count), 0) AS settled, coalesce(sum(b.amount), 0) AS credits
           FROM flows f
           JOIN agreements a ON a.agreement_id = f.agreement_id
           LEFT JOIN batches b ON b.agreement_id = f.agreement_id AND b.flow_index = f.flow_index
          WHERE a.status = ANY($1::text[])
          GROUP BY f.agreement_id, f.flow_index, a.status, f.from_member, f.to_member
          ORDER BY f.agreement_id, f.flow_index`,
        [DRAWN_STATUSES],
      );
      const byAgreement = new Map<string, FlowRow[]>();
      for (const f of flows) {
        const key = f.agreement_id.toString();
        byAgreement.set(key, [...(byAgreement.get(key) ?? []), f]);
      }
      const cycles: Array<{ agreementId: string; members: string[]; settledReferrals: number }> = [];
      const cycleEdges = new Set<string>();
      for (const [id, list] of byAgreement) {
        if (list[0].status === "proposed") continue;
        const ends = list.map((f) => ({ from: f.from_member, to: f.to_member }));
        if (agreementKind(ends) !== "cycle") continue;
        for (const f of list) cycleEdges.add(`${f.from_member}>${f.to_member}`);
        cycles.push({
          agreementId: id,
          members: list.map((f) => f.from_member),
          settledReferrals: list.reduce((acc, f) => acc + toInt(f.settled), 0),
        });
      }
      const edges = new Map<
        string,
        {
          from: string;
          to: string;
          state: "running" | "proposed";
          settled: number;
          credits: bigint;
          agreements: string[];
        }
      >();
      for (const f of flows) {
        const state = f.status === "proposed" ? "proposed" : "running";
        const key = `${f.from_member}>${f.to_member}>${state}`;
        const edge = edges.get(key) ?? {
          from: f.from_member,
          to: f.to_member,
          state,
          settled: 0,
          credits: 0n,
          agreements: [],
        };
        edge.settled += toInt(f.settled);
        edge.credits += BigInt(f.credits);
        if (!edge.agreements.includes(f.agreement_id.toString()))
          edge.agreements.push(f.agreement_id.toString());
        edges.set(key, edge);
      }
      return {
        nodes: nodes.map((n) => {
          const industry = industryOf(n.industry);
          return {
            id: n.address,
            ...displayNameOf(names, n.address),
            status: n.status,
            industry: industry.name,
            industryCode: industry.code,
            industryLabel: industry.label,
            balance: toDecimal(n.balance),
            creditLimit: toDecimal(n.credit_limit),
          };
        }),
        edges: [...edges.values()].map((e) => ({
          from: e.from,
          to: e.to,
          state: e.state,
          settledReferrals: e.settled,
          settledCredits: e.credits.toString(),
          agreements: e.agreements,
          cycle: e.state === "running" && cycleEdges.has(`${e.from}>${e.to}`),
          reciprocal: e.state === "running" && edges.has(`${e.to}>${e.from}>running`),
        })),
        cycles,
      };
    },
  );
}
