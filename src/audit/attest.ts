import { type Address, type Hex, type LocalAccount, type PublicClient, parseEventLogs } from "viem";
import { settlementAbi } from "../abi/contracts";
import { createAuditorWallet } from "./auditor-wallet";
import { AuditAttestationError } from "./errors";
import { type AuditVerdict, ON_CHAIN_VERDICT } from "./findings";
import type { ReportAttestation } from "./report";

export interface AttestReportParameters {
  publicClient: PublicClient;
  rpcUrl: string;
  /** The AUDITOR key. */
  auditor: LocalAccount;
  settlement: Address;
  reportHash: Hex;
  verdict: AuditVerdict;
  fromBlock: bigint;
  toBlock: bigint;
}

/**
 * Records the report's hash, verdict and block range on chain (`Settlement.attest`, AUDITOR only)
 * and returns the attestation id from the `AttestationRecorded` event.
 *
 * @example
 * const attestation = await attestReport({ publicClient, rpcUrl, auditor, settlement, reportHash, verdict: "ok", fromBlock, toBlock });
 */
export async function attestReport(p: AttestReportParameters): Promise<ReportAttestation> {
  const wallet = await createAuditorWallet(p.publicClient, p.rpcUrl, p.auditor);
  let hash: Hex;
  try {
    hash = await wallet.writeContract({
      address: p.settlement,
      abi: settlementAbi,
      functionName: "attest",
      args: [p.reportHash, ON_CHAIN_VERDICT[p.verdict], p.fromBlock, p.toBlock],
    });
  } catch (cause) {
    throw new AuditAttestationError(
      `the attestation was refused: ${(cause as { shortMessage?: string }).shortMessage ?? (cause as Error).message}; the key ${p.auditor.address} must hold AUDITOR_ROLE in the Consortium`,
      { cause },
    );
  }
  const receipt = await p.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success")
    throw new AuditAttestationError(`the attestation transaction ${hash} reverted`);
  const [event] = parseEventLogs({
    abi: settlementAbi,
    logs: receipt.logs,
    eventName: "AttestationRecorded",
  });
  if (!event)
    throw new AuditAttestationError(`the attestation transaction ${hash} emitted no AttestationRecorded`);
  return {
    attestationId: event.args.attestationId.toString(),
    transactionHash: hash,
    reportHash: p.reportHash,
  };
}
