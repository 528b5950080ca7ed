import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, type Hex, keccak256, parseEventLogs, toBytes } from "viem";
import { agreementBookAbi, settlementAbi } from "../../../src/abi/contracts";
import type { FindingCode } from "../../../src/audit/findings";
import { loadHistory } from "../../../src/audit/history-loader";
import { type RunAuditResult, runAudit } from "../../../src/audit/run-audit";
import { verifyHistory } from "../../../src/audit/verifier";
import { recordBatch } from "../../../src/member/flow-batch";
import { type MemberNodes, startMemberNodes } from "../../../src/member/node";
import { createOutboundClient } from "../../../src/net";
import { randomClickId } from "../../../src/receipts/receipt";
import { createStore, type Store } from "../../../src/store/store";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { type ProofServer, startProofServer } from "./proof-server";
import {
  type AuditChain,
  admitMembers,
  batchTree,
  commitBatch,
  createAuditChain,
  disputedBatch,
  makeAgreement,
  NO_ACKNOWLEDGEMENT,
  openDispute,
} from "./scenario";

const codes = (result: RunAuditResult): FindingCode[] => result.findings.map((f) => f.code);
const serious = (result: RunAuditResult) => result.findings.filter((f) => f.severity !== "warning");

/**
 * The proof spot-checks ask REAL member nodes (src/member, multi-tenant, one HTTP server per
 * member, speaking POST /audit/proofs): each referrer's node holds, in its own store, the clicks
 * of the batches the scenario submitted in its name, as if it had referred them. The one
 * exception is the seeded replay fault: an honest node cannot hold one click in two epochs (its
 * store refuses a second receipt with the same click id), so the node of the member who replays
 * receipts is the stand-in proof server, serving exactly what that member submitted.
 */
