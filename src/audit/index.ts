/**
 * The FlowPact auditor: rebuilds the history from raw JSON-RPC, verifies it without trusting the
 * consortium's database, spot-checks receipt proofs with member nodes, detects anomalies, reports
 * (terminal, JSON, HTML) and attests on chain. `runAudit` is what `flowpact audit` calls.
 */
export * from "./anomalies";
export * from "./attest";
export * from "./auditor-wallet";
export * from "./batch-proofs";
export * from "./dispute-resolution";
export * from "./errors";
export * from "./findings";
export * from "./history";
export * from "./history-loader";
export * from "./html-report";
export * from "./model";
export * from "./progress";
export * from "./proof-checks";
export * from "./proof-request";
export * from "./report";
export * from "./run-audit";
export * from "./signatures";
export * from "./terminal-summary";
export * from "./verifier";
