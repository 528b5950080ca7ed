import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { toReason } from "../reason";
import { writeFlowPact } from "../write";

export interface ExpelMemberParameters {
  member: Address;
  /** Short reason recorded on chain (at most 32 bytes of text, or a bytes32). */
  reason?: string;
}
export interface ExpelMemberReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Expels a member for good. Needs the governor role.
 *
 * @example
 * await expelMember(client, { member: "0x…", reason: "policy breach" });
 */
export async function expelMember(
  client: FlowPactClient,
  params: ExpelMemberParameters,
): Promise<ExpelMemberReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "expel",
    args: [params.member, toReason(params.reason)],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
