import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface RejectAgreementParameters {
  agreementId: bigint;
}
export interface RejectAgreementReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Rejects a proposed agreement as the calling party; it can no longer become active.
 *
 * @example
 * await rejectAgreement(client, { agreementId: 1n });
 */
export async function rejectAgreement(
  client: FlowPactClient,
  { agreementId }: RejectAgreementParameters,
): Promise<RejectAgreementReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "AgreementBook",
    functionName: "reject",
    args: [agreementId],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
