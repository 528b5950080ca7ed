import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface SetCreditLimitParameters {
  member: Address;
  limit: bigint;
}
export interface SetCreditLimitReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Sets how far below zero a member's balance may go. Needs the governor role.
 *
 * @example
 * await setCreditLimit(client, { member: "0x…", limit: 10_000n });
 */
export async function setCreditLimit(
  client: FlowPactClient,
  { member, limit }: SetCreditLimitParameters,
): Promise<SetCreditLimitReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "CreditLedger",
    functionName: "setCreditLimit",
    args: [member, limit],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
