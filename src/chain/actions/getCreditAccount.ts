import type { Address } from "viem";
import type { FlowPactClient } from "../clients";
import { readFlowPact } from "../write";

export interface GetCreditAccountParameters {
  member: Address;
}
export interface GetCreditAccountReturnType {
  member: Address;
  /** Signed: positive when the member has sent more traffic than it received. */
  balance: bigint;
  creditLimit: bigint;
  /** What it can still spend: balance + limit, less arrears, never negative. */
  available: bigint;
  /** Settlement debts recorded when its limit was reached; cleared first when it earns. */
  arrears: bigint;
}

/**
 * A member's credit account on the ledger.
 *
 * @example
 * const { balance, available } = await getCreditAccount(client, { member: "0x…" });
 */
export async function getCreditAccount(
  client: FlowPactClient,
  { member }: GetCreditAccountParameters,
): Promise<GetCreditAccountReturnType> {
  const read = <T>(functionName: string) =>
    readFlowPact<T>(client, { contract: "CreditLedger", functionName, args: [member] });
  const [balance, creditLimit, available, arrears] = await Promise.all([
    read<bigint>("balanceOf"),
    read<bigint>("creditLimitOf"),
    read<bigint>("availableCredit"),
    read<bigint>("arrearsOf"),
  ]);
  return { member, balance, creditLimit, available, arrears };
}
