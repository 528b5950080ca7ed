import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import type { Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { journalBlock } from "../../../src/demo/chain-journal";
import { openDemoChain } from "../../../src/demo/demo-chain";
import { startLocalChain } from "../../../src/demo/local-chain";
import { demoPaths } from "../../../src/demo/state";
import { DEV_KEYS, freePort } from "../helpers/hardhatNode";

/**
 * A resumed demo's chain: a journal recorded from one node (transactions and empty blocks at
 * their own timestamps) is replayed by a fresh node in its own process before it answers, and
 * ends on the journal's very blocks.
 */
describe("demo chain: resume from the chain journal", function () {
  this.timeout(300_000);

  it("has the fresh node replay the journal itself: same block hashes, every block counted", async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-demo-chain-"));
    const paths = demoPaths(dataDir);
    const genesisTime = Math.floor(Date.now() / 1000) - 3_600;
    const recording = await startLocalChain(await freePort(), 90_000, {
      genesisDate: new Date(genesisTime * 1000),
      fresh: true,
    });
    let last: { number: number; hash: Hex };
    let genesisHash: Hex;
    try {
      genesisHash = (await recording.rpc<{ hash: Hex }>("eth_getBlockByNumber", ["0x0", false])).hash;
      const sender = privateKeyToAccount(DEV_KEYS[3]);
      const chainId = Number(await recording.rpc<Hex>("eth_chainId"));
      for (let k = 0; k < 20; k++) {
        await recording.rpc("evm_setNextBlockTimestamp", [genesisTime + 10 + 3 * k]);
        if (k % 4 === 3) await recording.rpc("evm_mine");
        else
          await recording.rpc("eth_sendRawTransaction", [
            await sender.signTransaction({
              chainId,
              type: "eip1559",
              to: privateKeyToAccount(DEV_KEYS[4]).address,
              value: 1n,
              nonce: k - Math.floor(k / 4),
              gas: 21_000n,
              maxFeePerGas: 10n ** 10n,
              maxPriorityFeePerGas: 1n,
            }),
          ]);
      }
      const lines = [];
      for (let n = 1; n <= 20; n++) lines.push(JSON.stringify(await journalBlock(recording.rpc, n)));
      writeFileSync(paths.journal, `${lines.join("\n")}\n`);
      last = JSON.parse(lines[19]);
    } finally {
      await recording.stop();
    }
    writeFileSync(
      paths.state,
      JSON.stringify({
        version: 2,
        chainId: 31337,
        genesisHash,
        genesisTime,
        members: [],
        bootstrappedAt: "",
      }),
    );
    const logged: string[] = [];
    const opened = await openDemoChain({ port: await freePort(), dataDir, log: (l) => logged.push(l) });
    try {
      expect(opened.saved, logged.join("\n")).to.not.equal(undefined);
      expect(opened.replayed).to.equal(20);
      expect(opened.journaled).to.equal(20);
      expect(logged.join("\n")).to.match(/replayed 20 blocks of the chain journal in the node/);
      const onNode = await opened.chain.rpc<{ hash: Hex }>("eth_getBlockByNumber", ["0x14", false]);
      expect(onNode.hash).to.equal(last.hash);
    } finally {
      await opened.chain.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
