import type { Log } from "viem";
import type { FlowPactPublicClient } from "../chain/clients";
import type { Deployment } from "../chain/deployments";
import type { FlowPactConfig } from "../config";
import { type ChangeSet, createChangeSet } from "../store/changeSet";
import { isTransientStoreError, type Queryable } from "../store/driver";
import {
  countEvents,
  getIndexerProgress,
  getRecentBlocks,
  type IndexerProgress,
  saveBlock,
  saveIndexerProgress,
} from "../store/queries/progress";
import { type QuarantinedEvent, quarantineEvent } from "../store/queries/quarantine";
import { pruneFinalized, rollbackToBlock } from "../store/rollback";
import type { Store } from "../store/store";
import { loadTableKeys, type TableKeys } from "../store/tables";
import { createEventDecoder } from "./events";
import { HANDLERS } from "./handlers";
import type { IndexerMetrics } from "./metrics";
import { type ProgressReporter, silentProgress } from "./progress";
import { fetchBlockLogs, fetchHeader, fetchLogs } from "./sync/chain";
import { createRpcRetry, type RpcRetry } from "./sync/rpc";
import { type BlockHeader, type RealtimeEvent, ReorgTooDeepError } from "./sync/types";

export interface IndexerOptions {
  store: Store;
  publicClient: FlowPactPublicClient;
  deployment: Deployment;
  settings: FlowPactConfig["indexer"];
  progress?: ProgressReporter;
  /** Called after each realtime event is applied (block, reorg, finalize). */
  onRealtimeEvent?: (event: RealtimeEvent) => void;
  /** RPC retry counters (`createIndexerMetrics` in the caller's registry). */
  metrics?: IndexerMetrics;
  /** One line when the chain's RPC starts failing, one when it answers again. */
  log?: (line: string) => void;
  /**
   * Called for each event set aside in `quarantined_events` (its handler threw, or the store
   * refused its row), once its block is committed: log it, count it.
   */
  onQuarantine?: (event: QuarantinedEvent) => void;
}

/** With `once`, a call failing this often gives up (`ChainRpcFailingError`, about 30 s of retries). */
const ONCE_MAX_ATTEMPTS = 9;

export interface IndexerStatus {
  head: bigint;
  /** Highest block the indexer may index now: head minus confirmations. */
  target: bigint;
  indexedBlock: bigint;
  eventCount: bigint;
  /** Events quarantined during this call (see `IndexerOptions.onQuarantine`). */
  quarantined: number;
}

/** The store was filled from another chain or deployment than the one configured. */
export class IndexerChainMismatchError extends Error {
  override name = "IndexerChainMismatchError";
  constructor(stored: bigint, configured: number) {
    super(
      `the store holds chain ${stored} but the deployment is for chain ${configured}: use another data directory (FLOWPACT_DATA_DIR) or database`,
    );
  }
}

/**
 * The indexer: backfills finalized history in bulk block ranges (one transaction per range,
 * no undo data needed), then follows younger blocks one by one (one transaction per block,
 * with undo images), checking each block's parent hash so a reorg is rolled back to the fork
 * point exactly. Progress is stored in the same transactions, so a restart resumes where the
 * last committed write left off and no event is ever applied twice. A failing RPC (network,
 * HTTP 5xx, timeout, JSON-RPC internal error) is retried with backoff and never read as a missing
 * block, so an outage rolls nothing back; only the node's answers decide a reorg.
 *
 *
 * One bad event never stalls it: when a range's transaction fails for a reason that is the data's
 * (a handler threw, the store refused a row) rather than the database's, the range is written
 * again event by event, each under a savepoint, and an event that fails on its own is stored in
 * `quarantined_events` with its error instead of being applied; indexing goes on past it.
 */
