import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { type Address, type Hex, zeroHash } from "viem";
import { type PrivateKeyAccount, privateKeyToAccount } from "viem/accounts";
import { admitMember } from "../../src/chain/actions/admitMember";
import { applyForMembership } from "../../src/chain/actions/applyForMembership";
import { deployFlowPact } from "../../src/chain/actions/deployFlowPact";
import { proposeAgreement } from "../../src/chain/actions/proposeAgreement";
import { setCreditLimit } from "../../src/chain/actions/setCreditLimit";
import { connectFlowPact, createFlowPactClients, type FlowPactClient } from "../../src/chain/clients";
import { type Deployment, writeDeployment } from "../../src/chain/deployments";
import { readFlowPact } from "../../src/chain/write";
import { LANDING_TOKEN_PARAM } from "../../src/member/tracking-server";
import { decodeTrackingToken } from "../../src/member/tracking-token";
import { DEV_KEYS, freePort, type LocalNode, startHardhatNode } from "../service/helpers/hardhatNode";

const BIN = path.join(__dirname, "..", "..", "src", "cli", "bin.cjs");

/** Runs one `flowpact` command to its end. */
function runCli(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...env };
  for (const name of SCRUBBED) delete fullEnv[name];
  const child = spawn(process.execPath, [BIN, ...args], {
    env: fullEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => {
    stdout += d;
  });
  child.stderr?.on("data", (d) => {
    stderr += d;
  });
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, stdout, stderr })));
}
const EPOCH = 10n;
const TOKEN_TTL = "2s";
const CLAIM_AFTER = 6n;
// A → B (rate 5), B → C (rate 4), C → A (rate 3): the 3-party cycle.
const RATES = [5n, 4n, 3n];

/** One `flowpact node` process and what it printed. */
interface NodeProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
}

/** Settings a developer's shell may hold that would leak into the nodes under test. */
const SCRUBBED = ["FLOWPACT_KEYSTORE", "FLOWPACT_KEYSTORE_PASSWORD", "FLOWPACT_CONFIG", "DATABASE_URL"];

function spawnNode(args: string[], env: Record<string, string>): Promise<NodeProcess> {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, FORCE_COLOR: "0", ...env };
  for (const name of SCRUBBED) delete fullEnv[name];
  const child = spawn(process.execPath, [BIN, "node", ...args], {
    env: fullEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d) => {
    output += d;
  });
  child.stderr?.on("data", (d) => {
    output += d;
  });
  return new Promise((resolve, reject) => {
    const timer = setInterval(() => {
      const listening = /listening on (http:\/\/\S+?),/.exec(output);
      if (listening) {
        clearInterval(timer);
        resolve({ child, url: listening[1], output: () => output });
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`flowpact node exited with ${child.exitCode}:\n${output}`));
      }
    }, 100);
  });
}

/** Polls until `check` returns a value, or fails with what the nodes printed. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms: number, logs: () => string) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}; node output:\n${logs().slice(-6_000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const sleepUntil = async (unixSeconds: bigint) => {
  const ms = Number(unixSeconds) * 1000 - Date.now();
  if (ms > 0) await new Promise((r) => setTimeout(r, ms));
};

/**
 * Issue 6's acceptance, end to end: a real `hardhat node`; three members, each running
 * `flowpact node` as its own process with its own store, found by the others through the `uri`
 * of their on-chain profile; the nodes accept the matcher's 3-party cycle by their auto-accept
 * policy; visitors follow tracking links and land; the nodes close the epoch by themselves
 * (co-signature over HTTP, commit) and the credits on chain equal arrivals × rate. Then one
 * recipient's landing page under-reports: its node refuses the referrer's batch, the referrer
 * claims it after the deadline, the recipient's node disputes, and an auditor checks the
 * referrer's receipts through its proof API and resolves on chain.
 */
