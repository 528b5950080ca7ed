import type { Abi, Hash, TransactionReceipt } from "viem";
import { decodeEventLog } from "viem";
import type { FlowPactClient, FlowPactWalletClient } from "./clients";
import { FLOWPACT_ABIS, type FlowPactContractName } from "./contracts";
import { FlowPactContractError, toFlowPactError } from "./errors";
import { MissingKeyError } from "./keys";
import { sendWithFreshNonce, waitForReceiptOf } from "./nonces";

export interface WriteResult<T = unknown> {
  hash: Hash;
  receipt: TransactionReceipt;
  /** What the function returned in the simulation (e.g. a new offer id). */
  result: T;
}

/** The client has no account: the command needs a key. */
export function requireWallet(client: FlowPactClient): FlowPactWalletClient {
  if (!client.walletClient) throw new MissingKeyError();
  return client.walletClient;
}

/**
 * Simulates, sends and waits for one FlowPact transaction, with the nonce the process's
 * `accountNonces` hands out (sent again with a fresh one if the node says another send took it).
 * A revert, in the simulation or on
 * chain, becomes a `FlowPactContractError` naming the decoded custom error. Actions wrap this
 * with typed parameters; it is loosely typed on purpose so one helper serves every contract.
 */
export async function writeFlowPact<T = unknown>(
  client: FlowPactClient,
  call: { contract: FlowPactContractName; functionName: string; args?: readonly unknown[]; value?: bigint },
): Promise<WriteResult<T>> {
  const wallet = requireWallet(client);
  const abi = FLOWPACT_ABIS[call.contract] as Abi;
  const address = client.deployment.contracts[call.contract];
  const context = { contract: call.contract, functionName: call.functionName };
  try {
    const { request, result } = await client.publicClient.simulateContract({
      address,
      abi,
      functionName: call.functionName,
      args: call.args,
      value: call.value,
      account: wallet.account,
    } as never);
    const hash = await sendWithFreshNonce(() => wallet.writeContract(request as never));
    const receipt = await waitForReceiptOf(client.publicClient, wallet.account.address, hash);
    if (receipt.status !== "success")
      throw new FlowPactContractError(
        `${call.contract}.${call.functionName} reverted on chain (tx ${hash})`,
        context,
      );
    return { hash, receipt, result: result as T };
  } catch (error) {
    throw toFlowPactError(error, context);
  }
}

/** Reads one view function, decoding reverts like `writeFlowPact`. */
export async function readFlowPact<T>(
  client: FlowPactClient,
  call: {
    contract: FlowPactContractName;
    functionName: string;
    args?: readonly unknown[];
    blockNumber?: bigint;
  },
): Promise<T> {
  try {
    return (await client.publicClient.readContract({
      address: client.deployment.contracts[call.contract],
      abi: FLOWPACT_ABIS[call.contract] as Abi,
      functionName: call.functionName,
      args: call.args,
      blockNumber: call.blockNumber,
    } as never)) as T;
  } catch (error) {
    throw toFlowPactError(error, { contract: call.contract, functionName: call.functionName });
  }
}

/** The decoded arguments of the first `eventName` log the receipt holds from `contract`. */
export function eventFromReceipt<T>(
  client: FlowPactClient,
  receipt: TransactionReceipt,
  contract: FlowPactContractName,
  eventName: string,
): T {
  const address = client.deployment.contracts[contract].toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    try {
      const decoded = decodeEventLog({
        abi: FLOWPACT_ABIS[contract] as Abi,
        data: log.data,
        topics: log.topics,
      });
      if (decoded.eventName === eventName) return decoded.args as T;
    } catch {
      // another event of the contract
    }
  }
  throw new FlowPactContractError(`${contract} emitted no ${eventName} in tx ${receipt.transactionHash}`, {
    contract,
  });
}
