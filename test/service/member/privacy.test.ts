import { expect } from "chai";
import type { MemberNodes } from "../../../src/member/node";
import type { Store } from "../../../src/store/store";
import { followLink, postArrival } from "./http";
import { startTwoMemberNodes, type TwoMemberNodes } from "./two-members";

const PROBE_IP = "203.0.113.77";
const FORWARDED_IP = "198.51.100.23";
const PROBE_IPV6 = "2001:db8::7";
const USER_AGENT = "Mozilla/5.0 (X11; PrivacyProbe) Gecko/20100101 Firefox/128.0";
const COOKIE = "uid=user-4242";

const IPV4 = /(?<![0-9.])(?:\d{1,3}\.){3}\d{1,3}(?![0-9.])/;
// Full eight-group form, or any compressed form (with "::"); clock times like 03:37:03 are neither.
const IPV6 = /(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}|(?:[0-9a-f]{1,4})?::(?:[0-9a-f]{1,4})?/i;

/** What personal data looks like in a row or a log line; undefined when there is none. */
function personalData(text: string): string | undefined {
  for (const needle of [
    PROBE_IP,
    FORWARDED_IP,
    PROBE_IPV6,
    "PrivacyProbe",
    "Mozilla",
    "user-4242",
    "user-agent",
    "cookie",
  ]) {
    if (text.toLowerCase().includes(needle.toLowerCase())) return needle;
  }
  return IPV4.exec(text)?.[0] ?? IPV6.exec(text)?.[0];
}

describe("member node: no personal data in any table or log line", function () {
  this.timeout(120_000);
  let fx: TwoMemberNodes;
  let store: Store;
  let running: MemberNodes;
  let agreementId: bigint;
  const logLines: string[] = [];

  before(async () => {
    fx = await startTwoMemberNodes({
      node: {
        // The most verbose level: whatever the node logs at all is scanned.
        logLevel: "debug",
        logStream: { write: (line: string) => void logLines.push(line) },
        rateLimit: 40,
      },
    });
    ({ store, running, agreementId } = fx);
  });

  after(async () => {
    await fx?.close();
  });

  it("the scanner finds personal data when there is some (so the test below can fail)", () => {
    expect(personalData(`{"remoteAddress":"${PROBE_IP}"}`)).to.equal(PROBE_IP);
    expect(personalData('{"ip":"10.1.2.3"}')).to.equal("10.1.2.3");
    expect(personalData('{"ip":"::ffff:127.0.0.1"}')).to.not.equal(undefined);
    expect(personalData(`{"ua":"${USER_AGENT}"}`)).to.not.equal(undefined);
    expect(personalData('{"ip":"fe80::1"}')).to.equal("fe80::1");
    expect(personalData('{"click":"0xab12","epoch":"3","flow":0,"at":"2026-11-22T03:37:03"}')).to.equal(
      undefined,
    );
  });

  it("stores and logs no IP address, user agent, cookie or user id across every endpoint and error path", async () => {
    const personal = {
      "user-agent": USER_AGENT,
      "x-forwarded-for": `${FORWARDED_IP}, ${PROBE_IP}`,
      "x-real-ip": PROBE_IP,
      forwarded: `for=${PROBE_IP}`,
      cookie: COOKIE,
      "x-user-id": "user-4242",
    };
    const alice = running.nodes[0].app;
    const bob = running.nodes[1].app;
    for (let i = 0; i < 30; i++) {
      const click = await alice.inject({
        method: "GET",
        url: `/r/${agreementId}/0?utm=${PROBE_IP}`,
        headers: personal,
        remoteAddress: PROBE_IP,
      });
      expect(click.statusCode).to.equal(302);
      const token = new URL(String(click.headers.location)).searchParams.get("fpt") as string;
      const arrival = await bob.inject({
        method: "POST",
        url: `/v1/agreements/${agreementId}/flows/0/arrivals`,
        headers: personal,
        remoteAddress: PROBE_IPV6,
        payload: { token, ip: PROBE_IP, userAgent: USER_AGENT },
      });
      expect(arrival.statusCode).to.equal(201);
      const conversion = await bob.inject({
        method: "POST",
        url: "/v1/conversions",
        headers: personal,
        remoteAddress: PROBE_IP,
        payload: { clickId: arrival.json().clickId, userId: "user-4242" },
      });
      expect(conversion.statusCode).to.equal(201);
    }
    // error paths: replay, malformed JSON, unknown route, rate limit (40 per window per source)
    const replay = await bob.inject({
      method: "POST",
      url: `/v1/agreements/${agreementId}/flows/0/arrivals`,
      headers: { ...personal, "content-type": "application/json" },
      remoteAddress: "192.0.2.200",
      payload: `{"token": "${PROBE_IP}`,
    });
    expect(replay.statusCode).to.equal(400);
    expect(
      (await bob.inject({ method: "GET", url: `/nope/${PROBE_IP}`, headers: personal })).statusCode,
    ).to.equal(404);
    const limited = await Promise.all(
      Array.from({ length: 45 }, () =>
        alice.inject({
          method: "GET",
          url: `/r/${agreementId}/0`,
          headers: personal,
          remoteAddress: "192.0.2.1",
        }),
      ),
    );
    expect(limited.some((r) => r.statusCode === 429)).to.equal(true);
    // and over a real socket
    const real = await fetch(`${running.nodes[0].url}/r/${agreementId}/0`, {
      headers: personal,
      redirect: "manual",
    });
    expect(real.status).to.equal(302);
    const { token } = await followLink(running, 0, agreementId, 0);
    expect((await postArrival(running, 1, agreementId, 0, token)).status).to.equal(201);
    await running.journal.flush();

    const tables = await store.driver.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    );
    expect(tables.map((t) => t.table_name)).to.include.members([
      "member_clicks",
      "member_arrivals",
      "member_conversions",
    ]);
    let rowsScanned = 0;
    for (const { table_name } of tables) {
      const rows = await store.driver.query<{ row: string }>(
        `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
      );
      for (const { row } of rows) {
        rowsScanned++;
        expect(personalData(row), `${table_name}: ${row}`).to.equal(undefined);
      }
    }
    expect(rowsScanned).to.be.greaterThan(90);

    // The only address a log line may hold is the server's own listening address.
    const requestLines = logLines.filter((line) => !line.includes('"Server listening at'));
    expect(requestLines.length).to.be.greaterThan(200);
    for (const line of requestLines) expect(personalData(line), line).to.equal(undefined);
  });
});
