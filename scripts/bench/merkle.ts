/**
 * `npm run bench:merkle`: builds the batch tree of 1,000,000 random receipts with our receipts
 * library and with `@openzeppelin/merkle-tree`'s StandardMerkleTree in the same run, checks the
 * roots are equal, and writes the "merkle" section of BENCHMARKS.md.
 *
 * OpenZeppelin's build runs in a worker thread so it can be stopped at the 10-minute limit (or
 * when it runs out of memory); the benchmark then compares at a size it does finish and says so.
 * Environment: MERKLE_LEAVES (default 1000000), MERKLE_OZ_TIMEOUT_S (default 600),
 * MERKLE_FALLBACK_LEAVES (default 100000).
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { Worker } from "node:worker_threads";
import { type Options, Presets, SingleBar } from "cli-progress";
import type { Hex } from "viem";
import { buildReceiptTree, keccak256Hasher, type Receipt, receiptLeafEncoding } from "../../src/receipts";
import { writeBenchmarkSection } from "./report";

const LEAVES = Number(process.env.MERKLE_LEAVES ?? 1_000_000);
const OZ_TIMEOUT_S = Number(process.env.MERKLE_OZ_TIMEOUT_S ?? 600);
const FALLBACK_LEAVES = Number(process.env.MERKLE_FALLBACK_LEAVES ?? 100_000);
// One batch: the receipts of one (agreement, flow, epoch), each with a random click id.
const AGREEMENT_ID = 42n;
const FLOW = 1n;
const EPOCH = 1_234n;

const barOptions: Options = {
  hideCursor: true,
  noTTYOutput: true,
  notTTYSchedule: 15_000,
  etaBuffer: 20,
};

/** Wall-clock seconds, and CPU seconds of the process (robust when other jobs share the cores). */
type Measurement = { leaves: number; seconds: number; cpuSeconds: number; root: Hex };
type OpenZeppelinOutcome = Measurement | { leaves: number; failure: string };

/** 32 random bytes per receipt, drawn in one call (drawing a million times costs seconds). */
function randomClickBytes(leaves: number): Buffer {
  const shared = Buffer.from(new SharedArrayBuffer(leaves * 32));
  randomBytes(leaves * 32).copy(shared);
  return shared;
}

function receiptsOf(clickBytes: Buffer, leaves: number): Receipt[] {
  const receipts: Receipt[] = new Array(leaves);
  for (let i = 0; i < leaves; i++)
    receipts[i] = {
      agreementId: AGREEMENT_ID,
      flow: FLOW,
      epoch: EPOCH,
      clickId: `0x${clickBytes.toString("hex", i * 32, i * 32 + 32)}`,
    };
  return receipts;
}

async function measureOurs(receipts: Receipt[]): Promise<Measurement> {
  await keccak256Hasher(); // WASM instantiation is start-up cost, not tree building
  const bar = new SingleBar(
    { ...barOptions, format: "ours         {bar} {phase} {value}/{total}" },
    Presets.rect,
  );
  bar.start(receipts.length, 0, { phase: "leaves" });
  const started = performance.now();
  const cpuStarted = process.cpuUsage();
  const tree = await buildReceiptTree({
    receipts,
    onProgress: ({ phase, done, total }) => {
      bar.setTotal(total);
      bar.update(done, { phase });
    },
  });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuSecondsSince(cpuStarted);
  bar.update(bar.getTotal(), { phase: "done" });
  bar.stop();
  return { leaves: receipts.length, seconds, cpuSeconds, root: tree.root };
}

