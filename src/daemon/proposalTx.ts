import {
  type Abi,
  decodeEventLog,
  encodeFunctionData,
  type Hex,
  keccak256,
  type TransactionReceipt,
} from "viem";
import type { FlowPactClient } from "../chain/clients";
import { FLOWPACT_ABIS } from "../chain/contracts";
import { toFlowPactError } from "../chain/errors";
import { requireWallet } from "../chain/write";
import type { ProposalTerms } from "./terms";

/** A proposal signed locally: its hash is known before anything reaches the network. */
export interface SignedProposal {
  readonly nonce: bigint;
  readonly txHash: Hex;
  readonly rawTx: Hex;
}

/**
 * Simulates `AgreementBook.propose` (a revert surfaces here as a decoded FlowPactContractError,
 * before anything is journaled) and signs it with the next nonce of the matcher's account.
 * The daemon does not use the `proposeAgreement` action because that one sends and waits in one
 * step: a write-ahead journal needs the transaction's hash before it is broadcast.
 */
export async function signProposal(client: FlowPactClient, terms: ProposalTerms): Promise<SignedProposal> {
  const wallet = requireWallet(client);
  const address = client.deployment.contracts.AgreementBook;
  const args = [terms.parties, terms.flows, terms.schedule, terms.proposalExpiry] as const;
  const abi = FLOWPACT_ABIS.AgreementBook as Abi;
  try {
    await client.publicClient.simulateContract({
      address,
      abi,
      functionName: "propose",
      args,
      account: wallet.account,
    } as never);
  } catch (error) {
    throw toFlowPactError(error, { contract: "AgreementBook", functionName: "propose" });
  }
  const data = encodeFunctionData({ abi, functionName: "propose", args } as never);
  const nonce = await client.publicClient.getTransactionCount({
    address: wallet.account.address,
    blockTag: "pending",
  });
  const request = await wallet.prepareTransactionRequest({
    account: wallet.account,
    chain: client.chain,
    to: address,
    data,
    nonce,
  } as never);
  const rawTx = await wallet.signTransaction(request as never);
  return { nonce: BigInt(nonce), txHash: keccak256(rawTx), rawTx };
}

/** Broadcasts a signed transaction; a node that already has it (a re-broadcast) is not an error. */
export async function broadcast(client: FlowPactClient, rawTx: Hex): Promise<void> {
  try {
    await client.publicClient.sendRawTransaction({ serializedTransaction: rawTx });
  } catch (error) {
    const message = String((error as Error)?.message ?? error).toLowerCase();
    if (message.includes("already known") || message.includes("already imported")) return;
    throw error;
  }
}

/** The agreement id a mined `propose` created (from its AgreementProposed log). */
export function proposedAgreementId(client: FlowPactClient, receipt: TransactionReceipt): bigint | undefined {
  const address = client.deployment.contracts.AgreementBook.toLowerCase();
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    try {
      const decoded = decodeEventLog({
        abi: FLOWPACT_ABIS.AgreementBook as Abi,
        data: log.data,
        topics: log.topics,
      });
      if (decoded.eventName === "AgreementProposed")
        return (decoded.args as unknown as { agreementId: bigint }).agreementId;
    } catch {
      // another AgreementBook event
    }
  }
  return undefined;
}

/** Every AgreementProposed on chain with this terms hash, oldest first (for reconciliation and tests). */
export async function findProposalsByTermsHash(
  client: FlowPactClient,
  termsHash: Hex,
): Promise<Array<{ agreementId: bigint; txHash: Hex }>> {
  const logs = await client.publicClient.getContractEvents({
    address: client.deployment.contracts.AgreementBook,
    abi: FLOWPACT_ABIS.AgreementBook as Abi,
    eventName: "AgreementProposed",
    fromBlock: BigInt(client.deployment.startBlock),
    toBlock: "latest",
  } as never);
  const found: Array<{ agreementId: bigint; txHash: Hex }> = [];
  for (const log of logs as unknown as Array<{
    args: { agreementId: bigint; termsHash: Hex };
    transactionHash: Hex;
  }>) {
    if (log.args.termsHash.toLowerCase() === termsHash.toLowerCase())
      found.push({ agreementId: log.args.agreementId, txHash: log.transactionHash });
  }
  return found;
}
