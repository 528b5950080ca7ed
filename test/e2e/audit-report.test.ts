import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { expect } from "chai";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { runAudit } from "../../src/audit/run-audit";
import { createOutboundClient } from "../../src/net";
import { type ProofServer, startProofServer } from "../service/audit/proof-server";
import {
  type AuditChain,
  admitMembers,
  commitBatch,
  createAuditChain,
  makeAgreement,
} from "../service/audit/scenario";
import { type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

describe("audit HTML report in a real browser", function () {
  this.timeout(150_000);
  let node: LocalNode;
  let chain: AuditChain;
  let proofs: ProofServer;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let outDir: string;
  let members: `0x${string}`[];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log("audit report browser test skipped: /usr/bin/chromium is not installed");
      this.skip();
    }
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    members = await admitMembers(chain, [1, 2, 3]);
    proofs = await startProofServer({
      chainId: chain.deployment.chainId,
      settlement: chain.deployment.contracts.Settlement,
      auditors: [chain.governor.address],
      trees: chain.trees,
    });
    const { agreementId } = await makeAgreement(
      chain,
      [1, 2, 3],
      [
        { from: 1, to: 2, segments: 0x1n, cap: 10n, rate: 5n },
        { from: 2, to: 3, segments: 0x2n, cap: 10n, rate: 4n },
        { from: 3, to: 1, segments: 0x4n, cap: 10n, rate: 3n },
      ],
      { relayed: true },
    );
    for (const epoch of [0n, 1n]) {
      await chain.advance(epoch === 0n ? 1_105 : 1_000);
      await commitBatch(chain, 1, 2, agreementId, 0, epoch, 6 + Number(epoch));
      await commitBatch(chain, 2, 3, agreementId, 1, epoch, 4);
      await commitBatch(chain, 3, 1, agreementId, 2, epoch, 8 - Number(epoch));
    }
    outDir = mkdtempSync(path.join(tmpdir(), "flowpact-audit-html-"));
    userDataDir = mkdtempSync(path.join(tmpdir(), "flowpact-chromium-"));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1200, height: 900 },
    });
    page = context.pages()[0] ?? (await context.newPage());
  });

  after(async () => {
    await context?.close();
    await proofs?.close();
    await node?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("opens a clean audit's report and shows the verdict and both charts", async () => {
    const result = await runAudit({
      rpcUrl: node.rpcUrl,
      deployment: chain.deployment,
      auditor: chain.governor,
      nodeUrls: proofs.nodeUrls(members),
      outbound: createOutboundClient({ allowPrivateNetworks: true }),
      outDir,
    });
    expect(result.report.verdict).to.equal("ok");
    await page.goto(pathToFileURL(result.files.html as string).href);
    expect(await page.locator("#verdict").textContent()).to.contain("Verdict: OK");
    const overTime = page.locator("svg#chart-credits-over-time");
    expect(await overTime.isVisible()).to.equal(true);
    expect(await overTime.locator("path.series").count()).to.equal(3); // one line per member
    const box = await overTime.boundingBox();
    expect(box?.width).to.be.greaterThan(300);
    const perAgreement = page.locator("svg#chart-credits-per-agreement");
    expect(await perAgreement.locator("g.bar").count()).to.equal(1);
    expect(await perAgreement.innerHTML()).to.contain(result.report.agreements[0].settledCredits);
    expect(await page.locator("body").textContent()).to.contain("None: every check passed.");
  });

  it("shows a FRAUD verdict with findings that link to the explorer", async () => {
    proofs.tamper.add(members[0].toLowerCase());
    const result = await runAudit({
      rpcUrl: node.rpcUrl,
      deployment: chain.deployment,
      auditor: chain.governor,
      nodeUrls: proofs.nodeUrls(members),
      outbound: createOutboundClient({ allowPrivateNetworks: true }),
      outDir,
      explorerTxUrl: "https://explorer.example/tx/{tx}",
    });
    proofs.tamper.clear();
    expect(result.report.verdict).to.equal("fraud");
    await page.goto(pathToFileURL(result.files.html as string).href);
    expect(await page.locator("#verdict").textContent()).to.contain("Verdict: FRAUD");
    const rows = page.locator('#findings tr.finding[data-code="proof-invalid"]');
    expect(await rows.count()).to.equal(2);
    const href = await rows.first().locator("a").first().getAttribute("href");
    expect(href).to.match(/^https:\/\/explorer\.example\/tx\/0x[0-9a-f]{64}$/);
    expect(await page.locator("svg.chart").count()).to.equal(2);
  });
});
