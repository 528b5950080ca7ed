import Fastify, { type FastifyInstance } from "fastify";
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import { createIndexerMetrics } from "../indexer/metrics";

/** The daemon's Prometheus metrics, in a registry of their own (no global state). */
export function createDaemonMetrics() {
  const registry = new Registry();
  const metrics = {
    registry,
    /** The indexer the daemon runs each tick: RPC retries, outage flag. */
    indexer: createIndexerMetrics(registry),
    ticks: new Counter({
      name: "flowpact_daemon_ticks_total",
      help: "Daemon ticks run",
      registers: [registry],
    }),
    tickErrors: new Counter({
      name: "flowpact_daemon_tick_errors_total",
      help: "Ticks that ended in an error (retried next tick)",
      registers: [registry],
    }),
    quarantinedEvents: new Counter({
      name: "flowpact_indexer_quarantined_events_total",
      help: "Events the indexer could not apply and set aside in quarantined_events (indexing went on)",
      registers: [registry],
    }),
    solveSeconds: new Histogram({
      name: "flowpact_daemon_solve_seconds",
      help: "Matching engine solve time",
      buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 120],
      registers: [registry],
    }),
    solveGap: new Gauge({
      name: "flowpact_daemon_solve_gap",
      help: "Relative gap of the last solve",
      registers: [registry],
    }),
    proposals: new Counter({
      name: "flowpact_daemon_proposals_total",
      help: "Agreements proposed on chain",
      registers: [registry],
    }),
    skippedEquivalent: new Counter({
      name: "flowpact_daemon_proposals_skipped_equivalent_total",
      help: "Engine proposals not sent because an equivalent agreement is pending or active",
      registers: [registry],
    }),
    acceptances: new Counter({
      name: "flowpact_daemon_acceptances_total",
      help: "Daemon proposals seen becoming Active",
      registers: [registry],
    }),
    expirations: new Counter({
      name: "flowpact_daemon_expirations_total",
      help: "Stale proposals marked expired",
      registers: [registry],
    }),
    settlementsFinalised: new Counter({
      name: "flowpact_daemon_settlements_finalised_total",
      help: "Undisputed claims finalised after their challenge window",
      registers: [registry],
    }),
    epochs: new Gauge({
      name: "flowpact_daemon_epochs",
      help: "Ended epochs of running agreements by state",
      labelNames: ["state"] as const,
      registers: [registry],
    }),
  };
  return metrics;
}
export type DaemonMetrics = ReturnType<typeof createDaemonMetrics>;

/** Serves `GET /metrics` on 127.0.0.1 (port 0 = any free port); resolves with the bound port. */
export async function serveMetrics(
  metrics: DaemonMetrics,
  port: number,
): Promise<{ port: number; close(): Promise<void> }> {
  const app: FastifyInstance = Fastify({ logger: false });
  app.get("/metrics", async (_request, reply) => {
    reply.header("content-type", metrics.registry.contentType);
    return metrics.registry.metrics();
  });
  await app.listen({ host: "127.0.0.1", port });
  const address = app.server.address();
  return { port: typeof address === "object" && address ? address.port : port, close: () => app.close() };
}
