import { type Hash, keccak256, toHex } from "viem";
import type { FlowPactClient } from "../clients";
import type { RoleName } from "../types";
import { requireWallet, writeFlowPact } from "../write";

export interface RenounceRoleParameters {
  role: RoleName;
}
export interface RenounceRoleReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Gives up a consortium role held by the caller, e.g. the deployer's GOVERNOR role once it has
 * been granted to the consortium's multisig.
 *
 * @example
 * await grantRole(deployer, { role: "GOVERNOR_ROLE", account: multisig });
 * await renounceRole(deployer, { role: "GOVERNOR_ROLE" });
 */
export async function renounceRole(
  client: FlowPactClient,
  { role }: RenounceRoleParameters,
): Promise<RenounceRoleReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "Consortium",
    functionName: "renounceRole",
    args: [keccak256(toHex(role)), requireWallet(client).account.address],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
