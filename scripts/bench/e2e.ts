/**
 * `npm run bench:e2e`: 1,000,000 referrals end to end on a real local chain, every one of them
 * settled on chain through co-signed batches (scripts/bench/e2e/run.ts says how).
 *
 * Knobs (environment): E2E_REFERRALS (default 1,000,000), E2E_AGREEMENTS (default 10),
 * E2E_EPOCH_SECONDS (default 60), E2E_EPOCHS (at least this many epochs, default 5), E2E_TOKEN_TTL (default 10), E2E_CONCURRENCY (default 1,024: more referrals in flight, larger group commits),
 * E2E_CONNECTIONS (per node, default 16), E2E_PIPELINING (default 8).
 * Last line: `e2e: acked <n>, settled on chain <n>, lost <n>`; the exit code is 1 when lost ≠ 0.
 */

import { e2eMarkdown } from "./e2e/markdown";
import { runE2eBench } from "./e2e/run";
import { writeBenchmarkSection } from "./report";

const env = (name: string, fallback: number) => {
  const value = process.env[name];
  if (value === undefined || value === "") return fallback;
  const n = Number(value.replace(/[_,]/g, ""));
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer, got "${value}"`);
  return n;
};

async function main(): Promise<void> {
  const referrals = env("E2E_REFERRALS", 1_000_000);
  const agreements = env("E2E_AGREEMENTS", 10);
  const epochSeconds = env("E2E_EPOCH_SECONDS", 60);
  const epochs = env("E2E_EPOCHS", 5);
  const concurrency = env("E2E_CONCURRENCY", 1_024);
  const connections = env("E2E_CONNECTIONS", 16);
  const pipelining = env("E2E_PIPELINING", 8);
  const result = await runE2eBench({
    referrals,
    agreements,
    epochSeconds: BigInt(epochSeconds),
    epochs,
    tokenTtl: BigInt(env("E2E_TOKEN_TTL", 10)),
    concurrency,
    connectionsPerNode: connections,
    pipelining,
    settleEveryMs: 1_000,
    progressEveryMs: 5_000,
    log: (line) => console.log(line),
  });
  for (const [what, n] of Object.entries(result.load.failures)) console.log(`e2e: ${n} ${what} answers`);
  for (const sample of result.load.failureSamples.slice(0, 5)) console.log(`e2e: failure: ${sample}`);
  for (const reason of result.tally.reasons.slice(0, 10)) console.log(`e2e: settlement: ${reason}`);
  for (const m of result.mismatches.slice(0, 10))
    console.log(`e2e: batch ${m.batch}: ${m.acked} acked, ${m.onChain} on chain`);
  console.log(
    `e2e: JSON-RPC calls by the member nodes: ${Object.entries(result.rpcCalls)
      .map(([m, n]) => `${m} ${n}`)
      .join(", ")}`,
  );
  if (result.unsettled.length > 0) console.log(`e2e: unsettled batches: ${result.unsettled.join(", ")}`);
  const markdown = e2eMarkdown(result, { concurrency, connections, pipelining, epochSeconds, epochs });
  console.log(markdown);
  writeBenchmarkSection("e2e", markdown);
  console.log(`e2e: acked ${result.acked}, settled on chain ${result.settled}, lost ${result.lost}`);
  if (result.lost !== 0n) process.exitCode = 1;
}

if (require.main === module)
  main().catch((error) => {
    console.error(error);
    process.exit(1);
  });
