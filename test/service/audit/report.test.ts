import { expect } from "chai";
import type { Address, Hash } from "viem";
import { finding } from "../../../src/audit/findings";
import { renderHtmlReport } from "../../../src/audit/html-report";
import type { AuditModel } from "../../../src/audit/model";
import { createProgressDisplay } from "../../../src/audit/progress";
import { auditReportHash, buildAuditReport } from "../../../src/audit/report";
import { formatTerminalSummary } from "../../../src/audit/terminal-summary";

const alice = "0x00000000000000000000000000000000000000a1" as Address;
const bob = "0x00000000000000000000000000000000000000b0" as Address;
const contracts = {
  Consortium: alice,
  OfferBook: alice,
  AgreementBook: alice,
  CreditLedger: alice,
  Settlement: alice,
};
const model: AuditModel = {
  agreements: [],
  batches: [],
  members: [],
  balanceTimeline: [
    { blockNumber: 5n, timestamp: 100n, balances: { [alice]: 20n, [bob]: -20n } },
    { blockNumber: 9n, timestamp: 200n, balances: { [alice]: 5n, [bob]: -5n } },
  ],
  finalBalances: { [alice]: 5n, [bob]: -5n },
  arrears: [],
  offeredMaxRates: {},
  counts: { events: 10, agreements: 1, batches: 2, settlements: 2, transfers: 1, attestations: 0 },
};
const tx = `0x${"12".repeat(32)}` as Hash;
const build = (findings: ReturnType<typeof finding>[]) =>
  buildAuditReport({
    chainId: 31337,
    contracts,
    fromBlock: 1n,
    toBlock: 9n,
    model,
    findings,
    generatedAt: new Date(0),
  });

describe("audit reports", () => {
  it("puts the verdict first, worst findings first, in the terminal summary", () => {
    const report = build([
      finding("traffic-spike", "a spike", {}, [tx]),
      finding("zero-sum-broken", "credits from nowhere", { sum: 5n }, [tx], 9n),
    ]);
    expect(report.verdict).to.equal("fraud");
    const lines = formatTerminalSummary(report).split("\n");
    expect(lines[0]).to.match(/^VERDICT: FRAUD/);
    expect(lines[3]).to.contain("VIOLATION zero-sum-broken");
    expect(lines[4]).to.contain("ANOMALY");
    expect(report.findings[0].evidence).to.deep.equal({ sum: "5" });
  });

  it("hashes the report text deterministically and changes the hash with any finding", () => {
    const clean = build([]);
    expect(clean.verdict).to.equal("ok");
    expect(auditReportHash(clean)).to.equal(auditReportHash(build([])));
    expect(auditReportHash(build([finding("claim-awaiting-finalisation", "pending")]))).to.not.equal(
      auditReportHash(clean),
    );
  });

  it("renders a self-contained HTML report that escapes what it shows", () => {
    const report = build([finding("proof-invalid", "<script>alert(1)</script>", { node: "<b>" }, [tx])]);
    const html = renderHtmlReport(report, { explorerTxUrl: "https://scan.example/tx/{tx}" });
    expect(html).to.not.contain("<script>");
    expect(html).to.contain("&lt;script&gt;");
    expect(html).to.contain(`href="https://scan.example/tx/${tx}"`);
    expect(html).to.not.match(/<(script|link)\b/); // nothing loaded from anywhere
    expect(html.match(/<svg /g)?.length).to.equal(2);
    expect(html).to.contain("Verdict: FRAUD");
  });

  it("prints one line per phase when the output is not a terminal", () => {
    const written: string[] = [];
    const stream = { isTTY: false, write: (s: string) => written.push(s) } as unknown as NodeJS.WriteStream;
    const display = createProgressDisplay(stream);
    for (let done = 0; done <= 3; done++) display.update({ phase: "logs", done, total: 3 });
    display.update({ phase: "verify", done: 1, total: 1 });
    display.done();
    expect(written).to.deep.equal(["reading events…\n", "verifying…\n"]);
  });
});
