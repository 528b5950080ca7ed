/**
 * bench:match — the matching engine against the greedy baseline on generated consortia of 100,
 * 1,000, 5,000 and 20,000 members (seeded, so every run solves the same instances).
 *
 *   npm run bench:match                      # all sizes, writes the "match" section of BENCHMARKS.md
 *   MATCH_SIZES=100,1000 npm run bench:match # a subset (BENCHMARKS.md is then left alone)
 *
 * The 5,000-member line is printed last: `match 5000 members: <s> s, gap <p>%, vs greedy <x>`.
 *
 * Every reported solution is checked by `infeasibilities` below, written from the issue's rules
 * and sharing no code with the engine: the bench exits 1 when any proposal breaks one.
 */
import os from "node:os";
import { generateConsortium } from "../../src/matching/generator";
import { loadMatchingSolver } from "../../src/matching/highs";
import { solveMatching } from "../../src/matching/solve";
import {
  type AgreementFlow,
  DEFAULT_MATCHING_CONFIG,
  type MatchingConfig,
  type MatchingInstance,
  type MatchingResult,
  type SolutionReport,
} from "../../src/matching/types";
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
    const broken = infeasibilities(instance, config, result);
    if (broken.length > 0) {
      for (const line of broken.slice(0, 20)) console.error(`[match ${members}] INFEASIBLE: ${line}`);
      console.error(`[match ${members}] ${broken.length} violations in the reported solution`);
      process.exitCode = 1;
    } else log(`feasibility check: ${result.proposals.length} proposals, no violation`);
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

/**
 * Everything the reported solution breaks, checked from the instance and the proposals alone
 * (the engine's code is not used): proposal shape; capacities and demands (the flows of each
 * member, existing ones included, must fit its offers: a flow may use an offer holding all its
 * segments at an acceptable rate, checked as a max-flow); credit headroom; partner limits
 * counted as co-parties; exclusions (no party may share an agreement with an industry one of
 * its offers excludes, either way) and competing industries; the minimum agreement size of
 * every new flow pair; no new agreement between existing co-parties; objective = Σ surplus.
 */
