import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type BrowserContext, chromium, type Page } from "playwright-core";
import { type ApiServer, createApiServer } from "../../src/api/server";
import { acceptAgreement, type FlowPactClient, proposeAgreement } from "../../src/chain";
import { createIndexer } from "../../src/indexer";
import type { Queryable } from "../../src/store/driver";
import { createStore, type Store } from "../../src/store/store";
import { buildDashboard } from "../../src/web/build";
import { type ConsortiumState, fillConsortiumState } from "../service/api/consortium-state";
import { deployOnNode } from "../service/helpers/flowpact";
import { type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";
import { admitMembers, runLifecycle } from "../service/helpers/scenario";

const CHROMIUM = "/usr/bin/chromium";
/** The fixture state (the README shows the live demo's, taken by start.test.ts). */
const SCREENSHOT = path.join(__dirname, "screenshots", "dashboard-fixture.png");
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

let skipAnnounced = false;

/** Skips a suite when chromium is missing, saying so in exactly one line for the whole file. */
function skipWithoutChromium(context: Mocha.Context): never {
  if (!skipAnnounced) console.log("dashboard browser test skipped: /usr/bin/chromium is not installed");
  skipAnnounced = true;
  context.skip();
}

/** Debian's chromium with a fresh profile directory (removed by the caller). */
async function launchBrowser(userDataDir: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1366, height: 768 },
    deviceScaleFactor: 1,
  });
  return { context, page: context.pages()[0] ?? (await context.newPage()) };
}

/**
 * Accepts like the member node and the indexer together would: records the call, then updates
 * the agreement row as the indexer does on `AgreementAccepted` (and `AgreementActivated` once
 * every party has accepted).
 */
function recordingAcceptance(db: Queryable, calls: Array<{ member: string; agreementId: bigint }>) {
  return async (member: string, agreementId: bigint) => {
    calls.push({ member, agreementId });
    await db.query(
      `UPDATE agreements SET accepted_by = accepted_by || jsonb_build_array($2::text), updated_block = updated_block + 1
        WHERE agreement_id = $1`,
      [agreementId, member],
    );
    await db.query(
      `UPDATE agreements SET status = 'active'
        WHERE agreement_id = $1 AND (SELECT count(*) FROM jsonb_array_elements_text(parties) p
                                      WHERE NOT accepted_by ? p) = 0`,
      [agreementId],
    );
    return { hash: `0x${"ab".repeat(32)}` };
  };
}

