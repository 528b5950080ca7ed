import type { Address } from "viem";
import type { FlowPactClient } from "../clients";
import { MEMBER_STATUSES, type MemberProfile, type MemberStatus } from "../types";
import { readFlowPact } from "../write";

export interface GetMemberParameters {
  member: Address;
}
export interface GetMemberReturnType {
  address: Address;
  status: MemberStatus;
  /** `undefined` for an address that never applied. */
  profile?: MemberProfile;
}

/**
 * A member's status and profile as the Consortium holds them now.
 *
 * @example
 * const { status, profile } = await getMember(client, { member: "0x…" });
 */
export async function getMember(
  client: FlowPactClient,
  { member }: GetMemberParameters,
): Promise<GetMemberReturnType> {
  const status =
    MEMBER_STATUSES[
      await readFlowPact<number>(client, {
        contract: "Consortium",
        functionName: "memberStatus",
        args: [member],
      })
    ];
  if (status === "none") return { address: member, status };
  const profile = await readFlowPact<MemberProfile>(client, {
    contract: "Consortium",
    functionName: "profileOf",
    args: [member],
  });
  return { address: member, status, profile };
}
