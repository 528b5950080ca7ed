/**
 * `npm run bench:e2e` at small scale: the same code (scripts/bench/e2e/run.ts) with 2,000
 * referrals, so the benchmark cannot rot. A real Hardhat node, real member nodes over HTTP,
 * co-signed commits on chain; the counts read back from the chain must equal what the nodes
 * acknowledged, batch by batch.
 */
import { expect } from "chai";
import { e2eMarkdown } from "../../scripts/bench/e2e/markdown";
import { type E2eResult, runE2eBench } from "../../scripts/bench/e2e/run";

const REFERRALS = 2_000;
const EPOCHS = 3;

describe("bench:e2e at small scale: every acked referral settles on chain (real Hardhat node, real HTTP)", function () {
  this.timeout(180_000);
  let result: E2eResult;
  const lines: string[] = [];

  before(async () => {
    result = await runE2eBench({
      referrals: REFERRALS,
      agreements: 10,
      // Long epochs, so the epochs are the phases whatever the machine's speed.
      epochSeconds: 30n,
      epochs: EPOCHS,
      tokenTtl: 3n,
      concurrency: 64,
      connectionsPerNode: 4,
      pipelining: 2,
      settleEveryMs: 500,
      progressEveryMs: 5_000,
      log: (line) => lines.push(line),
    });
  });

  it("acks every referral (click 302, arrival 201) and loses none: settled on chain = acked", () => {
    expect(result.load.failures, result.load.failureSamples.join("\n")).to.deep.equal({});
    expect(result.acked).to.equal(REFERRALS);
    expect(result.settled).to.equal(BigInt(result.acked));
    expect(result.lost).to.equal(0n);
    // Settlement's own views agree with its events; nothing was claimed without a co-signature.
    expect(result.chain.settledCount).to.equal(result.settled);
    expect(result.chain.claimed).to.equal(0);
  });

  it("settles batch by batch what the nodes acked, over 10 agreements, 21 flows and several epochs", () => {
    expect(result.mismatches).to.deep.equal([]);
    expect(result.unsettled).to.deep.equal([]);
    expect(result.agreements).to.equal(10);
    expect(result.flows).to.equal(21);
    expect(result.chain.epochs).to.be.at.least(EPOCHS);
    // Each (flow, epoch) with acked referrals is one co-signed commit; every flow had traffic in
    // every phase's epoch.
    expect(result.chain.batches).to.equal(Object.keys(result.load.ackedByBatch).length);
    expect(result.chain.batches).to.be.at.least(result.flows * EPOCHS);
    expect(result.tally.committed).to.equal(result.chain.batches);
    expect(result.chain.commitGas > 0n).to.equal(true);
    // Receipts were made durable: one click and one arrival per acked referral.
    expect(result.journal.records).to.equal(2 * REFERRALS);
  });

  it("reports progress and renders the BENCHMARKS.md section with the run's figures", () => {
    expect(lines.some((l) => /^e2e: every epoch closed: \d+ batches committed/.test(l))).to.equal(true);
    const markdown = e2eMarkdown(result, {
      concurrency: 64,
      connections: 4,
      pipelining: 2,
      epochSeconds: 30,
      epochs: EPOCHS,
    });
    expect(markdown).to.contain("| referrals sent | 2,000 |");
    expect(markdown).to.contain("| lost (acked − settled) | 0 |");
    expect(markdown).to.match(/\| gas used by the commits \| [\d,]+ \(/);
  });
});
