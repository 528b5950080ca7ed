import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface AcceptAgreementParameters {
  agreementId: bigint;
}
export interface AcceptAgreementReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Accepts a proposed agreement as the calling party; the last acceptance activates it.
 *
 * @example
 * await acceptAgreement(client, { agreementId: 1n });
 */
export async function acceptAgreement(
  client: FlowPactClient,
  { agreementId }: AcceptAgreementParameters,
): Promise<AcceptAgreementReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "AgreementBook",
    functionName: "accept",
    args: [agreementId],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