function infeasibilities(
  instance: MatchingInstance,
  config: MatchingConfig,
  result: MatchingResult,
): string[] {
  const out: string[] = [];
  const member = new Map(instance.members.map((m) => [m.id, m]));
  const excluded = new Map<string, bigint>();
  for (const o of [...instance.supply, ...instance.demand])
    excluded.set(o.member, (excluded.get(o.member) ?? 0n) | o.excludedIndustries);
  const industry = (id: string) => member.get(id)?.industry ?? -1;
  const competing = (x: number, y: number) =>
    x === y
      ? config.sameIndustryCompetes
      : config.competingIndustries.some(([a, b]) => (a === x && b === y) || (a === y && b === x));
  const coParties = new Map(instance.members.map((m) => [m.id, new Set<string>()]));
  const befriend = (parties: readonly string[]) => {
    for (const x of parties) for (const y of parties) if (x !== y) coParties.get(x)?.add(y);
  };
  for (const a of instance.agreements) befriend(a.parties);
  const existing = new Map([...coParties].map(([id, set]) => [id, new Set(set)]));
  const flowsOut = new Map<string, AgreementFlow[]>();
  const flowsIn = new Map<string, AgreementFlow[]>();
  const spend = new Map<string, number>();
  const existingSpend = new Map<string, number>();
  const addFlow = (f: AgreementFlow, into: Map<string, number>) => {
    flowsOut.set(f.from, [...(flowsOut.get(f.from) ?? []), f]);
    flowsIn.set(f.to, [...(flowsIn.get(f.to) ?? []), f]);
    const credits = Number(f.capPerEpoch) * Number(f.rate);
    into.set(f.to, (into.get(f.to) ?? 0) + credits);
    into.set(f.from, (into.get(f.from) ?? 0) - credits);
  };
  for (const a of instance.agreements) for (const f of a.flows) addFlow(f, existingSpend);
  const pairTotal = new Map<string, number>();
  let surplus = 0;
  for (const [k, p] of result.proposals.entries()) {
    const name = `proposal ${k} (${p.kind} ${p.parties.join(" ")})`;
    surplus += p.surplus;
    if (p.parties.length < 2 || p.parties.length > 4 || new Set(p.parties).size !== p.parties.length)
      out.push(`${name}: ${p.parties.length} parties, or a repeated one`);
    for (const x of p.parties) {
      if (!member.has(x)) out.push(`${name}: ${x} is not a member`);
      for (const y of p.parties) {
        if (x >= y) continue;
        if (((excluded.get(x) ?? 0n) >> BigInt(industry(y))) & 1n)
          out.push(`${name}: ${x} excludes ${y}'s industry`);
        if (((excluded.get(y) ?? 0n) >> BigInt(industry(x))) & 1n)
          out.push(`${name}: ${y} excludes ${x}'s industry`);
        if (competing(industry(x), industry(y))) out.push(`${name}: ${x} and ${y} compete`);
        if (existing.get(x)?.has(y)) out.push(`${name}: ${x} and ${y} already share an agreement`);
      }
    }
    befriend(p.parties);
    for (const f of p.flows) {
      if (!p.parties.includes(f.from) || !p.parties.includes(f.to) || f.from === f.to)
        out.push(`${name}: flow ${f.from} → ${f.to} outside its parties`);
      if (f.capPerEpoch <= 0n) out.push(`${name}: flow with cap ${f.capPerEpoch}`);
      addFlow(f, spend);
      const key = [f.from, f.to].sort().join(" ");
      pairTotal.set(key, (pairTotal.get(key) ?? 0) + Number(f.capPerEpoch));
    }
  }
  for (const [key, total] of pairTotal)
    if (total < config.minAgreementSize)
      out.push(`pair ${key}: ${total} referrals < ${config.minAgreementSize}`);
  for (const m of instance.members) {
    const limit = m.maxPartners ?? config.maxPartners;
    const count = coParties.get(m.id)?.size ?? 0;
    if (count > limit) out.push(`${m.id}: ${count} co-parties > ${limit}`);
    const headroom = Math.max(
      0,
      Number(m.creditLimit + m.creditBalance) / Math.max(1, config.creditHorizonEpochs) -
        (existingSpend.get(m.id) ?? 0),
    );
    const net = spend.get(m.id) ?? 0;
    if (net > headroom + 1e-6)
      out.push(`${m.id}: spends ${net} credits per epoch > headroom ${headroom.toFixed(2)}`);
    const supply = instance.supply.filter((o) => o.member === m.id);
    const demand = instance.demand.filter((o) => o.member === m.id);
    const sent = flowsOut.get(m.id) ?? [];
    const received = flowsIn.get(m.id) ?? [];
    const unsent = unplaced(
      sent,
      supply.map((o) => o.capacity),
      (f, a) => (f.segments & ~supply[a].segments) === 0n && Number(f.rate) >= supply[a].minRate,
    );
    if (unsent > 0) out.push(`${m.id}: ${unsent} referrals sent beyond its supply offers`);
    const unreceived = unplaced(
      received,
      demand.map((o) => o.volume),
      (f, b) => (f.segments & ~demand[b].segments) === 0n && Number(f.rate) <= demand[b].maxRate,
    );
    if (unreceived > 0) out.push(`${m.id}: ${unreceived} referrals received beyond its demand offers`);
  }
  if (Math.abs(surplus - result.report.objective) > 1e-6 * Math.max(1, result.report.objective))
    out.push(`reported objective ${result.report.objective} ≠ Σ proposal surplus ${surplus}`);
  return out;
}

/**
 * Referrals of `flows` that no assignment to the offers (capacities `limits`, a flow may use
 * offer o when `fits(flow, o)`) can carry: total demand minus the max flow (Edmonds–Karp).
 * Existing flows are placed like new ones, on any offer holding their segments.
 */
function unplaced(
  flows: readonly AgreementFlow[],
  limits: readonly number[],
  fits: (flow: AgreementFlow, offer: number) => boolean,
): number {
  const F = flows.length;
  const O = limits.length;
  const N = F + O + 2;
  const source = F + O;
  const sink = source + 1;
  const cap = Array.from({ length: N }, () => new Array<number>(N).fill(0));
  let total = 0;
  flows.forEach((f, k) => {
    cap[source][k] = Number(f.capPerEpoch);
    total += cap[source][k];
    for (let o = 0; o < O; o++) if (fits(f, o)) cap[k][F + o] = Number.POSITIVE_INFINITY;
  });
  for (let o = 0; o < O; o++) cap[F + o][sink] = limits[o];
  let carried = 0;
  for (;;) {
    const prev = new Array<number>(N).fill(-1);
    prev[source] = source;
    const queue = [source];
    while (queue.length > 0 && prev[sink] < 0) {
      const u = queue.shift() as number;
      for (let v = 0; v < N; v++)
        if (prev[v] < 0 && cap[u][v] > 0) {
          prev[v] = u;
          queue.push(v);
        }
    }
    if (prev[sink] < 0) break;
    let push = Number.POSITIVE_INFINITY;
    for (let v = sink; v !== source; v = prev[v]) push = Math.min(push, cap[prev[v]][v]);
    for (let v = sink; v !== source; v = prev[v]) {
      cap[prev[v]][v] -= push;
      cap[v][prev[v]] += push;
    }
    carried += push;
  }
  return total - carried;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
