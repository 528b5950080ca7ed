import type { ChangeSet } from "../../store/changeSet";
import type { FlowPactEvent } from "../events";
import { type ContractHandlers, lower } from "./handler";

type AgreementRow = Record<string, unknown> & { accepted_by: string[] };

async function update(
  event: FlowPactEvent,
  changes: ChangeSet,
  patch: (row: AgreementRow) => Record<string, unknown>,
) {
  const agreementId = event.args.agreementId as bigint;
  const current = await changes.get<AgreementRow>("agreements", { agreement_id: agreementId });
  if (!current)
    throw new Error(`${event.name} for unknown agreement ${agreementId} (block ${event.blockNumber})`);
  changes.put("agreements", { ...current, ...patch(current), updated_block: event.blockNumber });
}

/** Agreements and their flows, from proposal to activation, rejection, expiry or termination. */
export const agreementBookHandlers: ContractHandlers = {
  AgreementProposed(event, changes) {
    const agreementId = event.args.agreementId as bigint;
    const schedule = event.args.schedule as Record<string, bigint>;
    changes.put("agreements", {
      agreement_id: agreementId,
      proposer: lower(event.args.proposer),
      terms_hash: event.args.termsHash,
      parties: (event.args.parties as string[]).map(lower),
      accepted_by: [],
      start_time: schedule.start,
      end_time: schedule.end,
      epoch_length: schedule.epochLength,
      notice_epochs: schedule.noticeEpochs,
      proposal_expiry: event.args.proposalExpiry,
      status: "proposed",
      rejected_by: null,
      terminated_by: null,
      termination_epoch: null,
      termination_effective_at: null,
      proposed_block: event.blockNumber,
      updated_block: event.blockNumber,
    });
    (event.args.flows as Record<string, unknown>[]).forEach((flow, index) => {
      changes.put("flows", {
        agreement_id: agreementId,
        flow_index: index,
        from_member: lower(flow.from),
        to_member: lower(flow.to),
        segments: flow.segments,
        cap_per_epoch: flow.capPerEpoch,
        rate: flow.rate,
      });
    });
  },
  AgreementAccepted: (event, changes) =>
    update(event, changes, (row) => ({ accepted_by: [...row.accepted_by, lower(event.args.party)] })),
  AgreementActivated: (event, changes) => update(event, changes, () => ({ status: "active" })),
  AgreementRejected: (event, changes) =>
    update(event, changes, () => ({ status: "rejected", rejected_by: lower(event.args.party) })),
  AgreementExpired: (event, changes) => update(event, changes, () => ({ status: "expired" })),
  AgreementTerminated: (event, changes) =>
    update(event, changes, () => ({
      status: "terminated",
      terminated_by: lower(event.args.by),
      termination_epoch: event.args.terminationEpoch,
      termination_effective_at: event.args.effectiveAt,
    })),
};
