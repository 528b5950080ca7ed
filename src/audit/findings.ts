import type { Hash } from "viem";

/**
 * How bad a finding is. A `violation` breaks a protocol rule (the report's verdict is then FRAUD);
 * an `anomaly` is a pattern an auditor must look into, or a check that could not be made (verdict
 * ANOMALIES); a `warning` is worth knowing but normal (a claim awaiting finalisation).
 */
export type FindingSeverity = "violation" | "anomaly" | "warning";

/** Every kind of finding, by stable code (reports and tests name them). */
export const FINDING_CODES = {
  // acceptance of agreements
  "agreement-terms-hash": "violation",
  "agreement-unauthorised-proposer": "violation",
  "agreement-invalid-proposal": "violation",
  "agreement-invalid-acceptance": "violation",
  "agreement-invalid-signature": "violation",
  "agreement-incomplete-activation": "violation",
  "agreement-invalid-termination": "violation",
  // batches
  "batch-duplicate": "violation",
  "batch-not-settleable": "violation",
  "batch-outside-window": "violation",
  "batch-invalid-cosignature": "violation",
  "batch-invalid-transition": "violation",
  "batch-wrong-parties": "violation",
  "batch-settled-above-cap": "violation",
  "batch-settlement-mismatch": "violation",
  "posting-amount-mismatch": "violation",
  "submitted-while-paused": "violation",
  // the ledger
  "ledger-posting-mismatch": "violation",
  "arrears-bookkeeping": "violation",
  "credit-limit-exceeded": "violation",
  "ledger-balance-mismatch": "violation",
  "zero-sum-broken": "violation",
  // roles
  "role-change-unauthorised": "violation",
  "resolution-unauthorised": "violation",
  "attestation-unauthorised": "violation",
  // proofs from member nodes
  "proof-invalid": "violation",
  "receipt-duplicate-across-epochs": "violation",
  "proof-node-unreachable": "anomaly",
  "proof-node-refused": "anomaly",
  "proof-count-unprovable": "anomaly",
  "proof-check-failed": "anomaly",
  // anomalies
  "cap-every-epoch": "anomaly",
  "traffic-spike": "anomaly",
  "collusive-cycle": "anomaly",
  "two-way-same-segment": "anomaly",
  "under-reporting-disputes": "anomaly",
  "signature-unverifiable": "anomaly",
  // normal but pending
  "claim-awaiting-finalisation": "warning",
  "dispute-awaiting-resolution": "warning",
  "proof-node-unknown": "warning",
} as const satisfies Record<string, FindingSeverity>;

export type FindingCode = keyof typeof FINDING_CODES;

/** Evidence values are plain JSON: numbers too large for a double are written as strings. */
export type EvidenceValue = string | number | boolean | string[] | number[];

/** One thing the auditor found, with the evidence that shows it and the transactions to open. */
export interface Finding {
  code: FindingCode;
  severity: FindingSeverity;
  /** One sentence saying what is wrong, in domain words. */
  message: string;
  evidence: Record<string, EvidenceValue>;
  transactions: Hash[];
  blockNumber?: bigint;
}

/** A finding of `code`, with the severity fixed for that code. */
export function finding(
  code: FindingCode,
  message: string,
  evidence: Record<string, EvidenceValue | bigint | undefined> = {},
  transactions: readonly (Hash | undefined)[] = [],
  blockNumber?: bigint,
): Finding {
  const clean: Record<string, EvidenceValue> = {};
  for (const [key, value] of Object.entries(evidence)) {
    if (value === undefined) continue;
    clean[key] = typeof value === "bigint" ? value.toString() : value;
  }
  return {
    code,
    severity: FINDING_CODES[code],
    message,
    evidence: clean,
    transactions: [...new Set(transactions.filter((t): t is Hash => !!t))],
    blockNumber,
  };
}

/** The report's verdict, and the on-chain `AuditVerdict` it is attested as. */
export type AuditVerdict = "ok" | "anomalies" | "fraud";
export const ON_CHAIN_VERDICT: Record<AuditVerdict, number> = { ok: 1, anomalies: 2, fraud: 3 };

/** FRAUD when any rule is broken, ANOMALIES when anything needs a look, OK otherwise. */
export function verdictOf(findings: readonly Finding[]): AuditVerdict {
  if (findings.some((f) => f.severity === "violation")) return "fraud";
  if (findings.some((f) => f.severity === "anomaly")) return "anomalies";
  return "ok";
}
