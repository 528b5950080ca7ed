import { Counter, Gauge, type Registry } from "prom-client";

/**
 * The indexer's Prometheus metrics, registered in the caller's registry (the daemon serves its
 * own at `/metrics`): how often the chain's RPC failed and was retried, and whether it fails now.
 */
export function createIndexerMetrics(registry: Registry) {
  return {
    rpcRetries: new Counter({
      name: "flowpact_indexer_rpc_retries_total",
      help: "Chain RPC calls of the indexer that failed (network, HTTP 5xx/429, timeout, JSON-RPC internal error) and were retried",
      labelNames: ["method"] as const,
      registers: [registry],
    }),
    rpcFailing: new Gauge({
      name: "flowpact_indexer_rpc_failing",
      help: "1 while the chain RPC fails and the indexer waits for it (nothing is rolled back meanwhile), else 0",
      registers: [registry],
    }),
  };
}
export type IndexerMetrics = ReturnType<typeof createIndexerMetrics>;
