import type { Address, Hash } from "viem";
import type { FlowPactClient } from "../clients";
import { writeFlowPact } from "../write";

export interface TransferCreditsParameters {
  to: Address;
  amount: bigint;
}
export interface TransferCreditsReturnType {
  hash: Hash;
  blockNumber: bigint;
}

/**
 * Pays `amount` credits to any member, within the caller's balance plus credit limit.
 *
 * @example
 * await transferCredits(client, { to: "0x…", amount: 250n });
 */
export async function transferCredits(
  client: FlowPactClient,
  { to, amount }: TransferCreditsParameters,
): Promise<TransferCreditsReturnType> {
  const { hash, receipt } = await writeFlowPact(client, {
    contract: "CreditLedger",
    functionName: "transfer",
    args: [to, amount],
  });
  return { hash, blockNumber: receipt.blockNumber };
}
