import { barChartSvg, escapeHtml, lineChartSvg } from "./charts";
import type { AuditReport, ReportAttestation } from "./report";

export interface HtmlReportOptions {
  /** Link template for transactions, `{tx}` replaced by the hash (e.g. `https://explorer.example/tx/{tx}`). */
  explorerTxUrl?: string;
  attestation?: ReportAttestation;
  /** keccak256 of the JSON report, shown so a reader can compare it with the on-chain attestation. */
  reportHash?: string;
}

const VERDICT_TEXT = {
  ok: ["OK", "Every batch, posting and balance checks out against the chain."],
  anomalies: ["ANOMALIES", "No protocol rule is broken, but the findings below need an auditor's look."],
  fraud: ["FRAUD", "Protocol rules are broken: see the violations below."],
} as const;

const short = (address: string) => `${address.slice(0, 6)}…${address.slice(-4)}`;

/**
 * The self-contained HTML report: one file with inline CSS and SVG charts (no script, no network),
 * verdict first, then the charts of credits over time and per agreement, then every finding with
 * its evidence and links to its transactions.
 *
 * @example
 * writeFileSync("audit.html", renderHtmlReport(report, { explorerTxUrl: "https://explorer/tx/{tx}" }));
 */
export function renderHtmlReport(report: AuditReport, options: HtmlReportOptions = {}): string {
  const [verdictWord, verdictSentence] = VERDICT_TEXT[report.verdict];
  const txLink = (hash: string) => {
    const label = `${hash.slice(0, 10)}…`;
    if (!options.explorerTxUrl) return `<code title="${escapeHtml(hash)}">${escapeHtml(label)}</code>`;
    return `<a href="${escapeHtml(options.explorerTxUrl.replace("{tx}", hash))}" title="${escapeHtml(hash)}">${escapeHtml(label)}</a>`;
  };
  const members = [...new Set(report.balanceTimeline.flatMap((p) => Object.keys(p.balances)))];
  const series = members.map((member) => ({
    label: short(member),
    points: report.balanceTimeline
      .filter((p) => p.balances[member as keyof typeof p.balances] !== undefined)
      .map((p) => ({ x: p.blockNumber, y: Number(p.balances[member as keyof typeof p.balances]) })),
  }));
  const creditsChart = lineChartSvg(series, {
    id: "chart-credits-over-time",
    title: "Credit balance of each member over time",
    xLabel: "block",
    yLabel: "credits",
  });
  const agreementChart = barChartSvg(
    report.agreements
      .filter((a) => a.status !== "proposed")
      .map((a) => ({ label: `agreement ${a.agreementId} (${a.status})`, value: Number(a.settledCredits) })),
    { id: "chart-credits-per-agreement", title: "Credits settled per agreement" },
  );
  const s = report.summary;
  const findingRows = report.findings.map(
    (f) => `<tr class="finding ${f.severity}" data-code="${escapeHtml(f.code)}">
<td><span class="tag ${f.severity}">${f.severity}</span></td>
<td><code>${escapeHtml(f.code)}</code></td>
<td>${escapeHtml(f.message)}<details><summary>evidence</summary><pre>${escapeHtml(JSON.stringify(f.evidence, null, 2))}</pre></details></td>
<td>${f.transactions.map(txLink).join("<br>")}</td>
</tr>`,
  );
  const balances = Object.entries(report.finalBalances)
    .sort(([, a], [, b]) => (BigInt(b) > BigInt(a) ? 1 : -1))
    .map(
      ([member, value]) =>
        `<tr><td><code>${escapeHtml(member)}</code></td><td class="num">${escapeHtml(value)}</td></tr>`,
    );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>FlowPact audit — ${verdictWord} — chain ${report.chainId} blocks ${report.fromBlock}–${report.toBlock}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; max-width: 1000px; padding: 24px; color: #111827; }
h1 { font-size: 22px; margin: 0 0 8px; } h2 { font-size: 17px; margin-top: 28px; }
.verdict { padding: 16px 20px; border-radius: 8px; color: white; margin: 16px 0; }
.verdict strong { font-size: 26px; display: block; }
.verdict.ok { background: #15803d; } .verdict.anomalies { background: #b45309; } .verdict.fraud { background: #b91c1c; }
table { border-collapse: collapse; width: 100%; } td, th { border-bottom: 1px solid #e5e7eb; padding: 6px 8px; text-align: left; vertical-align: top; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
.tag { border-radius: 4px; padding: 1px 6px; font-size: 12px; color: white; }
.tag.violation { background: #b91c1c; } .tag.anomaly { background: #b45309; } .tag.warning { background: #6b7280; }
.stats { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; }
.stats div { background: #f3f4f6; border-radius: 6px; padding: 8px; } .stats b { display: block; font-size: 18px; }
pre { white-space: pre-wrap; word-break: break-all; font-size: 12px; background: #f9fafb; padding: 6px; }
svg.chart { max-width: 100%; height: auto; display: block; margin: 8px 0; }
</style>
</head>
<body>
<h1>FlowPact audit report</h1>
<div id="verdict" class="verdict ${report.verdict}"><strong>Verdict: ${verdictWord}</strong>${escapeHtml(verdictSentence)}</div>
<p>Chain ${report.chainId}, blocks ${report.fromBlock}–${report.toBlock}, generated ${escapeHtml(report.generatedAt)} from raw JSON-RPC (no consortium database).
${options.reportHash ? `Report hash <code>${escapeHtml(options.reportHash)}</code>.` : ""}
${options.attestation ? `Attested on chain as attestation #${escapeHtml(options.attestation.attestationId)} in ${txLink(options.attestation.transactionHash)}.` : ""}</p>
<div class="stats">
<div><b>${s.agreements}</b>agreements</div><div><b>${s.batches}</b>batches</div><div><b>${s.settlements}</b>settlements</div><div><b>${escapeHtml(s.creditsSettled)}</b>credits settled</div>
<div><b>${s.proofsVerified}</b>receipt proofs verified</div><div><b>${s.violations}</b>violations</div><div><b>${s.anomalies}</b>anomalies</div><div><b>${s.warnings}</b>warnings</div>
</div>
<h2>Credits over time</h2>
${creditsChart}
<h2>Credits per agreement</h2>
${agreementChart}
<h2>Findings (${report.findings.length})</h2>
${report.findings.length === 0 ? "<p>None: every check passed.</p>" : `<table id="findings"><thead><tr><th>severity</th><th>code</th><th>what</th><th>transactions</th></tr></thead><tbody>${findingRows.join("\n")}</tbody></table>`}
<h2>Final balances</h2>
<table><thead><tr><th>member</th><th class="num">credits</th></tr></thead><tbody>${balances.join("")}</tbody></table>
</body>
</html>
`;
}
