import { expect } from "chai";
import type { Address, Hex } from "viem";
import type { MemberNodes } from "../../../src/member/node";
import { LANDING_TOKEN_PARAM } from "../../../src/member/tracking-server";
import { createTrackingTokenIssuer, decodeTrackingToken } from "../../../src/member/tracking-token";
import type { Store } from "../../../src/store/store";
import type { MemberChain } from "./chain";
import { followLink, postArrival } from "./http";
import { startTwoMemberNodes, type TwoMemberNodes } from "./two-members";

describe("member node: tracking links, tokens and arrivals (real Hardhat registry)", function () {
  this.timeout(120_000);
  let fx: TwoMemberNodes;
  let chain: MemberChain;
  let store: Store;
  let running: MemberNodes;
  let first: bigint;
  let second: bigint;
  const ALICE = 0;
  const BOB = 1;

  before(async () => {
    fx = await startTwoMemberNodes({
      landing: ["https://bank.example/welcome", "https://insurer.example/hi?c=1"],
      moreAgreements: 1,
      clockOffset: 60n,
    });
    ({ chain, store, running } = fx);
    first = fx.agreementId;
    second = fx.more[0];
  });

  after(async () => {
    await fx?.close();
  });

  it("redirects a click to the recipient's landing page with a token, after the click is durable", async () => {
    const { token, location } = await followLink(running, ALICE, first, 0);
    expect(location.startsWith(`https://bank.example/welcome?${LANDING_TOKEN_PARAM}=`)).to.equal(true);
    const decoded = decodeTrackingToken(token);
    expect(decoded.agreementId).to.equal(first);
    expect(decoded.flow).to.equal(0);
    expect(decoded.epoch).to.equal(0n);
    const rows = await store.driver.query<{ click_id: string }>(
      "SELECT click_id FROM member_clicks WHERE click_id = $1",
      [decoded.clickId],
    );
    expect(rows).to.have.length(1);
    const back = await followLink(running, BOB, first, 1);
    expect(back.location.startsWith(`https://insurer.example/hi?c=1&${LANDING_TOKEN_PARAM}=`)).to.equal(true);
  });

  it("records an arrival once and refuses the same token again (single use)", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const ok = await postArrival(running, BOB, first, 0, token);
    expect(ok.status).to.equal(201);
    expect(ok.body.status).to.equal("recorded");
    const rows = await store.driver.query("SELECT * FROM member_arrivals WHERE click_id = $1", [
      ok.body.clickId,
    ]);
    expect(rows).to.have.length(1);
    const again = await postArrival(running, BOB, first, 0, token);
    expect(again.status).to.equal(409);
    expect(again.body.code).to.equal("token_replayed");
  });

  it("refuses a replay even when both copies arrive in the same group commit", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const results = await Promise.all(
      Array.from({ length: 8 }, () => postArrival(running, BOB, first, 0, token)),
    );
    expect(results.filter((r) => r.status === 201)).to.have.length(1);
    expect(results.filter((r) => r.status === 409)).to.have.length(7);
  });

  it("MACs tokens for the recipient once it holds the recipient's session key (version 3), which the recipient's node serves", async () => {
    const served = await running.nodes[BOB].app.inject({ method: "GET", url: "/v1/session-key" });
    expect(served.statusCode).to.equal(200);
    const certificate = served.json() as { member: string; sessionKey: string; notAfter: string };
    expect(certificate.member).to.equal(chain.registry.bob.address.toLowerCase());
    expect(certificate.sessionKey).to.equal(
      running.nodes[BOB].issuer.sessionKeys()[0].certificate.sessionKey,
    );
    await followLink(running, ALICE, first, 0); // alice learns bob's key meanwhile, if she had not yet
    await new Promise((r) => setTimeout(r, 50));
    const { token } = await followLink(running, ALICE, first, 0);
    const decoded = decodeTrackingToken(token);
    expect(decoded.version).to.equal(3);
    expect(decoded.recipientKey).to.equal(certificate.sessionKey);
    expect((await postArrival(running, BOB, first, 0, token)).status).to.equal(201);
  });

  it("refuses tampered tokens with 401 JSON", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const bytes = Buffer.from(token, "base64url");
    const clickAt = bytes.indexOf(Buffer.from(decodeTrackingToken(token).clickId.slice(2), "hex"));
    // flip one bit in the click id, then in the signature or MAC, then in the certificate
    for (const offset of [clickAt + 3, bytes.length - 5, 50]) {
      const tampered = Buffer.from(bytes);
      tampered[offset] ^= 0x01;
      const result = await postArrival(running, BOB, first, 0, tampered.toString("base64url"));
      expect(result.status, `offset ${offset}`).to.equal(401);
      expect(result.body.code).to.equal("token_tampered");
    }
  });

  it("refuses expired tokens with 410 JSON", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const saved = fx.clock;
    fx.clock += 601n;
    try {
      const result = await postArrival(running, BOB, first, 0, token);
      expect(result.status).to.equal(410);
      expect(result.body.code).to.equal("token_expired");
    } finally {
      fx.clock = saved;
    }
  });

  it("refuses a token sent to another agreement's or flow's endpoint with 409 JSON", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const result = await postArrival(running, BOB, second, 0, token);
    expect(result.status).to.equal(409);
    expect(result.body.code).to.equal("token_cross_agreement");
    const wrongFlow = await postArrival(running, BOB, first, 1, token);
    expect(wrongFlow.body.code).to.equal("token_cross_agreement");
    // and the token still works where it belongs: a refused attempt does not consume it
    expect((await postArrival(running, BOB, first, 0, token)).status).to.equal(201);
  });

  it("refuses tokens signed for another deployment or chain, or by a key that is not the referrer's", async () => {
    const clickId = `0x${"ab".repeat(32)}` as Hex;
    const fields = { agreementId: first, flow: 0, epoch: 0n, clickId, expiry: fx.clock + 600n };
    const forged = [
      // alice's real key, but another AgreementBook
      await createTrackingTokenIssuer({
        account: chain.keys.alice,
        member: chain.registry.alice.address as Address,
        domain: { chainId: chain.chainId, agreementBook: chain.contracts.Consortium },
        now: () => fx.clock,
      }),
      // alice's real key, another chain
      await createTrackingTokenIssuer({
        account: chain.keys.alice,
        member: chain.registry.alice.address as Address,
        domain: { chainId: 1, agreementBook: chain.contracts.AgreementBook },
        now: () => fx.clock,
      }),
      // carol's key pretending to be alice
      await createTrackingTokenIssuer({
        account: chain.keys.carol,
        member: chain.registry.alice.address as Address,
        domain: { chainId: chain.chainId, agreementBook: chain.contracts.AgreementBook },
        now: () => fx.clock,
      }),
    ];
    for (const [i, issuer] of forged.entries()) {
      const result = await postArrival(running, BOB, first, 0, issuer.issue(fields));
      expect(result.status, `forgery ${i}`).to.equal(401);
      expect(result.body.code).to.equal("token_tampered");
    }
  });

  it("refuses arrivals at a member that is not the flow's recipient, and links of flows it does not refer", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const result = await postArrival(running, ALICE, first, 0, token);
    expect(result.status).to.equal(403);
    const notMine = await running.nodes[ALICE].app.inject({ method: "GET", url: `/r/${first}/1` });
    expect(notMine.statusCode).to.equal(404);
    expect(notMine.json().code).to.equal("not_referrer");
    const unknown = await running.nodes[ALICE].app.inject({ method: "GET", url: `/r/999/0` });
    expect(unknown.json().code).to.equal("unknown_agreement");
  });

  it("refuses tracking outside the agreement's schedule", async () => {
    const saved = fx.clock;
    fx.clock = 1n;
    try {
      const early = await running.nodes[ALICE].app.inject({ method: "GET", url: `/r/${first}/0` });
      expect(early.statusCode).to.equal(409);
      expect(early.json().code).to.equal("agreement_not_running");
    } finally {
      fx.clock = saved;
    }
  });

  it("records a conversion once per arrived click", async () => {
    const { token } = await followLink(running, ALICE, first, 0);
    const arrival = await postArrival(running, BOB, first, 0, token);
    const convert = (clickId: unknown) =>
      running.nodes[BOB].app.inject({ method: "POST", url: "/v1/conversions", payload: { clickId } });
    expect((await convert(arrival.body.clickId)).statusCode).to.equal(201);
    expect((await convert(arrival.body.clickId)).json().code).to.equal("conversion_replayed");
    expect((await convert(`0x${"00".repeat(32)}`)).json().code).to.equal("unknown_arrival");
    expect((await convert("nope")).statusCode).to.equal(400);
  });

  it("acknowledges many concurrent clicks with few commits (group commit)", async () => {
    const before = running.journal.stats.commits;
    const responses = await Promise.all(
      Array.from({ length: 200 }, () =>
        running.nodes[ALICE].app.inject({ method: "GET", url: `/r/${first}/0` }),
      ),
    );
    expect(responses.every((r) => r.statusCode === 302)).to.equal(true);
    const commits = running.journal.stats.commits - before;
    expect(commits).to.be.greaterThan(0).and.lessThan(200);
  });
});
