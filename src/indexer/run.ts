import { createFlowPactClients } from "../chain/clients";
import { readDeployment } from "../chain/deployments";
import type { FlowPactConfig } from "../config";
import type { QuarantinedEvent } from "../store/queries/quarantine";
import { createStore } from "../store/store";
import { createIndexer, type IndexerStatus } from "./indexer";
import { createProgressReporter, type ProgressReporter, silentProgress } from "./progress";
import type { RealtimeEvent } from "./sync/types";

export interface RunIndexerOptions {
  config: FlowPactConfig;
  /** Index up to head − confirmations and return (`flowpact index --once`). */
  once?: boolean;
  /** Stops following the chain (SIGINT in the CLI). */
  signal?: AbortSignal;
  /** `"auto"` (default): a bar on a terminal, count lines otherwise; `"silent"`; or your own. */
  progress?: "auto" | "silent" | ProgressReporter;
  onRealtimeEvent?: (event: RealtimeEvent) => void;
  /** Where the RPC outage lines go (default: stderr). */
  log?: (line: string) => void;
  /** Each event set aside in `quarantined_events`; default: one line on stderr. */
  onQuarantine?: (event: QuarantinedEvent) => void;
}

/** One line saying which event was set aside and why (the error is the store's or a handler's). */
export function describeQuarantine(event: QuarantinedEvent): string {
  const what = event.name ? `${event.contract}.${event.name}` : "an undecodable log";
  return `quarantined ${what} at block ${event.blockNumber} log ${event.logIndex} (tx ${event.txHash}): ${event.error}; indexing goes on`;
}

/**
 * Opens the configured store, chain and deployment, and indexes FlowPact events into the store.
 *
 * @example
 * const { indexedBlock, eventCount } = await runIndexer({ config: loadConfig(), once: true });
 */
export async function runIndexer(options: RunIndexerOptions): Promise<IndexerStatus> {
  const { config } = options;
  const { publicClient, chain } = await createFlowPactClients(config);
  const deployment = readDeployment(config.deploymentsDir, chain.id);
  const store = await createStore(
    config.databaseUrl ? { databaseUrl: config.databaseUrl } : { dataDir: config.dataDir },
  );
  try {
    const progress =
      options.progress === "silent"
        ? silentProgress
        : options.progress === undefined || options.progress === "auto"
          ? createProgressReporter()
          : options.progress;
    const indexer = createIndexer({
      store,
      publicClient,
      deployment,
      settings: config.indexer,
      progress,
      onRealtimeEvent: options.onRealtimeEvent,
      log: options.log ?? ((line) => process.stderr.write(`${line}\n`)),
      onQuarantine:
        options.onQuarantine ?? ((event) => process.stderr.write(`${describeQuarantine(event)}\n`)),
    });
    return await indexer.run({ once: options.once, signal: options.signal });
  } finally {
    await store.close();
  }
}
