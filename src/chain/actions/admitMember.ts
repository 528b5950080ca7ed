import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface AdmitMemberParameters {
  member: Address;
}
export interface AdmitMemberReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Admits an applicant: it becomes an active member. Needs the governor role.
 *
 * @example
 * await admitMember(client, { member: "0x…" });
 */
export async function admitMember(
  client: FlowPactClient,
  params: AdmitMemberParameters,
): Promise<AdmitMemberReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "admit",
    args: [params.member],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
