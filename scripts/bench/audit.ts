/**
 * `npm run bench:audit`: puts 10,000 co-signed batches on a real Hardhat node (10 four-party
 * agreements of 12 flows over 84 epochs, with their settlements, ledger postings and arrears),
 * then times a full audit from raw JSON-RPC: eth_getLogs, block times, every commit's calldata
 * and co-signature re-verified, the balances read after every block where they changed, the
 * replay of every rule, the anomaly detectors and the report. Proof spot-checks are left out:
 * they measure the member nodes, not the auditor. Last line:
 * `audit 10000 batches: <s> s, <batches/s>`. Environment: AUDIT_BATCHES (default 10000).
 */
import { loadavg } from "node:os";
import { createWalletClient, encodeFunctionData, type Hex, http, keccak256, toHex } from "viem";
import { settlementAbi } from "../../src/abi/contracts";
import { runAudit } from "../../src/audit/run-audit";
import { signBatch } from "../../src/receipts/batch-signature";
import { admitMembers, createAuditChain, makeAgreement } from "../../test/service/audit/scenario";
import { startHardhatNode } from "../../test/service/helpers/hardhatNode";
import { writeBenchmarkSection } from "./report";

const BATCHES = Number(process.env.AUDIT_BATCHES ?? 10_000);
const FLOWS = 12;
const EPOCHS = 84;
const AGREEMENTS = Math.ceil(BATCHES / (FLOWS * EPOCHS));
const GROUPS = [
  [1, 2, 3, 4],
  [5, 6, 7, 8],
];

