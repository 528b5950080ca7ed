import pino, { type Logger } from "pino";
import type { Address } from "viem";
import { connectFlowPact, type FlowPactClient } from "../chain/clients";
import { loadAccount } from "../chain/keys";
import { readFlowPact } from "../chain/write";
import type { FlowPactConfig } from "../config";
import { createIndexer, silentProgress } from "../indexer";
import { loadMatchingSolver } from "../matching/highs";
import { solveMatching } from "../matching/solve";
import { DEFAULT_MATCHING_CONFIG, type MatchingConfig, type SolutionReport } from "../matching/types";
import { createStore, type Store } from "../store/store";
import { followProposals } from "./acceptances";
import { DaemonNotMatcherError } from "./errors";
import { expireStaleProposals } from "./expiry";
import { buildInstance, type ConversionSource, loadOpenAgreements } from "./instance";
import { createDaemonMetrics, type DaemonMetrics, serveMetrics } from "./metrics";
import { DEFAULT_PROPOSAL_SCHEDULE, type ProposalSchedule, proposeOne } from "./propose";
import { reconcileIntents } from "./reconcile";
import { type AgreementEpochReport, finaliseUndisputedClaims, reportEpochs } from "./settlement";

export interface RunDaemonOptions {
  config: FlowPactConfig;
  /** Run one tick and return (`flowpact daemon --once`, cron, tests). */
  once?: boolean;
  /** Stops the loop after the current tick (SIGINT/SIGTERM in the CLI). */
  signal?: AbortSignal;
  /** Milliseconds between ticks when following (default 15 s). */
  intervalMs?: number;
  /** Port of the Prometheus `/metrics` endpoint on 127.0.0.1 (0 = any free port); false = none. */
  metricsPort?: number | false;
  logger?: Logger;
  matching?: Partial<MatchingConfig>;
  schedule?: Partial<ProposalSchedule>;
  /** Recipients' conversion reports, when available (the chain holds only settled referrals). */
  conversions?: ConversionSource;
}

export interface TickSummary {
  readonly indexedBlock: bigint;
  readonly reconciled: { confirmed: number; failed: number };
  readonly activated: number;
  readonly expired: number;
  readonly finalised: number;
  readonly solve: SolutionReport | undefined;
  readonly proposed: bigint[];
  readonly skippedEquivalent: number;
  readonly refused: number;
  readonly epochs: AgreementEpochReport[];
}

interface DaemonContext {
  store: Store;
  client: FlowPactClient;
  config: FlowPactConfig;
  log: Logger;
  metrics: DaemonMetrics;
  highs: Awaited<ReturnType<typeof loadMatchingSolver>>;
  matching: MatchingConfig;
  schedule: ProposalSchedule;
  conversions?: ConversionSource;
}

async function chainNow(client: FlowPactClient): Promise<bigint> {
  return (await client.publicClient.getBlock({ blockTag: "latest" })).timestamp;
}

/**
 * One tick: finish whatever a previous run left in flight, index, follow acceptances, expire
 * stale proposals, drive settlement, then match and propose. Reconciliation comes first so a
 * restarted daemon never decides anything before it knows what it already sent.
 */
