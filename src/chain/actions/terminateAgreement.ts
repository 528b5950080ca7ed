import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface TerminateAgreementParameters {
  agreementId: bigint;
}
export interface TerminateAgreementReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Terminates an active agreement with notice: it ends at an epoch boundary after the notice epochs.
 *
 * @example
 * await terminateAgreement(client, { agreementId: 1n });
 */
export async function terminateAgreement(
  client: FlowPactClient,
  { agreementId }: TerminateAgreementParameters,
): Promise<TerminateAgreementReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "AgreementBook",
    functionName: "terminate",
    args: [agreementId],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
