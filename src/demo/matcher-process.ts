/**
 * Child-process entry of the demo's matching daemon (started by `startDemoMatcher`): runs
 * `runDaemon` with the options given as one JSON argument and the MATCHER key from
 * `FLOWPACT_PRIVATE_KEY`, logs JSON lines on stdout, and stops after the tick in flight on
 * SIGTERM, SIGINT or SIGHUP, or when the demo that started it is gone (parent-watch.cjs sends it
 * SIGTERM then), within `STOP_DEADLINE_MS` at most. A process of its own, as in production: the
 * HiGHS solve is synchronous and would otherwise stall the member nodes' HTTP servers for seconds.
 */
import pino from "pino";
import type { FlowPactConfig } from "../config";
import { runDaemon } from "../daemon";
import type { ProposalSchedule } from "../daemon/propose";
import type { MatchingConfig } from "../matching/types";

export interface MatcherProcessOptions {
  config: Omit<FlowPactConfig, "privateKey">;
  schedule: ProposalSchedule;
  matching: Partial<MatchingConfig>;
  intervalMs: number;
}

/** How long the tick in flight may take after a stop signal (the demo SIGKILLs it after 15 s). */
const STOP_DEADLINE_MS = 12_000;

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? "{}") as MatcherProcessOptions;
  const abort = new AbortController();
  const stop = () => {
    abort.abort();
    // A tick stuck on a chain that is gone too does not keep it: the daemon is crash-safe.
    setTimeout(() => process.exit(1), STOP_DEADLINE_MS).unref();
  };
  for (const signal of ["SIGTERM", "SIGINT", "SIGHUP"] as const) process.once(signal, stop);
  await runDaemon({
    config: { ...options.config, privateKey: process.env.FLOWPACT_PRIVATE_KEY },
    signal: abort.signal,
    intervalMs: options.intervalMs,
    metricsPort: 0,
    logger: pino({ name: "flowpact-daemon", level: "info" }, pino.destination({ fd: 1, sync: true })),
    schedule: options.schedule,
    matching: options.matching,
  });
}

main().then(
  () => process.exit(0),
  (error: Error) => {
    console.log(JSON.stringify({ level: 60, msg: "daemon failed", err: { message: error.message } }));
    process.exit(1);
  },
);
