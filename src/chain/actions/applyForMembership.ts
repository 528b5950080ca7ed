import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import type { MemberProfile } from "../types";
import { writeFlowPact } from "../write";

export interface ApplyForMembershipParameters {
  profile: MemberProfile;
}
export interface ApplyForMembershipReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Applies to join the consortium with the caller's profile; a governor then admits or declines.
 *
 * @example
 * await applyForMembership(client, { profile: { industry: 1, segments: 0b11n, uri: "https://bank.example/profile.json", contentHash, signer: account.address } });
 */
export async function applyForMembership(
  client: FlowPactClient,
  { profile }: ApplyForMembershipParameters,
): Promise<ApplyForMembershipReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "applyForMembership",
    args: [profile],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