export async function runTick(ctx: DaemonContext): Promise<TickSummary> {
  const { store, client, log, metrics } = ctx;
  const db = store.driver;
  const reconciled = await reconcileIntents(db, client, log);
  const indexer = createIndexer({
    store,
    publicClient: client.publicClient,
    deployment: client.deployment,
    settings: ctx.config.indexer,
    progress: silentProgress,
    metrics: metrics.indexer,
    log: (line) => log.warn(line),
    onQuarantine: (event) => {
      metrics.quarantinedEvents.inc();
      log.warn(
        {
          block: event.blockNumber.toString(),
          logIndex: event.logIndex,
          tx: event.txHash,
          event: event.name ? `${event.contract}.${event.name}` : "undecodable log",
          error: event.error,
        },
        "event quarantined: the indexer could not apply it and went on",
      );
    },
  });
  const status = await indexer.run({ once: true });
  const now = await chainNow(client);

  const { activated } = await followProposals(db, log);
  metrics.acceptances.inc(activated);
  const expired = await expireStaleProposals(db, client, now, log);
  metrics.expirations.inc(expired);
  const finalised = await finaliseUndisputedClaims(db, client, now, log);
  metrics.settlementsFinalised.inc(finalised);
  const epochs = await reportEpochs(db, now);
  for (const state of ["settled", "pending", "disputed", "missing"] as const)
    metrics.epochs.set(
      { state },
      epochs.reduce((n, r) => n + r.counts[state], 0),
    );
  for (const r of epochs)
    if (r.open.length > 0)
      log.info(
        {
          agreementId: r.agreementId.toString(),
          endedEpochs: r.endedEpochs,
          ...r.counts,
          open: r.open.slice(0, 20),
        },
        "agreement epochs not settled yet",
      );

  const open = await loadOpenAgreements(db, now);
  const { instance, settledReferrals } = await buildInstance(db, now, open, ctx.conversions);
  const { proposals, report } = solveMatching(ctx.highs, instance, ctx.matching);
  metrics.solveSeconds.observe(report.solveSeconds);
  metrics.solveGap.set(report.gap);
  log.info(
    {
      members: instance.members.length,
      supply: instance.supply.length,
      demand: instance.demand.length,
      openAgreements: instance.agreements.length,
      history: instance.history.length,
      settledReferrals,
      method: report.method,
      status: report.status,
      objective: report.objective,
      bound: report.bound,
      gap: report.gap,
      greedy: report.greedyObjective,
      solveSeconds: report.solveSeconds,
      proposals: proposals.length,
    },
    "matching solved",
  );

  const proposed: bigint[] = [];
  let skippedEquivalent = 0;
  let refused = 0;
  for (const proposal of proposals) {
    const outcome = await proposeOne(db, client, proposal, open.keys, now, ctx.schedule, log);
    if (outcome.type === "proposed") {
      proposed.push(outcome.agreementId);
      metrics.proposals.inc();
    } else if (outcome.type === "equivalent") {
      skippedEquivalent++;
      metrics.skippedEquivalent.inc();
      log.info({ parties: proposal.parties }, "not proposed: an equivalent agreement is pending or active");
    } else refused++;
  }
  metrics.ticks.inc();
  return {
    indexedBlock: status.indexedBlock,
    reconciled,
    activated,
    expired,
    finalised,
    solve: report,
    proposed,
    skippedEquivalent,
    refused,
    epochs,
  };
}

/**
 * The matching daemon: index → build instance → solve → propose as MATCHER → follow acceptances
 * → expire stale proposals → drive settlement, every `intervalMs`, or once with `once`. Safe to
 * SIGKILL at any point: its write-ahead intent journal (store table `daemon_intents`) is
 * reconciled against the chain before each tick, so a restart sends no duplicate transaction.
 *
 * @example
 * const last = await runDaemon({ config: loadConfig(), once: true });
 */
export async function runDaemon(options: RunDaemonOptions): Promise<TickSummary | undefined> {
  const { config } = options;
  const log = options.logger ?? pino({ name: "flowpact-daemon" }, pino.destination({ fd: 1, sync: true }));
  const account = await loadAccount(config);
  const client = await connectFlowPact(config, { account, pollingInterval: 200 });
  const matcherRole = await readFlowPact<`0x${string}`>(client, {
    contract: "Consortium",
    functionName: "MATCHER_ROLE",
  });
  const isMatcher = await readFlowPact<boolean>(client, {
    contract: "Consortium",
    functionName: "hasRole",
    args: [matcherRole, account.address as Address],
  });
  if (!isMatcher) throw new DaemonNotMatcherError(account.address);

  const store = await createStore(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  const metrics = createDaemonMetrics();
  const metricsPort = options.metricsPort ?? (options.once ? false : 9464);
  const server = metricsPort === false ? undefined : await serveMetrics(metrics, metricsPort);
  if (server) log.info({ port: server.port }, "metrics on http://127.0.0.1:%d/metrics", server.port);
  const ctx: DaemonContext = {
    store,
    client,
    config,
    log,
    metrics,
    highs: await loadMatchingSolver(),
    matching: { ...DEFAULT_MATCHING_CONFIG, ...options.matching },
    schedule: { ...DEFAULT_PROPOSAL_SCHEDULE, ...options.schedule },
    conversions: options.conversions,
  };
  log.info(
    { matcher: account.address, chainId: client.chain.id, once: options.once === true },
    "daemon started",
  );
  let last: TickSummary | undefined;
  try {
    for (;;) {
      try {
        last = await runTick(ctx);
        log.info(
          {
            indexedBlock: last.indexedBlock.toString(),
            proposed: last.proposed.map(String),
            skippedEquivalent: last.skippedEquivalent,
            activated: last.activated,
            expired: last.expired,
            finalised: last.finalised,
          },
          "tick done",
        );
      } catch (error) {
        metrics.tickErrors.inc();
        if (options.once) throw error;
        log.error({ err: error }, "tick failed; retrying next tick");
      }
      if (options.once || options.signal?.aborted) break;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, options.intervalMs ?? 15_000);
        options.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        });
      });
      if (options.signal?.aborted) break;
    }
  } finally {
    await server?.close();
    await store.close();
    log.info("daemon stopped");
  }
  return last;
}
