import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import type { AgreementSchedule, Flow } from "../types";
import { eventFromReceipt, writeFlowPact } from "../write";

export interface ProposeAgreementParameters {
  /** 2–4 distinct members. */
  parties: readonly Address[];
  flows: readonly Flow[];
  schedule: AgreementSchedule;
  /** Timestamp after which the proposal can no longer be accepted (before `schedule.start`). */
  proposalExpiry: bigint;
}
export interface ProposeAgreementReturnType {
  agreementId: bigint;
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Proposes an agreement (as a matcher, or as one of its parties). It becomes active when every
 * party has accepted.
 *
 * @example
 * const { agreementId } = await proposeAgreement(client, { parties: [a, b, c], flows, schedule, proposalExpiry });
 */
export async function proposeAgreement(
  client: FlowPactClient,
  params: ProposeAgreementParameters,
): Promise<ProposeAgreementReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "AgreementBook",
    functionName: "propose",
    args: [params.parties, params.flows, params.schedule, params.proposalExpiry],
  });
  const { agreementId } = eventFromReceipt<{ agreementId: bigint }>(
    client,
    receipt,
    "AgreementBook",
    "AgreementProposed",
  );
  return { agreementId, hash, blockNumber: receipt.blockNumber };
}
