import type { Abi, Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { settlementAbi } from "../../abi/contracts";

/** What the member node's settlement actions need: a reader, a signer, and where Settlement is. */
export interface SettlementClient {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  settlement: Address;
}

/** A Settlement transaction reverted; `cause` holds viem's error with the decoded custom error. */
export class SettlementWriteError extends Error {
  override name = "SettlementWriteError";
  constructor(functionName: string, cause: unknown) {
    const detail = (cause as { shortMessage?: string })?.shortMessage ?? String(cause);
    super(`Settlement.${functionName} failed: ${detail}`, { cause });
  }
}

/**
 * Simulates (so a revert surfaces with its custom error before any gas is spent), sends, and
 * waits for one Settlement transaction.
 */
export async function writeSettlement(
  client: SettlementClient,
  functionName: string,
  args: readonly unknown[],
  value?: bigint,
): Promise<Hash> {
  try {
    const { request } = await client.publicClient.simulateContract({
      address: client.settlement,
      abi: settlementAbi as Abi,
      functionName,
      args,
      value,
      account: client.walletClient.account,
    } as never);
    const hash = await client.walletClient.writeContract(request as never);
    const receipt = await client.publicClient.waitForTransactionReceipt({ hash });
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return hash;
  } catch (cause) {
    throw new SettlementWriteError(functionName, cause);
  }
}
