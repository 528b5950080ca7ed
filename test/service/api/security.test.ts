import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import { createApiServer } from "../../../src/api/server";
import { createStore, type Store } from "../../../src/store/store";
import { type ConsortiumState, fillConsortiumState } from "./consortium-state";

const NOW = 1_800_000_000;
const TOKEN = "operator-token-for-tests-0123456789";

/**
 * The dashboard API's inbound defences: the operator token on member actions, the Host and Origin
 * checks (DNS rebinding, cross-site requests), the framing and content policies on every page, and
 * the per-client rate limits (proxy headers trusted only from a configured proxy, IPv6 by /64).
 */
describe("dashboard API inbound defences", function () {
  this.timeout(120_000);
  let store: Store;
  let app: FastifyInstance;
  let state: ConsortiumState;
  let dashboardDir: string;
  const accepted: Array<[string, bigint]> = [];

  before(async () => {
    store = await createStore({ memory: true });
    state = await fillConsortiumState(store.driver, { now: NOW, epochLength: 60 });
    dashboardDir = mkdtempSync(path.join(tmpdir(), "flowpact-dist-"));
    writeFileSync(path.join(dashboardDir, "index.html"), "<!doctype html><title>FlowPact</title>");
    writeFileSync(path.join(dashboardDir, "audit-latest.html"), "<!doctype html><h1>Verdict: OK</h1>");
    mkdirSync(path.join(dashboardDir, "assets"));
    app = await createApiServer({
      store,
      now: () => NOW,
      dashboardDir,
      auditReportFile: path.join(dashboardDir, "audit-latest.html"),
      operatorToken: TOKEN,
      acceptProposal: async (member, id) => {
        accepted.push([member, id]);
        return { hash: `0x${"12".repeat(32)}` };
      },
    } as Parameters<typeof createApiServer>[0]);
  });

  after(async () => {
    await app?.close();
    await store?.close();
    rmSync(dashboardDir, { recursive: true, force: true });
  });

  const acceptUrl = () => {
    const proposal = state.proposals[0];
    return `/api/members/${proposal.waitingFor[0]}/proposals/${proposal.id}/accept`;
  };

  it("refuses a member action without the operator token (401) or with a wrong one, and sends it with the right one", async () => {
    const none = await app.inject({
      method: "POST",
      url: acceptUrl(),
      headers: { "x-flowpact-action": "accept" },
    });
    expect(none.statusCode).to.equal(401);
    expect(none.json().error).to.equal("Unauthorized");
    const wrong = await app.inject({
      method: "POST",
      url: acceptUrl(),
      headers: { "x-flowpact-action": "accept", authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.statusCode).to.equal(401);
    expect(accepted).to.deep.equal([]);
    const right = await app.inject({
      method: "POST",
      url: acceptUrl(),
      headers: { "x-flowpact-action": "accept", authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).to.equal(202);
    expect(accepted.length).to.equal(1);
  });

  it("refuses another Host (a DNS-rebinding page) with 421, on reads and actions alike", async () => {
    for (const host of ["evil.example", "evil.example:8480", "127.0.0.1.evil.example"]) {
      const read = await app.inject({ url: "/api/summary", headers: { host } });
      expect(read.statusCode, host).to.equal(421);
      expect(read.json().error).to.equal("MisdirectedRequest");
      const act = await app.inject({
        method: "POST",
        url: acceptUrl(),
        headers: { host, "x-flowpact-action": "accept", authorization: `Bearer ${TOKEN}` },
      });
      expect(act.statusCode, host).to.equal(421);
    }
    for (const host of ["127.0.0.1:8480", "localhost:8480", "[::1]:8480", "localhost"])
      expect((await app.inject({ url: "/api/summary", headers: { host } })).statusCode, host).to.equal(200);
  });

  it("refuses a cross-origin Origin with 403 and lets the dashboard's own origin through", async () => {
    for (const origin of ["http://evil.example", "null", "http://127.0.0.1:9999", "https://localhost:8480"]) {
      const act = await app.inject({
        method: "POST",
        url: acceptUrl(),
        headers: {
          host: "localhost:8480",
          origin,
          "x-flowpact-action": "accept",
          authorization: `Bearer ${TOKEN}`,
        },
      });
      expect(act.statusCode, origin).to.equal(403);
      expect(act.json().error).to.equal("Forbidden");
    }
    const same = await app.inject({
      url: "/api/summary",
      headers: { host: "localhost:8480", origin: "http://localhost:8480" },
    });
    expect(same.statusCode).to.equal(200);
  });

  it("sends a strict CSP with frame-ancestors 'none' and X-Frame-Options DENY on /, the HTML report and the API", async () => {
    for (const url of ["/", "/audits/latest.html", "/api/summary", "/no-such-page"]) {
      const res = await app.inject({ url });
      const csp = String(res.headers["content-security-policy"] ?? "");
      expect(csp, url).to.contain("frame-ancestors 'none'");
      expect(res.headers["x-frame-options"], url).to.equal("DENY");
    }
    const index = await app.inject({ url: "/" });
    expect(String(index.headers["content-security-policy"])).to.match(/default-src 'self'/);
    expect(String(index.headers["content-security-policy"])).to.not.contain("unsafe-inline");
    const report = await app.inject({ url: "/audits/latest.html" });
    expect(String(report.headers["content-security-policy"])).to.contain("default-src 'none'");
  });
});

describe("dashboard API rate limits", function () {
  this.timeout(120_000);
  let store: Store;

  before(async () => {
    store = await createStore({ memory: true });
    await fillConsortiumState(store.driver, { now: NOW, epochLength: 60 });
  });

  after(async () => {
    await store?.close();
  });

  const server = (extra: Record<string, unknown>) =>
    createApiServer({
      store,
      now: () => NOW,
      dashboardDir: false,
      operatorToken: TOKEN,
      ...extra,
    } as Parameters<typeof createApiServer>[0]);

  /** Status codes of `n` reads from `remoteAddress` (with an X-Forwarded-For per request, if given). */
  const reads = async (
    app: FastifyInstance,
    n: number,
    remoteAddress: string,
    forwardedFor?: (i: number) => string,
  ) => {
    const codes: number[] = [];
    for (let i = 0; i < n; i++) {
      const res = await app.inject({
        url: "/api/openapi.json",
        remoteAddress,
        headers: forwardedFor ? { "x-forwarded-for": forwardedFor(i) } : {},
      });
      codes.push(res.statusCode);
    }
    return codes;
  };

  it("limits every route per client, and member actions more strictly (429)", async () => {
    const app = await server({ rateLimit: { max: 5, actionMax: 2 } });
    try {
      const codes = await reads(app, 6, "192.0.2.10");
      expect(codes).to.deep.equal([200, 200, 200, 200, 200, 429]);
      const limited = await app.inject({ url: "/api/summary", remoteAddress: "192.0.2.10" });
      expect(limited.statusCode).to.equal(429);
      expect(limited.json().error).to.equal("TooManyRequests");
      // Another client is not affected.
      expect((await reads(app, 1, "192.0.2.11"))[0]).to.equal(200);
      const actions: number[] = [];
      for (let i = 0; i < 3; i++)
        actions.push(
          (
            await app.inject({
              method: "POST",
              url: `/api/members/0x${"1".repeat(40)}/proposals/1/accept`,
              remoteAddress: "192.0.2.12",
              headers: { "x-flowpact-action": "accept", authorization: `Bearer ${TOKEN}` },
            })
          ).statusCode,
        );
      expect(actions[2]).to.equal(429);
      expect(actions.slice(0, 2)).to.not.include(429);
    } finally {
      await app.close();
    }
  });

  it("ignores X-Forwarded-For from a peer that is not a configured proxy", async () => {
    const app = await server({ rateLimit: { max: 3 }, trustProxy: ["10.0.0.1"] });
    try {
      // A client rotating the header still shares its own bucket.
      const codes = await reads(app, 4, "203.0.113.7", (i) => `198.51.100.${i}`);
      expect(codes).to.deep.equal([200, 200, 200, 429]);
    } finally {
      await app.close();
    }
  });

  it("honours X-Forwarded-For from a configured proxy: its visitors get a bucket each", async () => {
    const app = await server({ rateLimit: { max: 3 }, trustProxy: ["10.0.0.0/8"] });
    try {
      const distinct = await reads(app, 6, "10.0.0.1", (i) => `198.51.100.${i}`);
      expect(distinct).to.deep.equal([200, 200, 200, 200, 200, 200]);
      const same = await reads(app, 4, "10.0.0.1", () => "198.51.100.200");
      expect(same).to.deep.equal([200, 200, 200, 429]);
    } finally {
      await app.close();
    }
  });

  it("counts IPv6 clients by /64 and IPv4 clients by address", async () => {
    const app = await server({ rateLimit: { max: 3 } });
    try {
      const sameSlash64 = [];
      for (const ip of [
        "2001:db8:1:2::1",
        "2001:db8:1:2::ffff",
        "2001:db8:1:2:aaaa:bbbb:cccc:dddd",
        "2001:db8:1:2::9",
      ])
        sameSlash64.push((await reads(app, 1, ip))[0]);
      expect(sameSlash64).to.deep.equal([200, 200, 200, 429]);
      expect((await reads(app, 1, "2001:db8:1:3::1"))[0]).to.equal(200);
      const v4 = [];
      for (const ip of ["192.0.2.1", "192.0.2.2", "192.0.2.3", "::ffff:192.0.2.4"])
        v4.push((await reads(app, 1, ip))[0]);
      expect(v4).to.deep.equal([200, 200, 200, 200]);
    } finally {
      await app.close();
    }
  });
});
