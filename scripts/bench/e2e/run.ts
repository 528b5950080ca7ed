/**
 * The end-to-end benchmark as a function (`npm run bench:e2e` and its small-scale test both run
 * it): a real Hardhat node, FlowPact deployed, members admitted, Active agreements with short
 * epochs; the member nodes (multi-tenant, durable receipts in PGlite on disk); visitors over real
 * HTTP on loopback (click at the referrer's tracking link → arrival at the recipient's node);
 * every epoch closed by the nodes (co-signed batches committed on chain); then the chain is read
 * back and compared with what the nodes acknowledged.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { type Address, createPublicClient, custom, type PublicClient } from "viem";
import { type MemberNodes, startMemberNodes } from "../../../src/member/node";
import { createOutboundClient } from "../../../src/net";
import { createStore, type Store } from "../../../src/store/store";
import { type LocalNode, startHardhatNode } from "../../../test/service/helpers/hardhatNode";
import { readSettledOnChain, type SettledOnChain } from "./chain-count";
import { setUpConsortium } from "./consortium";
import { type LoadCounters, type LoadResult, runLoad } from "./load-generator";
import { childrenCpuSeconds } from "./process-cpu";
import { createSettlementTally, type SettlementTally } from "./settlement-tally";

export interface E2eOptions {
  referrals: number;
  /** Active agreements (≥ 2): one 3-party cycle, the rest two-way pairs. */
  agreements: number;
  /** Members admitted (default: enough for the agreements, at most 19). */
  members?: number;
  epochSeconds: bigint;
  /**
   * At least this many epochs: the referrals are sent in this many phases and, between two, the
   * shared clock moves to the next epoch's start if the current epoch has not ended yet.
   */
  epochs: number;
  /** Lifetime of a tracking token: an epoch closes this long after its end. */
  tokenTtl: bigint;
  /** Referrals in flight at once. */
  concurrency: number;
  connectionsPerNode: number;
  pipelining: number;
  /** Milliseconds between two passes of the nodes' settlement loop (epoch close, claims). */
  settleEveryMs: number;
  /** Milliseconds between two progress lines. */
  progressEveryMs: number;
  log: (line: string) => void;
}

export interface E2eResult {
  referrals: number;
  agreements: number;
  flows: number;
  members: number;
  /** Referrals whose click and arrival the nodes both acknowledged. */
  acked: number;
  /** Sum of the committed batch counts, read from the chain. */
  settled: bigint;
  lost: bigint;
  load: LoadResult;
  chain: SettledOnChain;
  tally: SettlementTally;
  /** Acked per batch vs committed on chain, where they differ. */
  mismatches: Array<{ batch: string; acked: number; onChain: bigint }>;
  /** Batches still open after the final drain. */
  unsettled: string[];
  /** Clock time skipped: to the next epoch between phases, and to the last epoch's close. */
  fastForwardSeconds: number;
  wallSeconds: number;
  setupSeconds: number;
  loadSeconds: number;
  settleSeconds: number;
  /** JSON-RPC calls the member nodes made, by method. */
  rpcCalls: Record<string, number>;
  /** The nodes' group-commit journal: receipts, transactions, largest transaction. */
  journal: { commits: number; records: number; largestCommit: number };
  /** This process (member nodes, load generator thread, settlement loop). */
  cpuSeconds: number;
  hardhatCpuSeconds?: number;
  /** 1-minute load average at the start, sampled during the traffic (mean), at the end. */
  loadAverage: { start: number; duringTraffic: number; end: number };
}

const seconds = (from: number) => (performance.now() - from) / 1000;
const int = (n: number | bigint) => n.toLocaleString("en-US");

/** Enough members for `agreements` (pairs walk round them), at most the 19 funded dev accounts. */
export function defaultMembers(agreements: number): number {
  return Math.min(19, Math.max(6, agreements + 2));
}

