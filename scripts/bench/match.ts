/**
 * bench:match — the matching engine against the greedy baseline on generated consortia of 100,
 * 1,000, 5,000 and 20,000 members (seeded, so every run solves the same instances).
 *
 *   npm run bench:match                      # all sizes, writes the "match" section of BENCHMARKS.md
 *   MATCH_SIZES=100,1000 npm run bench:match # a subset (BENCHMARKS.md is then left alone)
 *
 * The 5,000-member line is printed last: `match 5000 members: <s> s, gap <p>%, vs greedy <x>`.
 */
import os from "node:os";
import { generateConsortium } from "../../src/matching/generator";
import { loadMatchingSolver } from "../../src/matching/highs";
import { solveMatching } from "../../src/matching/solve";
import { DEFAULT_MATCHING_CONFIG, type MatchingConfig, type SolutionReport } from "../../src/matching/types";
import { writeBenchmarkSection } from "./report";

const ALL_SIZES = [100, 1_000, 5_000, 20_000];
/** Wall-clock budget given to the engine per size (the 5,000 target is 60 s end to end). */
const TIME_LIMIT: Record<number, number> = { 100: 60, 1000: 60, 5000: 56, 20000: 240 };
const SEED = 20261122;

interface Row {
  readonly members: number;
  readonly engine: SolutionReport;
  readonly proposals: Record<string, number>;
  /** CPU seconds of the solve (wall time is inflated when other jobs share the cores). */
  readonly cpuSeconds: number;
}

const fmt = (x: number, digits = 0) =>
  x.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
const ratio = (row: Row) =>
  row.engine.greedyObjective > 0 ? row.engine.objective / row.engine.greedyObjective : Number.NaN;

async function main(): Promise<void> {
  const sizes = process.env.MATCH_SIZES ? process.env.MATCH_SIZES.split(",").map(Number) : ALL_SIZES;
  // Smallest first; the 5,000 summary line is printed at the very end.
  const order = [...sizes].sort((a, b) => a - b);
  const highs = await loadMatchingSolver();
  const rows: Row[] = [];
  for (const members of order) {
    const log = (msg: string) => console.log(`[match ${members}] ${msg}`);
    log("generating consortium…");
    const { instance } = generateConsortium({ members, seed: SEED + members });
    const config: MatchingConfig = {
      ...DEFAULT_MATCHING_CONFIG,
      timeLimitSeconds: TIME_LIMIT[members] ?? 60,
    };
    log(
      `${fmt(instance.supply.length)} supply offers, ${fmt(instance.demand.length)} demand offers; solving (limit ${config.timeLimitSeconds} s, greedy baseline included)…`,
    );
    const cpuBefore = process.cpuUsage();
    const result = solveMatching(highs, instance, config);
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    for (const note of result.report.notes) log(`  ${note}`);
    const proposals: Record<string, number> = {};
    for (const p of result.proposals) proposals[p.kind] = (proposals[p.kind] ?? 0) + 1;
    const r = result.report;
    log(
      `${r.method} ${r.status}: objective ${fmt(r.objective)}, bound ${fmt(r.bound)}, gap ${(100 * r.gap).toFixed(2)}%, greedy ${fmt(r.greedyObjective)}, ${r.solveSeconds.toFixed(1)} s wall / ${cpuSeconds.toFixed(1)} s CPU (load average ${os.loadavg()[0].toFixed(1)}), ${fmt(r.candidateEdges)} candidate edges`,
    );
    rows.push({ members, engine: r, proposals, cpuSeconds });
    // Written after every size so that a run stopped during 20,000 still records the others.
    if (!process.env.MATCH_SIZES) {
      report(
        rows,
        order.filter((n) => !rows.some((row) => row.members === n)),
      );
    }
  }
  const five = rows.find((row) => row.members === 5_000);
  if (five) {
    console.log(
      `match 5000 members: ${five.engine.solveSeconds.toFixed(1)} s, gap ${(100 * five.engine.gap).toFixed(2)}%, vs greedy ${ratio(five).toFixed(2)}x`,
    );
  }
}

function report(rows: readonly Row[], pending: readonly number[]): void {
  const table = [
    "| members | candidate edges | method | status | solve s | objective | LP bound | bound | gap | greedy objective | vs greedy | proposals (pair / 3-cycle / 4-cycle / one-way) |",
    "|---:|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ...rows.map(
      (row) =>
        `| ${fmt(row.members)} | ${fmt(row.engine.candidateEdges)} | ${row.engine.method} | ${row.engine.status} | ${row.engine.solveSeconds.toFixed(1)} | ${fmt(row.engine.objective)} | ${fmt(row.engine.lpBound)} | ${fmt(row.engine.bound)} | ${(100 * row.engine.gap).toFixed(2)}% | ${fmt(row.engine.greedyObjective)} | ${ratio(row).toFixed(2)}× | ${row.proposals.pair ?? 0} / ${row.proposals.cycle3 ?? 0} / ${row.proposals.cycle4 ?? 0} / ${row.proposals["one-way"] ?? 0} |`,
    ),
  ].join("\n");
  console.log(`\n${table}\n`);
  const missing =
    pending.length > 0
      ? `\n\nNot measured in this run (still running or stopped): ${pending.map((n) => fmt(n)).join(", ")} members.`
      : "";
  writeBenchmarkSection(
    "match",
    `## Matching engine (\`npm run bench:match\`)

Generated consortia (seed ${SEED} + size), default config (at most ${DEFAULT_MATCHING_CONFIG.maxPartners} partners, minimum agreement ${DEFAULT_MATCHING_CONFIG.minAgreementSize} referrals/epoch, credit headroom spread over ${DEFAULT_MATCHING_CONFIG.creditHorizonEpochs} epochs). Objective = expected surplus per epoch. Gap = (bound − objective) / bound, where the bound is HiGHS' MIP dual bound (exact MIP, every candidate pair in the model) or the least of the Lagrangian bounds from pricing every candidate pair (column generation or pair search; see src/matching/pricing.ts), each valid for the whole candidate set. Solve time includes the greedy baseline the engine computes as its start; CPU seconds per size: ${rows.map((row) => `${fmt(row.members)}: ${row.cpuSeconds.toFixed(1)}`).join(", ")}. ${os.cpus().length} cores shared with other jobs (load average ${os.loadavg()[0].toFixed(1)} when written).

${table}${missing}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
