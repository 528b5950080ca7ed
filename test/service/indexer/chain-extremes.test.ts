import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FastifyInstance } from "fastify";
import pino from "pino";
import { type Address, type Hex, keccak256, parseEther, toHex } from "viem";
import { agreementBookAbi } from "../../../src/abi/contracts";
import { createApiServer } from "../../../src/api/server";
import { type RunAuditResult, runAudit } from "../../../src/audit/run-audit";
import { writeDeployment } from "../../../src/chain/deployments";
import { loadConfig } from "../../../src/config";
import { runDaemon } from "../../../src/daemon";
import { createIndexer, silentProgress } from "../../../src/indexer";
import { createOutboundClient } from "../../../src/net";
import { signBatch } from "../../../src/receipts/batch-signature";
import type { ReceiptTree } from "../../../src/receipts/receipt-tree";
import type { Store } from "../../../src/store/store";
import { startProofServer } from "../audit/proof-server";
import { type AuditChain, admitMembers, batchTree, createAuditChain } from "../audit/scenario";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { POSTGRES_SKIPPED_LINE, pgliteTarget, postgresTarget, type StoreTarget } from "../helpers/stores";

const MAX64 = (1n << 64n) - 1n;
const MAX128 = (1n << 128n) - 1n;
const MAX256 = (1n << 256n) - 1n;
/** The largest credit amount the ledger takes (its balances are int256). */
/** The largest credit limit or posting the ledger accepts (int128). */
const MAX_INT128 = (1n << 127n) - 1n;
/** The largest rate of a flow capped at 2^64−1: a full epoch must be postable (cap × rate ≤ int128). */
const GIANT_RATE = MAX_INT128 / ((1n << 64n) - 1n);

/** A value the API sent, as the exact integer it stands for (a number past 2^53 is not exact). */
const exact = (value: unknown): bigint => {
  if (typeof value === "number" && !Number.isSafeInteger(value))
    throw new Error(`${value} is a JSON number past 2^53: not exact`);
  return BigInt(value as string | number);
};

/**
 * Every FlowPact value at the extremes the contracts accept (0, 1 and the largest: offer expiry
 * 2^64−1, capacities and volumes 2^64−1, rates 2^128−1, bitmaps and limits 2^256−1, an agreement
 * ending at 2^64−1 with 2^64−1 notice epochs, claims of 2^64−1 referrals, a dispute at 2^64−2, a
 * resolution at 2^64−1, settlements of (2^64−1)·(2^128−1) credits), emitted through the real
 * contracts on a real Hardhat node, then indexed into the store, served by the API, audited with
 * and without spot-checks, and driven by one daemon tick: nothing throws, every value round-trips
 * exactly.
 */
