import type { DisputeResolution } from "./dispute-resolution";
import type { AuditReport, ReportAttestation } from "./report";

const VERDICT_LINE = {
  ok: "VERDICT: OK — every settlement checks out",
  anomalies: "VERDICT: ANOMALIES — no rule is broken, but some findings need a look",
  fraud: "VERDICT: FRAUD — protocol rules are broken",
} as const;

/**
 * The terminal summary: the verdict on the first line, then the figures, then the findings grouped
 * by severity (the first `maxFindings`), then where the full reports are.
 *
 * @example
 * console.log(formatTerminalSummary(report, { files: ["audit.json", "audit.html"] }));
 */
export function formatTerminalSummary(
  report: AuditReport,
  options: {
    files?: string[];
    attestation?: ReportAttestation;
    resolutions?: readonly DisputeResolution[];
    maxFindings?: number;
    color?: boolean;
  } = {},
): string {
  const color = options.color ?? false;
  const paint = (code: number, text: string) => (color ? `\x1b[${code}m${text}\x1b[0m` : text);
  const verdictColor = report.verdict === "ok" ? 32 : report.verdict === "anomalies" ? 33 : 31;
  const s = report.summary;
  const lines = [
    paint(verdictColor, VERDICT_LINE[report.verdict]),
    `chain ${report.chainId}, blocks ${report.fromBlock}–${report.toBlock}: ${s.events} events, ${s.agreements} agreements, ${s.batches} batches, ${s.settlements} settlements (${s.creditsSettled} credits), ${s.transfers} transfers`,
    `proofs: ${s.proofsVerified} receipts verified in ${s.proofBatchesChecked} batches; findings: ${s.violations} violations, ${s.anomalies} anomalies, ${s.warnings} warnings`,
  ];
  const max = options.maxFindings ?? 20;
  for (const f of report.findings.slice(0, max)) {
    const tag =
      f.severity === "violation"
        ? paint(31, "VIOLATION")
        : f.severity === "anomaly"
          ? paint(33, "ANOMALY  ")
          : "warning  ";
    lines.push(`  ${tag} ${f.code}: ${f.message}`);
  }
  if (report.findings.length > max) lines.push(`  … and ${report.findings.length - max} more in the report`);
  if (options.attestation)
    lines.push(
      `attested on chain: attestation #${options.attestation.attestationId}, report hash ${options.attestation.reportHash} (tx ${options.attestation.transactionHash})`,
    );
  for (const r of options.resolutions ?? []) {
    const batch = `agreement ${r.agreementId} flow ${r.flow} epoch ${r.epoch}`;
    lines.push(
      r.outcome === "upheld"
        ? `dispute upheld: ${batch}, the recipient's ${r.counterCount} stand (claimed ${r.claimed}): no acknowledgement above it was shown before the answer window closed; bond to the recipient (tx ${r.transactionHash})`
        : r.outcome === "open"
          ? `dispute open: ${batch}, the referrer may show the recipient's acknowledgement above ${r.counterCount} until ${r.answerEnds}`
          : `dispute closing failed: ${batch}: ${r.reason}`,
    );
  }
  for (const file of options.files ?? []) lines.push(`report: ${file}`);
  return lines.join("\n");
}
