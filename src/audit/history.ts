import type { Address, Hash, Hex } from "viem";
import type { FlowPactContractName } from "../chain/contracts";

/**
 * One decoded FlowPact event, in chain order. The auditor's whole view of the protocol is a list
 * of these, rebuilt from raw `eth_getLogs`: nothing comes from the consortium's database.
 */
export interface AuditEvent {
  contract: FlowPactContractName;
  /** The event's name in the contract's ABI (`BatchCommitted`, `CreditsMoved`, …). */
  eventName: string;
  /** Decoded arguments by name (numbers are bigint, addresses checksummed). */
  args: Record<string, unknown>;
  blockNumber: bigint;
  /** Unix seconds of the block (windows and deadlines are checked against it). */
  blockTimestamp: bigint;
  logIndex: number;
  transactionHash: Hash;
}

/**
 * The function call of a transaction that the verifier needs to read (relayed signatures are in
 * calldata, not in events). Only direct calls to the FlowPact contracts decode; a call through a
 * contract wallet leaves `functionName` undefined and the verifier says it could not re-check.
 */
export interface AuditCall {
  hash: Hash;
  from: Address;
  to: Address | null;
  functionName?: string;
  args?: readonly unknown[];
}

/** On-chain balances read after a block in which balances changed (only the members that moved). */
export interface BalanceSnapshot {
  blockNumber: bigint;
  balances: Record<Address, bigint>;
}

/**
 * Everything the pure verifier needs: the decoded events, the calls that carry relayed signatures,
 * ERC-1271 answers of contract-wallet signers, and balance snapshots read from the chain.
 */
export interface AuditHistory {
  chainId: number;
  contracts: Record<FlowPactContractName, Address>;
  fromBlock: bigint;
  toBlock: bigint;
  /** Timestamp of `toBlock`: pending windows are judged against it. */
  toBlockTimestamp: bigint;
  events: AuditEvent[];
  calls: Record<Hash, AuditCall>;
  /**
   * `isValidSignature` answers of contract-wallet signers, keyed by
   * `contractSignatureKey(signer, digest, signature)`: true when the wallet returned the magic value.
   */
  contractSignatures: Record<string, boolean>;
  balanceSnapshots: BalanceSnapshot[];
}

/** The key of `AuditHistory.contractSignatures`. */
export const contractSignatureKey = (signer: Address, digest: Hex, signature: Hex): string =>
  `${signer.toLowerCase()}:${digest.toLowerCase()}:${signature.toLowerCase()}`;
