import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { keccak256, parseEventLogs, toBytes } from "viem";
import { settlementAbi } from "../../../src/abi/contracts";
import type { FindingCode } from "../../../src/audit/findings";
import { loadHistory } from "../../../src/audit/history-loader";
import { type RunAuditResult, runAudit } from "../../../src/audit/run-audit";
import { verifyHistory } from "../../../src/audit/verifier";
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
} from "./scenario";

const codes = (result: RunAuditResult): FindingCode[] => result.findings.map((f) => f.code);
const serious = (result: RunAuditResult) => result.findings.filter((f) => f.severity !== "warning");

describe("auditor on a real Hardhat node", function () {
  this.timeout(180_000);
  let node: LocalNode;
  let chain: AuditChain;
  let proofs: ProofServer;
  let members: `0x${string}`[];
  let cleanToBlock: bigint;
  const outDir = mkdtempSync(path.join(tmpdir(), "flowpact-audit-"));
  // Deterministic sampling (the auditor's own choice of receipts): every receipt of a small batch.
  const auditOptions = () => ({
    rpcUrl: node.rpcUrl,
    deployment: chain.deployment,
    auditor: chain.governor,
    nodeUrls: proofs.nodeUrls(members),
    samplesPerBatch: 50,
  });

  before(async () => {
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    members = await admitMembers(chain, [1, 2, 3, 4, 5, 6, 7]);
    proofs = await startProofServer({
      chainId: chain.deployment.chainId,
      settlement: chain.deployment.contracts.Settlement,
      auditors: [chain.governor.address],
      trees: chain.trees,
    });

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
    await chain.send(chain.account(4), "Settlement", "claim", [pair.agreementId, 1n, 1n, 2n, claimed.root]);
    await chain.advance(601);
    await chain.send(chain.account(5), "Settlement", "finalise", [pair.agreementId, 1n, 1n]);
    await chain.send(chain.account(1), "CreditLedger", "transfer", [chain.account(3).address, 7n]);
    cleanToBlock = await chain.publicClient.getBlockNumber();
  });

  after(async () => {
    await proofs?.close();
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

  it("names a member node that serves a wrong proof", async () => {
    proofs.tamper.add(members[1].toLowerCase());
    try {
      const result = await runAudit({ ...auditOptions(), toBlock: cleanToBlock });
      const invalid = result.findings.filter((f) => f.code === "proof-invalid");
      expect(invalid.length).to.equal(2); // account #2 referred two batches
      expect(invalid.every((f) => f.evidence.referrer === members[1])).to.equal(true);
      expect(result.report.verdict).to.equal("fraud");
    } finally {
      proofs.tamper.clear();
    }
  });

  it("names an unreachable member node as a finding, not a crash", async () => {
    const nodeUrls = { ...proofs.nodeUrls(members), [members[3]]: "http://127.0.0.1:9" };
    const result = await runAudit({ ...auditOptions(), nodeUrls, toBlock: cleanToBlock });
    expect(codes(result)).to.include("proof-node-unreachable");
    expect(result.report.verdict).to.equal("anomalies");
  });

  describe("seeded faults", () => {
    let result: RunAuditResult;

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
      result = await runAudit({ ...auditOptions(), outDir });
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
      const attested = await runAudit({ ...auditOptions(), attest: true });
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
});
