import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Abi, type Address, type Hex, keccak256, toHex } from "viem";
import {
  acceptAgreement,
  admitMember,
  applyForMembership,
  type FlowPactClient,
  getAgreement,
  postOffer,
  setCreditLimit,
} from "../../src/chain";
import { FLOWPACT_ABIS } from "../../src/chain/contracts";
import { equivalenceKey } from "../../src/daemon/equivalence";
import { generateConsortium } from "../../src/matching/generator";
import { createStore } from "../../src/store/store";
import { clientFor, deployOnNode } from "../service/helpers/flowpact";
import { DEV_KEYS, type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";

const ROOT = path.join(__dirname, "..", "..");
const MEMBERS = 10;
/** A seed whose 10-member consortium yields a reciprocal pair and several one-way agreements. */
const SEED = 3;

interface ProposedOnChain {
  agreementId: bigint;
  termsHash: Hex;
  key: string;
  parties: Address[];
}

interface DaemonRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

describe("e2e: matching daemon on a local chain", function () {
  this.timeout(240_000);
  let node: LocalNode;
  let governor: FlowPactClient;
  let deploymentsDir: string;
  const members = new Map<string, FlowPactClient>();
  let setupSnapshot: string;

  before(async () => {
    node = await startHardhatNode();
    ({ governor, deploymentsDir } = await deployOnNode(node));
    const { instance } = generateConsortium({
      members: MEMBERS,
      seed: SEED,
      agreementsPerMember: 0,
      historyPerMember: 0,
    });
    const now = (await governor.publicClient.getBlock()).timestamp;
    const expiry = now + 60n * 86_400n;
    for (const [i, m] of instance.members.entries()) {
      const client = await clientFor(node, governor, i + 1);
      const account = client.walletClient!.account.address;
      const supply = instance.supply.filter((o) => o.member === m.id);
      const demand = instance.demand.filter((o) => o.member === m.id);
      const audience = supply.reduce((bits, o) => bits | o.segments, 0n) || 1n;
      await applyForMembership(client, {
        profile: {
          industry: m.industry,
          segments: audience,
          uri: `https://member-${i + 1}.example/flowpact.json`,
          contentHash: keccak256(toHex(m.id)),
          signer: account,
        },
      });
      await admitMember(governor, { member: account });
      await setCreditLimit(governor, { member: account, limit: m.creditLimit });
      for (const o of supply)
        await postOffer(client, {
          terms: {
            supplySegments: o.segments,
            capacityPerEpoch: BigInt(o.capacity),
            minRate: BigInt(o.minRate),
            demandSegments: 0n,
            volumePerEpoch: 0n,
            maxRate: 0n,
            excludedIndustries: o.excludedIndustries,
            expiry,
          },
        });
      for (const o of demand)
        await postOffer(client, {
          terms: {
            supplySegments: 0n,
            capacityPerEpoch: 0n,
            minRate: 0n,
            demandSegments: o.segments,
            volumePerEpoch: BigInt(o.volume),
            maxRate: BigInt(o.maxRate),
            excludedIndustries: o.excludedIndustries,
            expiry,
          },
        });
      members.set(account.toLowerCase(), client);
    }
    setupSnapshot = await node.rpc<string>("evm_snapshot");
  });
  after(async () => {
    await node?.stop();
  });

  /** Runs `flowpact daemon --once --json` as a child; `killOn` SIGKILLs it at the n-th matching log line. */
  function runDaemon(dataDir: string, killOn?: { message: string; nth: number }): Promise<DaemonRun> {
    return new Promise((resolve, reject) => {
      const child: ChildProcess = spawn(
        process.execPath,
        [path.join(ROOT, "src", "cli", "bin.cjs"), "daemon", "--once", "--json"],
        {
          cwd: ROOT,
          stdio: ["ignore", "pipe", "pipe"],
          env: {
            ...process.env,
            FLOWPACT_RPC_URL: node.rpcUrl,
            FLOWPACT_DATA_DIR: dataDir,
            FLOWPACT_DEPLOYMENTS_DIR: deploymentsDir,
            FLOWPACT_PRIVATE_KEY: DEV_KEYS[0],
          },
        },
      );
      let stdout = "";
      let stderr = "";
      let seen = 0;
      child.stdout?.on("data", (d) => {
        stdout += d;
      });
      child.stderr?.on("data", (d) => {
        stderr += d;
        if (!killOn || child.killed) return;
        seen = stderr.split("\n").filter((l) => l.includes(`"msg":"${killOn.message}"`)).length;
        if (seen >= killOn.nth) child.kill("SIGKILL");
      });
      child.once("error", reject);
      child.once("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
    });
  }

  async function proposalsOnChain(): Promise<ProposedOnChain[]> {
    const logs = await governor.publicClient.getContractEvents({
      address: governor.deployment.contracts.AgreementBook,
      abi: FLOWPACT_ABIS.AgreementBook as Abi,
      eventName: "AgreementProposed",
      fromBlock: 0n,
    } as never);
    return (
      logs as unknown as Array<{
        args: {
          agreementId: bigint;
          termsHash: Hex;
          parties: Address[];
          flows: Array<{ from: Address; to: Address; segments: bigint }>;
        };
      }>
    ).map(({ args }) => ({
      agreementId: args.agreementId,
      termsHash: args.termsHash,
      parties: args.parties,
      key: equivalenceKey(args),
    }));
  }

  function expectNoDuplicates(proposals: ProposedOnChain[]): void {
    const hashes = proposals.map((p) => p.termsHash);
    const keys = proposals.map((p) => p.key);
    expect(new Set(hashes).size, "AgreementProposed events per terms hash").to.equal(hashes.length);
    expect(new Set(keys).size, "equivalent agreements proposed twice").to.equal(keys.length);
  }

  let firstKeys: string[] = [];

  it("proposes matched agreements on chain, and they become Active once every member accepts", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-daemon-"));
    const first = await runDaemon(dataDir);
    expect(first.code, first.stderr.slice(-2_000)).to.equal(0);
    const summary = JSON.parse(first.stdout) as { proposed: string[]; solve: { status: string } };
    const proposed = await proposalsOnChain();
    expect(proposed.length).to.be.greaterThan(1);
    expect(summary.proposed.map(BigInt)).to.deep.equal(proposed.map((p) => p.agreementId));
    expectNoDuplicates(proposed);
    firstKeys = proposed.map((p) => p.key).sort();
    for (const p of proposed) {
      const agreement = await getAgreement(governor, { agreementId: p.agreementId });
      expect(agreement.status).to.equal("proposed");
      expect(agreement.proposer.toLowerCase()).to.equal(governor.walletClient!.account.address.toLowerCase());
    }

    for (const p of proposed)
      for (const party of p.parties)
        await acceptAgreement(members.get(party.toLowerCase())!, { agreementId: p.agreementId });
    const after = await runDaemon(dataDir);
    expect(after.code, after.stderr.slice(-2_000)).to.equal(0);
    expect((JSON.parse(after.stdout) as { activated: number }).activated).to.equal(proposed.length);
    expectNoDuplicates(await proposalsOnChain());

    const store = await createStore({ dataDir });
    try {
      const rows = await store.driver.query<{ agreement_id: bigint; status: string }>(
        "SELECT agreement_id, status FROM agreements ORDER BY agreement_id",
      );
      const byId = new Map(rows.map((r) => [BigInt(r.agreement_id), r.status]));
      for (const p of proposed)
        expect(byId.get(p.agreementId), `agreement ${p.agreementId}`).to.equal("active");
      const journal = await store.driver.query<{ state: string; outcome: string }>(
        "SELECT state, outcome FROM daemon_intents WHERE agreement_id IS NOT NULL",
      );
      expect(journal.filter((j) => j.state === "confirmed" && j.outcome === "active")).to.have.length(
        proposed.length,
      );
    } finally {
      await store.close();
    }
  });

  it("SIGKILLed while sending a proposal, then restarted: no duplicate proposal", async () => {
    expect(firstKeys.length, "the first test ran").to.be.greaterThan(1);
    await node.rpc("evm_revert", [setupSnapshot]);
    expect(await proposalsOnChain()).to.have.length(0);
    const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-daemon-kill-"));
    const killed = await runDaemon(dataDir, { message: "proposal journaled, sending", nth: 2 });
    expect(killed.signal, killed.stderr.slice(-2_000)).to.equal("SIGKILL");
    const beforeRestart = await proposalsOnChain();
    expect(beforeRestart.length).to.be.lessThan(firstKeys.length);

    const restarted = await runDaemon(dataDir);
    expect(restarted.code, restarted.stderr.slice(-2_000)).to.equal(0);
    const lines = (text: string, message: string) =>
      text.split("\n").filter((l) => l.includes(`"msg":"${message}"`));
    const inFlight =
      lines(killed.stderr, "proposal journaled, sending").length -
      lines(killed.stderr, "agreement proposed").length;
    // The kill usually lands while the second proposal is in flight; the restart then finishes it.
    expect(lines(restarted.stderr, "journaled proposal found on chain")).to.have.length(inFlight);
    const proposed = await proposalsOnChain();
    expectNoDuplicates(proposed);
    // What was sent before the kill is there exactly once; the restarted tick matched the rest of
    // the market around it (the engine sees those proposals as existing agreements, so its choice
    // for the remainder may differ from an uninterrupted run, but never repeats one).
    const keys = new Set(proposed.map((p) => p.key));
    for (const p of beforeRestart) expect(keys.has(p.key)).to.equal(true);
    expect(proposed.length).to.be.greaterThan(beforeRestart.length);
    const store = await createStore({ dataDir });
    try {
      const journal = await store.driver.query<{ state: string; agreement_id: bigint | null }>(
        "SELECT state, agreement_id FROM daemon_intents",
      );
      expect(
        journal.filter((j) => j.state === "prepared"),
        "intents left in flight",
      ).to.have.length(0);
      const confirmed = journal.filter((j) => j.state === "confirmed").map((j) => BigInt(j.agreement_id!));
      expect(confirmed.sort((a, b) => (a < b ? -1 : 1))).to.deep.equal(proposed.map((p) => p.agreementId));
    } finally {
      await store.close();
    }
  });
});