export function createIndexer(options: IndexerOptions) {
  const { store, publicClient, deployment, settings } = options;
  const decoder = createEventDecoder(deployment);
  const progressReporter = options.progress ?? silentProgress;
  const emit = options.onRealtimeEvent ?? (() => {});
  const onQuarantine = options.onQuarantine ?? (() => {});
  let keys: TableKeys | undefined;
  let quarantinedThisCall = 0;

  async function loadProgress(): Promise<IndexerProgress> {
    const stored = await getIndexerProgress(store.driver);
    if (stored) {
      if (stored.chainId !== BigInt(deployment.chainId))
        throw new IndexerChainMismatchError(stored.chainId, deployment.chainId);
      return stored;
    }
    const initial: IndexerProgress = {
      chainId: BigInt(deployment.chainId),
      startBlock: BigInt(deployment.startBlock),
      indexedBlock: BigInt(deployment.startBlock) - 1n,
      indexedHash: null,
      eventCount: 0n,
    };
    await saveIndexerProgress(store.driver, initial);
    return initial;
  }

  /** Archives and applies one log; false when it is not a FlowPact event. */
  async function applyLog(changes: ChangeSet, log: Log): Promise<boolean> {
    const event = decoder.decode(log);
    if (!event) return false;
    changes.archive({
      blockNumber: event.blockNumber,
      logIndex: event.logIndex,
      blockHash: event.blockHash,
      txHash: event.txHash,
      contract: event.contract,
      name: event.name,
      args: event.args,
    });
    await HANDLERS[event.contract][event.name]?.(event, changes);
    return true;
  }

  /** Writes the changes of blocks ..`header` in one transaction, with undo data if `undo`. */
  async function commit(
    progress: IndexerProgress,
    header: BlockHeader,
    logs: Log[],
    undo: boolean,
  ): Promise<IndexerProgress> {
    keys ??= await loadTableKeys(store.driver);
    const tableKeys = keys;
    const undoBlock = undo ? header.number : undefined;
    const finish = async (tx: Queryable, applied: number): Promise<IndexerProgress> => {
      await saveBlock(tx, header);
      const next: IndexerProgress = {
        ...progress,
        indexedBlock: header.number,
        indexedHash: header.hash,
        eventCount: progress.eventCount + BigInt(applied),
      };
      await saveIndexerProgress(tx, next);
      return next;
    };
    try {
      return await store.driver.transaction(async (tx) => {
        const changes = createChangeSet(tx, tableKeys);
        let applied = 0;
        for (const log of logs) if (await applyLog(changes, log)) applied++;
        await changes.flush(tx, { undoBlock });
        return finish(tx, applied);
      });
    } catch (error) {
      if (isTransientStoreError(error)) throw error;
    }
    // Some event of the range is bad: write them one at a time and set the failing ones aside.
    const quarantined: QuarantinedEvent[] = [];
    const next = await store.driver.transaction(async (tx) => {
      let applied = 0;
      for (const log of logs) {
        await tx.query("SAVEPOINT flowpact_event");
        try {
          const changes = createChangeSet(tx, tableKeys);
          if (await applyLog(changes, log)) applied++;
          await changes.flush(tx, { undoBlock });
          await tx.query("RELEASE SAVEPOINT flowpact_event");
        } catch (error) {
          if (isTransientStoreError(error)) throw error;
          await tx.query("ROLLBACK TO SAVEPOINT flowpact_event");
          const entry = quarantineEntry(log, error);
          await quarantineEvent(tx, entry);
          quarantined.push(entry);
        }
      }
      return finish(tx, applied);
    });
    quarantinedThisCall += quarantined.length;
    for (const entry of quarantined) onQuarantine(entry);
    return next;
  }

  /** What is kept of a log that could not be applied. */
  function quarantineEntry(log: Log, error: unknown): QuarantinedEvent {
    let event: ReturnType<typeof decoder.decode>;
    try {
      event = decoder.decode(log);
    } catch {
      event = undefined;
    }
    return {
      blockNumber: log.blockNumber!,
      logIndex: log.logIndex!,
      blockHash: log.blockHash!,
      txHash: log.transactionHash!,
      contract: event?.contract ?? null,
      name: event?.name ?? null,
      args: event?.args ?? null,
      raw: { address: log.address, topics: log.topics, data: log.data },
      error: error instanceof Error ? error.message : String(error),
    };
  }

  /** Finds the newest stored block still on the chain and undoes everything after it. */
  async function handleReorg(progress: IndexerProgress, retry: RpcRetry): Promise<IndexerProgress> {
    const stored = await getRecentBlocks(store.driver, settings.finalityDepth + 2);
    for (const block of stored) {
      const onChain = await retry("eth_getBlockByNumber", () => fetchHeader(publicClient, block.number));
      if (onChain?.hash !== block.hash) continue;
      const next = await store.driver.transaction(async (tx) => {
        await rollbackToBlock(tx, block.number);
        const rolledBack: IndexerProgress = {
          ...progress,
          indexedBlock: block.number,
          indexedHash: block.hash,
          eventCount: await countEvents(tx),
        };
        await saveIndexerProgress(tx, rolledBack);
        return rolledBack;
      });
      emit({ type: "reorg", forkBlock: block.number, replacedTip: progress.indexedBlock });
      return next;
    }
    throw new ReorgTooDeepError(stored.at(-1)?.number ?? progress.indexedBlock);
  }

  /**
   * Indexes what is available now; returns where it got. Call repeatedly to follow the chain.
   * While the RPC fails it waits and retries (until `signal` aborts, or `maxAttempts` per call).
   */
  async function tick({
    signal,
    maxAttempts,
  }: {
    signal?: AbortSignal;
    maxAttempts?: number;
  } = {}): Promise<IndexerStatus> {
    const retry = createRpcRetry({ signal, maxAttempts, metrics: options.metrics, log: options.log });
    quarantinedThisCall = 0;
    let progress = await loadProgress();
    const head = await retry("eth_blockNumber", () => publicClient.getBlockNumber({ cacheTime: 0 }));

    // The block we stopped at may have been replaced while we were away.
    if (progress.indexedHash !== null) {
      const indexed = progress.indexedBlock;
      const tip = await retry("eth_getBlockByNumber", () => fetchHeader(publicClient, indexed));
      if (tip?.hash !== progress.indexedHash) progress = await handleReorg(progress, retry);
    }

    const target = head - BigInt(settings.confirmations);
    const finalized = head - BigInt(settings.finalityDepth);
    const backfillEnd = target < finalized ? target : finalized;

    // Backfill: final blocks in ranges, the next range fetched while this one is written.
    if (progress.indexedBlock < backfillEnd) {
      progressReporter.start(progress.indexedBlock + 1n, backfillEnd);
      const range = BigInt(settings.logRange);
      const fetchRange = (from: bigint) => {
        const to = from + range - 1n < backfillEnd ? from + range - 1n : backfillEnd;
        const fetched = Promise.all([
          retry("eth_getLogs", () => fetchLogs(publicClient, decoder.addresses, from, to)),
          retry("eth_getBlockByNumber", () => fetchHeader(publicClient, to)),
        ]);
        // Awaited below; a range prefetched when a write fails must not be an unhandled rejection.
        fetched.catch(() => {});
        return fetched;
      };
      let pending = fetchRange(progress.indexedBlock + 1n);
      while (progress.indexedBlock < backfillEnd) {
        const [logs, header] = await pending;
        if (!header) throw new Error("the chain got shorter during backfill; retry");
        if (header.number < backfillEnd) pending = fetchRange(header.number + 1n);
        logs.sort((a, b) => Number(a.blockNumber! - b.blockNumber!) || a.logIndex! - b.logIndex!);
        const before = progress.eventCount;
        progress = await commit(progress, header, logs, false);
        progressReporter.update(progress.indexedBlock, Number(progress.eventCount - before));
      }
      progressReporter.finish();
    }

    // Realtime: young blocks one at a time, each checked against its parent.
    while (progress.indexedBlock < target) {
      const next = progress.indexedBlock + 1n;
      const header = await retry("eth_getBlockByNumber", () => fetchHeader(publicClient, next));
      if (!header) break;
      if (progress.indexedHash !== null && header.parentHash !== progress.indexedHash) {
        progress = await handleReorg(progress, retry);
        continue;
      }
      const logs = await retry("eth_getLogs", () =>
        fetchBlockLogs(publicClient, decoder.addresses, header.hash),
      );
      progress = await commit(progress, header, logs, true);
      emit({ type: "block", block: header, logs });
    }

    // Finalize: forget undo data nobody can need any more.
    const prunable = finalized < progress.indexedBlock ? finalized : progress.indexedBlock;
    if (prunable >= BigInt(deployment.startBlock)) {
      await store.driver.transaction((tx) => pruneFinalized(tx, prunable));
      emit({ type: "finalize", block: prunable });
    }
    return {
      head,
      target,
      indexedBlock: progress.indexedBlock,
      eventCount: progress.eventCount,
      quarantined: quarantinedThisCall,
    };
  }

  /**
   * Runs ticks: with `once`, until the store has caught up with head − confirmations (an RPC
   * failing for about 30 s throws `ChainRpcFailingError`); otherwise every `pollIntervalMs` until
   * `signal` aborts, waiting out RPC outages however long they last.
   */
  async function run({
    once = false,
    signal,
  }: {
    once?: boolean;
    signal?: AbortSignal;
  } = {}): Promise<IndexerStatus> {
    let last: IndexerStatus | undefined;
    let quarantined = 0;
    for (;;) {
      let status: IndexerStatus;
      try {
        const tickStatus = await tick({ signal, maxAttempts: once ? ONCE_MAX_ATTEMPTS : undefined });
        quarantined += tickStatus.quarantined;
        status = { ...tickStatus, quarantined };
      } catch (error) {
        // Stopped while waiting for a failing RPC: report where the store is.
        if (signal?.aborted && last) return { ...last, ...(await storedProgress()) };
        throw error;
      }
      last = status;
      if (once && status.indexedBlock >= status.target) return status;
      if (signal?.aborted) return status;
      if (!once) await sleep(settings.pollIntervalMs, signal);
    }
  }

  async function storedProgress() {
    const progress = await loadProgress();
    return { indexedBlock: progress.indexedBlock, eventCount: progress.eventCount };
  }

  return { tick, run };
}

export type Indexer = ReturnType<typeof createIndexer>;

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}