/** The worker: builds OpenZeppelin's values from the shared click bytes, then times `of()` alone. */
const OPENZEPPELIN_WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const { StandardMerkleTree } = require(workerData.library);
const { clickBytes, leaves, agreementId, flow, epoch, encoding } = workerData;
const bytes = Buffer.from(clickBytes.buffer, clickBytes.byteOffset, leaves * 32);
const values = new Array(leaves);
for (let i = 0; i < leaves; i++) values[i] = [agreementId, flow, epoch, "0x" + bytes.toString("hex", i * 32, i * 32 + 32)];
parentPort.postMessage({ type: "started" });
const started = performance.now();
const cpuStarted = process.cpuUsage();
const tree = StandardMerkleTree.of(values, encoding);
const cpu = process.cpuUsage(cpuStarted);
parentPort.postMessage({
  type: "done",
  root: tree.root,
  seconds: (performance.now() - started) / 1000,
  cpuSeconds: (cpu.user + cpu.system) / 1e6,
});
`;

function measureOpenZeppelin(clickBytes: Buffer, leaves: number): Promise<OpenZeppelinOutcome> {
  const bar = new SingleBar(
    {
      ...barOptions,
      format: `openzeppelin {bar} {value}s elapsed of ${OZ_TIMEOUT_S}s limit ({leaves} leaves)`,
    },
    Presets.rect,
  );
  return new Promise((resolve) => {
    const worker = new Worker(OPENZEPPELIN_WORKER, {
      eval: true,
      workerData: {
        library: require.resolve("@openzeppelin/merkle-tree"),
        clickBytes,
        leaves,
        agreementId: AGREEMENT_ID,
        flow: FLOW,
        epoch: EPOCH,
        encoding: [...receiptLeafEncoding],
      },
      // OpenZeppelin keeps every node as a hex string plus a lookup object: give it room.
      resourceLimits: { maxOldGenerationSizeMb: 16_384 },
    });
    let ticker: NodeJS.Timeout | undefined;
    let limit: NodeJS.Timeout | undefined;
    let finished = false;
    const finish = (outcome: OpenZeppelinOutcome) => {
      if (finished) return; // a stopped worker still reports its exit
      finished = true;
      clearInterval(ticker);
      clearTimeout(limit);
      bar.stop();
      void worker.terminate();
      resolve(outcome);
    };
    worker.on("message", (message: { type: string; root?: Hex; seconds?: number; cpuSeconds?: number }) => {
      if (message.type === "started") {
        const started = performance.now();
        bar.start(OZ_TIMEOUT_S, 0, { leaves });
        ticker = setInterval(() => bar.update(Math.round((performance.now() - started) / 1000)), 1000);
        limit = setTimeout(
          () => finish({ leaves, failure: `did not finish ${leaves} leaves in ${OZ_TIMEOUT_S} s` }),
          OZ_TIMEOUT_S * 1000,
        );
      } else if (message.type === "done") {
        finish({ leaves, seconds: message.seconds!, cpuSeconds: message.cpuSeconds!, root: message.root! });
      }
    });
    worker.on("error", (error) =>
      finish({ leaves, failure: `failed at ${leaves} leaves: ${error.message}` }),
    );
    worker.on("exit", (code) =>
      finish({ leaves, failure: `worker exited with code ${code} at ${leaves} leaves` }),
    );
  });
}

function cpuSecondsSince(started: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(started);
  return (used.user + used.system) / 1e6;
}

function fixed(seconds: number): string {
  return seconds.toFixed(2);
}

async function main(): Promise<void> {
  const load = loadavg()[0].toFixed(2);
  console.log(`merkle benchmark: ${LEAVES} random receipts of one batch (load average ${load})`);
  const clickBytes = randomClickBytes(LEAVES);
  const ours = await measureOurs(receiptsOf(clickBytes, LEAVES));
  console.log(`ours: ${fixed(ours.seconds)} s (${fixed(ours.cpuSeconds)} s CPU), root ${ours.root}`);

  let openZeppelin = await measureOpenZeppelin(clickBytes, LEAVES);
  let oursAtComparison = ours;
  let note = "";
  if ("failure" in openZeppelin) {
    note = `OpenZeppelin ${openZeppelin.failure}`;
    console.log(`${note}; comparing at ${FALLBACK_LEAVES} leaves`);
    const fallbackBytes = clickBytes.subarray(0, FALLBACK_LEAVES * 32);
    oursAtComparison = await measureOurs(receiptsOf(fallbackBytes, FALLBACK_LEAVES));
    openZeppelin = await measureOpenZeppelin(fallbackBytes, FALLBACK_LEAVES);
    if ("failure" in openZeppelin) throw new Error(`OpenZeppelin ${openZeppelin.failure}`);
  }
  console.log(
    `openzeppelin: ${fixed(openZeppelin.seconds)} s (${fixed(openZeppelin.cpuSeconds)} s CPU), root ${openZeppelin.root}`,
  );
  if (openZeppelin.root !== oursAtComparison.root)
    throw new Error(`roots differ: ours ${oursAtComparison.root}, openzeppelin ${openZeppelin.root}`);
  console.log("roots are equal");

  const speedup = openZeppelin.seconds / oursAtComparison.seconds;
  const cpuSpeedup = openZeppelin.cpuSeconds / oursAtComparison.cpuSeconds;
  const rows = [
    "| leaves | ours: wall (CPU) s | OpenZeppelin StandardMerkleTree: wall (CPU) s | speedup wall (CPU) | roots equal |",
    "|---:|---:|---:|---:|:---:|",
    `| ${oursAtComparison.leaves} | ${fixed(oursAtComparison.seconds)} (${fixed(oursAtComparison.cpuSeconds)}) | ${fixed(openZeppelin.seconds)} (${fixed(openZeppelin.cpuSeconds)}) | ${speedup.toFixed(1)}x (${cpuSpeedup.toFixed(1)}x) | yes |`,
  ];
  if (oursAtComparison !== ours)
    rows.push(
      `| ${ours.leaves} | ${fixed(ours.seconds)} (${fixed(ours.cpuSeconds)}) | did not finish (${note}) | – | – |`,
    );
  const { engine } = await keccak256Hasher();
  writeBenchmarkSection(
    "merkle",
    [
      "## Receipt Merkle tree (`npm run bench:merkle`)",
      "",
      `Tree of random receipts of one batch, leaf \`[uint256 agreementId, uint256 flow, uint64 epoch, bytes32 clickId]\`,`,
      "OpenZeppelin leaf encoding and sorted leaves; both trees built in the same process run (OpenZeppelin's in a",
      `worker thread with a ${OZ_TIMEOUT_S} s limit). Timed: from receipts in memory to the root. Keccak engine: ${engine}.`,
      `Load average at start: ${load} on 2 cores shared with other jobs: wall times vary between runs, CPU`,
      "seconds (the process's user + system time over the same span) much less.",
      "",
      ...rows,
    ].join("\n"),
  );

  // The last line is read by people and scripts: keep its shape.
  const comparison = `ours ${fixed(oursAtComparison.seconds)} s, openzeppelin ${fixed(openZeppelin.seconds)} s, speedup ${speedup.toFixed(1)}`;
  console.log(
    oursAtComparison === ours
      ? `merkle ${ours.leaves} leaves: ${comparison}`
      : `merkle ${ours.leaves} leaves: ours ${fixed(ours.seconds)} s, ${note}; at ${oursAtComparison.leaves} leaves: ${comparison}`,
  );
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
