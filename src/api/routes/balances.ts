import type { FastifyInstance } from "fastify";
import type { ApiContext } from "../context";
import { industryOf, normaliseAddress, toInt } from "../format";
import { displayNameOf, displayNameProperties, loadDisplayNames } from "../member-names";
import { errorResponses } from "../schemas";

interface DeltaRow {
  block_number: bigint;
  member: string;
  delta: bigint;
}

interface MemberBalanceRow {
  address: string;
  uri: string | null;
  industry: number | null;
  balance: bigint;
}

/**
 * Balances over time, rebuilt from the ledger's `CreditsMoved` postings (the only event that
 * changes balances) and anchored on the indexed current balances, so a series always ends on the
 * balance the ledger reports. Time is the block number; each series is thinned to `points`.
 */
export function registerBalanceRoutes(app: FastifyInstance, ctx: ApiContext) {
  app.get<{ Querystring: { members?: string; top: number; points: number } }>(
    "/api/balances/history",
    {
      schema: {
        operationId: "getBalanceHistory",
        summary: "Credit balances over time (by block) for chosen members or the largest balances",
        tags: ["credits"],
        querystring: {
          type: "object",
          additionalProperties: false,
          properties: {
            members: {
              type: "string",
              pattern: "^0x[0-9a-fA-F]{40}(,0x[0-9a-fA-F]{40}){0,49}$",
              description: "Comma-separated member addresses (at most 50)",
            },
            top: {
              type: "integer",
              minimum: 1,
              maximum: 50,
              default: 8,
              description: "Without `members`: the members with the largest absolute balances",
            },
            points: {
              type: "integer",
              minimum: 2,
              maximum: 1000,
              default: 120,
              description: "Points per series",
            },
          },
        },
        response: {
          200: {
            type: "object",
            properties: {
              fromBlock: { type: ["integer", "null"] },
              toBlock: { type: ["integer", "null"] },
              series: {
                type: "array",
                items: {
                  type: "object",
                  properties: {
                    member: { type: "string" },
                    ...displayNameProperties,
                    industry: { type: "string" },
                    balance: { type: "string" },
                    points: {
                      type: "array",
                      items: {
                        type: "object",
                        properties: { block: { type: "integer" }, balance: { type: "string" } },
                      },
                    },
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
      const { top, points } = request.query;
      const names = await loadDisplayNames(ctx.db);
      const chosen = request.query.members?.split(",").map(normaliseAddress);
      const members = chosen
        ? await ctx.db.query<MemberBalanceRow>(
            `SELECT a.address, m.uri, m.industry, coalesce(b.balance, 0) AS balance
               FROM unnest($1::text[]) AS a(address)
               LEFT JOIN members m ON m.address = a.address
               LEFT JOIN balances b ON b.member = a.address`,
            [[...new Set(chosen)]],
          )
        : await ctx.db.query<MemberBalanceRow>(
            `SELECT b.member AS address, m.uri, m.industry, b.balance
               FROM balances b LEFT JOIN members m ON m.address = b.member
              WHERE b.balance <> 0
              ORDER BY abs(b.balance) DESC, b.member LIMIT $1`,
            [top],
          );
      const addresses = members.map((m) => m.address);
      const deltas = await ctx.db.query<DeltaRow>(
        `SELECT block_number, member, sum(delta) AS delta FROM (
            SELECT block_number, payee AS member, amount AS delta FROM credit_postings
             WHERE kind = 'moved' AND payee = ANY($1::text[])
            UNION ALL
            SELECT block_number, payer AS member, -amount AS delta FROM credit_postings
             WHERE kind = 'moved' AND payer = ANY($1::text[])) d
          GROUP BY block_number, member ORDER BY block_number`,
        [addresses],
      );
      const [range] = await ctx.db.query<{ lo: bigint | null; hi: bigint | null }>(
        "SELECT min(block_number) AS lo, max(block_number) AS hi FROM credit_postings",
      );
      const fromBlock = range?.lo === null || range?.lo === undefined ? null : toInt(range.lo) - 1;
      const toBlock = range?.hi === null || range?.hi === undefined ? null : toInt(range.hi);
      const byMember = new Map<string, DeltaRow[]>();
      for (const d of deltas) byMember.set(d.member, [...(byMember.get(d.member) ?? []), d]);
      const series = members.map((m) => {
        const changes = byMember.get(m.address) ?? [];
        const final = BigInt(m.balance);
        const moved = changes.reduce((acc, c) => acc + BigInt(c.delta), 0n);
        // Start from whatever the postings do not explain (zero when the index starts at deployment).
        let balance = final - moved;
        const full: Array<{ block: number; balance: bigint }> = [];
        if (fromBlock !== null) full.push({ block: fromBlock, balance });
        for (const c of changes) {
          balance += BigInt(c.delta);
          full.push({ block: toInt(c.block_number), balance });
        }
        if (toBlock !== null && (full.length === 0 || full[full.length - 1].block < toBlock))
          full.push({ block: toBlock, balance });
        return {
          member: m.address,
          ...displayNameOf(names, m.address),
          industry: m.industry === null ? "unknown" : industryOf(m.industry).name,
          balance: final.toString(),
          points: thin(full, points).map((p) => ({ block: p.block, balance: p.balance.toString() })),
        };
      });
      return { fromBlock, toBlock, series };
    },
  );
}

/** Keeps at most `max` points, always the first and the last, evenly spread in between. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const kept: T[] = [];
  for (let k = 0; k < max; k++) kept.push(points[Math.round((k * (points.length - 1)) / (max - 1))]);
  return kept;
}