export async function runE2eBench(options: E2eOptions): Promise<E2eResult> {
  const { log } = options;
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const loadAtStart = loadavg()[0];
  const loadSamples: number[] = [];
  const members = options.members ?? defaultMembers(options.agreements);
  let node: LocalNode | undefined;
  let store: Store | undefined;
  let running: MemberNodes | undefined;
  const dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-bench-e2e-"));
  try {
    node = await startHardhatNode();
    const consortium = await setUpConsortium(node, {
      agreements: options.agreements,
      members,
      epochLength: options.epochSeconds,
      log,
    });
    const { governor, clock, agreements } = consortium;
    const { deployment } = governor;
    const publicClient = governor.publicClient as PublicClient;
    // The nodes' reads go through a counter: how much they ask of the chain is part of the cost.
    const rpcCalls: Record<string, number> = {};
    const nodesClient = createPublicClient({
      chain: governor.chain,
      transport: custom({
        request: ({ method, params }) => {
          rpcCalls[method] = (rpcCalls[method] ?? 0) + 1;
          return publicClient.request({ method, params } as never);
        },
      }),
      pollingInterval: 50,
    }) as PublicClient;
    store = await createStore({ dataDir });
    const settlement = createSettlementTally();
    const nodes: MemberNodes = await startMemberNodes(
      {
        chainId: deployment.chainId,
        contracts: deployment.contracts,
        publicClient: nodesClient,
        store,
        logStream: false,
        tokenTtl: options.tokenTtl,
        // No claim in this run: a batch the recipient will not co-sign stays unsettled and shows.
        claimAfter: 10n ** 9n,
        // Every visitor comes from 127.0.0.1: the limiter stays in the path but never trips.
        rateLimit: Number.MAX_SAFE_INTEGER,
        now: clock.now,
        peerUrl: (member) => nodeUrl.get(member.toLowerCase()),
        // The nodes listen on 127.0.0.1: loopback is allowed explicitly.
        outbound: createOutboundClient({ allowPrivateNetworks: true }),
        // The nodes' own settlement loop closes the epochs; a block is mined before each pass so
        // commits are simulated at the chain's now (the traffic itself sends no transaction).
        settleEveryMs: options.settleEveryMs,
        beforeSettlePass: () => clock.mine(),
        onSettlePass: settlement.onPass,
        fromBlock: BigInt(deployment.startBlock),
      },
      consortium.members.map((m) => ({
        member: m.address,
        account: m.account,
        landingUrl: (to: Address) => `https://${to.slice(2, 10).toLowerCase()}.example/welcome`,
        walletClient: m.client.walletClient,
      })),
    );
    running = nodes;
    const nodeUrl = new Map(nodes.nodes.map((n) => [n.member.toLowerCase(), n.url]));
    const flows = agreements.flatMap((a) =>
      a.flows.map((f, i) => ({
        agreementId: a.id.toString(),
        flow: i,
        referrerUrl: nodeUrl.get(f.from.toLowerCase()) as string,
        recipientUrl: nodeUrl.get(f.to.toLowerCase()) as string,
      })),
    );
    log(`e2e: ${nodes.nodes.length} member nodes (multi-tenant, durable receipts in ${dataDir})`);
    const setupSeconds = seconds(started);

    const loop = nodes.settlement;
    if (!loop) throw new Error("the member nodes run no settlement loop");
    const epochsClosed = () =>
      [...settlement.tally.committedByEpoch.values()].filter((n) => n === flows.length).length;
    const loadStarted = performance.now();
    let last = { at: loadStarted, acked: 0 };
    let latest: LoadCounters = { clicks: 0, arrivals: 0, acked: 0, failures: {}, busy: 0 };
    let elu = performance.eventLoopUtilization();
    const progress = setInterval(() => {
      const at = performance.now();
      const eluNow = performance.eventLoopUtilization();
      const busy = performance.eventLoopUtilization(eluNow, elu).utilization;
      elu = eluNow;
      loadSamples.push(loadavg()[0]);
      const rate = (latest.acked - last.acked) / ((at - last.at) / 1000);
      const failures = Object.values(latest.failures).reduce((a, b) => a + b, 0);
      log(
        `e2e: ${int(latest.acked)} / ${int(options.referrals)} referrals acked, ${int(Math.round(rate))}/s now (${int(Math.round(2 * rate))} req/s), ${int(Math.round(latest.acked / seconds(loadStarted)))}/s overall; epochs closed ${epochsClosed()}, batches committed ${settlement.tally.committed}; failures ${failures}; event loops busy: nodes ${Math.round(busy * 100)}%, visitors ${Math.round(latest.busy * 100)}%; load ${loadavg()[0].toFixed(2)}`,
      );
      last = { at, acked: latest.acked };
    }, options.progressEveryMs);
    const { start, epochLength } = consortium;
    const epochNow = () => (clock.now() - start) / epochLength;
    let fastForward = 0n;
    const skipTo = async (at: bigint) => {
      const delta = at - clock.now();
      if (delta <= 0n) return;
      await clock.advance(delta);
      fastForward += delta;
    };
    let load: LoadResult;
    try {
      load = await runLoad(
        {
          flows,
          referrals: options.referrals,
          concurrency: options.concurrency,
          connectionsPerNode: options.connectionsPerNode,
          pipelining: options.pipelining,
          phases: options.epochs,
        },
        (counters) => {
          latest = counters;
        },
        async (phase) => {
          const next = epochNow() + 1n;
          await skipTo(start + next * epochLength);
          log(`e2e: phase ${phase + 1} of ${options.epochs} sent; traffic goes on in epoch ${epochNow()}`);
        },
      );
    } finally {
      clearInterval(progress);
    }
    const loadSeconds = seconds(loadStarted);
    log(
      `e2e: load done: ${int(load.acked)} referrals acked in ${loadSeconds.toFixed(1)} s (${int(Math.round(load.acked / loadSeconds))}/s)`,
    );

    // Nothing is sent any more: instead of idling until the last epoch ends and its tokens
    // expire, move the shared clock (chain and nodes) there.
    const settleStarted = performance.now();
    await skipTo(start + (epochNow() + 1n) * epochLength + options.tokenTtl + 1n);
    const open = await settlement.drain(loop);
    const settleSeconds = seconds(settleStarted);
    log(
      `e2e: every epoch closed: ${settlement.tally.committed} batches committed, ${settlement.tally.refused} refusals, ${settlement.tally.failed} failures (clock moved ${fastForward} s forward in all)`,
    );

    const chain = await readSettledOnChain(
      publicClient,
      deployment.contracts.Settlement,
      BigInt(deployment.startBlock),
    );
    const mismatches: E2eResult["mismatches"] = [];
    for (const key of new Set([...Object.keys(load.ackedByBatch), ...chain.byBatch.keys()])) {
      const acked = load.ackedByBatch[key] ?? 0;
      const onChain = chain.byBatch.get(key) ?? 0n;
      if (BigInt(acked) !== onChain) mismatches.push({ batch: key, acked, onChain });
    }
    const cpu = process.cpuUsage(cpuAtStart);
    return {
      referrals: options.referrals,
      agreements: agreements.length,
      flows: flows.length,
      members,
      acked: load.acked,
      settled: chain.settled,
      lost: BigInt(load.acked) - chain.settled,
      load,
      chain,
      tally: settlement.tally,
      mismatches,
      unsettled: open.map((o) => `${o.batch.agreementId}:${o.batch.flow}:${o.batch.epoch} (${o.type})`),
      fastForwardSeconds: Number(fastForward),
      wallSeconds: seconds(started),
      setupSeconds,
      loadSeconds,
      settleSeconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      hardhatCpuSeconds: childrenCpuSeconds(),
      loadAverage: {
        start: loadAtStart,
        duringTraffic: loadSamples.reduce((a, b) => a + b, 0) / Math.max(1, loadSamples.length),
        end: loadavg()[0],
      },
      journal: { ...nodes.journal.stats },
      rpcCalls,
    };
  } finally {
    await running?.close().catch(() => {});
    await store?.close().catch(() => {});
    await node?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
