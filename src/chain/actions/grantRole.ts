import { type Address, type Hash, keccak256, toHex } from "viem";
import type { FlowPactClient } from "../clients";
import type { RoleName } from "../types";
import { writeFlowPact } from "../write";

export interface GrantRoleParameters {
  role: RoleName;
  account: Address;
}
export interface GrantRoleReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Grants a consortium role (matcher, auditor, governor). Needs the governor role.
 *
 * @example
 * await grantRole(client, { role: "MATCHER_ROLE", account: daemon.address });
 */
export async function grantRole(
  client: FlowPactClient,
  { role, account }: GrantRoleParameters,
): Promise<GrantRoleReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "grantRole",
    args: [keccak256(toHex(role)), account],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
