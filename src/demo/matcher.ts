import { spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import path from "node:path";
import { createInterface } from "node:readline";
import type { Hex } from "viem";
import type { Deployment } from "../chain/deployments";
import { writeDeployment } from "../chain/deployments";
import type { ProposalSchedule } from "../daemon/propose";
import type { MatchingConfig } from "../matching/types";
import type { MatcherProcessOptions } from "./matcher-process";
import { childOfThisProcess } from "./parent-watch";

/** What the demo's daemon did so far (for the supervisor's progress lines). */
export interface MatcherCounters {
  ticks: number;
  proposed: number;
  activated: number;
  expired: number;
  finalised: number;
  failedTicks: number;
}

export interface DemoMatcher {
  counters: MatcherCounters;
  /** Asks the daemon to stop after its tick in flight, without waiting. */
  requestStop(): void;
  /** Stops after the tick in flight and closes the daemon's store. */
  stop(): Promise<void>;
}

type DaemonLine = {
  level: number;
  msg: string;
  port?: number;
  proposed?: string[];
  activated?: number;
  expired?: number;
  finalised?: number;
  method?: string;
  objective?: number;
  gap?: number;
  solveSeconds?: number;
  proposals?: number;
  err?: { message?: string };
};

/**
 * Runs the real matching daemon (`runDaemon`, what `flowpact daemon` runs) as a child process
 * with the MATCHER key: it indexes the chain into its own store (`storeDir`), solves the matching
 * with HiGHS, proposes agreements, follows acceptances, marks stale proposals expired, finalises
 * undisputed claims whose window has passed and reports every agreement's epochs. Its JSON logs
 * go to `logFile`; the few lines a person watching `npm start` needs (the solution, proposals,
 * failures, the metrics URL) are echoed through `log`. The child runs in its own process group,
 * so a Ctrl-C in the terminal reaches only `npm start`, which stops it in order.
 */
export function startDemoMatcher(options: {
  rpcUrl: string;
  deployment: Deployment;
  matcherKey: Hex;
  storeDir: string;
  deploymentsDir: string;
  logFile: string;
  schedule: ProposalSchedule;
  matching: Partial<MatchingConfig>;
  intervalMs: number;
  log: (line: string) => void;
}): DemoMatcher {
  writeDeployment(options.deploymentsDir, options.deployment);
  const processOptions: MatcherProcessOptions = {
    config: {
      rpcUrl: options.rpcUrl,
      chainId: options.deployment.chainId,
      dataDir: options.storeDir,
      deploymentsDir: options.deploymentsDir,
      trustProxy: [],
      dashboard: { allowedHosts: [] },
      indexer: { confirmations: 0, finalityDepth: 16, logRange: 2_000, pollIntervalMs: 500 },
      // The demo's member nodes listen on 127.0.0.1.
      outbound: { allowPrivateNetworks: true, allowedNetworks: [] },
    },
    schedule: options.schedule,
    matching: options.matching,
    intervalMs: options.intervalMs,
  };
  const counters: MatcherCounters = {
    ticks: 0,
    proposed: 0,
    activated: 0,
    expired: 0,
    finalised: 0,
    failedTicks: 0,
  };
  let solvedOnce = false;
  const onLine = (line: DaemonLine) => {
    if (line.msg.startsWith("metrics on")) options.log(`matching daemon: ${line.msg}`);
    else if (line.msg === "matching solved" && !solvedOnce && (line.proposals ?? 0) > 0) {
      solvedOnce = true;
      options.log(
        `matching daemon: ${line.method} solution in ${line.solveSeconds?.toFixed(1)} s, ${line.proposals} agreements, objective ${line.objective?.toFixed(0)}, gap ${((line.gap ?? 0) * 100).toFixed(2)} %`,
      );
    } else if (line.msg === "tick done") {
      counters.ticks++;
      counters.proposed += line.proposed?.length ?? 0;
      counters.activated += line.activated ?? 0;
      counters.expired += line.expired ?? 0;
      counters.finalised += line.finalised ?? 0;
      if ((line.proposed?.length ?? 0) > 0)
        options.log(`matching daemon: proposed agreements #${line.proposed?.join(", #")}`);
    } else if (line.msg.startsWith("tick failed") || line.msg === "daemon failed") {
      counters.failedTicks++;
      options.log(`matching daemon: ${line.msg} (${line.err?.message?.split("\n")[0] ?? "see the log"})`);
    }
  };
  // It stops by itself (after its tick) when this process is gone, even SIGKILLed.
  const watched = childOfThisProcess();
  const child = spawn(
    process.execPath,
    [
      ...watched.execArgv,
      "--require",
      "tsx/cjs",
      path.join(__dirname, "matcher-process.ts"),
      JSON.stringify(processOptions),
    ],
    {
      cwd: path.join(__dirname, "..", ".."),
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...watched.env, FLOWPACT_PRIVATE_KEY: options.matcherKey },
      detached: true,
    },
  );
  // Never leave the daemon behind when this process exits without stopping it.
  const killOnExit = () => child.kill("SIGKILL");
  process.once("exit", killOnExit);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (text) => {
    appendFileSync(options.logFile, `${text}\n`);
    try {
      onLine(JSON.parse(text) as DaemonLine);
    } catch {
      // not a JSON line: only kept in the file
    }
  });
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (text) => {
    appendFileSync(options.logFile, `${text}\n`);
  });
  return {
    counters,
    requestStop() {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM");
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        // A tick stops at its end; one stuck on the chain is killed (the daemon is crash-safe).
        const timer = setTimeout(() => child.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(timer);
      }
      process.removeListener("exit", killOnExit);
    },
  };
}
