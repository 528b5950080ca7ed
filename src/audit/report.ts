import { type Address, type Hash, type Hex, keccak256, toBytes } from "viem";
import type { FlowPactContractName } from "../chain/contracts";
import { type AuditVerdict, type Finding, verdictOf } from "./findings";
import type { AuditModel } from "./model";
import type { BatchProofCheck } from "./proof-checks";

/** A finding as written in the JSON report (block numbers as numbers). */
export type ReportFinding = Omit<Finding, "blockNumber"> & { blockNumber?: number };

/**
 * The audit report: verdict first, then what was checked and what was found. Plain JSON (big
 * numbers as decimal strings), so its hash is the hash of its text, which is what is attested.
 */
export interface AuditReport {
  format: "flowpact-audit/1";
  verdict: AuditVerdict;
  chainId: number;
  contracts: Record<FlowPactContractName, Address>;
  fromBlock: number;
  toBlock: number;
  generatedAt: string;
  summary: {
    events: number;
    agreements: number;
    batches: number;
    settlements: number;
    transfers: number;
    attestations: number;
    creditsSettled: string;
    proofBatchesChecked: number;
    proofsVerified: number;
    violations: number;
    anomalies: number;
    warnings: number;
  };
  findings: ReportFinding[];
  agreements: {
    agreementId: string;
    status: string;
    parties: Address[];
    flows: { from: Address; to: Address; segments: string; capPerEpoch: string; rate: string }[];
    settledCredits: string;
  }[];
  /** Balances after each block where they changed (at most 400 points, evenly thinned). */
  balanceTimeline: { blockNumber: number; timestamp: number; balances: Record<Address, string> }[];
  finalBalances: Record<Address, string>;
  arrears: { payer: Address; creditor: Address; owed: string }[];
  proofChecks: {
    batches: number;
    verified: number;
    invalid: number;
    unreachable: number;
    refused: number;
    noNode: number;
  };
}

/** The on-chain attestation of a report, once posted. */
export interface ReportAttestation {
  attestationId: string;
  transactionHash: Hash;
  reportHash: Hex;
}

export interface BuildReportParameters {
  chainId: number;
  contracts: Record<FlowPactContractName, Address>;
  fromBlock: bigint;
  toBlock: bigint;
  model: AuditModel;
  findings: Finding[];
  proofChecks?: BatchProofCheck[];
  generatedAt?: Date;
}

const SEVERITY_ORDER = { violation: 0, anomaly: 1, warning: 2 } as const;
const MAX_TIMELINE_POINTS = 400;

/**
 * Builds the JSON report from the verified model and every finding (verification, proofs,
 * anomalies), worst findings first.
 */
export function buildAuditReport(p: BuildReportParameters): AuditReport {
  const findings = [...p.findings].sort(
    (a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || a.code.localeCompare(b.code),
  );
  const checks = p.proofChecks ?? [];
  const timeline = thin(p.model.balanceTimeline, MAX_TIMELINE_POINTS);
  return {
    format: "flowpact-audit/1",
    verdict: verdictOf(findings),
    chainId: p.chainId,
    contracts: p.contracts,
    fromBlock: Number(p.fromBlock),
    toBlock: Number(p.toBlock),
    generatedAt: (p.generatedAt ?? new Date()).toISOString(),
    summary: {
      ...p.model.counts,
      creditsSettled: p.model.batches.reduce((s, b) => s + b.settledCredits, 0n).toString(),
      proofBatchesChecked: checks.filter((c) => c.requested > 0).length,
      proofsVerified: checks.reduce((s, c) => s + c.verified, 0),
      violations: findings.filter((f) => f.severity === "violation").length,
      anomalies: findings.filter((f) => f.severity === "anomaly").length,
      warnings: findings.filter((f) => f.severity === "warning").length,
    },
    findings: findings.map(({ blockNumber, ...rest }) => ({
      ...rest,
      ...(blockNumber === undefined ? {} : { blockNumber: Number(blockNumber) }),
    })),
    agreements: p.model.agreements.map((a) => ({
      agreementId: a.agreementId.toString(),
      status: a.status,
      parties: a.parties,
      flows: a.flows.map((f) => ({
        from: f.from,
        to: f.to,
        segments: `0x${f.segments.toString(16)}`,
        capPerEpoch: f.capPerEpoch.toString(),
        rate: f.rate.toString(),
      })),
      settledCredits: a.settledCredits.toString(),
    })),
    balanceTimeline: timeline.map((point) => ({
      blockNumber: Number(point.blockNumber),
      timestamp: Number(point.timestamp),
      balances: Object.fromEntries(Object.entries(point.balances).map(([m, v]) => [m, v.toString()])),
    })),
    finalBalances: Object.fromEntries(
      Object.entries(p.model.finalBalances).map(([m, v]) => [m, v.toString()]),
    ),
    arrears: p.model.arrears.map((a) => ({ ...a, owed: a.owed.toString() })),
    proofChecks: {
      batches: checks.length,
      verified: checks.filter((c) => c.outcome === "verified").length,
      invalid: checks.filter((c) => c.outcome === "invalid").length,
      unreachable: checks.filter((c) => c.outcome === "unreachable").length,
      refused: checks.filter((c) => c.outcome === "refused").length,
      noNode: checks.filter((c) => c.outcome === "no-node").length,
    },
  };
}

/** The report as written to disk and hashed: stable two-space JSON. */
export function serializeAuditReport(report: AuditReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** keccak256 of the report's JSON text: what `--attest` records on chain. */
export function auditReportHash(report: AuditReport): Hex {
  return keccak256(toBytes(serializeAuditReport(report)));
}

/** Keeps at most `max` points, always the first and the last. */
function thin<T>(points: readonly T[], max: number): T[] {
  if (points.length <= max) return [...points];
  const step = (points.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => points[Math.round(i * step)]);
}