describe("member nodes as separate processes settle a 3-party cycle on a real chain", function () {
  this.timeout(240_000);
  let chain: LocalNode;
  let work: string;
  let deployment: Deployment;
  let governor: FlowPactClient;
  let ticker: NodeJS.Timeout | undefined;
  const nodes: NodeProcess[] = [];
  const keys = [DEV_KEYS[1], DEV_KEYS[2], DEV_KEYS[3]];
  const accounts: PrivateKeyAccount[] = keys.map((k) => privateKeyToAccount(k));
  const [A, B, C] = accounts.map((a) => a.address);
  const logs = () => nodes.map((n, i) => `--- node ${i}\n${n.output().slice(-2_000)}`).join("\n");
  let agreementId: bigint;
  let start: bigint;

  const batchOf = (flow: number, epoch: bigint) =>
    readFlowPact<{ status: number; count: bigint; counterCount: bigint; root: Hex }>(governor, {
      contract: "Settlement",
      functionName: "batchOf",
      args: [agreementId, BigInt(flow), epoch],
    });
  const balanceOf = (member: Address) =>
    readFlowPact<bigint>(governor, { contract: "CreditLedger", functionName: "balanceOf", args: [member] });

  /** A visitor follows the referrer's tracking link; the recipient's landing page reports the arrival unless told not to. */
  /** Version of every token each flow's referrer handed out (2 signed, 3 MACed for the recipient). */
  const tokenVersions: number[][] = [[], [], []];
  async function visit(flow: number, { land = true, convert = false } = {}): Promise<bigint> {
    const referrer = nodes[flow];
    const recipient = nodes[(flow + 1) % 3];
    const click = await fetch(`${referrer.url}/r/${agreementId}/${flow}`, { redirect: "manual" });
    expect(click.status, await click.clone().text()).to.equal(302);
    const token = new URL(String(click.headers.get("location"))).searchParams.get(
      LANDING_TOKEN_PARAM,
    ) as string;
    tokenVersions[flow].push(decodeTrackingToken(token).version);
    if (land) {
      const arrival = await fetch(`${recipient.url}/v1/agreements/${agreementId}/flows/${flow}/arrivals`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token }),
      });
      expect(arrival.status, await arrival.clone().text()).to.equal(201);
      if (convert) {
        const conversion = await fetch(`${recipient.url}/v1/conversions`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ clickId: decodeTrackingToken(token).clickId }),
        });
        expect(conversion.status, await conversion.clone().text()).to.equal(201);
      }
    }
    return decodeTrackingToken(token).epoch;
  }

  before(async () => {
    chain = await startHardhatNode();
    work = mkdtempSync(path.join(tmpdir(), "flowpact-member-cycle-"));
    const deploymentsDir = path.join(work, "deployments");
    const gov = privateKeyToAccount(DEV_KEYS[0]);
    const clients = await createFlowPactClients(
      { rpcUrl: chain.rpcUrl, chainId: undefined },
      { account: gov, pollingInterval: 100 },
    );
    deployment = await deployFlowPact(clients, { challengeWindow: 600n });
    writeDeployment(deploymentsDir, deployment);
    const config = { rpcUrl: chain.rpcUrl, chainId: deployment.chainId, deploymentsDir };
    governor = await connectFlowPact(config, { account: gov, pollingInterval: 100 });
    // Each member publishes where its node will listen as its profile `uri`.
    const ports = await Promise.all(accounts.map(() => freePort()));
    // The nodes start while the members join: they find each other only when they need to.
    const spawning = Promise.all(
      accounts.map((_, i) =>
        spawnNode(
          [
            "--landing",
            `https://member-${i}.example/welcome`,
            "--port",
            String(ports[i]),
            "--settle-every",
            "1s",
            "--token-ttl",
            TOKEN_TTL,
            "--claim-after",
            `${CLAIM_AFTER}s`,
            "--auto-accept-min-rate",
            "2",
          ],
          {
            FLOWPACT_RPC_URL: chain.rpcUrl,
            FLOWPACT_DEPLOYMENTS_DIR: deploymentsDir,
            FLOWPACT_DATA_DIR: path.join(work, `node-${i}`),
            FLOWPACT_PRIVATE_KEY: keys[i],
            // The nodes' profile URIs are on 127.0.0.1: loopback is allowed explicitly.
            FLOWPACT_ALLOW_PRIVATE_NETWORKS: "1",
          },
        ),
      ),
    ).then((started) => nodes.push(...started));
    for (const [i, account] of accounts.entries()) {
      const member = await connectFlowPact(config, { account, pollingInterval: 100 });
      await applyForMembership(member, {
        profile: {
          industry: 1 + i,
          segments: 0b111n,
          uri: `http://127.0.0.1:${ports[i]}`,
          contentHash: zeroHash,
          signer: account.address,
        },
      });
      await admitMember(governor, { member: account.address });
      await setCreditLimit(governor, { member: account.address, limit: 1_000n });
    }
    await spawning;
    // A live chain makes a block every so often even when nobody transacts, so calls simulate at
    // its present time. (Hardhat runs its clock ahead of this machine's by however many blocks it
    // had to put into the same second during the set-up; the nodes use the machine's clock, as
    // real nodes do, so the test waits by the machine's clock and reads the chain's for the
    // proposal.)
    ticker = setInterval(() => {
      chain.rpc("evm_mine").catch(() => {});
    }, 1_500);
  });

  after(async () => {
    if (ticker) clearInterval(ticker);
    for (const n of nodes) if (n.child.exitCode === null) n.child.kill("SIGKILL");
    await chain?.stop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("the nodes accept the matcher's cycle proposal by their auto-accept policy", async () => {
    // A fresh block: the latest one may be as old as the nodes' start-up.
    await chain.rpc("evm_mine");
    const chainNow = (await governor.publicClient.getBlock({ blockTag: "latest" })).timestamp;
    // The parties have 8 s of chain time to accept; the first epoch starts then.
    start = chainNow + 8n;
    const proposed = await proposeAgreement(governor, {
      parties: [A, B, C],
      flows: [A, B, C].map((from, i) => ({
        from,
        to: [A, B, C][(i + 1) % 3],
        segments: 1n << BigInt(i),
        capPerEpoch: 100n,
        rate: RATES[i],
      })),
      schedule: { start, end: start + 6n * EPOCH, epochLength: EPOCH, noticeEpochs: 1n },
      proposalExpiry: start,
    });
    agreementId = proposed.agreementId;
    await until(
      "the agreement to become Active",
      async () =>
        (await readFlowPact<number>(governor, {
          contract: "AgreementBook",
          functionName: "status",
          args: [agreementId],
        })) === 2
          ? true
          : undefined,
      20_000,
      logs,
    );
  });

  it("clicks → arrivals → epoch close → co-signed commits: credits on chain equal arrivals × rate", async () => {
    await sleepUntil(start + 1n);
    const counts = [6, 5, 4];
    for (const [flow, n] of counts.entries())
      for (let i = 0; i < n; i++) expect(await visit(flow, { convert: i < flow + 1 })).to.equal(0n);
    await until(
      "the three batches of epoch 0 committed",
      async () => {
        const batches = await Promise.all([0, 1, 2].map((flow) => batchOf(flow, 0n)));
        return batches.every((b) => b.status === 1) ? batches : undefined;
      },
      40_000,
      logs,
    ).then((batches) => {
      for (const [flow, b] of batches.entries()) expect(b.count).to.equal(BigInt(counts[flow]));
    });
    const credit = (flow: number) => BigInt(counts[flow]) * RATES[flow];
    expect(await balanceOf(A)).to.equal(credit(0) - credit(2));
    expect(await balanceOf(B)).to.equal(credit(1) - credit(0));
    expect(await balanceOf(C)).to.equal(credit(2) - credit(1));
    // Each referrer's node fetched its recipient's session key from the recipient's node (found
    // at its profile uri) in the background after its first click, then MACed its tokens for it.
    expect(
      tokenVersions.map((v) => v.at(-1)),
      JSON.stringify(tokenVersions),
    ).to.deep.equal([3, 3, 3]);
  });

  /** `flowpact audit` as the auditor runs it: the governor's key holds AUDITOR here. */
  const auditorEnv = () => ({
    FLOWPACT_RPC_URL: chain.rpcUrl,
    FLOWPACT_DEPLOYMENTS_DIR: path.join(work, "deployments"),
    FLOWPACT_DATA_DIR: path.join(work, "auditor"),
    FLOWPACT_PRIVATE_KEY: DEV_KEYS[0],
    FLOWPACT_ALLOW_PRIVATE_NETWORKS: "1",
  });

  it("an under-reporting recipient: claimed above its acknowledgement → disputed by its node → nothing more settles on the referrer's own data", async () => {
    // Meanwhile the matching daemon runs one tick with the conversion feed: it reads every
    // recipient's conversion report from its node (found through its profile), signed as MATCHER.
    const daemon = runCli(["daemon", "--once", "--conversion-feed", "--metrics-port", "off"], {
      FLOWPACT_RPC_URL: chain.rpcUrl,
      FLOWPACT_DEPLOYMENTS_DIR: path.join(work, "deployments"),
      FLOWPACT_DATA_DIR: path.join(work, "daemon"),
      FLOWPACT_PRIVATE_KEY: DEV_KEYS[0],
      FLOWPACT_ALLOW_PRIVATE_NETWORKS: "1",
    });
    // Epoch 1: A refers 8 visitors to B; B's landing page reports only 5 of them to B's node.
    await sleepUntil(start + EPOCH);
    for (let i = 0; i < 8; i++) expect(await visit(0, { land: i < 5 })).to.equal(1n);
    const disputed = await until(
      "B's node to dispute A's claim",
      async () => {
        const b = await batchOf(0, 1n);
        return b.status === 3 ? b : undefined; // Disputed
      },
      60_000,
      logs,
    );
    expect(disputed.count).to.equal(8n);
    expect(disputed.counterCount).to.equal(5n);
    // B's 5 settled at once: A holds 6×5 − 4×3 + 5×5 so far.
    expect(await balanceOf(A)).to.equal(30n - 12n + 25n);

    // Evidence is the recipient's signature: A holds B's acknowledgement of 5, nothing above it, so
    // `flowpact audit --resolve-disputes` settles nothing on A's own receipts — the dispute stays
    // open until its answer window ends, then B's count stands.
    const audit = await runCli(["audit", "--json", "--resolve-disputes", "--samples", "1"], auditorEnv());
    expect(audit.code, audit.stderr).to.equal(0);
    const { resolutions } = JSON.parse(audit.stdout) as {
      resolutions: Array<{ outcome: string; counterCount: string; claimed: string }>;
    };
    expect(resolutions).to.have.length(1);
    expect(resolutions[0]).to.deep.include({ outcome: "open", counterCount: "5", claimed: "8" });
    expect((await batchOf(0, 1n)).status).to.equal(3); // still Disputed
    expect(await balanceOf(A)).to.equal(30n - 12n + 25n);

    const tick = await daemon;
    expect(tick.code, tick.stderr).to.equal(0);
    const feedLine = tick.stderr
      .split("\n")
      .filter((line) => line.includes("conversion reports read"))
      .map((line) => JSON.parse(line))[0];
    // three recipients reported; each flow's one segment has a count (1, 2 and 3 conversions)
    expect(feedLine).to.deep.include({ recipients: 3, reported: 3, pairs: 3, failures: [] });
  });

  it("`flowpact audit` finds every referrer's node through its profile and verifies sampled receipt proofs", async () => {
    const audit = await runCli(["audit", "--json", "--samples", "2"], auditorEnv());
    expect(audit.code, audit.stderr).to.equal(0);
    const { report } = JSON.parse(audit.stdout) as {
      report: { proofChecks: Record<"batches" | "verified" | "invalid" | "unreachable" | "noNode", number> };
    };
    // Epoch 0's three batches and the disputed claim of epoch 1, each asked of its referrer's node.
    expect(report.proofChecks.batches, audit.stdout.slice(0, 2_000)).to.be.at.least(4);
    expect(report.proofChecks).to.deep.include({
      verified: report.proofChecks.batches,
      invalid: 0,
      unreachable: 0,
      noNode: 0,
    });
  });

  it("the nodes stop cleanly on SIGINT, waiting for the settlement pass in flight", async () => {
    const exits = nodes.map(
      (n) => new Promise<number | null>((resolve) => n.child.once("exit", (code) => resolve(code))),
    );
    for (const n of nodes) n.child.kill("SIGINT");
    expect(await Promise.all(exits)).to.deep.equal([0, 0, 0]);
    // Nothing about visitors in any log line: no IP address other than the nodes' own loopback URLs.
    for (const n of nodes) expect(n.output()).to.not.match(/user-agent|remoteAddress|"ip"/i);
  });
});
