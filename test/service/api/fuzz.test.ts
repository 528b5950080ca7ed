import { expect } from "chai";
import fc from "fast-check";
import type { FastifyInstance, InjectOptions } from "fastify";
import { createApiServer } from "../../../src/api/server";
import { createStore, type Store } from "../../../src/store/store";
import { type ConsortiumState, fillConsortiumState } from "./consortium-state";

const NOW = 1_800_000_000;
/** Malformed requests per run; FLOWPACT_FUZZ_RUNS raises it on demand. */
const RUNS = Number(process.env.FLOWPACT_FUZZ_RUNS ?? 1200);

/**
 * Throws malformed requests at every route (bad addresses and ids, broken percent-encoding,
 * unknown and out-of-range query parameters, wrong methods, junk bodies and content types,
 * oversized payloads) and requires a 4xx JSON error or a success for each: never a 5xx.
 */
describe("dashboard API under malformed requests", function () {
  this.timeout(170_000);
  let store: Store;
  let app: FastifyInstance;
  let state: ConsortiumState;

  before(async () => {
    store = await createStore({ memory: true });
    state = await fillConsortiumState(store.driver, { now: NOW });
    app = await createApiServer({
      store,
      now: () => NOW,
      dashboardDir: false,
      // The fuzzer explores the routes behind the token and the limits (tested in security.test.ts).
      operatorToken: "fuzz-operator-token",
      rateLimit: { max: 1e9, actionMax: 1e9 },
      acceptProposal: async () => ({ hash: "0x01" }),
      rejectProposal: async () => undefined,
    });
  });

  after(async () => {
    await app?.close();
    await store?.close();
  });

  it(`answers ${RUNS} malformed requests with 4xx JSON errors and never a 5xx`, async () => {
    const member = state.members[0].address;
    const proposal = state.proposals[0];
    const segment = fc.oneof(
      fc.constantFrom(
        member,
        member.toUpperCase(),
        proposal.waitingFor[0],
        proposal.id,
        "0",
        "-1",
        "01",
        "1e400",
        "9".repeat(78),
        "9".repeat(79),
        "0x",
        `0x${"g".repeat(40)}`,
        "..",
        "%2e%2e",
        "%zz",
        "%E0%A4%A",
        "%00",
        "null",
        "undefined",
        "[]",
        "{}",
        "x".repeat(300),
      ),
      fc.string({ maxLength: 60 }).map(encodeURIComponent),
      fc.string({ unit: "grapheme", maxLength: 20 }).map(encodeURIComponent),
      fc.bigInt({ min: -(2n ** 300n), max: 2n ** 300n }).map(String),
    );
    const path = fc.oneof(
      segment.map((s) => `/api/members/${s}`),
      segment.map((s) => `/api/members/${s}/proposals`),
      fc
        .tuple(segment, segment, fc.constantFrom("accept", "reject", "approve", ""))
        .map(([a, id, action]) => `/api/members/${a}/proposals/${id}/${action}`),
      segment.map((s) => `/api/agreements/${s}`),
      segment.map((s) => `/api/${s}`),
      segment.map((s) => `/${s}`),
      segment.map((s) => `/assets/${s}`),
      fc.constantFrom(
        "/api/summary",
        "/api/members",
        "/api/agreements",
        "/api/batches",
        "/api/balances/history",
        "/api/network",
        "/api/audits",
        "/api/openapi.json",
        "/",
        "//",
        "/api//members",
      ),
    );
    const queryValue = fc.oneof(
      segment,
      fc.integer({ min: -1000, max: 100_000 }).map(String),
      fc.constantFrom(
        "",
        "1.5",
        "NaN",
        "Infinity",
        "true",
        "active",
        "proposed",
        "disputed",
        "%",
        "a&b",
        "1,2",
      ),
    );
    const queryKey = fc.constantFrom(
      "limit",
      "offset",
      "status",
      "member",
      "members",
      "agreement",
      "industry",
      "top",
      "points",
      "__proto__",
      "constructor",
      "x",
      "limit[]",
    );
    const query = fc
      .array(fc.tuple(queryKey, queryValue), { maxLength: 4 })
      .map((pairs) => (pairs.length === 0 ? "" : `?${pairs.map(([k, v]) => `${k}=${v}`).join("&")}`));
    const body = fc.oneof(
      fc.constant(undefined),
      fc.json().map((text) => ({ payload: text, type: "application/json" })),
      fc.string({ maxLength: 200 }).map((text) => ({ payload: text, type: "application/json" })),
      fc.string({ maxLength: 200 }).map((text) => ({ payload: text, type: "text/plain" })),
      fc.constantFrom(
        { payload: "{", type: "application/json" },
        { payload: '{"__proto__":{"polluted":1}}', type: "application/json" },
        { payload: "x".repeat(70_000), type: "application/json" },
        { payload: "a=1&b=2", type: "application/x-www-form-urlencoded" },
        { payload: "--b\r\n\r\n", type: "multipart/form-data; boundary=b" },
        { payload: "<xml/>", type: "application/xml" },
        { payload: "", type: "" },
      ),
    );
    const method = fc.constantFrom(
      "GET",
      "GET",
      "GET",
      "POST",
      "POST",
      "PUT",
      "DELETE",
      "PATCH",
      "OPTIONS",
      "HEAD",
    );
    const actionHeader = fc.constantFrom(undefined, "accept", "reject", "", "ACCEPT", "x".repeat(500));
    const request = fc.record({ method, path, query, body, actionHeader });

    const failures: string[] = [];
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const options: InjectOptions = {
          method: r.method as InjectOptions["method"],
          url: `${r.path}${r.query}`,
        };
        const headers: Record<string, string> = { authorization: "Bearer fuzz-operator-token" };
        if (r.actionHeader !== undefined) headers["x-flowpact-action"] = r.actionHeader;
        if (r.body) {
          options.payload = r.body.payload;
          if (r.body.type) headers["content-type"] = r.body.type;
        }
        options.headers = headers;
        const res = await app.inject(options);
        statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
        const describe = `${r.method} ${options.url} → ${res.statusCode} ${res.body.slice(0, 160)}`;
        if (res.statusCode >= 500) failures.push(describe);
        if (res.statusCode >= 400 && r.method !== "HEAD") {
          const json = res.json();
          if (typeof json.error !== "string" || typeof json.message !== "string")
            failures.push(`not a JSON error: ${describe}`);
        }
        return true;
      }),
      { numRuns: RUNS, seed: 20261122 },
    );
    expect(failures, failures.slice(0, 5).join("\n")).to.deep.equal([]);
    const fourxx = [...statuses].filter(([s]) => s >= 400 && s < 500).reduce((acc, [, n]) => acc + n, 0);
    // The generator must actually produce malformed requests, not only valid ones.
    expect(fourxx).to.be.greaterThan(RUNS / 2);
    expect(Object.prototype).to.not.have.property("polluted");
  });
});
