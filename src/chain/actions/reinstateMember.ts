import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface ReinstateMemberParameters {
  member: Address;
}
export interface ReinstateMemberReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Reinstates a suspended member. Needs the governor role.
 *
 * @example
 * await reinstateMember(client, { member: "0x…" });
 */
export async function reinstateMember(
  client: FlowPactClient,
  params: ReinstateMemberParameters,
): Promise<ReinstateMemberReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "reinstate",
    args: [params.member],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
