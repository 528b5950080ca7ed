/**
 * `npm run bench:index [-- --events N]`: generates N (default 100,000) FlowPact events (credit
 * transfers) on a fresh local Hardhat node, then, in the same run, measures
 *   1. a bare viem getLogs loop that only fetches and decodes them, and
 *   2. the indexer backfilling them into PGlite (a file under a temporary data directory),
 * over the same block ranges. Last line:
 *   index <N> events: <events/s>, getLogs-only <events/s>, ratio <r>
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type Abi, type Address, encodeFunctionData, keccak256, toHex } from "viem";
import { creditLedgerAbi } from "../../src/abi/contracts";
import {
  admitMember,
  applyForMembership,
  FLOWPACT_ABIS,
  type FlowPactClient,
  setCreditLimit,
} from "../../src/chain";
import { createIndexer } from "../../src/indexer";
import { createProgressReporter } from "../../src/indexer/progress";
import { countEvents } from "../../src/store/queries/progress";
import { createStore } from "../../src/store/store";
import { clientFor, deployOnNode } from "../../test/service/helpers/flowpact";
import { startHardhatNode } from "../../test/service/helpers/hardhatNode";
import { writeBenchmarkSection } from "./report";

const argIndex = process.argv.indexOf("--events");
const EVENTS = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 100_000;
const MEMBERS = 10;
/** Transactions sent per JSON-RPC batch and mined into one block. */
const PER_BLOCK = 400;
/** Blocks per eth_getLogs call, for both contenders (about 4,000 events per call). */
const LOG_RANGE = 10;

