import type { Queryable } from "../store/driver";
import { industryOf, segmentNames, toDecimal, toInt } from "./format";
import { displayNameOf, displayNameProperties, loadDisplayNames } from "./member-names";

interface MemberRow {
  address: string;
  status: string;
  industry: number;
  segments: bigint;
  uri: string;
  signer: string;
  status_reason: string | null;
  applied_block: bigint;
  updated_block: bigint;
  balance: bigint | null;
  arrears: bigint | null;
  credit_limit: bigint | null;
  active_offers: bigint;
  referrals_sent: bigint;
  referrals_received: bigint;
}

/** Members with their ledger state and settled traffic; `where` is SQL over alias `m`. */
export async function loadMembers(db: Queryable, where: string, params: readonly unknown[], now: number) {
  const rows = await db.query<MemberRow>(
    `WITH settled AS (
        SELECT f.from_member, f.to_member, coalesce(b.settled_count, 0) AS n
          FROM batches b JOIN flows f ON f.agreement_id = b.agreement_id AND f.flow_index = b.flow_index),
      sent AS (SELECT from_member AS member, sum(n) AS n FROM settled GROUP BY from_member),
      received AS (SELECT to_member AS member, sum(n) AS n FROM settled GROUP BY to_member)
     SELECT m.address, m.status, m.industry, m.segments, m.uri, m.signer, m.status_reason,
            m.applied_block, m.updated_block, bal.balance, bal.arrears, bal.credit_limit,
            (SELECT count(*) FROM offers o WHERE o.owner = m.address AND NOT o.withdrawn AND o.expiry > $1)
              AS active_offers,
            coalesce(sent.n, 0) AS referrals_sent, coalesce(received.n, 0) AS referrals_received
       FROM members m
       LEFT JOIN balances bal ON bal.member = m.address
       LEFT JOIN sent ON sent.member = m.address
       LEFT JOIN received ON received.member = m.address
      WHERE ${where}
      ORDER BY m.applied_block, m.address`,
    [Math.floor(now), ...params],
  );
  const names = await loadDisplayNames(db);
  return rows.map((r) => ({
    address: r.address,
    ...displayNameOf(names, r.address),
    status: r.status,
    industry: industryOf(r.industry),
    segments: segmentNames(r.segments),
    uri: r.uri,
    signer: r.signer,
    statusReason: r.status_reason,
    balance: toDecimal(r.balance),
    arrears: toDecimal(r.arrears),
    creditLimit: toDecimal(r.credit_limit),
    activeOffers: toInt(r.active_offers),
    referralsSent: toInt(r.referrals_sent),
    referralsReceived: toInt(r.referrals_received),
    appliedBlock: toInt(r.applied_block),
    updatedBlock: toInt(r.updated_block),
  }));
}

export const memberSchema = {
  type: "object",
  required: ["address", "name", "duplicateName", "status", "industry", "balance", "creditLimit"],
  properties: {
    address: { type: "string" },
    ...displayNameProperties,
    status: { type: "string" },
    industry: {
      type: "object",
      properties: { code: { type: "integer" }, name: { type: "string" }, label: { type: "string" } },
    },
    segments: { type: "array", items: { type: "string" } },
    uri: { type: "string" },
    signer: { type: "string" },
    statusReason: { type: ["string", "null"] },
    balance: { type: "string", description: "Signed credit balance" },
    arrears: { type: "string" },
    creditLimit: { type: "string" },
    activeOffers: { type: "integer" },
    referralsSent: { type: "integer", description: "Settled referrals this member sent" },
    referralsReceived: { type: "integer" },
    appliedBlock: { type: "integer" },
    updatedBlock: { type: "integer" },
  },
} as const;