describe("dashboard in a real browser (30-member consortium state)", function () {
  this.timeout(170_000);
  let store: Store;
  let app: ApiServer;
  let context: BrowserContext;
  let page: Page;
  let state: ConsortiumState;
  let url: string;
  let userDataDir: string;
  const calls: Array<{ member: string; agreementId: bigint }> = [];
  /** What the browser refused under the page's Content-Security-Policy (must stay empty). */
  const violations: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) skipWithoutChromium(this);
    const dashboardDir = await buildDashboard();
    store = await createStore({ memory: true });
    const now = Math.floor(Date.now() / 1000);
    state = await fillConsortiumState(store.driver, { now, epochLength: 60 });
    app = await createApiServer({
      store,
      dashboardDir,
      acceptProposal: recordingAcceptance(store.driver, calls),
      // Two epochs to submit a batch, so the skipped epoch shows as missing.
      submissionWindowSeconds: 120,
    });
    url = await app.listen({ host: "127.0.0.1", port: 0 });
    userDataDir = mkdtempSync(path.join(tmpdir(), "flowpact-chromium-"));
    ({ context, page } = await launchBrowser(userDataDir));
    page.on("console", (message) => {
      if (message.text().includes("Content Security Policy")) violations.push(message.text());
    });
    const member = state.proposals[0].waitingFor[0];
    // The URL `npm start` prints: the operator token in the fragment.
    await page.goto(`${url}/#member=${member}&token=${app.operatorToken}`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 60_000 });
  });

  after(async () => {
    await context?.close();
    await app?.close();
    await store?.close();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("draws every member in the network graph and at least one settled flow", async () => {
    const drawn = await page.$$eval("#graph g.node", (nodes) =>
      nodes.map((n) => n.getAttribute("data-member")),
    );
    expect(drawn).to.have.members(state.members.map((m) => m.address));
    const settled = await page.$$eval("#graph path.edge", (edges) =>
      edges.map((e) => Number(e.getAttribute("data-settled"))).filter((n) => n > 0),
    );
    expect(settled.length).to.be.greaterThan(0);
    expect(await page.locator("#graph path.edge[data-cycle]").count()).to.be.greaterThan(0);
    const labels = await page.$$eval("#graph g.node text", (texts) => texts.map((t) => t.textContent));
    expect(labels).to.include.members(state.members.map((m) => m.name));
  });

  it("fills the agreements, batches, balances and audits", async () => {
    expect(await page.locator("#agreements-table tbody tr[data-agreement]").count()).to.equal(
      state.activeAgreements.length + state.proposals.length,
    );
    expect(await page.locator("#batches-table tbody tr[data-batch]").count()).to.equal(40);
    for (const status of ["committed", "claimed"])
      expect(await page.locator(`#batches-table tr[data-status=${status}]`).count()).to.be.greaterThan(0);
    expect(await page.locator("#balance-chart path.series").count()).to.equal(6);
    expect(await page.locator("#audits li[data-verdict]").count()).to.equal(3);
    expect(await page.locator('[data-stat="members"] .value').textContent()).to.equal(
      String(state.members.length),
    );
    await page.click(`#agreements-table tr[data-agreement="${state.agreementWithMissingEpoch}"]`);
    await page.waitForSelector("#agreement-detail .epoch[data-state=missing]");
    expect(await page.locator("#agreement-detail .epoch[data-state=settled]").count()).to.be.greaterThan(5);
  });

  it("moves the operator token from the URL fragment to sessionStorage; runs under its CSP", async () => {
    expect(page.url()).to.not.contain("token");
    expect(new URL(page.url()).hash).to.equal(`#member=${state.proposals[0].waitingFor[0]}`);
    expect(await page.evaluate(() => sessionStorage.getItem("flowpact.operatorToken"))).to.equal(
      app.operatorToken,
    );
    expect(violations).to.deep.equal([]);
  });

  it("refuses to act from a tab opened without the token, and sends nothing", async () => {
    const proposal = state.proposals[0];
    const bare = await context.newPage();
    try {
      await bare.goto(`${url}/#member=${proposal.waitingFor[0]}`);
      await bare.waitForSelector("body[data-loaded=true]", { timeout: 60_000 });
      const card = bare.locator(`#member-view [data-proposal="${proposal.id}"]`);
      await card.locator("button[data-action=accept]").click();
      await bare.waitForSelector("#toast.show.bad");
      expect(await bare.locator("#toast").textContent()).to.contain("operator token");
      expect(calls).to.deep.equal([]);
    } finally {
      await bare.close();
    }
  });

  it("lets a member accept a proposal from its own view", async () => {
    const proposal = state.proposals[0];
    const member = proposal.waitingFor[0];
    expect(await page.locator("#member-select").inputValue()).to.equal(member);
    const card = page.locator(`#member-view [data-proposal="${proposal.id}"]`);
    await card.waitFor();
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    await card.locator("button[data-action=accept]").click();
    // Every other party had accepted: the agreement activates and leaves the member's proposals.
    await card.waitFor({ state: "detached", timeout: 15_000 });
    expect(calls).to.deep.equal([{ member, agreementId: BigInt(proposal.id) }]);
    await page.waitForSelector(`#agreements-table tr[data-agreement="${proposal.id}"] .badge.good`);
    expect(await page.locator("#toast").textContent()).to.contain(`Accepted agreement #${proposal.id}`);
  });

  it("shows every member with its short address, and marks two members showing the same name", async () => {
    const addresses = await page.$$eval("#graph g.node text.address", (texts) =>
      texts.map((t) => t.textContent),
    );
    expect(addresses.length).to.equal(state.members.length);
    const [original, impostor] = state.members;
    await store.driver.query("UPDATE members SET uri = $2 WHERE address = $1", [
      impostor.address,
      `data:application/json,${encodeURIComponent(JSON.stringify({ name: original.name }))}`,
    ]);
    await page.waitForSelector("#graph text.address.duplicate", { timeout: 15_000 });
    const marked = await page.$$eval("#graph g.node:has(text.address.duplicate)", (nodes) =>
      nodes.map((n) => n.getAttribute("data-member")),
    );
    expect(marked).to.have.members([original.address, impostor.address]);
    const options = await page.$$eval("#member-select option", (all) => all.map((o) => o.textContent ?? ""));
    expect(options.filter((o) => o.startsWith(`⚠ ${original.name} (0x`))).to.have.length(2);
    expect(violations).to.deep.equal([]);
  });
});

/**
 * The real stack end to end: a Hardhat node with FlowPact deployed, members admitted, a 3-party
 * cycle agreement with a co-signed batch settled into the ledger (test/service/helpers/scenario),
 * the indexer filling the store from the chain's events, and a proposal the member accepts from
 * the dashboard: the server sends `AgreementBook.accept` with the member's key, the indexer picks
 * up the events, and the page shows the agreement active.
 */
