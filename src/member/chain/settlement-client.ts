import type { Abi, Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { settlementAbi } from "../../abi/contracts";
import { sendWithFreshNonce, waitForReceiptOf } from "../../chain/nonces";

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
 * waits for one Settlement transaction. Its nonce comes from the wallet's account: attached to the
 * process's `accountNonces` (`createFlowPactClients`, `demoWalletClient`), it never collides with
 * the node's other sends (auto-accept, a CLI command) with the same key.
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
    const hash = await sendWithFreshNonce(() => client.walletClient.writeContract(request as never));
    const receipt = await waitForReceiptOf(client.publicClient, client.walletClient.account.address, hash);
    if (receipt.status !== "success") throw new Error(`transaction ${hash} reverted`);
    return hash;
  } catch (cause) {
    throw new SettlementWriteError(functionName, cause);
  }
}
