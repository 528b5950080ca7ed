/**
 * `npm run bench:resume`: how long a resumed `npm start` takes to replay the chain journal of a
 * long demo. Generates a synthetic journal on a real Hardhat node: RESUME_MINUTES (default 30)
 * of demo time at RESUME_TX_PER_SECOND (default 5) single-transaction blocks per second (signed
 * EIP-1559 transfers from 10 keys, each block at its own timestamp) plus the demo's empty block
 * every 2 s; records it with the demo's recorder; then starts a second node at the same genesis
 * time and times the replay: over JSON-RPC from another process (as resumed demos did), then
 * inside the node before it answers (as they do now; src/demo/chain-node.config.ts). Last line:
 * `replay <blocks> blocks in the node: <s> s (<blocks/s>); node answering after <s> s`.
 * RESUME_SKIP_HTTP=1 leaves out the JSON-RPC replay.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { journalBlock, readChainJournal, replayChainJournal } from "../../src/demo/chain-journal";
import { startLocalChain } from "../../src/demo/local-chain";
import { DEV_KEYS, freePort } from "../../test/service/helpers/hardhatNode";

const MINUTES = Number(process.env.RESUME_MINUTES ?? 30);
const TX_PER_SECOND = Number(process.env.RESUME_TX_PER_SECOND ?? 5);
/** `RESUME_SKIP_HTTP=1` leaves out the replay over JSON-RPC (minutes on a long journal). */
const SKIP_HTTP = process.env.RESUME_SKIP_HTTP === "1";

async function main(): Promise<void> {
  const genesisTime = Math.floor(Date.now() / 1000) - 86_400;
  const genesisDate = new Date(genesisTime * 1000);
  const senders = DEV_KEYS.slice(10, 20).map((k) => privateKeyToAccount(k));
  const nonces = senders.map(() => 0);
  const dir = mkdtempSync(path.join(tmpdir(), "flowpact-bench-resume-"));
  const file = path.join(dir, "chain.jsonl");
  const recording = await startLocalChain(await freePort(), 90_000, { genesisDate, fresh: true });
  const seconds = MINUTES * 60;
  let blocks = 0;
  const started = Date.now();
  try {
    const chainId = Number(await recording.rpc<Hex>("eth_chainId"));
    let timestamp = genesisTime;
    for (let s = 0; s < seconds; s++) {
      for (let t = 0; t < TX_PER_SECOND; t++) {
        const k = blocks % senders.length;
        const raw = await senders[k].signTransaction({
          chainId,
          type: "eip1559",
          to: senders[(k + 1) % senders.length].address,
          value: 1n,
          nonce: nonces[k]++,
          gas: 21_000n,
          maxFeePerGas: 10n ** 10n,
          maxPriorityFeePerGas: 1n,
        });
        await recording.rpc("evm_setNextBlockTimestamp", [++timestamp]);
        await recording.rpc("eth_sendRawTransaction", [raw]);
        blocks++;
      }
      if (s % 2 === 0) {
        await recording.rpc("evm_mine", [++timestamp]);
        blocks++;
      }
    }
    const lines: string[] = [];
    for (let n = 1; n <= blocks; n++) lines.push(JSON.stringify(await journalBlock(recording.rpc, n)));
    writeFileSync(file, `${lines.join("\n")}\n`);
  } finally {
    await recording.stop();
  }
  console.log(
    `generated ${blocks} blocks (${MINUTES} min of demo) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );

  const journal = readChainJournal(file);
  try {
    // Over JSON-RPC from this process (how a resumed demo replayed before), node start included.
    let t0 = Date.now();
    if (!SKIP_HTTP) {
      const overHttp = await startLocalChain(await freePort(), 90_000, { genesisDate, fresh: true });
      try {
        const { replayed } = await replayChainJournal(overHttp.rpc, journal);
        const s = (Date.now() - t0) / 1000;
        console.log(`over JSON-RPC: node started and ${replayed} blocks replayed in ${s.toFixed(1)} s`);
      } finally {
        await overHttp.stop();
      }
    }
    // Inside the node, before it answers (what a resumed demo does now).
    t0 = Date.now();
    const resultFile = path.join(dir, "replay.json");
    const inNode = await startLocalChain(await freePort(), 300_000, {
      genesisDate,
      fresh: true,
      journal: { file, resultFile },
    });
    try {
      const s = (Date.now() - t0) / 1000;
      const replay = inNode.replay;
      if (!replay || "error" in replay)
        throw new Error(`the node's replay failed: ${JSON.stringify(replay)}`);
      const last = journal[journal.length - 1];
      const onNode = await inNode.rpc<{ hash: Hex }>("eth_getBlockByNumber", [
        `0x${last.number.toString(16)}`,
        false,
      ]);
      if (onNode.hash !== last.hash)
        throw new Error(`block ${last.number} differs: ${onNode.hash}, journal ${last.hash}`);
      console.log(
        `replay ${replay.replayed} blocks in the node: ${replay.seconds.toFixed(1)} s (${Math.round(replay.replayed / replay.seconds)} blocks/s); node answering after ${s.toFixed(1)} s`,
      );
    } finally {
      await inNode.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
