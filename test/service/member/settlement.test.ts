import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";
import { type Address, createPublicClient, createWalletClient, custom, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import { type MemberNodes, startMemberNodes } from "../../../src/member/node";
import { signPeerRequest } from "../../../src/member/peer-auth";
import { verifyReceiptMultiProof, verifyReceiptProof } from "../../../src/receipts";
import { createStore, type Store } from "../../../src/store/store";
import {
  createActiveAgreement,
  deploySettlementFixture,
  type SettlementFixture,
} from "../../contracts/settlement/fixture";
import { devAccount } from "./chain";
import { followLink, postArrival } from "./http";

const TOKEN_TTL = 600n;
const CLAIM_AFTER = 1_800n;
const EPOCH = 3_600n;
// alice → bob (rate 7), bob → carol (rate 5), carol → alice (rate 3): a 3-party cycle.
const RATES = [7n, 5n, 3n];

describe("member node: epoch close, co-signing, commit, claim and auto-dispute (real Hardhat chain)", function () {
  this.timeout(180_000);
  let f: SettlementFixture;
  let store: Store;
  let running: MemberNodes;
  let agreementId: bigint;
  let start: bigint;
  let clock: bigint;
  let publicClient: PublicClient;
  const ALICE = 0;
  const BOB = 1;
  const CAROL = 2;

  before(async () => {
    f = await loadFixture(deploySettlementFixture);
    const parties = [f.alice, f.bob, f.carol];
    const flows = parties.map((from, i) => ({
      from: from.address,
      to: parties[(i + 1) % 3].address,
      segments: 1n,
      capPerEpoch: 1_000n,
      rate: RATES[i],
    }));
    ({ agreementId, start } = await createActiveAgreement(f.agreements, parties, flows, {
      epochLength: EPOCH,
    }));
    clock = start + 10n;
    publicClient = createPublicClient({
      chain: hardhat,
      transport: custom(hre.network.provider),
    }) as PublicClient;
    const contracts = {
      AgreementBook: (await f.agreements.getAddress()) as Address,
      Consortium: (await f.consortium.getAddress()) as Address,
      Settlement: f.settlementAddress as Address,
    };
    store = await createStore({ memory: true });
    const keys = [devAccount(3), devAccount(4), devAccount(5)];
    running = await startMemberNodes(
      {
        chainId: hardhat.id,
        contracts,
        publicClient,
        store,
        logStream: false,
        tokenTtl: TOKEN_TTL,
        claimAfter: CLAIM_AFTER,
        peerUrl: (member) => running.nodes.find((n) => n.member === member.toLowerCase())?.url,
        now: () => clock,
      },
      parties.map((party, i) => ({
        member: party.address as Address,
        account: keys[i],
        landingUrl: `https://member-${i}.example/`,
        walletClient: createWalletClient({
          account: keys[i],
          chain: hardhat,
          transport: custom(hre.network.provider),
        }),
      })),
    );
  });

  after(async () => {
    await running?.close();
    await store?.close();
  });

  async function refer(flow: number, count: number) {
    for (let i = 0; i < count; i++) {
      const { token } = await followLink(running, flow, agreementId, flow);
      expect((await postArrival(running, (flow + 1) % 3, agreementId, flow, token)).status).to.equal(201);
    }
  }

  async function endEpoch(epoch: bigint, extra: bigint) {
    clock = start + (epoch + 1n) * EPOCH + extra;
    if (BigInt(await time.latest()) < clock) await time.increaseTo(clock);
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
        time: overrides.time ?? clock,
      });
    // carol's key claiming to be alice; carol as herself (not the referrer of flow 0); stale; other body
    expect((await post(await sign(5, f.alice.address))).status).to.equal(401);
    expect((await post(await sign(5, f.carol.address))).status).to.equal(403);
    expect((await post(await sign(3, f.alice.address, { time: clock - 3_600n }))).status).to.equal(401);
    expect((await post(await sign(3, f.alice.address, { body: "{}" }))).status).to.equal(401);
    // alice, correctly signed, but the batch does not match bob's arrivals: refused with the difference
    const headers = await sign(3, f.alice.address);
    const refused = await post(headers);
    expect(refused.status).to.equal(409);
    const answer = await refused.json();
    expect(answer.code).to.equal("batch_mismatch");
    expect(answer.expected.count).to.equal("12");
    expect(answer.difference).to.equal("0");
    // the same signed request again is a replay
    expect((await post(headers)).status).to.equal(401);
  });

  it("serves Merkle proofs of committed batches to AUDITOR-signed requests only", async () => {
    const domain = { chainId: hardhat.id, consortium: (await f.consortium.getAddress()) as Address };
    const [row] = await store.driver.query<{ click_id: string }>(
      "SELECT click_id FROM member_clicks WHERE tenant = $1 AND agreement_id = $2 AND flow = 0 AND epoch = 0 LIMIT 1",
      [f.alice.address.toLowerCase(), agreementId.toString()],
    );
    const ask = async (path: string, index: number, account: string) =>
      fetch(`${running.nodes[ALICE].url}${path}`, {
        headers: await signPeerRequest({
          account: devAccount(index),
          member: account as Address,
          domain,
          method: "GET",
          path,
          time: clock,
        }),
      });
    const onChain = await f.settlement.batchOf(agreementId, 0, 0n);
    const one = await ask(`/v1/peer/proofs/${agreementId}/0/0?clickId=${row.click_id}`, 2, f.auditor.address);
    expect(one.status, await one.clone().text()).to.equal(200);
    const proof = await one.json();
    expect(proof.root).to.equal(onChain.root);
    const receipt = { agreementId, flow: 0, epoch: 0n, clickId: row.click_id as `0x${string}` };
    expect(verifyReceiptProof({ root: onChain.root, receipt, proof: proof.proof })).to.equal(true);
    const sampled = await ask(`/v1/peer/proofs/${agreementId}/0/0?sample=5`, 2, f.auditor.address);
    const sample = await sampled.json();
    expect(sample.receipts).to.have.length(5);
    const receipts = sample.receipts.map((r: Record<string, string>) => ({
      agreementId: BigInt(r.agreementId),
      flow: BigInt(r.flow),
      epoch: BigInt(r.epoch),
      clickId: r.clickId as `0x${string}`,
    }));
    expect(
      verifyReceiptMultiProof({
        root: onChain.root,
        receipts,
        proof: sample.proof,
        proofFlags: sample.proofFlags,
      }),
    ).to.equal(true);
    // a member (bob, a party even) is not an auditor
    expect((await ask(`/v1/peer/proofs/${agreementId}/0/0?sample=5`, 4, f.bob.address)).status).to.equal(401);
  });

  it("an under-reporting recipient: refused, claimed after the deadline, disputed automatically, resolved by an auditor", async () => {
    clock = start + EPOCH + 10n; // epoch 1
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
    expect((await f.settlement.batchOf(agreementId, 0, 1n)).status).to.equal(2n); // Claimed

    // carol's node sees the claim too, but it is not her flow; bob's node disputes it.
    expect(await running.nodes[CAROL].disputeClaims()).to.deep.equal([]);
    const disputes = await running.nodes[BOB].disputeClaims();
    expect(disputes.map((d) => d.type)).to.deep.equal(["disputed"]);
    const batch = await f.settlement.batchOf(agreementId, 0, 1n);
    expect(batch.status).to.equal(3n); // Disputed
    expect(batch.counterCount).to.equal(6n);
    const before = await f.ledger.balanceOf(f.alice.address);
    await f.settlement.connect(f.auditor).resolve(agreementId, 0, 1n, 10n, false);
    expect(await f.ledger.balanceOf(f.alice.address)).to.equal(before + 4n * RATES[0]);
    expect((await f.settlement.batchOf(agreementId, 0, 1n)).settledCount).to.equal(10n);
    expect(await running.nodes[BOB].disputeClaims()).to.deep.equal([]);
  });
});
