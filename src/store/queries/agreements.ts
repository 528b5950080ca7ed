import type { Queryable } from "../driver";
import { addressKey } from "./rows";

export interface StoredFlow {
  flowIndex: number;
  from: string;
  to: string;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

export interface StoredAgreement {
  agreementId: bigint;
  proposer: string;
  termsHash: string;
  parties: string[];
  acceptedBy: string[];
  start: bigint;
  end: bigint;
  epochLength: bigint;
  noticeEpochs: bigint;
  proposalExpiry: bigint;
  status: "proposed" | "active" | "rejected" | "expired" | "terminated";
  rejectedBy: string | null;
  terminatedBy: string | null;
  terminationEpoch: bigint | null;
  terminationEffectiveAt: bigint | null;
  flows: StoredFlow[];
}

function toAgreement(r: Record<string, unknown>, flows: StoredFlow[]): StoredAgreement {
  return {
    agreementId: r.agreement_id as bigint,
    proposer: r.proposer as string,
    termsHash: r.terms_hash as string,
    parties: r.parties as string[],
    acceptedBy: r.accepted_by as string[],
    start: r.start_time as bigint,
    end: r.end_time as bigint,
    epochLength: r.epoch_length as bigint,
    noticeEpochs: r.notice_epochs as bigint,
    proposalExpiry: r.proposal_expiry as bigint,
    status: r.status as StoredAgreement["status"],
    rejectedBy: r.rejected_by as string | null,
    terminatedBy: r.terminated_by as string | null,
    terminationEpoch: r.termination_epoch as bigint | null,
    terminationEffectiveAt: r.termination_effective_at as bigint | null,
    flows,
  };
}

async function flowsOf(db: Queryable, ids: bigint[]): Promise<Map<string, StoredFlow[]>> {
  const byAgreement = new Map<string, StoredFlow[]>();
  if (ids.length === 0) return byAgreement;
  const rows = await db.query<Record<string, unknown>>(
    "SELECT * FROM flows WHERE agreement_id = ANY($1::numeric[]) ORDER BY agreement_id, flow_index",
    [ids.map(String)],
  );
  for (const r of rows) {
    const key = String(r.agreement_id);
    const list = byAgreement.get(key) ?? [];
    list.push({
      flowIndex: Number(r.flow_index),
      from: r.from_member as string,
      to: r.to_member as string,
      segments: r.segments as bigint,
      capPerEpoch: r.cap_per_epoch as bigint,
      rate: r.rate as bigint,
    });
    byAgreement.set(key, list);
  }
  return byAgreement;
}

export interface ListAgreementsFilter {
  /** Only agreements this member is a party to. */
  party?: string;
  status?: StoredAgreement["status"];
}

/** Agreements as indexed, with their flows, by id. */
export async function listAgreements(
  db: Queryable,
  filter: ListAgreementsFilter = {},
): Promise<StoredAgreement[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.party !== undefined)
    where.push(`parties @> jsonb_build_array($${params.push(addressKey(filter.party))}::text)`);
  if (filter.status !== undefined) where.push(`status = $${params.push(filter.status)}`);
  const rows = await db.query(
    `SELECT * FROM agreements ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY agreement_id`,
    params,
  );
  const flows = await flowsOf(
    db,
    rows.map((r) => r.agreement_id as bigint),
  );
  return rows.map((r) => toAgreement(r, flows.get(String(r.agreement_id)) ?? []));
}

export async function getStoredAgreement(
  db: Queryable,
  agreementId: bigint,
): Promise<StoredAgreement | undefined> {
  const [row] = await db.query("SELECT * FROM agreements WHERE agreement_id = $1", [agreementId]);
  if (!row) return undefined;
  const flows = await flowsOf(db, [agreementId]);
  return toAgreement(row, flows.get(String(agreementId)) ?? []);
}