describe("auditor on a real Hardhat node", function () {
  this.timeout(180_000);
  let node: LocalNode;
  let chain: AuditChain;
  let nodeStore: Store;
  let nodes: MemberNodes;
  let proofs: ProofServer | undefined;
  let members: `0x${string}`[];
  let cleanToBlock: bigint;
  const seeded = new Set<string>();
  const outDir = mkdtempSync(path.join(tmpdir(), "flowpact-audit-"));
  const realNodeUrls = () =>
    Object.fromEntries(nodes.nodes.map((n) => [members.find((m) => m.toLowerCase() === n.member), n.url]));
  // Deterministic sampling (the auditor's own choice of receipts): every receipt of a small batch.
  const auditOptions = () => ({
    rpcUrl: node.rpcUrl,
    deployment: chain.deployment,
    auditor: chain.governor,
    nodeUrls: realNodeUrls(),
    samplesPerBatch: 50,
    // The members' nodes listen on 127.0.0.1: loopback is allowed explicitly.
    outbound: createOutboundClient({ allowPrivateNetworks: true }),
  });

  /**
   * Puts every submitted batch not seeded yet into its referrer's node: the clicks through the
   * node's own durable journal, and the batch as submitted (what the node records on commit).
   */
  async function seedReferrerNodes(skip: (key: string, referrer: string) => boolean = () => false) {
    for (const [key, tree] of chain.trees) {
      if (seeded.has(key)) continue;
      const [agreementId, flow, epoch] = key.split("/").map(BigInt);
      const flows = (await chain.publicClient.readContract({
        address: chain.deployment.contracts.AgreementBook,
        abi: agreementBookAbi,
        functionName: "flows",
        args: [agreementId],
      })) as ReadonlyArray<{ from: Address }>;
      const referrer = flows[Number(flow)].from.toLowerCase();
      if (skip(key, referrer)) continue;
      await Promise.all(
        tree.receipts.map((r) =>
          nodes.journal.recordClick({
            tenant: referrer,
            clickId: r.clickId,
            agreementId,
            flow: Number(flow),
            epoch,
            expiresAt: 0n,
          }),
        ),
      );
      await recordBatch(nodeStore.driver, {
        tenant: referrer,
        role: "referrer",
        batch: { agreementId, flow: Number(flow), epoch, count: tree.count, root: tree.root },
        status: "committed",
        now: 0n,
      });
      seeded.add(key);
    }
  }

  before(async () => {
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    members = await admitMembers(chain, [1, 2, 3, 4, 5, 6, 7]);
    nodeStore = await createStore({ memory: true });
    nodes = await startMemberNodes(
      {
        chainId: chain.deployment.chainId,
        contracts: chain.deployment.contracts,
        publicClient: chain.publicClient,
        store: nodeStore,
        logStream: false,
      },
      [1, 2, 3, 4, 5, 6, 7].map((index) => ({
        member: chain.account(index).address,
        account: chain.account(index),
        landingUrl: `https://member${index}.example/welcome`,
      })),
    );

    // The clean history: a 3-party cycle accepted by relayed signatures, a two-party agreement
    // accepted by transactions, co-signed batches over two epochs, a claim → dispute →
    // resolution, a finalised claim, and a transfer of credits.
    const cycle = await makeAgreement(
      chain,
      [1, 2, 3],
      [
        { from: 1, to: 2, segments: 0x1n, cap: 10n, rate: 5n },
        { from: 2, to: 3, segments: 0x2n, cap: 10n, rate: 4n },
        { from: 3, to: 1, segments: 0x4n, cap: 10n, rate: 3n },
      ],
      { relayed: true },
    );
    const pair = await makeAgreement(
      chain,
      [1, 4],
      [
        { from: 1, to: 4, segments: 0x8n, cap: 12n, rate: 2n },
        { from: 4, to: 1, segments: 0x10n, cap: 12n, rate: 2n },
      ],
    );
    await chain.advance(100 + 1_000 + 5);
    await commitBatch(chain, 1, 2, cycle.agreementId, 0, 0n, 6);
    await commitBatch(chain, 2, 3, cycle.agreementId, 1, 0n, 4);
    await commitBatch(chain, 3, 1, cycle.agreementId, 2, 0n, 7);
    await commitBatch(chain, 1, 4, pair.agreementId, 0, 0n, 9);
    await commitBatch(chain, 4, 1, pair.agreementId, 1, 0n, 3);
    await chain.advance(1_000);
    await commitBatch(chain, 1, 2, cycle.agreementId, 0, 1n, 5);
    await commitBatch(chain, 2, 3, cycle.agreementId, 1, 1n, 8);
    await disputedBatch(chain, 3, 1, cycle.agreementId, 2, 1n, 6, 4, 5, false);
    await commitBatch(chain, 1, 4, pair.agreementId, 0, 1n, 10);
    const claimed = await batchTree(chain, pair.agreementId, 1, 1n, 2);
    await chain.send(chain.account(4), "Settlement", "claim", [
      pair.agreementId,
      1n,
      1n,
      2n,
      claimed.root,
      NO_ACKNOWLEDGEMENT,
    ]);
    await chain.advance(601);
    await chain.send(chain.account(5), "Settlement", "finalise", [pair.agreementId, 1n, 1n]);
    await chain.send(chain.account(1), "CreditLedger", "transfer", [chain.account(3).address, 7n]);
    cleanToBlock = await chain.publicClient.getBlockNumber();
    await seedReferrerNodes();
  });

  after(async () => {
    await proofs?.close();
    await nodes?.close();
    await nodeStore?.close();
    await node?.stop();
  });

  it("passes a clean history with verdict OK, spot-checking every receipt", async () => {
    const progress: string[] = [];
    const result = await runAudit({
      ...auditOptions(),
      toBlock: cleanToBlock,
      outDir,
      explorerTxUrl: "https://explorer.example/tx/{tx}",
      onProgress: (p) => progress.push(p.phase),
    });
    expect(serious(result), JSON.stringify(serious(result), null, 2)).to.deep.equal([]);
    expect(result.report.verdict).to.equal("ok");
    expect(result.summary.split("\n")[0]).to.match(/^VERDICT: OK/);
    expect(result.report.summary.batches).to.equal(10);
    expect(result.report.summary.agreements).to.equal(2);
    expect(result.report.summary.transfers).to.equal(1);
    expect(result.report.summary.proofsVerified).to.equal(6 + 4 + 7 + 9 + 3 + 5 + 8 + 6 + 10 + 2);
    expect(result.proofChecks.every((c) => c.outcome === "verified")).to.equal(true);
    expect(progress).to.include.members(["logs", "verify", "proofs", "anomalies", "report"]);
    // The JSON report on disk hashes to the reported hash; the HTML links transactions.
    const json = readFileSync(result.files.json as string, "utf8");
    expect(keccak256(toBytes(json))).to.equal(result.reportHash);
    expect(readFileSync(result.files.html as string, "utf8")).to.contain("Verdict: OK");
  });

  it("replays balances that match the chain at every changed block and sum to zero", async () => {
    const history = await loadHistory({
      rpcUrl: node.rpcUrl,
      contracts: chain.deployment.contracts,
      fromBlock: BigInt(chain.deployment.startBlock),
      toBlock: cleanToBlock,
    });
    expect(history.balanceSnapshots.length).to.be.greaterThan(5);
    const { model } = await verifyHistory(history);
    const sum = Object.values(model.finalBalances).reduce((s, v) => s + v, 0n);
    expect(sum).to.equal(0n);
    // Credits: flow 0 of the cycle settled 6 + 5 referrals at rate 5.
    const cycleBatches = model.batches.filter((b) => b.agreementId === 1n && b.flow === 0n);
    expect(cycleBatches.reduce((s, b) => s + b.settledCredits, 0n)).to.equal(55n);
    const resolved = model.batches.find((b) => b.status === "resolved");
    expect(resolved?.settledCount).to.equal(5n);
  });

  it("names a member node that serves a wrong proof (its receipts no longer back the batch on chain)", async () => {
    // Account #2's node loses one click of each batch it referred and holds another in its place.
    const tenant = members[1].toLowerCase();
    const victims = await nodeStore.driver.query<{ click_id: string }>(
      `SELECT DISTINCT ON (agreement_id, flow, epoch) click_id FROM member_clicks
       WHERE tenant = $1 ORDER BY agreement_id, flow, epoch, click_id`,
      [tenant],
    );
    expect(victims.length).to.equal(2);
    const swapped = victims.map((v) => ({ original: v.click_id, forged: randomClickId() as Hex }));
    const swap = (from: "original" | "forged", to: "original" | "forged") =>
      Promise.all(
        swapped.map((s) =>
          nodeStore.driver.query(
            "UPDATE member_clicks SET click_id = $1 WHERE tenant = $2 AND click_id = $3",
            [s[to], tenant, s[from]],
          ),
        ),
      );
    await swap("original", "forged");
    try {
      const result = await runAudit({ ...auditOptions(), toBlock: cleanToBlock });
      const invalid = result.findings.filter((f) => f.code === "proof-invalid");
      expect(invalid.length).to.equal(2); // account #2 referred two batches
      expect(invalid.every((f) => f.evidence.referrer === members[1])).to.equal(true);
      expect(result.report.verdict).to.equal("fraud");
    } finally {
      await swap("forged", "original");
    }
  });

  it("names an unreachable member node as a finding, not a crash", async () => {
    const nodeUrls = { ...realNodeUrls(), [members[3]]: "http://127.0.0.1:9" };
    const result = await runAudit({ ...auditOptions(), nodeUrls, toBlock: cleanToBlock });
    expect(codes(result)).to.include("proof-node-unreachable");
    expect(result.report.verdict).to.equal("anomalies");
  });

  describe("seeded faults", () => {
    let result: RunAuditResult;
    let faultNodeUrls: Record<string, string>;

    before(async () => {
      // Duplicates across epochs: account #2 replays its epoch-1 receipts (same click ids) in
      // epoch 2, and account #3 co-signs.
      const previous = chain.trees.get("1/1/1");
      if (!previous) throw new Error("the clean history has no batch 1/1/1");
      await chain.advance(1_000);
      await commitBatch(
        chain,
        2,
        3,
        1n,
        1,
        2n,
        8,
        previous.receipts.map((r) => r.clickId),
      );
      // Under-reporting: account #4 disputes two claims of account #1 with low counts and loses both.
      await disputedBatch(chain, 1, 4, 2n, 0, 2n, 9, 2, 9, false);
      await chain.advance(1_000);
      await disputedBatch(chain, 1, 4, 2n, 0, 3n, 8, 1, 8, false);
      // A collusive cycle: #5 → #6 → #7 → #5 trade only among themselves at 10× the going rate.
      const ring = await makeAgreement(
        chain,
        [5, 6, 7],
        [
          { from: 5, to: 6, segments: 0x20n, cap: 10n, rate: 50n },
          { from: 6, to: 7, segments: 0x40n, cap: 10n, rate: 50n },
          { from: 7, to: 5, segments: 0x80n, cap: 10n, rate: 50n },
        ],
      );
      await chain.advance(100 + 1_000 + 5);
      await commitBatch(chain, 5, 6, ring.agreementId, 0, 0n, 9);
      await commitBatch(chain, 6, 7, ring.agreementId, 1, 0n, 9);
      await commitBatch(chain, 7, 5, ring.agreementId, 2, 0n, 9);
      // Account #2 replays receipts: its node is the stand-in serving what it submitted.
      const replayer = members[1].toLowerCase();
      await seedReferrerNodes((_key, referrer) => referrer === replayer);
      const standIn = await startProofServer({
        chainId: chain.deployment.chainId,
        settlement: chain.deployment.contracts.Settlement,
        auditors: [chain.governor.address],
        trees: chain.trees,
      });
      proofs = standIn;
      faultNodeUrls = { ...realNodeUrls(), ...standIn.nodeUrls([members[1]]) };
      result = await runAudit({ ...auditOptions(), nodeUrls: faultNodeUrls, outDir });
    });

    it("catches receipts replayed across epochs", () => {
      const duplicates = result.findings.filter((f) => f.code === "receipt-duplicate-across-epochs");
      expect(duplicates.length).to.equal(8);
      expect(duplicates[0].evidence.firstBatch).to.equal("1/1/1");
      expect(duplicates[0].evidence.secondBatch).to.equal("1/1/2");
    });

    it("catches the under-reporting dispute pattern", () => {
      const [pattern, ...rest] = result.findings.filter((f) => f.code === "under-reporting-disputes");
      expect(rest).to.deep.equal([]);
      expect(pattern.evidence.recipient).to.equal(members[3]);
      expect(pattern.evidence.lost).to.equal(2);
      expect(pattern.evidence.underReported).to.equal(String(9 - 2 + (8 - 1)));
    });

    it("catches the collusive cycle and nothing about the honest members", () => {
      const [cycle, ...rest] = result.findings.filter((f) => f.code === "collusive-cycle");
      expect(rest).to.deep.equal([]);
      expect([...(cycle.evidence.members as string[])].sort()).to.deep.equal(
        [members[4], members[5], members[6]].sort(),
      );
      expect(cycle.evidence.settledCredits).to.equal(String(3 * 9 * 50));
    });

    it("gives the verdict FRAUD and keeps the chain's own rules clean", () => {
      expect(result.report.verdict).to.equal("fraud");
      const ruleBreaks = result.findings.filter(
        (f) => f.severity === "violation" && f.code !== "receipt-duplicate-across-epochs",
      );
      expect(ruleBreaks).to.deep.equal([]);
    });

    it("attests the report's hash and verdict on chain with the AUDITOR key", async () => {
      const attested = await runAudit({ ...auditOptions(), nodeUrls: faultNodeUrls, attest: true });
      expect(attested.attestation?.attestationId).to.equal("1");
      const receipt = await chain.publicClient.getTransactionReceipt({
        hash: attested.attestation?.transactionHash as `0x${string}`,
      });
      const [event] = parseEventLogs({
        abi: settlementAbi,
        logs: receipt.logs,
        eventName: "AttestationRecorded",
      });
      expect(event.args.reportHash).to.equal(attested.reportHash);
      expect(event.args.verdict).to.equal(3); // Fraud
      expect(event.args.auditor).to.equal(chain.governor.address);
      expect(event.args.toBlock).to.equal(BigInt(attested.report.toBlock));
    });

    it("refuses to attest with a key that holds no AUDITOR role", async () => {
      const { AuditAttestationError } = await import("../../../src/audit/errors");
      try {
        await runAudit({ ...auditOptions(), auditor: chain.account(8), nodeUrls: undefined, attest: true });
        expect.fail("attested without the AUDITOR role");
      } catch (error) {
        expect(error).to.be.instanceOf(AuditAttestationError);
        expect((error as Error).message).to.contain("AUDITOR_ROLE");
      }
    });
  });

  /**
   * `--resolve-disputes`: the auditor asks each disputed claim's referrer for the proof of every
   * receipt and resolves on chain at what it proves (between the recipient's count and the claim).
   */
  describe("closing disputes on the recipient's signatures only", () => {
    let first: RunAuditResult;
    const batchOf = (agreementId: bigint, flow: bigint, epoch: bigint) =>
      chain.publicClient.readContract({
        address: chain.deployment.contracts.Settlement,
        abi: settlementAbi,
        functionName: "batchOf",
        args: [agreementId, flow, epoch],
      });
    const bondOf = (index: number) =>
      chain.publicClient.readContract({
        address: chain.deployment.contracts.Settlement,
        abi: settlementAbi,
        functionName: "bondBalanceOf",
        args: [chain.account(index).address],
      });
    let recipientBond: bigint;

    before(async () => {
      // #1 claims 9 (1 → 2, cycle flow 0, epoch 3), #2 admits 5. #1's node holds all 9 receipts
      // in the root it claimed with — its own data, which proves which clicks it sent, not that
      // anyone arrived: the first protocol's auditor resolved at 9 on it.
      await openDispute(chain, 1, 2, 1n, 0, 3n, 9, 5);
      await seedReferrerNodes();
      recipientBond = await bondOf(2);
      first = await runAudit({ ...auditOptions(), nodeUrls: realNodeUrls(), resolveDisputes: true });
    });

    it("settles nothing on the referrer's own proofs: the dispute stays open while it may be answered", async () => {
      const r = first.resolutions.find((x) => x.agreementId === 1n && x.flow === 0n && x.epoch === 3n);
      expect(r).to.deep.include({ outcome: "open", claimed: 9n, counterCount: 5n });
      const batch = await batchOf(1n, 0n, 3n);
      expect(batch.status).to.equal(3); // still Disputed
      expect(batch.settledCount).to.equal(5n);
      expect(first.summary).to.contain("dispute open: agreement 1 flow 0 epoch 3");
    });

    it("upholds it once the answer window has passed with no acknowledgement shown: the recipient's count stands", async () => {
      await chain.advance(600);
      const late = await runAudit({ ...auditOptions(), nodeUrls: realNodeUrls(), resolveDisputes: true });
      const r = late.resolutions.find((x) => x.agreementId === 1n && x.flow === 0n && x.epoch === 3n);
      expect(r?.outcome).to.equal("upheld");
      const batch = await batchOf(1n, 0n, 3n);
      expect(batch.status).to.equal(5); // Resolved
      expect(batch.settledCount).to.equal(5n); // the made-up excess never settles
      expect(await bondOf(2)).to.equal(recipientBond + 10n ** 18n);
      expect(late.summary).to.contain("dispute upheld: agreement 1 flow 0 epoch 3");
      const again = await runAudit({ ...auditOptions(), nodeUrls: realNodeUrls(), resolveDisputes: true });
      expect(
        again.resolutions.filter((x) => x.agreementId === 1n && x.flow === 0n && x.epoch === 3n),
      ).to.deep.equal([]);
    });
  });
});
