import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createApiServer } from "../../../src/api/server";
import { createStore, type Store } from "../../../src/store/store";
import { type ConsortiumState, fillConsortiumState } from "./consortium-state";

const NOW = 1_800_000_000;
const EPOCH = 60;
const TOKEN = "routes-test-operator-token";
const bearer = { authorization: `Bearer ${TOKEN}` };

describe("dashboard API routes", function () {
  this.timeout(120_000);
  let store: Store;
  let app: FastifyInstance;
  let state: ConsortiumState;
  let dashboardDir: string;
  const accepted: Array<[string, bigint]> = [];
  const rejected: Array<[string, bigint]> = [];

  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return { status: res.statusCode, body: res.json() };
  };

  before(async () => {
    store = await createStore({ memory: true });
    state = await fillConsortiumState(store.driver, { now: NOW, epochLength: EPOCH });
    dashboardDir = mkdtempSync(path.join(tmpdir(), "flowpact-dist-"));
    writeFileSync(path.join(dashboardDir, "index.html"), "<!doctype html><title>FlowPact</title>");
    mkdirSync(path.join(dashboardDir, "assets"));
    writeFileSync(path.join(dashboardDir, "assets", "main-abc.js"), "console.log(1)");
    app = await createApiServer({
      store,
      now: () => NOW,
      submissionWindowSeconds: 2 * EPOCH,
      dashboardDir,
      auditReportFile: path.join(dashboardDir, "audit-latest.html"),
      operatorToken: TOKEN,
      acceptProposal: async (member, id) => {
        accepted.push([member, id]);
        return { hash: `0x${"12".repeat(32)}` };
      },
      rejectProposal: async (member, id) => {
        rejected.push([member, id]);
        return undefined;
      },
    });
  });

  after(async () => {
    await app?.close();
    await store?.close();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  it("GET /api/summary counts the consortium and checks the zero-sum ledger", async () => {
    const { status, body } = await get("/api/summary");
    expect(status).to.equal(200);
    expect(body.members).to.deep.equal({ total: 30, byStatus: { admitted: 30 } });
    expect(body.agreements.byStatus).to.deep.equal({
      active: state.activeAgreements.length,
      proposed: state.proposals.length,
    });
    expect(body.batches.byStatus.disputed).to.equal(1);
    expect(body.batches.settledReferrals).to.be.greaterThan(0);
    expect(body.credits.balanceSum).to.equal("0");
    expect(body.audits).to.deep.equal({ attestations: 3, openDisputes: 1, lastVerdict: "anomalies" });
    expect(body.indexer.indexedBlock).to.equal(state.lastBlock);
    expect(body.now).to.equal(NOW);
  });

  it("GET /api/members lists members with names, industries and balances; filters validate", async () => {
    const { status, body } = await get("/api/members");
    expect(status).to.equal(200);
    expect(body.items.map((m: { name: string }) => m.name)).to.have.members(state.members.map((m) => m.name));
    const total = body.items.reduce((acc: bigint, m: { balance: string }) => acc + BigInt(m.balance), 0n);
    expect(total).to.equal(0n);
    const banks = await get("/api/members?industry=1");
    expect(banks.body.items.length).to.equal(state.members.filter((m) => m.industry === 1).length);
    expect(
      banks.body.items.every((m: { industry: { name: string } }) => m.industry.name === "banking"),
    ).to.equal(true);
    expect((await get("/api/members?status=suspended")).body.items).to.deep.equal([]);
    expect((await get("/api/members?industry=abc")).status).to.equal(400);
    expect((await get("/api/members?status=DROP%20TABLE")).status).to.equal(400);
    expect((await get("/api/members?colour=blue")).status).to.equal(400);
  });

  it("GET /api/members/:address accepts any case, returns offers and agreements, 404s unknown members", async () => {
    const member = state.members[0];
    const { status, body } = await get(`/api/members/${member.address.toUpperCase().replace("0X", "0x")}`);
    expect(status).to.equal(200);
    expect(body.member.address).to.equal(member.address);
    expect(body.member.name).to.equal(member.name);
    expect(body.offers.length).to.be.greaterThan(0);
    expect(body.offers[0].state).to.equal("active");
    for (const a of body.agreements) expect(a.parties).to.include(member.address);
    const unknown = await get(`/api/members/0x${"9".repeat(40)}`);
    expect(unknown.status).to.equal(404);
    expect(unknown.body.error).to.equal("NotFound");
    expect((await get("/api/members/0x123")).status).to.equal(400);
  });

  it("GET /api/agreements pages and filters by status and member", async () => {
    const all = await get("/api/agreements?limit=5&offset=0");
    expect(all.status).to.equal(200);
    expect(all.body.total).to.equal(state.activeAgreements.length + state.proposals.length);
    expect(all.body.items.length).to.equal(5);
    const next = await get("/api/agreements?limit=5&offset=5");
    expect(next.body.items[0].id).to.not.equal(all.body.items[0].id);
    const proposed = await get("/api/agreements?status=proposed");
    expect(proposed.body.items.map((a: { id: string }) => a.id)).to.have.members(
      state.proposals.map((p) => p.id),
    );
    const member = state.proposals[0].waitingFor[0];
    const mine = await get(`/api/agreements?member=${member}`);
    expect(mine.body.items.length).to.be.greaterThan(0);
    for (const a of mine.body.items) expect(a.parties).to.include(member);
    const kinds = new Set(
      (await get("/api/agreements?limit=500")).body.items.map((a: { kind: string }) => a.kind),
    );
    expect([...kinds]).to.include("cycle");
    for (const bad of ["limit=0", "limit=501", "offset=-1", "status=pending", "member=nobody", "limit=1.5"])
      expect((await get(`/api/agreements?${bad}`)).status, bad).to.equal(400);
  });

  it("GET /api/agreements/:id shows each epoch as settled, pending, disputed, missing or open", async () => {
    const { status, body } = await get(`/api/agreements/${state.agreementWithMissingEpoch}`);
    expect(status).to.equal(200);
    expect(body.agreement.status).to.equal("active");
    expect(body.agreement.currentEpoch).to.equal(11);
    expect(body.epochs[0].epoch).to.equal(11);
    expect(body.epochs[0].state).to.equal("open");
    const epoch2 = body.epochs.find((e: { epoch: number }) => e.epoch === 2);
    expect(epoch2.state).to.equal("missing");
    expect(body.epochTotals.missing).to.equal(body.agreement.flowCount);
    expect(body.epochTotals.settled).to.be.greaterThan(0);
    const disputed = (await get("/api/batches?status=disputed")).body.items[0];
    const withDispute = await get(`/api/agreements/${disputed.agreementId}`);
    const e = withDispute.body.epochs.find((x: { epoch: number }) => x.epoch === disputed.epoch);
    expect(e.state).to.equal("disputed");
    const proposed = await get(`/api/agreements/${state.proposals[0].id}`);
    expect(proposed.body.epochs).to.deep.equal([]);
    expect((await get("/api/agreements/99999")).status).to.equal(404);
    for (const bad of ["abc", "-1", "01", "1e3", "9".repeat(79)])
      expect((await get(`/api/agreements/${bad}`)).status, bad).to.equal(400);
  });

  it("GET /api/batches filters by status, agreement and member and carries disputes", async () => {
    const disputed = await get("/api/batches?status=disputed");
    expect(disputed.body.total).to.equal(1);
    expect(disputed.body.items[0].dispute.status).to.equal("open");
    expect(disputed.body.items[0].cosigned).to.equal(false);
    const one = state.activeAgreements[0];
    const byAgreement = await get(`/api/batches?agreement=${one}&limit=500`);
    expect(byAgreement.body.items.every((b: { agreementId: string }) => b.agreementId === one)).to.equal(
      true,
    );
    const member = state.members[0].address;
    const byMember = await get(`/api/batches?member=${member}&limit=500`);
    for (const b of byMember.body.items) expect([b.from, b.to]).to.include(member);
    expect((await get("/api/batches?status=lost")).status).to.equal(400);
  });

  it("GET /api/balances/history rebuilds each balance from the postings and ends on the ledger's", async () => {
    const { status, body } = await get("/api/balances/history?top=3&points=4");
    expect(status).to.equal(200);
    expect(body.series.length).to.equal(3);
    const members = (await get("/api/members")).body.items as Array<{ address: string; balance: string }>;
    for (const series of body.series) {
      expect(series.points.length).to.be.at.most(4);
      expect(series.points[0].balance).to.equal("0");
      expect(series.points.at(-1).balance).to.equal(series.balance);
      expect(series.balance).to.equal(members.find((m) => m.address === series.member)!.balance);
    }
    const chosen = state.members.slice(0, 2).map((m) => m.address);
    const picked = await get(`/api/balances/history?members=${chosen.join(",")}`);
    expect(picked.body.series.map((s: { member: string }) => s.member)).to.deep.equal(chosen);
    for (const bad of ["members=0x1", "top=0", "top=51", "points=1", `members=${chosen[0]},`])
      expect((await get(`/api/balances/history?${bad}`)).status, bad).to.equal(400);
  });

  it("GET /api/network has every member as a node, settled flows as edges, cycles flagged", async () => {
    const { status, body } = await get("/api/network");
    expect(status).to.equal(200);
    expect(body.nodes.map((n: { id: string }) => n.id)).to.have.members(state.members.map((m) => m.address));
    const settled = body.edges.filter((e: { settledReferrals: number }) => e.settledReferrals > 0);
    expect(settled.length).to.be.greaterThan(0);
    expect(body.cycles.length).to.be.greaterThan(0);
    for (const cycle of body.cycles) {
      expect(cycle.members.length).to.be.at.least(3);
      for (const [k, from] of cycle.members.entries()) {
        const to = cycle.members[(k + 1) % cycle.members.length];
        const edge = body.edges.find(
          (e: { from: string; to: string; state: string }) =>
            e.from === from && e.to === to && e.state === "running",
        );
        expect(edge.cycle).to.equal(true);
      }
    }
    expect(body.edges.some((e: { state: string }) => e.state === "proposed")).to.equal(true);
  });

  it("GET /api/audits lists attestations with verdict counts and disputes", async () => {
    const { status, body } = await get("/api/audits?limit=2");
    expect(status).to.equal(200);
    expect(body.total).to.equal(3);
    expect(body.attestations.length).to.equal(2);
    expect(body.verdicts).to.deep.equal({ clean: 2, anomalies: 1 });
    expect(body.disputes.map((d: { status: string }) => d.status)).to.have.members(["open", "resolved"]);
  });

  it("serves the auditor's latest HTML report once there is one, and links it from /api/audits", async () => {
    const missing = await app.inject({ method: "GET", url: "/audits/latest.html" });
    expect(missing.statusCode).to.equal(404);
    expect(missing.json().error).to.equal("NotFound");
    expect((await get("/api/audits")).body.reportUrl).to.equal(null);
    writeFileSync(path.join(dashboardDir, "audit-latest.html"), "<!doctype html><h1>Verdict: OK</h1>");
    const report = await app.inject({ method: "GET", url: "/audits/latest.html" });
    expect(report.statusCode).to.equal(200);
    expect(report.headers["content-type"]).to.contain("text/html");
    expect(report.headers["content-security-policy"]).to.contain("default-src 'none'");
    expect(report.body).to.contain("Verdict: OK");
    expect((await get("/api/audits")).body.reportUrl).to.equal("/audits/latest.html");
  });

  it("member proposals: list, accept and reject through the injected actions, with 4xx for bad requests", async () => {
    const proposal = state.proposals[0];
    const member = proposal.waitingFor[0];
    const list = await get(`/api/members/${member}/proposals`);
    expect(list.status).to.equal(200);
    const mine = list.body.items.find((p: { id: string }) => p.id === proposal.id);
    expect(mine.acceptedByMember).to.equal(false);
    expect(mine.expired).to.equal(false);

    const acceptUrl = `/api/members/${member}/proposals/${proposal.id}/accept`;
    // Without the custom header (what a cross-site form or fetch would send) nothing is sent.
    expect((await app.inject({ method: "POST", url: acceptUrl, headers: bearer })).statusCode).to.equal(400);
    const wrong = await app.inject({
      method: "POST",
      url: acceptUrl,
      headers: { "x-flowpact-action": "reject", ...bearer },
    });
    expect(wrong.statusCode).to.equal(400);
    expect(wrong.json().message).to.contain("x-flowpact-action");
    expect(accepted).to.deep.equal([]);
    const accept = await app.inject({
      method: "POST",
      url: acceptUrl,
      headers: { "x-flowpact-action": "accept", ...bearer },
    });
    expect(accept.statusCode).to.equal(202);
    expect(accept.json()).to.deep.equal({
      agreementId: proposal.id,
      member,
      action: "accept",
      hash: `0x${"12".repeat(32)}`,
    });
    expect(accepted).to.deep.equal([[member, BigInt(proposal.id)]]);

    const reject = await app.inject({
      method: "POST",
      url: `/api/members/${member}/proposals/${proposal.id}/reject`,
      headers: { "content-type": "application/json", "x-flowpact-action": "reject", ...bearer },
      payload: "",
    });
    expect(reject.statusCode).to.equal(202);
    expect(rejected).to.deep.equal([[member, BigInt(proposal.id)]]);

    const post = async (url: string) =>
      (await app.inject({ method: "POST", url, headers: { "x-flowpact-action": "accept", ...bearer } }))
        .statusCode;
    const accepter = state.proposals[0];
    const alreadyAccepted = (await get(`/api/agreements/${accepter.id}`)).body.agreement.acceptedBy[0];
    expect(await post(`/api/members/${alreadyAccepted}/proposals/${accepter.id}/accept`)).to.equal(409);
    const active = state.activeAgreements[0];
    const activeParty = (await get(`/api/agreements/${active}`)).body.agreement.parties[0];
    expect(await post(`/api/members/${activeParty}/proposals/${active}/accept`)).to.equal(409);
    const outsider = state.members.find((m) => !mine.parties.includes(m.address))!.address;
    expect(await post(`/api/members/${outsider}/proposals/${proposal.id}/accept`)).to.equal(404);
    expect(await post(`/api/members/${member}/proposals/424242/accept`)).to.equal(404);
    expect(await post(`/api/members/nobody/proposals/${proposal.id}/accept`)).to.equal(400);
    expect(accepted.length).to.equal(1);
    expect((await get(`/api/members/0x${"7".repeat(40)}/proposals`)).status).to.equal(404);
  });

  it("accept is 501 without member keys and 502 when the chain refuses", async () => {
    const proposal = state.proposals[1];
    const member = proposal.waitingFor[0];
    const url = `/api/members/${member}/proposals/${proposal.id}/accept`;
    const keyless = await createApiServer({
      store,
      now: () => NOW,
      dashboardDir: false,
      operatorToken: TOKEN,
    });
    const refusing = await createApiServer({
      store,
      now: () => NOW,
      dashboardDir: false,
      operatorToken: TOKEN,
      acceptProposal: async () => {
        throw new Error("AgreementBookNotParty(7, 0x…)");
      },
    });
    try {
      const headers = { "x-flowpact-action": "accept", ...bearer };
      const none = await keyless.inject({ method: "POST", url, headers });
      expect(none.statusCode).to.equal(501);
      expect(none.json().error).to.equal("NotConfigured");
      const failed = await refusing.inject({ method: "POST", url, headers });
      expect(failed.statusCode).to.equal(502);
      expect(failed.json().message).to.contain("AgreementBookNotParty");
      expect((await keyless.inject({ url: "/" })).statusCode).to.equal(404);
    } finally {
      await keyless.close();
      await refusing.close();
    }
  });

  it("GET /api/openapi.json documents every route from its schemas", async () => {
    const { status, body } = await get("/api/openapi.json");
    expect(status).to.equal(200);
    expect(body.openapi).to.equal("3.1.0");
    expect(Object.keys(body.paths)).to.have.members([
      "/api/summary",
      "/api/members",
      "/api/members/{address}",
      "/api/members/{address}/proposals",
      "/api/members/{address}/proposals/{id}/accept",
      "/api/members/{address}/proposals/{id}/reject",
      "/api/agreements",
      "/api/agreements/{id}",
      "/api/batches",
      "/api/balances/history",
      "/api/network",
      "/api/audits",
    ]);
    const getMember = body.paths["/api/members/{address}"].get;
    expect(getMember.parameters[0]).to.include({ name: "address", in: "path", required: true });
    expect(getMember.parameters[0].schema.pattern).to.equal("^0x[0-9a-fA-F]{40}$");
    expect(getMember.responses["200"].content["application/json"].schema.properties.member).to.be.an(
      "object",
    );
    const list = body.paths["/api/agreements"].get;
    expect(list.parameters.map((p: { name: string }) => p.name)).to.have.members([
      "status",
      "member",
      "limit",
      "offset",
    ]);
    const accept = body.paths["/api/members/{address}/proposals/{id}/accept"].post;
    expect(accept.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`)).to.have.members([
      "path:address",
      "path:id",
      "header:x-flowpact-action",
    ]);
    expect(accept.responses).to.have.keys("202", "400", "401", "404", "409", "501", "502");
  });

  it("serves the built dashboard and JSON 404s for anything else", async () => {
    const index = await app.inject({ url: "/" });
    expect(index.statusCode).to.equal(200);
    expect(index.headers["content-type"]).to.contain("text/html");
    const asset = await app.inject({ url: "/assets/main-abc.js" });
    expect(asset.statusCode).to.equal(200);
    expect(asset.headers["cache-control"]).to.contain("immutable");
    for (const url of [
      "/assets/../../../package.json",
      "/assets/%2e%2e/%2e%2e/package.json",
      "/assets/nothing.js",
      "/nope",
    ]) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).to.equal(404);
      expect(res.json().error).to.equal("NotFound");
    }
  });
});