async function main(): Promise<void> {
  console.log(
    `bench:audit: ${BATCHES} batches in ${AGREEMENTS} agreements of ${FLOWS} flows × ${EPOCHS} epochs`,
  );
  const node = await startHardhatNode();
  try {
    const chain = await createAuditChain(node);
    await admitMembers(chain, GROUPS.flat(), 10n ** 12n);
    const agreements: { agreementId: bigint; parties: number[]; flows: [number, number][] }[] = [];
    for (let a = 0; a < AGREEMENTS; a++) {
      const parties = GROUPS[a % GROUPS.length];
      const flows = parties.flatMap((from) =>
        parties.filter((to) => to !== from).map((to): [number, number] => [from, to]),
      );
      const { agreementId } = await makeAgreement(
        chain,
        parties,
        flows.map(([from, to], i) => ({
          from,
          to,
          segments: 1n << BigInt(i),
          cap: 50n,
          rate: BigInt(1 + ((a + i) % 7)),
        })),
        { relayed: a % 2 === 0, epochLength: 10n, epochs: BigInt(EPOCHS) },
      );
      agreements.push({ agreementId, parties, flows });
    }
    await chain.advance(100 + EPOCHS * 10 + 10);

    // Every batch: signed locally by the recipient, sent raw by the referrer with its own nonce;
    // mined in blocks of a 60M gas limit.
    const started = Date.now();
    await node.rpc("evm_setAutomine", [false]);
    await node.rpc("evm_setBlockGasLimit", [toHex(60_000_000)]);
    const nonces = new Map<number, number>();
    for (const index of GROUPS.flat())
      nonces.set(
        index,
        await chain.publicClient.getTransactionCount({
          address: chain.account(index).address,
          blockTag: "pending",
        }),
      );
    const raw: Hex[] = [];
    let made = 0;
    outer: for (let epoch = 0; epoch < EPOCHS; epoch++) {
      for (const agreement of agreements) {
        for (const [flow, [from, to]] of agreement.flows.entries()) {
          if (made >= BATCHES) break outer;
          const count = BigInt(5 + ((epoch * 7 + flow * 3) % 40));
          const root = keccak256(toHex(`${agreement.agreementId}/${flow}/${epoch}`));
          const batch = {
            recipient: chain.account(to).address,
            agreementId: agreement.agreementId,
            flow,
            epoch: BigInt(epoch),
            count,
            root,
          };
          const signature = await signBatch(chain.account(to), {
            chainId: chain.deployment.chainId,
            settlement: chain.deployment.contracts.Settlement,
            batch,
          });
          const wallet = createWalletClient({ account: chain.account(from), transport: http(node.rpcUrl) });
          const nonce = nonces.get(from) ?? 0;
          nonces.set(from, nonce + 1);
          raw.push(
            await wallet.signTransaction({
              chain: null,
              chainId: chain.deployment.chainId,
              to: chain.deployment.contracts.Settlement,
              data: encodeFunctionData({
                abi: settlementAbi,
                functionName: "commit",
                args: [agreement.agreementId, BigInt(flow), BigInt(epoch), count, root, signature],
              }),
              nonce,
              gas: 400_000n,
              maxFeePerGas: 10n ** 10n,
              maxPriorityFeePerGas: 10n ** 9n,
            } as never),
          );
          made++;
        }
      }
    }
    // One JSON-RPC batch of 250 raw transactions per request, a block mined after each.
    for (let i = 0; i < raw.length; i += 250) {
      const body = raw
        .slice(i, i + 250)
        .map((tx, k) => ({ jsonrpc: "2.0", id: k, method: "eth_sendRawTransaction", params: [tx] }));
      const answers = (await (
        await fetch(node.rpcUrl, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(body),
        })
      ).json()) as { error?: { message: string } }[];
      const failed = answers.find((a) => a.error);
      if (failed) throw new Error(`eth_sendRawTransaction: ${failed.error?.message}`);
      await node.rpc("evm_mine");
    }
    for (;;) {
      const pending = await node.rpc<{ transactions: unknown[] }>("eth_getBlockByNumber", ["pending", false]);
      if (pending.transactions.length === 0) break;
      await node.rpc("evm_mine");
    }
    await node.rpc("evm_setAutomine", [true]);
    const toBlock = await chain.publicClient.getBlockNumber();
    console.log(
      `setup: ${made} batches committed in ${((Date.now() - started) / 1000).toFixed(1)} s, up to block ${toBlock}`,
    );

    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const phases: { phase: string; at: number }[] = [];
    const result = await runAudit({
      rpcUrl: node.rpcUrl,
      deployment: chain.deployment,
      toBlock,
      onProgress: ({ phase }) => {
        if (phases[phases.length - 1]?.phase !== phase) phases.push({ phase, at: performance.now() });
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    const batches = result.report.summary.batches;
    if (batches !== made) throw new Error(`the audit saw ${batches} batches, ${made} were committed`);
    const serious = result.findings.filter((f) => f.severity !== "warning");
    if (serious.length > 0)
      throw new Error(`the honest bench history has findings: ${serious[0].code}: ${serious[0].message}`);
    const rate = batches / seconds;
    const end = performance.now();
    const breakdown = phases
      .map((p, i) => `${p.phase} ${(((phases[i + 1]?.at ?? end) - p.at) / 1000).toFixed(1)} s`)
      .join(", ");
    console.log(`phases: ${breakdown}`);
    const load = loadavg()[0].toFixed(1);
    console.log(result.summary.split("\n")[0]);
    console.log(
      `events ${result.report.summary.events}, settlements ${result.report.summary.settlements}, auditor CPU ${cpuSeconds.toFixed(1)} s, load average ${load}`,
    );
    writeBenchmarkSection(
      "audit",
      `## Audit from raw JSON-RPC (\`npm run bench:audit\`)

A full audit of ${batches} co-signed batches on a local Hardhat node (${AGREEMENTS} agreements of ${FLOWS} flows × ${EPOCHS} epochs, blocks 0–${toBlock}): \`eth_getLogs\`, block times, every commit's calldata with its EIP-712 co-signature re-verified, the balances of the members that moved read after every block, the replay of every rule (windows, caps, count × rate, arrears, zero-sum), the anomaly detectors and the report. Proof spot-checks excluded (they time the member nodes).

| batches | events | wall time | batches/s | auditor CPU | load average (1 min) |
|---:|---:|---:|---:|---:|---:|
| ${batches} | ${result.report.summary.events} | ${seconds.toFixed(1)} s | ${rate.toFixed(0)} | ${cpuSeconds.toFixed(1)} s | ${load} |

Phases: ${breakdown}.

Target ≥ 200 batches/s. The Hardhat node runs on the same 2 cores and answers the RPC; on a shared machine the wall time includes its share.`,
    );
    console.log(`audit ${batches} batches: ${seconds.toFixed(1)} s, ${rate.toFixed(0)} batches/s`);
  } finally {
    await node.stop();
  }
}

main().catch((error: Error) => {
  console.error(`bench:audit: ${error.message}`);
  process.exitCode = 1;
});
