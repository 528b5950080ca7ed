import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { toReason } from "../reason";
import { writeFlowPact } from "../write";

export interface SuspendMemberParameters {
  member: Address;
  /** Short reason recorded on chain (at most 32 bytes of text, or a bytes32). */
  reason?: string;
}
export interface SuspendMemberReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Suspends an admitted member (it can no longer post offers, transfer or settle). Needs the governor role.
 *
 * @example
 * await suspendMember(client, { member: "0x…", reason: "policy breach" });
 */
export async function suspendMember(
  client: FlowPactClient,
  params: SuspendMemberParameters,
): Promise<SuspendMemberReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "suspend",
    args: [params.member, toReason(params.reason)],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