async function main(): Promise<void> {
  const node = await startHardhatNode();
  const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-bench-index-"));
  try {
    const { governor } = await deployOnNode(node);
    const members: FlowPactClient[] = [];
    for (let i = 1; i <= MEMBERS; i++) {
      const member = await clientFor(node, governor, i);
      const address = member.walletClient!.account.address;
      await applyForMembership(member, {
        profile: {
          industry: i,
          segments: 1n,
          uri: `https://m${i}.example`,
          contentHash: keccak256(toHex(i)),
          signer: address,
        },
      });
      await admitMember(governor, { member: address });
      await setCreditLimit(governor, { member: address, limit: 1_000_000_000n });
      members.push(member);
    }
    const addresses = members.map((m) => m.walletClient!.account.address);
    const ledger = governor.deployment.contracts.CreditLedger;

    // Generate: the node's unlocked dev accounts send, automine off, PER_BLOCK per block.
    const generationStart = Date.now();
    // The node prints every transaction by default: a real cost at 100,000 of them.
    await node.rpc("hardhat_setLoggingEnabled", [false]);
    await node.rpc("evm_setAutomine", [false]);
    let sent = 0;
    let id = 0;
    while (sent < EVENTS) {
      const batch = [];
      for (let k = 0; k < PER_BLOCK && sent < EVENTS; k++, sent++) {
        const from = addresses[sent % MEMBERS];
        const to = addresses[(sent + 1 + (sent % (MEMBERS - 1))) % MEMBERS];
        batch.push({
          jsonrpc: "2.0",
          id: ++id,
          method: "eth_sendTransaction",
          params: [
            {
              from,
              to: ledger,
              gas: "0x30000",
              data: encodeFunctionData({
                abi: creditLedgerAbi,
                functionName: "transfer",
                args: [to as Address, BigInt(1 + (sent % 5))],
              }),
            },
          ],
        });
      }
      const res = await fetch(node.rpcUrl, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(batch),
      });
      const answers = (await res.json()) as { error?: { message: string } }[];
      const failed = answers.find((a) => a.error);
      if (failed) throw new Error(`sending transfers failed: ${failed.error!.message}`);
      await node.rpc("evm_mine");
      if (sent % 20_000 < PER_BLOCK) process.stderr.write(`generated ${sent} transfers\n`);
    }
    await node.rpc("evm_setAutomine", [true]);
    const fromBlock = BigInt(governor.deployment.startBlock);
    const head = await governor.publicClient.getBlockNumber();
    console.log(
      `generated ${EVENTS} transfers in ${((Date.now() - generationStart) / 1000).toFixed(1)} s, blocks ${fromBlock}..${head}`,
    );

    // 1. getLogs only: fetch and decode, nothing stored.
    const events = Object.values(FLOWPACT_ABIS).flatMap((abi) =>
      (abi as Abi).filter((i) => i.type === "event"),
    );
    const contracts = Object.values(governor.deployment.contracts);
    const fetchStart = performance.now();
    let fetched = 0;
    for (let from = fromBlock; from <= head; from += BigInt(LOG_RANGE)) {
      const to = from + BigInt(LOG_RANGE) - 1n < head ? from + BigInt(LOG_RANGE) - 1n : head;
      const logs = await governor.publicClient.getLogs({
        address: contracts,
        events: events as never,
        fromBlock: from,
        toBlock: to,
        strict: true,
      });
      fetched += logs.length;
    }
    const fetchSeconds = (performance.now() - fetchStart) / 1000;

    // 2. The indexer: backfill into PGlite on disk, everything final (no undo data needed).
    const store = await createStore({ dataDir });
    const indexStart = performance.now();
    await createIndexer({
      store,
      publicClient: governor.publicClient,
      deployment: governor.deployment,
      settings: { confirmations: 0, finalityDepth: 0, logRange: LOG_RANGE, pollIntervalMs: 1_000 },
      progress: createProgressReporter(process.stderr, { lineIntervalMs: 5_000 }),
    }).run({ once: true });
    const indexSeconds = (performance.now() - indexStart) / 1000;
    const stored = await countEvents(store.driver);
    const [{ n: postings }] = await store.driver.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM credit_postings WHERE kind = 'moved'",
    );
    const [{ sum }] = await store.driver.query<{ sum: bigint }>(
      "SELECT coalesce(sum(balance), 0) AS sum FROM balances",
    );
    await store.close();

    if (Number(postings) !== EVENTS)
      throw new Error(`expected ${EVENTS} credit postings, stored ${postings}`);
    if (sum !== 0n) throw new Error(`balances must sum to zero, got ${sum}`);
    if (BigInt(fetched) !== stored)
      throw new Error(`getLogs saw ${fetched} events, the indexer stored ${stored}`);

    const indexRate = Number(stored) / indexSeconds;
    const fetchRate = fetched / fetchSeconds;
    const ratio = indexRate / fetchRate;
    const markdown = [
      "## Indexer backfill (`npm run bench:index`)",
      "",
      `${EVENTS.toLocaleString("en-US")} credit transfers (one \`CreditsMoved\` each; ${stored} FlowPact events in all with the setup) in ${head - fromBlock + 1n} blocks of a local Hardhat node, eth_getLogs over ${LOG_RANGE}-block ranges.`,
      "",
      "| contender | seconds | events/s |",
      "|---|---:|---:|",
      `| viem getLogs loop (fetch + decode only) | ${fetchSeconds.toFixed(1)} | ${Math.round(fetchRate)} |`,
      `| indexer backfill into PGlite (file) | ${indexSeconds.toFixed(1)} | ${Math.round(indexRate)} |`,
      "",
      `Ratio indexer / getLogs-only: **${ratio.toFixed(2)}** (target ≥ 0.5). Checked: one posting per transfer, balances sum to zero, stored events = fetched events.`,
    ].join("\n");
    writeBenchmarkSection("index", markdown);
    console.log(
      `index ${EVENTS} events: ${Math.round(indexRate)}, getLogs-only ${Math.round(fetchRate)}, ratio ${ratio.toFixed(2)}`,
    );
  } finally {
    await node.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((error: Error) => {
  console.error(`bench:index: ${error.message}`);
  process.exitCode = 1;
});
