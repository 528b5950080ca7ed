import { randomBytes } from "node:crypto";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { Address } from "viem";
import { hardhat } from "viem/chains";
import { type ProofRequest, signProofRequest } from "../../../src/audit/proof-request";
import type { MemberNodes } from "../../../src/member/node";
import { signPeerRequest } from "../../../src/member/peer-auth";
import { verifyReceiptProof } from "../../../src/receipts";
import type { Store } from "../../../src/store/store";
import type { SettlementFixture } from "../../contracts/settlement/fixture";
import { devAccount } from "./chain";
import { type CycleNodes, startCycleNodes } from "./cycle-nodes";
import { followLink, postArrival } from "./http";
import { setNodeUri } from "./profiles";

const TOKEN_TTL = 600n;
const CLAIM_AFTER = 1_800n;
const EPOCH = 3_600n;
// alice → bob (rate 7), bob → carol (rate 5), carol → alice (rate 3): a 3-party cycle.
const RATES = [7n, 5n, 3n] as const;

describe("member node: epoch close, co-signing, commit, claim and auto-dispute (real Hardhat chain)", function () {
  this.timeout(180_000);
  let fx: CycleNodes;
  let f: SettlementFixture;
  let store: Store;
  let running: MemberNodes;
  let agreementId: bigint;
  let start: bigint;
  const ALICE = 0;
  const BOB = 1;
  const CAROL = 2;

  before(async () => {
    fx = await startCycleNodes({
      rates: RATES,
      epochLength: EPOCH,
      node: {
        tokenTtl: TOKEN_TTL,
        claimAfter: CLAIM_AFTER,
        // Small enough to reach in a test, large enough for the other tests' epochs.
        exposureBound: { maxUnacknowledged: 12, maxAgeSeconds: 1_000_000n },
      },
    });
    ({ f, store, running, agreementId, start } = fx);
  });

  after(async () => {
    await fx?.close();
  });

  async function refer(flow: number, count: number) {
    for (let i = 0; i < count; i++) {
      const { token } = await followLink(running, flow, agreementId, flow);
      expect((await postArrival(running, (flow + 1) % 3, agreementId, flow, token)).status).to.equal(201);
    }
  }

  async function endEpoch(epoch: bigint, extra: bigint) {
    fx.clock = start + (epoch + 1n) * EPOCH + extra;
    if (BigInt(await time.latest()) < fx.clock) await time.increaseTo(fx.clock);
  }

  it("closes an epoch of a 3-party cycle: co-signed commits, credits = arrivals × rate on chain", async () => {
    const counts = [12, 9, 5];
    for (const [flow, n] of counts.entries()) await refer(flow, n);
    // Too early: tokens of epoch 0 are still alive.
    await endEpoch(0n, 10n);
    const early = await running.nodes[ALICE].closeEpochs();
    expect(early.map((o) => o.type)).to.deep.equal(["waiting"]);

    await endEpoch(0n, TOKEN_TTL + 1n);
    const outcomes = (await Promise.all(running.nodes.map((n) => n.closeEpochs()))).flat();
    expect(outcomes.map((o) => o.type)).to.deep.equal(["committed", "committed", "committed"]);
    for (const [flow, n] of counts.entries()) {
      const batch = await f.settlement.batchOf(agreementId, flow, 0n);
      expect(batch.status).to.equal(1n); // Committed
      expect(batch.count).to.equal(BigInt(n));
    }
    const credit = (i: number) => BigInt(counts[i]) * RATES[i];
    expect(await f.ledger.balanceOf(f.alice.address)).to.equal(credit(0) - credit(2));
    expect(await f.ledger.balanceOf(f.bob.address)).to.equal(credit(1) - credit(0));
    expect(await f.ledger.balanceOf(f.carol.address)).to.equal(credit(2) - credit(1));
    // A closed epoch is not closed again.
    expect(await running.nodes[ALICE].closeEpochs()).to.deep.equal([]);
  });

  it("co-sign requests must be signed by the flow's referrer, fresh and unreplayed", async () => {
    const bobUrl = running.nodes[BOB].url;
    const body = JSON.stringify({
      agreementId: agreementId.toString(),
      flow: "0",
      epoch: "0",
      count: "12",
      root: `0x${"11".repeat(32)}`,
    });
    const post = (headers: Record<string, string>) =>
      fetch(`${bobUrl}/v1/peer/cosign`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body,
      });
    const domain = { chainId: hardhat.id, consortium: (await f.consortium.getAddress()) as Address };
    expect((await post({})).status).to.equal(401);
    const sign = (index: number, member: string, overrides: { body?: string; time?: bigint } = {}) =>
      signPeerRequest({
        account: devAccount(index),
        member: member as Address,
        domain,
        method: "POST",
        path: "/v1/peer/cosign",
        body: overrides.body ?? body,
        time: overrides.time ?? fx.clock,
      });
    // carol's key claiming to be alice; carol as herself (not the referrer of flow 0); stale; other body
    expect((await post(await sign(5, f.alice.address))).status).to.equal(401);
    expect((await post(await sign(5, f.carol.address))).status).to.equal(403);
    expect((await post(await sign(3, f.alice.address, { time: fx.clock - 3_600n }))).status).to.equal(401);
    expect((await post(await sign(3, f.alice.address, { body: "{}" }))).status).to.equal(401);
    // alice, correctly signed, but the batch does not match bob's arrivals: bob answers with his
    // own acknowledgement (his count and root, signed), never with a signature of alice's numbers
    const headers = await sign(3, f.alice.address);
    const answered = await post(headers);
    expect(answered.status).to.equal(200);
    const answer = await answered.json();
    expect(answer.matches).to.equal(false);
    expect(answer.count).to.equal("12");
    expect(answer.root).to.not.equal(`0x${"11".repeat(32)}`);
    expect(answer.signature).to.match(/^0x[0-9a-f]{130}$/);
    // the same signed request again is a replay
    expect((await post(headers)).status).to.equal(401);
  });

  it("serves Merkle proofs of committed batches on POST /audit/proofs to AUDITOR-signed requests only", async () => {
    const domain = { chainId: hardhat.id, settlement: f.settlementAddress as Address };
    const auditor = devAccount(2);
    expect(auditor.address).to.equal(f.auditor.address);
    // A committed batch's root is in its BatchCommitted event (the contract stores one slot per batch).
    const [committed] = await f.settlement.queryFilter(
      f.settlement.filters.BatchCommitted(agreementId, 0, 0n),
    );
    const onChain = { root: (committed as unknown as { args: { root: `0x${string}` } }).args.root };
    const request = (overrides: Partial<ProofRequest> = {}): ProofRequest => ({
      agreementId,
      flow: 0n,
      epoch: 0n,
      indices: [0, 5, 11, 40],
      auditor: auditor.address,
      nonce: `0x${randomBytes(32).toString("hex")}`,
      expiresAt: fx.clock + 300n,
      ...overrides,
    });
    const post = (body: unknown) =>
      fetch(`${running.nodes[ALICE].url}/audit/proofs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: typeof body === "string" ? body : JSON.stringify(body),
      });
    const body = await signProofRequest(auditor, domain, request());
    const ok = await post(body);
    expect(ok.status, await ok.clone().text()).to.equal(200);
    const answer = await ok.json();
    expect(answer.root).to.equal(onChain.root);
    expect(answer.count).to.equal(12);
    // index 40 is past the batch: left out, the auditor reports it missing
    expect(answer.proofs.map((p: { index: number }) => p.index)).to.deep.equal([0, 5, 11]);
    for (const p of answer.proofs) {
      const receipt = { agreementId, flow: 0, epoch: 0n, clickId: p.clickId };
      expect(verifyReceiptProof({ root: onChain.root, receipt, proof: p.proof })).to.equal(true);
    }
    // the same signed request again (same nonce) is a replay
    expect((await post(body)).status).to.equal(401);
    // a member (bob, a party even) is not an auditor; a request signed by someone else than `auditor`
    const bob = devAccount(4);
    expect(
      (await post(await signProofRequest(bob, domain, request({ auditor: bob.address })))).status,
    ).to.equal(403);
    expect((await post(await signProofRequest(bob, domain, request()))).status).to.equal(401);
    // another deployment's Settlement, an expired request, garbage
    const elsewhere = { ...domain, settlement: f.alice.address as Address };
    expect((await post(await signProofRequest(auditor, elsewhere, request()))).status).to.equal(401);
    expect(
      (await post(await signProofRequest(auditor, domain, request({ expiresAt: fx.clock - 1n })))).status,
    ).to.equal(401);
    const malformed = await post({ request: { agreementId: "x" }, signature: "0x" });
    expect(malformed.status).to.equal(400);
    expect((await malformed.json()).code).to.equal("invalid_request");
    // a batch this node never submitted
    const unknown = await post(await signProofRequest(auditor, domain, request({ epoch: 7n })));
    expect(unknown.status).to.equal(404);
    expect((await unknown.json()).code).to.equal("unknown_batch");
  });

  it("an under-reporting recipient: claimed above its acknowledgement after the deadline, disputed automatically, its count upheld", async () => {
    fx.clock = start + EPOCH + 10n; // epoch 1
    await refer(0, 10);
    // bob under-reports: 4 of its arrival records of epoch 1 vanish
    await store.driver.query(
      `DELETE FROM member_arrivals WHERE click_id IN (
         SELECT click_id FROM member_arrivals WHERE tenant = $1 AND agreement_id = $2 AND flow = 0 AND epoch = 1 ORDER BY click_id LIMIT 4)`,
      [f.bob.address.toLowerCase(), agreementId.toString()],
    );
    await endEpoch(1n, TOKEN_TTL + 1n);
    const refused = await running.nodes[ALICE].closeEpochs();
    expect(refused).to.have.length(1);
    expect(refused[0].type).to.equal("refused");
    if (refused[0].type !== "refused") return;
    expect(refused[0].expected?.count).to.equal("6");

    await endEpoch(1n, CLAIM_AFTER + 1n);
    const claimed = await running.nodes[ALICE].closeEpochs();
    expect(claimed.map((o) => o.type)).to.deep.equal(["claimed"]);
    const onChain = await f.settlement.batchOf(agreementId, 0, 1n);
    expect(onChain.status).to.equal(2n); // Claimed
    // bob's acknowledgement (6) settled at once; only alice's 4 unacknowledged clicks wait
    expect([onChain.acknowledgedCount, onChain.settledCount]).to.deep.equal([6n, 6n]);

    // carol's node sees the claim too, but it is not her flow; bob's node disputes it.
    expect(await running.nodes[CAROL].disputeClaims()).to.deep.equal([]);
    const disputes = await running.nodes[BOB].disputeClaims();
    expect(disputes.map((d) => d.type)).to.deep.equal(["disputed"]);
    const batch = await f.settlement.batchOf(agreementId, 0, 1n);
    expect(batch.status).to.equal(3n); // Disputed
    expect(batch.counterCount).to.equal(6n);
    // alice holds no acknowledgement above 6: she cannot answer; after the answer window bob's
    // node closes the dispute and its count stands — the 4 unacknowledged clicks never settle.
    expect((await running.nodes[ALICE].followClaims()).map((o) => o.type)).to.deep.equal(["disputed"]);
    const before = await f.ledger.balanceOf(f.alice.address);
    fx.clock = BigInt(batch.challengeEnds) + 1n;
    await time.increaseTo(fx.clock);
    expect((await running.nodes[BOB].disputeClaims()).map((d) => d.type)).to.deep.equal(["upheld"]);
    const closed = await f.settlement.batchOf(agreementId, 0, 1n);
    expect([closed.status, closed.settledCount]).to.deep.equal([5n, 6n]); // Resolved at bob's count
    expect(await f.ledger.balanceOf(f.alice.address)).to.equal(before);
    expect(await running.nodes[BOB].disputeClaims()).to.deep.equal([]);
    expect((await running.nodes[ALICE].followClaims()).map((o) => o.type)).to.deep.equal([
      "settled-elsewhere",
    ]);
  });

  it("a silent recipient: the referrer claims after the deadline, nobody disputes, the referrer finalises after the window", async () => {
    fx.clock = start + 2n * EPOCH + 10n; // epoch 2
    await refer(1, 5); // bob → carol
    // carol's node moves to an address where nothing answers: bob finds it through her profile
    await setNodeUri(f.consortium, f.carol, "http://127.0.0.1:9/");
    await endEpoch(2n, CLAIM_AFTER + 1n);
    const claimed = await running.nodes[BOB].closeEpochs();
    expect(claimed.map((o) => o.type)).to.deep.equal(["claimed"]);
    if (claimed[0].type === "claimed") expect(claimed[0].reason).to.contain("unreachable");
    // carol's own records agree with the claim: no dispute
    expect((await running.nodes[CAROL].disputeClaims()).map((d) => d.type)).to.deep.equal(["accepted"]);
    // the window is still open: nothing to finalise yet
    const early = await running.nodes[BOB].followClaims();
    expect(early.map((o) => o.type)).to.deep.equal(["waiting"]);
    const window: bigint = await f.settlement.challengeWindow();
    const batch = await f.settlement.batchOf(agreementId, 1, 2n);
    fx.clock = BigInt(batch.challengeEnds) + 1n;
    await time.increaseTo(fx.clock);
    expect(window).to.be.greaterThan(0n);
    const before = await f.ledger.balanceOf(f.bob.address);
    const finalised = await running.nodes[BOB].followClaims();
    expect(finalised.map((o) => o.type)).to.deep.equal(["finalised"]);
    expect((await f.settlement.batchOf(agreementId, 1, 2n)).status).to.equal(4n); // Finalised
    expect(await f.ledger.balanceOf(f.bob.address)).to.equal(before + 5n * RATES[1]);
    // followed to the end: the batch is not closed, claimed or finalised again
    expect(await running.nodes[BOB].followClaims()).to.deep.equal([]);
    expect(await running.nodes[BOB].closeEpochs()).to.deep.equal([]);
    await setNodeUri(f.consortium, f.carol, running.nodes[CAROL].url);
  });

  it("acknowledgements: the recipient signs its running count, the referrer keeps the highest and settles on it with the recipient offline", async () => {
    fx.clock = start + 3n * EPOCH + 10n; // epoch 3
    await refer(0, 3); // alice → bob
    // bob's node also acknowledges the earlier epochs it received, once each
    const ofEpoch3 = (outcomes: Awaited<ReturnType<MemberNodes["nodes"][number]["acknowledge"]>>) =>
      outcomes.flatMap((o) =>
        o.type === "sent" && o.acknowledgement.epoch === 3n ? [o.acknowledgement.count] : [],
      );
    expect(ofEpoch3(await running.nodes[BOB].acknowledge())).to.deep.equal([3n]);
    await refer(0, 1);
    expect(ofEpoch3(await running.nodes[BOB].acknowledge())).to.deep.equal([4n]);
    // nothing new: nothing sent again
    expect(await running.nodes[BOB].acknowledge()).to.deep.equal([]);
    const [held] = await store.driver.query<{ count: string }>(
      "SELECT count FROM member_acknowledgements WHERE tenant = $1 AND agreement_id = $2 AND flow = 0 AND epoch = 3",
      [f.alice.address.toLowerCase(), agreementId.toString()],
    );
    expect(held.count.toString()).to.equal("4");
    // bob's node goes away; alice still commits the epoch, on bob's last acknowledgement
    await setNodeUri(f.consortium, f.bob, "http://127.0.0.1:9/");
    await endEpoch(3n, TOKEN_TTL + 1n);
    const closed = await running.nodes[ALICE].closeEpochs();
    expect(closed.map((o) => o.type)).to.deep.equal(["committed"]);
    const batch = await f.settlement.batchOf(agreementId, 0, 3n);
    expect([batch.status, batch.settledCount]).to.deep.equal([1n, 4n]);
    await setNodeUri(f.consortium, f.bob, running.nodes[BOB].url);
  });

  it("an acknowledgement not signed by the recipient's key is refused and not kept", async () => {
    const body = JSON.stringify({
      agreementId: agreementId.toString(),
      flow: "0",
      epoch: "3",
      count: "1000",
      root: `0x${"22".repeat(32)}`,
      signature: `0x${"33".repeat(65)}`,
    });
    const domain = { chainId: hardhat.id, consortium: (await f.consortium.getAddress()) as Address };
    const headers = await signPeerRequest({
      account: devAccount(4),
      member: f.bob.address as Address,
      domain,
      method: "POST",
      path: "/v1/peer/acknowledgements",
      body,
      time: fx.clock,
    });
    const response = await fetch(`${running.nodes[ALICE].url}/v1/peer/acknowledgements`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
    });
    expect(response.status).to.equal(403);
  });

  it("bounded exposure: a recipient that stops acknowledging gets no more billable tokens past the bound, until it catches up", async () => {
    fx.clock = start + 4n * EPOCH + 10n; // epoch 4
    // carol → alice (flow 2); alice acknowledges nothing while carol sends 12 (the bound)
    const tokens: string[] = [];
    for (let i = 0; i < 12; i++) tokens.push((await followLink(running, CAROL, agreementId, 2)).token);
    const paused = await running.nodes[CAROL].app.inject({ method: "GET", url: `/r/${agreementId}/2` });
    expect(paused.statusCode).to.equal(302);
    expect(paused.headers["x-flowpact-billable"]).to.equal("paused");
    expect(new URL(String(paused.headers.location)).searchParams.size).to.equal(0);
    expect(running.nodes[CAROL].exposure.paused().map((p) => [p.flow, p.sent])).to.deep.equal([[2, 12]]);
    // the 12 arrive and alice's node acknowledges them: billable tokens resume
    for (const token of tokens)
      expect((await postArrival(running, ALICE, agreementId, 2, token)).status).to.equal(201);
    const sent = await running.nodes[ALICE].acknowledge();
    expect(
      sent.flatMap((o) =>
        o.type === "sent" && o.acknowledgement.flow === 2 && o.acknowledgement.epoch === 4n
          ? [o.acknowledgement.count]
          : [],
      ),
    ).to.deep.equal([12n]);
    expect(running.nodes[CAROL].exposure.paused()).to.deep.equal([]);
    await followLink(running, CAROL, agreementId, 2);
  });
});