describe("dashboard on a real chain: accepting a proposal sends AgreementBook.accept", function () {
  this.timeout(170_000);
  let node: LocalNode;
  let store: Store;
  let app: ApiServer;
  let context: BrowserContext;
  let page: Page;
  let userDataDir: string;
  let members: FlowPactClient[];
  let proposalId: bigint;
  let waiting: string;
  const hashes: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) skipWithoutChromium(this);
    const dashboardDir = await buildDashboard();
    node = await startHardhatNode();
    const { governor } = await deployOnNode(node);
    const scenario = await admitMembers(node, governor, 4);
    members = scenario.members;
    await runLifecycle(node, scenario);
    // A pair proposed by the matcher: member 4 has accepted, member 1 has not yet.
    const [first, , , fourth] = members.map((m) => m.walletClient!.account.address);
    const block = await node.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
    const t = BigInt(block.timestamp);
    ({ agreementId: proposalId } = await proposeAgreement(governor, {
      parties: [fourth, first],
      flows: [
        { from: fourth, to: first, segments: 3n, capPerEpoch: 50n, rate: 5n },
        { from: first, to: fourth, segments: 4n, capPerEpoch: 40n, rate: 6n },
      ],
      schedule: { start: t + 600n, end: t + 600n + 20n * 3600n, epochLength: 3600n, noticeEpochs: 1n },
      proposalExpiry: t + 300n,
    }));
    await acceptAgreement(members[3], { agreementId: proposalId });
    waiting = first.toLowerCase();

    store = await createStore({ memory: true });
    const indexer = createIndexer({
      store,
      publicClient: governor.publicClient,
      deployment: governor.deployment,
      settings: { confirmations: 0, finalityDepth: 0, logRange: 1_000, pollIntervalMs: 50 },
    });
    await indexer.run({ once: true });
    let chainNow = Number(t);
    const byAddress = new Map(members.map((m) => [m.walletClient!.account.address.toLowerCase(), m]));
    app = await createApiServer({
      store,
      dashboardDir,
      now: () => chainNow,
      acceptProposal: async (member, agreementId) => {
        const client = byAddress.get(member);
        if (!client) throw new Error(`this test holds no key for ${member}`);
        const { hash } = await acceptAgreement(client, { agreementId });
        hashes.push(hash);
        await indexer.run({ once: true });
        const latest = await node.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
        chainNow = Number(BigInt(latest.timestamp));
        return { hash };
      },
    });
    const url = await app.listen({ host: "127.0.0.1", port: 0 });
    userDataDir = mkdtempSync(path.join(tmpdir(), "flowpact-chromium-"));
    ({ context, page } = await launchBrowser(userDataDir));
    await page.goto(`${url}/#member=${waiting}&token=${app.operatorToken}`);
    await page.waitForSelector("body[data-loaded=true]", { timeout: 60_000 });
  });

  after(async () => {
    await context?.close();
    await app?.close();
    await store?.close();
    await node?.stop();
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  });

  it("shows the indexed members, the settled cycle flow, and activates the accepted agreement on chain", async () => {
    const drawn = await page.$$eval("#graph g.node", (nodes) =>
      nodes.map((n) => n.getAttribute("data-member")),
    );
    expect(drawn).to.include.members(members.map((m) => m.walletClient!.account.address.toLowerCase()));
    const settled = await page.$$eval("#graph path.edge", (edges) =>
      edges
        .filter((e) => Number(e.getAttribute("data-settled")) === 42)
        .map((e) => e.hasAttribute("data-cycle")),
    );
    expect(settled).to.deep.equal([true]);
    expect(await page.locator("#batches-table tr[data-status=committed]").count()).to.equal(1);
    expect(await page.locator("#agreements-table tbody tr[data-agreement]").count()).to.equal(3);

    const card = page.locator(`#member-view [data-proposal="${proposalId}"]`);
    await card.locator("button[data-action=accept]").click();
    await card.waitFor({ state: "detached", timeout: 30_000 });
    expect(hashes.length).to.equal(1);
    const [row] = await store.driver.query<{ status: string; accepted_by: string[] }>(
      "SELECT status, accepted_by FROM agreements WHERE agreement_id = $1",
      [proposalId],
    );
    expect(row.status).to.equal("active");
    expect(row.accepted_by).to.include(waiting);
    await page.waitForSelector(`#agreements-table tr[data-agreement="${proposalId}"] .badge.good`);
  });
});
