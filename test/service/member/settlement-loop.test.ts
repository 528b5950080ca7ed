import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { MemberNodes } from "../../../src/member/node";
import type { SettlementPass } from "../../../src/member/settlement-loop";
import type { Contract, SettlementFixture } from "../../contracts/settlement/fixture";
import { type CycleNodes, startCycleNodes } from "./cycle-nodes";
import { followLink, postArrival } from "./http";
import { setNodeUri } from "./profiles";

const TOKEN_TTL = 60n;
const CLAIM_AFTER = 1_800n;
const EPOCH = 3_600n;
const RATES = [7n, 5n, 3n] as const;

/** Polls `check` until it returns a value (not undefined), or fails after `ms`. */
async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>, ms = 30_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("member node: the autonomous settlement loop (real Hardhat chain)", function () {
  this.timeout(120_000);
  let fx: CycleNodes;
  let f: SettlementFixture;
  let running: MemberNodes;
  let agreementId: bigint;
  let start: bigint;
  const passes: SettlementPass[][] = [];
  let failNextPass = false;
  let slowPass = false;
  let inPass = false;

  before(async () => {
    fx = await startCycleNodes({
      rates: RATES,
      epochLength: EPOCH,
      node: {
        tokenTtl: TOKEN_TTL,
        claimAfter: CLAIM_AFTER,
        settleEveryMs: 50,
        beforeSettlePass: async () => {
          if (failNextPass) {
            failNextPass = false;
            throw new Error("RPC down for one pass");
          }
          inPass = true;
          if (slowPass) await new Promise((r) => setTimeout(r, 500));
        },
        onSettlePass: (reports) => {
          inPass = false;
          passes.push(reports);
        },
      },
      tenant: { autoAccept: { minRate: 2n, maxCapPerEpoch: 1_000n, maxPartners: 4, refusedIndustries: [] } },
      // alice and carol publish their node; bob's profile names a port where nothing answers yet
      nodeUris: ([alice, , carol]) => [alice, "http://127.0.0.1:9", carol],
    });
    ({ f, running, agreementId, start } = fx);
  });

  after(async () => {
    await fx?.close();
  });

  const outcomesOf = (member: number, flow: number) =>
    passes.flatMap((p) => p[member]?.closed ?? []).filter((o) => o.batch.flow === flow);

  it("closes finished epochs by itself, and retries a co-signature whose recipient was unreachable", async () => {
    const counts = [6, 4, 3];
    for (const [flow, n] of counts.entries())
      for (let i = 0; i < n; i++) {
        const { token } = await followLink(running, flow, agreementId, flow);
        expect((await postArrival(running, (flow + 1) % 3, agreementId, flow, token)).status).to.equal(201);
      }
    fx.clock = start + EPOCH + TOKEN_TTL + 1n;
    await time.increaseTo(fx.clock);
    // every flow commits; alice cannot reach bob's node, but bob's node acknowledged his arrivals to
    // hers while the epoch ran (every 2 s): she commits on the acknowledgement she holds.
    await until("every flow committed", () =>
      [0, 1, 2].every((flow) => outcomesOf(flow, flow).some((o) => o.type === "committed"))
        ? true
        : undefined,
    );
    expect(outcomesOf(0, 0).some((o) => o.type === "claimed")).to.equal(false);
    await setNodeUri(f.consortium, f.bob, running.nodes[1].url);
    for (const [flow, n] of counts.entries())
      expect((await f.settlement.batchOf(agreementId, flow, 0n)).count).to.equal(BigInt(n));
    const credit = (i: number) => BigInt(counts[i]) * RATES[i];
    expect(await f.ledger.balanceOf(f.alice.address)).to.equal(credit(0) - credit(2));
    expect(await f.ledger.balanceOf(f.bob.address)).to.equal(credit(1) - credit(0));
  });

  it("accepts by itself a proposal its policy allows, and leaves a cheap one for the CLI", async () => {
    const book = f.agreements.connect(f.matcher) as Contract;
    const now = BigInt(await time.latest());
    const schedule = {
      start: now + 600n,
      end: now + 600n + 10n * EPOCH,
      epochLength: EPOCH,
      noticeEpochs: 1n,
    };
    const flows = (rate: bigint) => [
      { from: f.alice.address, to: f.carol.address, segments: 1n, capPerEpoch: 100n, rate },
      { from: f.carol.address, to: f.alice.address, segments: 1n, capPerEpoch: 100n, rate },
    ];
    await book.propose([f.alice.address, f.carol.address], flows(9n), schedule, now + 500n);
    const good: bigint = await f.agreements.agreementCount();
    await book.propose([f.alice.address, f.carol.address], flows(1n), schedule, now + 500n);
    const cheap: bigint = await f.agreements.agreementCount();
    await until("the good proposal is Active", async () =>
      Number(await f.agreements.status(good)) === 2 ? true : undefined,
    );
    const left = await until("the cheap one left for the CLI", () =>
      passes
        .flatMap((p) => p.flatMap((r) => r.proposals))
        .find((o) => o.agreementId === cheap && o.type === "left-for-cli"),
    );
    if (left.type === "left-for-cli") expect(left.reasons.join(" ")).to.contain("minRate");
    expect(await f.agreements.hasAccepted(cheap, f.alice.address)).to.equal(false);
  });

  it("survives a pass that throws, and stop() waits for the pass in flight", async () => {
    const { settlement } = running;
    if (!settlement) throw new Error("no loop");
    const seen = settlement.passes;
    failNextPass = true;
    await until("two more passes", () => (settlement.passes >= seen + 2 && !failNextPass ? true : undefined));
    slowPass = true;
    await until("a pass in flight", () => (inPass ? true : undefined));
    await settlement.stop();
    expect(inPass).to.equal(false);
    const after = settlement.passes;
    await new Promise((r) => setTimeout(r, 200));
    expect(settlement.passes).to.equal(after);
  });
});
