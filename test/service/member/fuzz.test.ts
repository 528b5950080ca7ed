import { expect } from "chai";
import fc from "fast-check";
import type { MemberNodes } from "../../../src/member/node";
import { followLink, postArrival } from "./http";
import { startTwoMemberNodes, type TwoMemberNodes } from "./two-members";

const REQUESTS = 10_000;

type FuzzRequest = {
  node: number;
  method: "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "OPTIONS" | "HEAD";
  url: string;
  contentType?: string;
  payload?: string;
};

describe("member node: fuzzing every endpoint", function () {
  this.timeout(240_000);
  let fx: TwoMemberNodes;
  let running: MemberNodes;
  let agreementId: bigint;

  before(async () => {
    // Reach the endpoint logic: the limiter is exercised by the privacy test.
    fx = await startTwoMemberNodes({ node: { rateLimit: 1e9 } });
    ({ running, agreementId } = fx);
  });

  after(async () => {
    await fx?.close();
  });

  it(`answers ${REQUESTS.toLocaleString("en")} random and malformed requests without a single 5xx, and keeps serving`, async () => {
    // Real tokens to mutate and replay.
    const tokens: string[] = [];
    for (let i = 0; i < 100; i++) tokens.push((await followLink(running, 0, agreementId, 0)).token);

    const id = fc.oneof(
      fc.constant(agreementId.toString()),
      fc.constantFrom("0", "1", "2", "999", "-1", "1e3", "0x1", "01", " 1", "%00", "%2e%2e", "NaN", "١"),
      fc.constant(((1n << 256n) - 1n).toString()),
      fc.constant((1n << 256n).toString()),
      fc.stringMatching(/^[0-9]{1,90}$/),
      fc.string({ maxLength: 30 }).map(encodeURIComponent),
    );
    const flow = fc.oneof(fc.constantFrom("0", "1", "2", "65535", "99999", "4294967296", "-0", "x"), id);
    const mutatedToken = fc
      .tuple(
        fc.constantFrom(...tokens),
        fc.nat(300),
        fc.nat(255),
        fc.constantFrom("flip", "cut", "grow", "same"),
      )
      .map(([token, at, byte, how]) => {
        const bytes = Buffer.from(token, "base64url");
        if (how === "flip") bytes[at % bytes.length] ^= byte || 1;
        if (how === "cut") return bytes.subarray(0, at % bytes.length).toString("base64url");
        if (how === "grow") return Buffer.concat([bytes, Buffer.from([byte])]).toString("base64url");
        return bytes.toString("base64url");
      });
    const tokenValue = fc.oneof(
      mutatedToken,
      fc.string({ maxLength: 400 }),
      fc.stringMatching(/^[A-Za-z0-9_-]{339}$/),
      fc.constantFrom(null, 0, -1, true, [], {}, 1.5e300),
    );
    const jsonBody = fc.oneof(
      tokenValue.map((token) => JSON.stringify({ token })),
      fc.stringMatching(/^0x[0-9a-f]{64}$/).map((clickId) => JSON.stringify({ clickId })),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.constantFrom("{", '{"token":', "[", "null", '"x"', "1", "", '{"__proto__":{"token":1}}'),
      fc.string({ maxLength: 200 }),
      fc.constant(`{"token":"${"A".repeat(20_000)}"}`),
    );
    const request: fc.Arbitrary<FuzzRequest> = fc.record({
      node: fc.nat(1),
      method: fc.constantFrom("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"),
      url: fc.oneof(
        fc.tuple(id, flow).map(([a, f]) => `/r/${a}/${f}`),
        fc.tuple(id, flow).map(([a, f]) => `/v1/agreements/${a}/flows/${f}/arrivals`),
        fc.constant("/v1/conversions"),
        fc.constant("/healthz"),
        fc.constant("/v1/session-key"),
        fc.webPath().map((p) => `/${p.replace(/^\/+/, "")}`),
        fc
          .tuple(id, flow, fc.string({ maxLength: 40 }))
          .map(([a, f, q]) => `/r/${a}/${f}?${encodeURIComponent(q)}=1`),
      ),
      contentType: fc.option(
        fc.constantFrom(
          "application/json",
          "application/json; charset=utf-16",
          "text/plain",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=x",
          "application/octet-stream",
          "garbage/;;",
        ),
        { nil: undefined },
      ),
      payload: fc.option(jsonBody, { nil: undefined }),
    });
    // Well-formed arrivals carrying mutated, replayed or random tokens reach the token checks.
    const arrival: fc.Arbitrary<FuzzRequest> = fc.record({
      node: fc.constant(1),
      method: fc.constant("POST" as const),
      url: fc.constantFrom(0, 1).map((f) => `/v1/agreements/${agreementId}/flows/${f}/arrivals`),
      contentType: fc.constant("application/json"),
      payload: tokenValue.map((token) => JSON.stringify({ token })),
    });
    const requests = fc.sample(
      fc.oneof({ arbitrary: request, weight: 3 }, { arbitrary: arrival, weight: 1 }),
      { numRuns: REQUESTS, seed: 20261122 },
    );

    const statuses = new Map<number, number>();
    const byRoute = new Map<string, number>();
    for (const r of requests) {
      const response = await running.nodes[r.node].app.inject({
        method: r.method,
        url: r.url,
        payload: r.method === "GET" || r.method === "HEAD" ? undefined : r.payload,
        headers: r.contentType ? { "content-type": r.contentType } : {},
      });
      if (response.statusCode >= 500)
        expect.fail(
          `${r.method} ${r.url} (${r.contentType}) ${r.payload?.slice(0, 200)} → ${response.statusCode} ${response.body}`,
        );
      if (r.method !== "HEAD" && response.statusCode >= 400) {
        const body = response.json();
        expect(body).to.have.property("code");
      }
      statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
      const route = r.url.split("/").slice(0, 2).join("/");
      byRoute.set(route, (byRoute.get(route) ?? 0) + 1);
    }
    console.log(`      statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).to.equal(REQUESTS);
    // Every endpoint was hit many times, including successes (some mutated tokens are intact).
    for (const route of ["/r", "/v1", "/healthz"])
      expect(byRoute.get(route) ?? 0, route).to.be.greaterThan(500);
    // Valid links were among them, and the refusals span the error kinds.
    expect(statuses.get(302) ?? 0).to.be.greaterThan(0);
    expect([...statuses.keys()]).to.include.members([201, 400, 401, 404, 409]);

    // Still serving: a fresh click arrives.
    const { token } = await followLink(running, 0, agreementId, 0);
    expect((await postArrival(running, 1, agreementId, 0, token)).status).to.equal(201);
  });
});
