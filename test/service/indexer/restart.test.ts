import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { FlowPactClient } from "../../../src/chain";
import { createIndexer } from "../../../src/indexer";
import { countEvents, getIndexerProgress } from "../../../src/store/queries/progress";
import { createStore } from "../../../src/store/store";
import { deployOnNode } from "../helpers/flowpact";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { admitMembers, transfers } from "../helpers/scenario";
import { dumpDomain } from "../helpers/stores";

const ROOT = path.join(__dirname, "..", "..", "..");
const CHILD = path.join(__dirname, "..", "helpers", "indexerProcess.ts");

function startIndexerProcess(
  env: NodeJS.ProcessEnv,
  onStderr?: (stderr: string, child: ChildProcess) => void,
): {
  child: ChildProcess;
  stderr: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(path.join(ROOT, "node_modules", ".bin", "tsx"), [CHILD], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d) => {
    stderr += d;
    onStderr?.(stderr, child);
  });
  child.stdout?.resume();
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

describe("indexer: SIGKILL in the middle of a backfill, then restart", () => {
  let node: LocalNode;
  let governor: FlowPactClient;
  let deploymentsDir: string;

  before(async function () {
    // A real node, a deployment and a database: slow to start on a loaded 2-core machine.
    this.timeout(300_000);
    node = await startHardhatNode();
    ({ governor, deploymentsDir } = await deployOnNode(node));
    const scenario = await admitMembers(node, governor, 4);
    await transfers(scenario, 120);
  });
  after(async () => {
    await node?.stop();
  });

  it("resumes from the last committed range: the store equals a clean index, no event twice", async function () {
    // Two indexer processes start (tsx, PGlite): slow on a loaded 2-core CI machine.
    this.timeout(300_000);
    const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-restart-"));
    const env = {
      FLOWPACT_RPC_URL: node.rpcUrl,
      FLOWPACT_DATA_DIR: dataDir,
      FLOWPACT_DEPLOYMENTS_DIR: deploymentsDir,
      // Everything is final and ranges are small: a long backfill of many transactions.
      FLOWPACT_FINALITY_DEPTH: "0",
      FLOWPACT_LOG_RANGE: "1",
    };
    const head = await governor.publicClient.getBlockNumber();

    // Killed as soon as its fifth committed range is reported (in the same tick the line
    // arrives, so that a fast indexer on a quiet machine is still stopped well before the end).
    const first = startIndexerProcess(env, (stderr, child) => {
      const lines = stderr.split("\n").filter((l) => l.startsWith("indexed block"));
      if (lines.length >= 5 && child.exitCode === null && !child.killed) child.kill("SIGKILL");
    });
    await first.exited;
    if (!first.child.killed)
      throw new Error(`the indexer ended before it could be killed:\n${first.stderr()}`);

    const killed = await createStore({ dataDir });
    let partial: bigint;
    try {
      const progress = await getIndexerProgress(killed.driver);
      partial = progress!.indexedBlock;
      expect(partial < head, "killed in the middle").to.equal(true);
      expect(partial >= BigInt(governor.deployment.startBlock)).to.equal(true);
      expect(progress!.eventCount).to.equal(await countEvents(killed.driver));
    } finally {
      await killed.close();
    }

    const second = startIndexerProcess(env);
    expect(await second.exited, second.stderr()).to.equal(0);

    const resumed = await createStore({ dataDir });
    const clean = await createStore({ memory: true });
    try {
      await createIndexer({
        store: clean,
        publicClient: governor.publicClient,
        deployment: governor.deployment,
        settings: { confirmations: 0, finalityDepth: 0, logRange: 1_000, pollIntervalMs: 50 },
      }).run({ once: true });
      expect(await dumpDomain(resumed)).to.deep.equal(await dumpDomain(clean));
      const onChain = await governor.publicClient.getLogs({
        address: Object.values(governor.deployment.contracts),
        fromBlock: BigInt(governor.deployment.startBlock),
        toBlock: head,
      });
      expect(await countEvents(resumed.driver)).to.equal(BigInt(onChain.length));
      expect((await getIndexerProgress(resumed.driver))!.eventCount).to.equal(BigInt(onChain.length));
      const [{ n }] = await resumed.driver.query<{ n: bigint }>("SELECT count(*) AS n FROM credit_postings");
      expect(n, "one posting per transfer").to.equal(120n);
    } finally {
      await resumed.close();
      await clean.close();
    }
  });
});
