import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { toReason } from "../reason";
import { writeFlowPact } from "../write";

export interface DeclineMemberParameters {
  member: Address;
  /** Short reason recorded on chain (at most 32 bytes of text, or a bytes32). */
  reason?: string;
}
export interface DeclineMemberReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Declines an application. Needs the governor role.
 *
 * @example
 * await declineMember(client, { member: "0x…", reason: "policy breach" });
 */
export async function declineMember(
  client: FlowPactClient,
  params: DeclineMemberParameters,
): Promise<DeclineMemberReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "decline",
    args: [params.member, toReason(params.reason)],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
