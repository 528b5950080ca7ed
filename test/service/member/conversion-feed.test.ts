import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { createConversionFeed } from "../../../src/daemon/conversion-feed";
import { CONVERSION_REPORT_PATH } from "../../../src/member/conversion-report";
import type { MemberNodes } from "../../../src/member/node";
import { signPeerRequest } from "../../../src/member/peer-auth";
import { createChainPeerDirectory } from "../../../src/member/peer-directory";
import { decodeTrackingToken } from "../../../src/member/tracking-token";
import { createOutboundClient } from "../../../src/net";
import type { SettlementFixture } from "../../contracts/settlement/fixture";
import { CANARY_TEXT, hitsOn, startHostileServer } from "../net/hostile-server";
import { devAccount } from "./chain";
import { type CycleNodes, startCycleNodes } from "./cycle-nodes";
import { followLink, postArrival } from "./http";
import { setNodeUri } from "./profiles";

const TOKEN_TTL = 60n;
const EPOCH = 3_600n;

describe("conversion feed: recipients' conversion reports for the matching daemon (real Hardhat chain)", function () {
  this.timeout(120_000);
  let fx: CycleNodes;
  let f: SettlementFixture;
  let running: MemberNodes;
  let agreementId: bigint;
  let start: bigint;
  let publicClient: PublicClient;
  let contracts: CycleNodes["contracts"];
  const matcherKey = devAccount(1);

  before(async () => {
    fx = await startCycleNodes({
      rates: [2n, 2n, 2n],
      // alice → bob on segments 0 and 1, bob → carol on segment 2, carol → alice on segment 3
      segments: [0b11n, 0b100n, 0b1000n],
      epochLength: EPOCH,
      node: { tokenTtl: TOKEN_TTL },
    });
    ({ f, running, agreementId, start, publicClient, contracts } = fx);
    expect(matcherKey.address).to.equal(f.matcher.address);
  });

  after(async () => {
    await fx?.close();
  });

  /** `n` visitors on `flow`, of whom the first `converted` convert at the recipient. */
  async function traffic(flow: number, n: number, converted: number) {
    for (let i = 0; i < n; i++) {
      const { token } = await followLink(running, flow, agreementId, flow);
      const recipient = (flow + 1) % 3;
      expect((await postArrival(running, recipient, agreementId, flow, token)).status).to.equal(201);
      if (i < converted) {
        const conversion = await running.nodes[recipient].app.inject({
          method: "POST",
          url: "/v1/conversions",
          payload: { clickId: decodeTrackingToken(token).clickId },
        });
        expect(conversion.statusCode).to.equal(201);
      }
    }
  }

  const feedOptions = () => ({
    publicClient,
    chainId: hardhat.id,
    contracts,
    now: () => fx.clock,
    // the nodes listen on 127.0.0.1: the feed must be allowed there explicitly
    outbound: createOutboundClient({ allowPrivateNetworks: true }),
    // profiles change below: read them fresh
    peers: createChainPeerDirectory({ publicClient, consortium: contracts.Consortium, ttlMs: 0 }),
  });

  it("serves counts per (agreement, flow, epoch) to MATCHER-signed requests only, and nothing about visitors", async () => {
    await traffic(0, 10, 4);
    const bob = running.nodes[1].url;
    const forBob = `${CONVERSION_REPORT_PATH}?recipient=${f.bob.address.toLowerCase()}`;
    const ask = async (key = matcherKey, path = forBob) =>
      fetch(`${bob}${path}`, {
        headers: await signPeerRequest({
          account: key,
          member: key.address,
          domain: { chainId: hardhat.id, consortium: contracts.Consortium },
          method: "GET",
          path,
          time: fx.clock,
        }),
      });
    expect((await fetch(`${bob}${forBob}`)).status).to.equal(401);
    // a member (alice) and the auditor do not hold MATCHER_ROLE
    expect((await ask(devAccount(3))).status).to.equal(401);
    expect((await ask(devAccount(2))).status).to.equal(401);
    const ok = await ask();
    expect(ok.status).to.equal(200);
    const report = await ok.json();
    expect(report).to.deep.equal({
      member: f.bob.address.toLowerCase(),
      rows: [{ agreementId: agreementId.toString(), flow: 0, epoch: "0", arrivals: 10, conversions: 4 }],
    });
    const filtered = await ask(matcherKey, `${forBob}&agreementId=999`);
    expect((await filtered.json()).rows).to.deep.equal([]);
    expect((await ask(matcherKey, `${forBob}&agreementId=x`)).status).to.equal(400);
    expect((await ask(matcherKey, CONVERSION_REPORT_PATH)).status).to.equal(400);
    // a request made for alice's node is refused by bob's
    const forAlice = `${CONVERSION_REPORT_PATH}?recipient=${f.alice.address.toLowerCase()}`;
    expect((await ask(matcherKey, forAlice)).status).to.equal(403);
  });

  it("feeds the daemon conversions per directed pair and segment, of settled epochs only", async () => {
    await traffic(1, 6, 3);
    await traffic(2, 5, 0);
    // epoch 0 settles: every referrer closes it
    fx.clock = start + EPOCH + TOKEN_TTL + 1n;
    await time.increaseTo(fx.clock);
    const closed = (await Promise.all(running.nodes.map((n) => n.closeEpochs()))).flat();
    expect(closed.map((o) => o.type)).to.deep.equal(["committed", "committed", "committed"]);
    // epoch 1: more conversions on flow 0, not settled yet
    await traffic(0, 3, 3);

    const feed = createConversionFeed({ ...feedOptions(), account: matcherKey });
    const refreshed = await feed.refresh();
    expect(refreshed).to.deep.include({ recipients: 3, reported: 3, failures: [] });
    const [alice, bob, carol] = [f.alice, f.bob, f.carol].map((s) => s.address.toLowerCase());
    // flow 0 converted 4 of epoch 0 over two segments; epoch 1's 3 are not settled
    expect(feed.source({ from: alice, to: bob, segment: 0 })).to.equal(2);
    expect(feed.source({ from: alice, to: bob, segment: 1 })).to.equal(2);
    expect(feed.source({ from: bob, to: carol, segment: 2 })).to.equal(3);
    // reported, zero conversions: 0, not unknown
    expect(feed.source({ from: carol, to: alice, segment: 3 })).to.equal(0);
    // no such flow: unknown
    expect(feed.source({ from: bob, to: alice, segment: 0 })).to.equal(undefined);

    // epoch 1 settles: its conversions count from the next refresh on
    fx.clock = start + 2n * EPOCH + TOKEN_TTL + 1n;
    await time.increaseTo(fx.clock);
    expect((await running.nodes[0].closeEpochs()).map((o) => o.type)).to.deep.equal(["committed"]);
    await feed.refresh();
    expect(feed.source({ from: alice, to: bob, segment: 0 })).to.equal(3.5);

    // bob's node goes away: its last report stays; a key without MATCHER_ROLE gets nothing
    await setNodeUri(f.consortium, f.bob, "http://127.0.0.1:9");
    const down = await feed.refresh();
    expect(down.failures.map((x) => x.member)).to.deep.equal([bob]);
    expect(feed.source({ from: alice, to: bob, segment: 0 })).to.equal(3.5);
    await setNodeUri(f.consortium, f.bob, running.nodes[1].url);
    const stranger = createConversionFeed({ ...feedOptions(), account: devAccount(6) });
    const refused = await stranger.refresh();
    expect(refused.reported).to.equal(0);
    expect(refused.failures.every((x) => x.reason.startsWith("401"))).to.equal(true);
    expect(stranger.source({ from: alice, to: bob, segment: 0 })).to.equal(undefined);
  });

  it("isolates one recipient's malformed rows and a hostile profile URI: the other reports survive", async () => {
    const [alice, bob, carol] = [f.alice, f.bob, f.carol].map((s) => s.address.toLowerCase());
    const hostile = await startHostileServer({
      "/bad-report": (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(
          JSON.stringify({
            member: bob,
            rows: [
              {
                agreementId: agreementId.toString(),
                flow: 0,
                epoch: "not-a-number",
                arrivals: 1,
                conversions: 1,
              },
              { agreementId: agreementId.toString(), flow: 0, epoch: "0", arrivals: 10, conversions: 4 },
              { agreementId: CANARY_TEXT, flow: "x", epoch: "0", arrivals: -1, conversions: 1e308 },
            ],
          }),
        );
      },
    });
    try {
      await setNodeUri(f.consortium, f.bob, `${hostile.url}/bad-report`);
      const feed = createConversionFeed({ ...feedOptions(), account: matcherKey });
      const refreshed = await feed.refresh();
      expect(refreshed).to.deep.include({ recipients: 3, reported: 3 });
      expect(refreshed.failures.map((x) => x.member)).to.deep.equal([bob, bob]);
      expect(refreshed.failures[0].reason).to.match(/^row #0 dropped: malformed at epoch/);
      expect(JSON.stringify(refreshed)).to.not.include(CANARY_TEXT);
      // bob's good row counts (epoch 0: 4 conversions over two segments), carol's and alice's reports survive
      expect(feed.source({ from: alice, to: bob, segment: 0 })).to.equal(2);
      expect(feed.source({ from: bob, to: carol, segment: 2 })).to.equal(3);
      expect(feed.source({ from: carol, to: alice, segment: 3 })).to.equal(0);

      // a feed that is not allowed private networks never fetches a loopback profile URI
      await setNodeUri(f.consortium, f.bob, `${hostile.url}/canary`);
      const strict = createConversionFeed({ ...feedOptions(), outbound: undefined, account: matcherKey });
      const refused = await strict.refresh();
      expect(refused.reported).to.equal(0);
      expect(refused.failures.every((x) => /address: refused$/.test(x.reason))).to.equal(true);
      expect(hitsOn(hostile, "/canary")).to.equal(0);
    } finally {
      await setNodeUri(f.consortium, f.bob, running.nodes[1].url);
      await hostile.close();
    }
  });
});
