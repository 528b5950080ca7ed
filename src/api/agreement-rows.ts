import type { Queryable } from "../store/driver";
import { agreementKind } from "./cycles";
import { currentEpoch, type ExactSchedule, exactEpochCount } from "./epochs";
import {
  type ExactInteger,
  segmentNames,
  sumExact,
  toDecimal,
  toExact,
  toExactOrNull,
  toInt,
  toIntOrNull,
} from "./format";

export interface AgreementRow {
  agreement_id: bigint;
  proposer: string;
  terms_hash: string;
  parties: string[];
  accepted_by: string[];
  start_time: bigint;
  end_time: bigint;
  epoch_length: bigint;
  notice_epochs: bigint;
  proposal_expiry: bigint;
  status: string;
  rejected_by: string | null;
  terminated_by: string | null;
  termination_effective_at: bigint | null;
  proposed_block: bigint;
  updated_block: bigint;
}

interface FlowRow {
  agreement_id: bigint;
  flow_index: number;
  from_member: string;
  to_member: string;
  segments: bigint;
  cap_per_epoch: bigint;
  rate: bigint;
  settled_referrals: bigint;
  settled_credits: bigint;
}

export interface FlowView {
  index: number;
  from: string;
  to: string;
  segments: string;
  segmentNames: string[];
  capPerEpoch: string;
  rate: string;
  settledReferrals: ExactInteger;
  settledCredits: string;
}

export type AgreementView = ReturnType<typeof toAgreementView>;

/** Flows of the given agreements with what has settled on each, keyed by agreement id. */
export async function loadFlows(
  db: Queryable,
  agreementIds: readonly bigint[],
): Promise<Map<string, FlowView[]>> {
  const byAgreement = new Map<string, FlowView[]>();
  if (agreementIds.length === 0) return byAgreement;
  const rows = await db.query<FlowRow>(
    `SELECT f.agreement_id, f.flow_index, f.from_member, f.to_member, f.segments, f.cap_per_epoch, f.rate,
            coalesce(sum(b.settled_count), 0) AS settled_referrals, coalesce(sum(b.amount), 0) AS settled_credits
       FROM flows f
       LEFT JOIN batches b ON b.agreement_id = f.agreement_id AND b.flow_index = f.flow_index
      WHERE f.agreement_id = ANY($1::numeric[])
      GROUP BY f.agreement_id, f.flow_index
      ORDER BY f.agreement_id, f.flow_index`,
    [agreementIds.map(String)],
  );
  for (const r of rows) {
    const key = r.agreement_id.toString();
    const list = byAgreement.get(key) ?? [];
    list.push({
      index: r.flow_index,
      from: r.from_member,
      to: r.to_member,
      segments: toDecimal(r.segments),
      segmentNames: segmentNames(r.segments),
      capPerEpoch: toDecimal(r.cap_per_epoch),
      rate: toDecimal(r.rate),
      settledReferrals: toExact(r.settled_referrals),
      settledCredits: toDecimal(r.settled_credits),
    });
    byAgreement.set(key, list);
  }
  return byAgreement;
}

export function scheduleOf(row: AgreementRow) {
  return {
    startTime: toInt(row.start_time),
    endTime: toInt(row.end_time),
    epochLength: toInt(row.epoch_length),
    terminationEffectiveAt: toIntOrNull(row.termination_effective_at),
  };
}

export function exactScheduleOf(row: AgreementRow): ExactSchedule {
  return {
    startTime: BigInt(row.start_time),
    endTime: BigInt(row.end_time),
    epochLength: BigInt(row.epoch_length),
    terminationEffectiveAt:
      row.termination_effective_at === null ? null : BigInt(row.termination_effective_at),
  };
}

/** Statuses under which an agreement has epochs that settle. */
export const RUNNING_STATUSES = ["active", "terminated"];

export function toAgreementView(row: AgreementRow, flows: readonly FlowView[], now: number) {
  const schedule = scheduleOf(row);
  const running = RUNNING_STATUSES.includes(row.status);
  return {
    id: row.agreement_id.toString(),
    status: row.status,
    proposer: row.proposer,
    termsHash: row.terms_hash,
    parties: row.parties,
    acceptedBy: row.accepted_by,
    kind: agreementKind(flows),
    startTime: toExact(row.start_time),
    endTime: toExact(row.end_time),
    epochLength: toExact(row.epoch_length),
    noticeEpochs: toExact(row.notice_epochs),
    proposalExpiry: toExact(row.proposal_expiry),
    epochCount: toExact(exactEpochCount(exactScheduleOf(row))),
    currentEpoch: running ? currentEpoch(schedule, now) : null,
    flowCount: flows.length,
    settledReferrals: sumExact(flows.map((f) => f.settledReferrals)),
    settledCredits: flows.reduce((acc, f) => acc + BigInt(f.settledCredits), 0n).toString(),
    rejectedBy: row.rejected_by,
    terminatedBy: row.terminated_by,
    terminationEffectiveAt: toExactOrNull(row.termination_effective_at),
    proposedBlock: toInt(row.proposed_block),
    updatedBlock: toInt(row.updated_block),
  };
}

/** Agreement rows matching `where` (SQL over alias `a`), newest first, as views with their flows. */
export async function loadAgreementViews(
  db: Queryable,
  where: string,
  params: readonly unknown[],
  page: { limit: number; offset: number },
  now: number,
): Promise<{ total: number; items: Array<AgreementView & { flows: FlowView[] }> }> {
  const [{ n }] = await db.query<{ n: bigint }>(
    `SELECT count(*) AS n FROM agreements a WHERE ${where}`,
    params,
  );
  const rows = await db.query<AgreementRow>(
    `SELECT * FROM agreements a WHERE ${where} ORDER BY a.agreement_id DESC LIMIT ${Math.trunc(page.limit)} OFFSET ${Math.trunc(page.offset)}`,
    params,
  );
  const flows = await loadFlows(
    db,
    rows.map((r) => r.agreement_id),
  );
  return {
    total: toInt(n),
    items: rows.map((r) => {
      const f = flows.get(r.agreement_id.toString()) ?? [];
      return { ...toAgreementView(r, f, now), flows: f };
    }),
  };
}