describe("chain extremes: indexer → store → API → auditor → daemon", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let chain: AuditChain;
  let members: Address[];
  let deploymentsDir: string;
  let giant: bigint;
  let terminated: bigint;
  let start: bigint;
  const trees = new Map<string, ReceiptTree>();
  const offers: { extreme?: bigint; minimal?: bigint } = {};

  const send = (...args: Parameters<AuditChain["send"]>) => chain.send(...args);
  const agreementCount = async () =>
    (await chain.publicClient.readContract({
      address: chain.deployment.contracts.AgreementBook,
      abi: agreementBookAbi,
      functionName: "agreementCount",
    })) as bigint;
  const cosigned = async (
    referrer: number,
    recipient: number,
    agreementId: bigint,
    flow: number,
    epoch: bigint,
    count: bigint,
    root: Hex,
  ) => {
    const signature = await signBatch(chain.account(recipient), {
      chainId: chain.deployment.chainId,
      settlement: chain.deployment.contracts.Settlement,
      batch: { recipient: chain.account(recipient).address, agreementId, flow, epoch, count, root },
    });
    await send(chain.account(referrer), "Settlement", "commit", [
      agreementId,
      BigInt(flow),
      epoch,
      count,
      root,
      signature,
    ]);
  };

  before(async () => {
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    members = await admitMembers(chain, [1, 2, 3]);
    deploymentsDir = mkdtempSync(path.join(tmpdir(), "flowpact-extremes-deployments-"));
    writeDeployment(deploymentsDir, chain.deployment);
    const [a, b, c] = [1, 2, 3].map((i) => chain.account(i));
    await send(chain.governor, "CreditLedger", "setCreditLimit", [c.address, MAX_INT128]);
    await send(chain.governor, "CreditLedger", "setCreditLimit", [a.address, 0n]);

    const now = await chain.now();
    await send(a, "OfferBook", "postOffer", [
      {
        supplySegments: MAX256,
        capacityPerEpoch: MAX64,
        minRate: MAX128,
        demandSegments: MAX256,
        volumePerEpoch: MAX64,
        maxRate: MAX128,
        excludedIndustries: MAX256,
        expiry: MAX64,
      },
    ]);
    offers.extreme = 1n;
    await send(b, "OfferBook", "postOffer", [
      {
        supplySegments: 1n,
        capacityPerEpoch: 1n,
        minRate: 0n,
        demandSegments: 0n,
        volumePerEpoch: 0n,
        maxRate: 0n,
        excludedIndustries: 0n,
        expiry: now + 100_000n,
      },
    ]);
    offers.minimal = 2n;

    // a ⇄ b: the largest cap and rate one way, the smallest the other; epochs of 1 s until 2^64−1.
    start = now + 100n;
    const schedule = { start, end: MAX64, epochLength: 1n, noticeEpochs: MAX64 };
    await send(chain.governor, "AgreementBook", "propose", [
      [a.address, b.address],
      [
        { from: a.address, to: b.address, segments: MAX256, capPerEpoch: MAX64, rate: GIANT_RATE },
        { from: b.address, to: a.address, segments: 1n, capPerEpoch: 1n, rate: 0n },
      ],
      schedule,
      start,
    ]);
    giant = await agreementCount();
    for (const p of [a, b]) await send(p, "AgreementBook", "accept", [giant]);
    // b ⇄ c, terminated at once: the termination lands at epoch 2^64−1−start, effective at 2^64−1.
    await send(chain.governor, "AgreementBook", "propose", [
      [b.address, c.address],
      [
        { from: b.address, to: c.address, segments: 1n, capPerEpoch: 1n, rate: 1n },
        { from: c.address, to: b.address, segments: 1n, capPerEpoch: 1n, rate: 1n },
      ],
      schedule,
      start,
    ]);
    terminated = await agreementCount();
    for (const p of [b, c]) await send(p, "AgreementBook", "accept", [terminated]);

    await node.rpc("evm_setNextBlockTimestamp", [Number(start + 10n)]);
    await node.rpc("evm_mine");
    // Epoch 0: a claims 2^64−1 referrals (no co-signature); epoch 1: b co-signs 2^64−1 for a, which
    // settles (2^64−1)·(2^128−1) credits b → a; epoch 2: a claims 2^64−1, b disputes at 2^64−2
    // and the auditor resolves at 2^64−1; b's one referral to a in epoch 0 is co-signed at rate 0.
    const noAcknowledgement = { count: 0n, root: `0x${"00".repeat(32)}` as Hex, signature: "0x" as Hex };
    await send(a, "Settlement", "claim", [
      giant,
      0n,
      0n,
      MAX64,
      keccak256(toHex("giant claim")),
      noAcknowledgement,
    ]);
    await cosigned(1, 2, giant, 0, 1n, MAX64, keccak256(toHex("giant commit")));
    await send(a, "Settlement", "claim", [
      giant,
      0n,
      2n,
      MAX64,
      keccak256(toHex("giant dispute")),
      noAcknowledgement,
    ]);
    await send(
      b,
      "Settlement",
      "dispute",
      [giant, 0n, 2n, MAX64 - 1n, keccak256(toHex("counter"))],
      parseEther("1"),
    );
    // a answers the dispute with b's acknowledgement of 2^64−1 arrivals.
    const acknowledged = keccak256(toHex("b's arrivals"));
    const signature = await signBatch(chain.account(2), {
      chainId: chain.deployment.chainId,
      settlement: chain.deployment.contracts.Settlement,
      batch: {
        recipient: b.address,
        agreementId: giant,
        flow: 0,
        epoch: 2n,
        count: MAX64,
        root: acknowledged,
      },
    });
    await send(a, "Settlement", "resolve", [giant, 0n, 2n, { count: MAX64, root: acknowledged, signature }]);
    const small = await batchTree(chain, giant, 1, 0n, 1);
    trees.set(`${giant}/1/0`, small);
    await cosigned(2, 1, giant, 1, 0n, 1n, small.root);
    await send(b, "AgreementBook", "terminate", [terminated]);
    await send(b, "OfferBook", "withdrawOffer", [offers.minimal]);
    const head = await chain.publicClient.getBlockNumber();
    await send(chain.governor, "Settlement", "attest", [keccak256(toHex("report")), 1, 0n, head]);
  });

  after(async () => {
    await node?.stop();
  });

  const targets: StoreTarget[] = [pgliteTarget];
  const postgres = postgresTarget();
  if (postgres) targets.push(postgres);
  else console.log(POSTGRES_SKIPPED_LINE);

  for (const target of targets) {
    describe(`indexed into ${target.name}`, () => {
      let store: Store;
      let app: FastifyInstance;
      const query = async <T = Record<string, unknown>>(sql: string, params: unknown[] = []) =>
        store.driver.query<T>(sql, params);

      before(async () => {
        store = await target.open();
        app = await createApiServer({ store, now: () => Number(start) + 50, dashboardDir: false });
      });
      after(async () => {
        await app?.close();
        await store?.close();
        await target.cleanUp();
      });

      it("indexes every extreme event to the head without an exception", async () => {
        const indexer = createIndexer({
          store,
          publicClient: chain.publicClient as never,
          deployment: chain.deployment,
          settings: { confirmations: 0, finalityDepth: 64, logRange: 2_000, pollIntervalMs: 50 },
          progress: silentProgress,
        });
        const status = await indexer.run({ once: true });
        expect(status.indexedBlock).to.equal(await chain.publicClient.getBlockNumber());
        const [{ n }] = await query<{ n: bigint }>("SELECT count(*) AS n FROM events");
        expect(n).to.equal(status.eventCount);
      });

      it("stores every value exactly (uint64 up to 2^64−1, uint128 and uint256 to their maximum)", async () => {
        const [offer] = await query("SELECT * FROM offers WHERE offer_id = $1", [offers.extreme]);
        expect(offer).to.include({
          supply_segments: MAX256,
          capacity_per_epoch: MAX64,
          min_rate: MAX128,
          demand_segments: MAX256,
          volume_per_epoch: MAX64,
          max_rate: MAX128,
          excluded_industries: MAX256,
          expiry: MAX64,
        });
        const [minimal] = await query("SELECT * FROM offers WHERE offer_id = $1", [offers.minimal]);
        expect(minimal).to.include({ capacity_per_epoch: 1n, min_rate: 0n, max_rate: 0n, withdrawn: true });
        const [agreement] = await query("SELECT * FROM agreements WHERE agreement_id = $1", [giant]);
        expect(agreement).to.include({
          start_time: start,
          end_time: MAX64,
          epoch_length: 1n,
          notice_epochs: MAX64,
          proposal_expiry: start,
          status: "active",
        });
        const [ended] = await query("SELECT * FROM agreements WHERE agreement_id = $1", [terminated]);
        expect(ended).to.include({
          status: "terminated",
          termination_epoch: MAX64 - start,
          termination_effective_at: MAX64,
        });
        const [flow] = await query("SELECT * FROM flows WHERE agreement_id = $1 AND flow_index = 0", [giant]);
        expect(flow).to.include({ segments: MAX256, cap_per_epoch: MAX64, rate: GIANT_RATE });
        const batches = await query<Record<string, unknown>>(
          "SELECT * FROM batches WHERE agreement_id = $1 ORDER BY flow_index, epoch",
          [giant],
        );
        expect(
          batches.map((b) => [b.flow_index, b.epoch, b.status, b.count, b.settled_count, b.amount]),
        ).to.deep.equal([
          [0, 0n, "claimed", MAX64, 0n, 0n],
          [0, 1n, "committed", MAX64, MAX64, MAX64 * GIANT_RATE],
          [0, 2n, "resolved", MAX64, MAX64, MAX64 * GIANT_RATE],
          [1, 0n, "committed", 1n, 1n, 0n],
        ]);
        expect(typeof batches[0].challenge_ends).to.equal("bigint");
        const [dispute] = await query("SELECT * FROM disputes WHERE agreement_id = $1", [giant]);
        expect(dispute).to.include({ counter_count: MAX64 - 1n, resolved_count: MAX64, status: "resolved" });
        const [limit] = await query("SELECT credit_limit FROM balances WHERE member = $1", [
          members[2].toLowerCase(),
        ]);
        expect(limit.credit_limit).to.equal(MAX_INT128);
        const [{ total }] = await query<{ total: bigint }>("SELECT sum(balance) AS total FROM balances");
        expect(total).to.equal(0n);
        const [arrears] = await query<{ owed: bigint }>("SELECT owed FROM arrears WHERE payer = $1", [
          members[1].toLowerCase(),
        ]);
        expect(arrears.owed > 0n).to.equal(true);
      });

      it("serves the extremes exactly over the API", async () => {
        const get = async (url: string) => {
          const res = await app.inject({ method: "GET", url });
          expect(res.statusCode, `${url}: ${res.body}`).to.equal(200);
          return res.json();
        };
        const member = await get(`/api/members/${members[0]}`);
        const offer = member.offers.find((o: { id: string }) => o.id === offers.extreme?.toString());
        expect(exact(offer.expiry)).to.equal(MAX64);
        expect(offer.state).to.equal("active");
        expect(exact(offer.capacityPerEpoch)).to.equal(MAX64);
        expect(exact(offer.maxRate)).to.equal(MAX128);
        const { agreement } = await get(`/api/agreements/${giant}`);
        expect(exact(agreement.endTime)).to.equal(MAX64);
        expect(exact(agreement.noticeEpochs)).to.equal(MAX64);
        expect(exact(agreement.flows[0].capPerEpoch)).to.equal(MAX64);
        expect(exact(agreement.flows[0].rate)).to.equal(GIANT_RATE);
        const { agreement: ended } = await get(`/api/agreements/${terminated}`);
        expect(exact(ended.terminationEffectiveAt)).to.equal(MAX64);
        const { items } = await get(`/api/batches?agreement=${giant}`);
        const byEpoch = new Map(
          items.filter((b: { flow: number }) => b.flow === 0).map((b: { epoch: number }) => [b.epoch, b]),
        );
        const claimed = byEpoch.get(0) as Record<string, unknown>;
        expect(exact(claimed.count)).to.equal(MAX64);
        const disputed = byEpoch.get(2) as {
          count: unknown;
          settledCount: unknown;
          amount: string;
          dispute: Record<string, unknown>;
        };
        expect(exact(disputed.settledCount)).to.equal(MAX64);
        expect(BigInt(disputed.amount)).to.equal(MAX64 * GIANT_RATE);
        expect(exact(disputed.dispute.counterCount)).to.equal(MAX64 - 1n);
        expect(exact(disputed.dispute.resolvedCount)).to.equal(MAX64);
        const audits = await get("/api/audits");
        expect(audits.disputes.length).to.be.greaterThan(0);
        expect(exact(audits.disputes[0].claimedCount)).to.equal(MAX64);
        const summary = await get("/api/summary");
        expect(summary.credits.balanceSum).to.equal("0");
        expect(exact(summary.batches.settledReferrals)).to.equal(2n * MAX64 + 1n);
      });
    });
  }

  describe("auditor", () => {
    let withoutChecks: RunAuditResult;

    it("audits the extremes without spot-checks and without an exception", async () => {
      withoutChecks = await runAudit({ rpcUrl: node.rpcUrl, deployment: chain.deployment });
      expect(withoutChecks.report.verdict).to.be.a("string");
    });

    it("spot-checks every batch but the giant ones, which are one finding each, never a failed audit", async () => {
      const proofs = await startProofServer({
        chainId: chain.deployment.chainId,
        settlement: chain.deployment.contracts.Settlement,
        auditors: [chain.governor.address],
        trees,
      });
      try {
        const result = await runAudit({
          rpcUrl: node.rpcUrl,
          deployment: chain.deployment,
          auditor: chain.governor,
          nodeUrls: proofs.nodeUrls(members),
          samplesPerBatch: 5,
          // The proof server listens on 127.0.0.1: loopback is allowed explicitly.
          outbound: createOutboundClient({ allowPrivateNetworks: true }),
        });
        const small = result.proofChecks.find((c) => c.agreementId === giant && c.flow === 1n);
        expect(small?.outcome).to.equal("verified");
        const huge = result.proofChecks.filter((c) => c.agreementId === giant && c.flow === 0n);
        expect(huge.map((c) => c.outcome)).to.deep.equal(["unprovable", "unprovable", "unprovable"]);
        const giantFindings = result.findings.filter((f) => f.code === "proof-count-unprovable");
        expect(giantFindings).to.have.length(3);
      } finally {
        await proofs.close();
      }
    });
  });

  describe("daemon", () => {
    it("runs a daemon tick (`flowpact daemon --once`) over the extremes without an exception", async () => {
      // Past the challenge window of the epoch-0 claim: the daemon finalises it, settling 2^64−1 × 2^128−1.
      await chain.advance(700);
      const config = loadConfig(
        {
          rpcUrl: node.rpcUrl,
          deploymentsDir,
          dataDir: mkdtempSync(path.join(tmpdir(), "flowpact-extremes-daemon-")),
          privateKey: DEV_KEYS[0],
          indexer: { confirmations: 0, pollIntervalMs: 50 },
        },
        { cwd: tmpdir(), env: {} },
      );
      const tick = await runDaemon({
        config,
        once: true,
        metricsPort: false,
        logger: pino({ level: "silent" }),
      });
      expect(tick?.finalised).to.equal(1);
      expect(tick?.indexedBlock).to.be.a("bigint");
    });
  });
});
