import type { Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface ExitMembershipReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Leaves the consortium (the caller's own membership ends for good).
 *
 * @example
 * await exitMembership(client);
 */
export async function exitMembership(client: FlowPactClient): Promise<ExitMembershipReturnType> {
  const { hash, receipt } = await writeFlowPact(client, { contract: "Consortium", functionName: "exit" });
  return { hash, blockNumber: receipt.blockNumber };
}
