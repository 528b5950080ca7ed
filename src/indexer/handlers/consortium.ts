import { MEMBER_STATUSES } from "../../chain/types";
import { type ContractHandlers, lower, optionalBytes32 } from "./handler";

interface MemberRow extends Record<string, unknown> {
  address: string;
  status: string;
  applied_block: bigint;
}

/**
 * Members. On application the Consortium emits the profile first, then the status change; a
 * declined applicant's profile is deleted on chain, so its row goes too.
 */
export const consortiumHandlers: ContractHandlers = {
  async MemberProfileUpdated(event, changes) {
    const address = lower(event.args.member);
    const profile = event.args.profile as {
      industry: number;
      segments: bigint;
      uri: string;
      contentHash: string;
      signer: string;
    };
    const current = await changes.get<MemberRow>("members", { address });
    changes.put("members", {
      address,
      status: current?.status ?? "none",
      industry: profile.industry,
      segments: profile.segments,
      uri: profile.uri,
      content_hash: profile.contentHash,
      signer: lower(profile.signer),
      status_reason: current?.status_reason ?? null,
      applied_block: current?.applied_block ?? event.blockNumber,
      updated_block: event.blockNumber,
    });
  },

  async MemberStatusChanged(event, changes) {
    const address = lower(event.args.member);
    const next = MEMBER_STATUSES[Number(event.args.next)];
    if (next === "none") {
      changes.remove("members", { address });
      return;
    }
    const current = await changes.get<MemberRow>("members", { address });
    if (!current)
      throw new Error(`MemberStatusChanged for ${address} without a profile (block ${event.blockNumber})`);
    changes.put("members", {
      ...current,
      status: next,
      status_reason: optionalBytes32(event.args.reason),
      updated_block: event.blockNumber,
    });
  },
};
