import type { E2eResult } from "./run";

const int = (n: number | bigint) => n.toLocaleString("en-US");

/** The BENCHMARKS.md section of a run. */
export function e2eMarkdown(
  r: E2eResult,
  options: {
    concurrency: number;
    connections: number;
    pipelining: number;
    epochSeconds: number;
    epochs: number;
  },
): string {
  const rate = r.acked / r.loadSeconds;
  const epochs = r.chain.epochs;
  const cpu =
    r.hardhatCpuSeconds === undefined ? "" : ` + ${r.hardhatCpuSeconds.toFixed(1)} s in the Hardhat node`;
  return [
    "## End to end: referrals to settlement on chain (`npm run bench:e2e`)",
    "",
    `A real Hardhat node (child process), FlowPact deployed, ${r.members} members admitted, ${r.agreements} Active agreements`,
    `(${r.agreements - 1} two-way pairs and one 3-party cycle: ${r.flows} flows) with ${options.epochSeconds} s epochs; every member's node`,
    "in one process (multi-tenant, durable receipts: PGlite on disk, group commit); visitors in a worker thread over",
    `real HTTP on loopback (undici, keep-alive, ${options.connections} connections per node, pipelining ${options.pipelining}, ${options.concurrency} referrals in flight).`,
    "One referral = the click at the referrer's tracking link (302 with a signed token) + the arrival of that",
    "token at the recipient's node (201). Each epoch is closed by the nodes: the referrer's batch, co-signed by the",
    "recipient's node over HTTP, committed on chain. Settled = sum of the BatchCommitted counts read back from the chain.",
    "",
    "| figure | value |",
    "|---|---:|",
    `| referrals sent | ${int(r.referrals)} |`,
    `| acked (click 302 and arrival 201) | ${int(r.acked)} |`,
    `| settled on chain (committed batch counts) | ${int(r.settled)} |`,
    `| lost (acked − settled) | ${int(r.lost)} |`,
    `| agreements / flows | ${r.agreements} / ${r.flows} |`,
    `| epochs settled | ${epochs} |`,
    `| batches committed (co-signed) / claimed | ${int(r.chain.batches)} / ${r.chain.claimed} |`,
    `| wall time: total (setup, traffic, last epochs' close) | ${r.wallSeconds.toFixed(1)} s (${r.setupSeconds.toFixed(1)}, ${r.loadSeconds.toFixed(1)}, ${r.settleSeconds.toFixed(1)}) |`,
    `| referrals/s during the traffic (HTTP requests/s) | ${int(Math.round(rate))} (${int(Math.round(2 * rate))}) |`,
    `| referrals/s over the whole run | ${int(Math.round(r.acked / r.wallSeconds))} |`,
    `| CPU time | ${r.cpuSeconds.toFixed(1)} s in the bench process (nodes, visitors, settlement)${cpu} |`,
    `| load average (1 min), 2 cores: at start / during the traffic (mean) / at end | ${r.loadAverage.start.toFixed(2)} / ${r.loadAverage.duringTraffic.toFixed(2)} / ${r.loadAverage.end.toFixed(2)} |`,
    `| gas used by the commits | ${int(r.chain.commitGas)} (${int(r.chain.batches ? r.chain.commitGas / BigInt(r.chain.batches) : 0n)} per batch, ${(Number(r.chain.commitGas) / Math.max(1, Number(r.settled))).toFixed(2)} per referral) |`,
    `| receipts made durable / transactions (group commit) | ${int(r.journal.records)} / ${int(r.journal.commits)} (mean ${(r.journal.records / Math.max(1, r.journal.commits)).toFixed(1)}, largest ${r.journal.largestCommit}) |`,
    "",
    `The referrals were sent in ${options.epochs} equal phases. Between two phases (nothing in flight) the shared clock`,
    "(chain and nodes) moved to the next epoch's start when that epoch had not begun yet, and after the last referral to",
    `the last epoch's end plus the token lifetime: ${r.fastForwardSeconds} s skipped in all instead of idling. Everything else ran in real time;`,
    "epochs were closed (co-sign, commit) by the nodes while the next epoch's traffic flowed.",
  ].join("\n");
}
