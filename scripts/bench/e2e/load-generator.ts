/**
 * The e2e benchmark's visitors: a worker thread (its own event loop, so sending requests does not
 * compete with the member nodes' handlers on one loop) that drives referrals over real HTTP on
 * loopback. One referral = the click (`GET /r/:agreement/:flow` on the referrer's node, 302 with a
 * signed token) then the arrival (`POST` of that token to the recipient's node, 201). undici
 * pools keep connections alive and pipeline requests, like autocannon.
 *
 * A referral is *acked* only when both answers were 2xx/3xx as expected: that is what the nodes
 * promised to have made durable. Acked referrals are also counted per (agreement, flow, epoch),
 * the epoch read from the token the referrer issued, so a shortfall on chain can be located.
 */
import path from "node:path";
import { performance } from "node:perf_hooks";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import { Pool } from "undici";
import { LANDING_TOKEN_PARAM } from "../../../src/member/tracking-server";
import { decodeTrackingToken } from "../../../src/member/tracking-token";

/** One flow the visitors follow: its referrer's and recipient's node URLs. */
export interface LoadFlow {
  agreementId: string;
  flow: number;
  referrerUrl: string;
  recipientUrl: string;
}

export interface LoadPlan {
  flows: LoadFlow[];
  /** Referrals to make in all (each is two requests). */
  referrals: number;
  /** Referrals in flight at once. */
  concurrency: number;
  /** Keep-alive connections per node. */
  connectionsPerNode: number;
  /** Requests in flight per connection (HTTP/1.1 pipelining). */
  pipelining: number;
  /**
   * The referrals are sent in this many equal phases; between two phases nothing is in flight
   * and the parent may move the clock (to begin a new epoch) before the next phase starts.
   */
  phases: number;
}

export interface LoadCounters {
  /** Redirects answered 302 with a token. */
  clicks: number;
  /** Arrivals answered 201. */
  arrivals: number;
  /** Referrals whose click and arrival were both acknowledged. */
  acked: number;
  /** Requests answered otherwise, or not answered, by status ("error" when no answer). */
  failures: Record<string, number>;
  /** Share of the time the visitors' event loop was busy since the previous report (0–1). */
  busy: number;
}

export interface LoadResult extends LoadCounters {
  /** Acked referrals per `${agreementId}:${flow}:${epoch}`. */
  ackedByBatch: Record<string, number>;
  /** The first few failure descriptions, for the report. */
  failureSamples: string[];
  seconds: number;
}

type WorkerMessage =
  | { type: "progress"; counters: LoadCounters }
  | { type: "phase"; phase: number }
  | { type: "done"; result: LoadResult }
  | { type: "error"; message: string };

const WORKER_MARK = "flowpact-e2e-load";

/** The load generator did not finish: the worker failed or exited early. */
export class LoadGeneratorError extends Error {
  override name = "LoadGeneratorError";
}

/**
 * Runs `plan` in a worker thread and resolves with its counts; `onProgress` gets the running
 * counters about twice a second, `betweenPhases` runs after each phase but the last (the next
 * phase starts when it resolves).
 */
export function runLoad(
  plan: LoadPlan,
  onProgress: (counters: LoadCounters) => void,
  betweenPhases: (phase: number) => Promise<void> = async () => {},
): Promise<LoadResult> {
  // The worker loads this TypeScript file itself: register tsx in it whatever ran the parent
  // (tsx for `npm run bench:e2e`, ts-node under `hardhat test`).
  const tsx = require.resolve("tsx/cjs", { paths: [path.join(__dirname, "..", "..", "..")] });
  const worker = new Worker(__filename, {
    workerData: { mark: WORKER_MARK, plan },
    execArgv: ["--require", tsx],
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    worker.on("message", (message: WorkerMessage) => {
      if (message.type === "progress") onProgress(message.counters);
      else if (message.type === "phase")
        betweenPhases(message.phase).then(
          () => worker.postMessage("continue"),
          (error: Error) => {
            settled = true;
            worker.terminate();
            reject(error);
          },
        );
      else if (message.type === "done") {
        settled = true;
        resolve(message.result);
      } else {
        settled = true;
        reject(new LoadGeneratorError(`the load generator failed: ${message.message}`));
      }
    });
    worker.once("error", (error) => {
      settled = true;
      reject(new LoadGeneratorError(`the load generator crashed: ${error.message}`));
    });
    worker.once("exit", (code) => {
      if (!settled) reject(new LoadGeneratorError(`the load generator exited with code ${code}`));
    });
  });
}

/** The worker's side: sends every referral of the plan and reports. */
async function generate(
  plan: LoadPlan,
  report: (message: WorkerMessage) => void,
  resumed: () => Promise<void>,
): Promise<void> {
  const started = performance.now();
  const pools = new Map<string, Pool>();
  const pool = (url: string) => {
    let p = pools.get(url);
    if (!p) {
      p = new Pool(url, {
        connections: plan.connectionsPerNode,
        pipelining: plan.pipelining,
        keepAliveTimeout: 60_000,
      });
      pools.set(url, p);
    }
    return p;
  };
  const counters: LoadCounters = { clicks: 0, arrivals: 0, acked: 0, failures: {}, busy: 0 };
  let elu = performance.eventLoopUtilization();
  const measure = () => {
    const now = performance.eventLoopUtilization();
    counters.busy = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
  };
  const ackedByBatch: Record<string, number> = {};
  const failureSamples: string[] = [];
  const fail = (what: string, status: string, detail: string) => {
    counters.failures[`${what} ${status}`] = (counters.failures[`${what} ${status}`] ?? 0) + 1;
    if (failureSamples.length < 20) failureSamples.push(`${what} ${status}: ${detail.slice(0, 300)}`);
  };
  const flows = plan.flows.map((f) => ({
    ...f,
    referrer: pool(f.referrerUrl),
    recipient: pool(f.recipientUrl),
    linkPath: `/r/${f.agreementId}/${f.flow}`,
    arrivalPath: `/v1/agreements/${f.agreementId}/flows/${f.flow}/arrivals`,
  }));
  const marker = `${LANDING_TOKEN_PARAM}=`;
  const jsonHeaders = { "content-type": "application/json" };

  async function referral(index: number): Promise<void> {
    const f = flows[index % flows.length];
    let token: string;
    try {
      const link = await f.referrer.request({ method: "GET", path: f.linkPath });
      if (link.statusCode !== 302) {
        fail("click", String(link.statusCode), await link.body.text());
        return;
      }
      await link.body.dump();
      const location = String(link.headers.location ?? "");
      const at = location.indexOf(marker);
      if (at < 0) {
        fail("click", "302", `no token in ${location}`);
        return;
      }
      const end = location.indexOf("&", at);
      token = location.slice(at + marker.length, end < 0 ? undefined : end);
    } catch (error) {
      fail("click", "error", (error as Error).message);
      return;
    }
    counters.clicks++;
    try {
      const arrival = await f.recipient.request({
        method: "POST",
        path: f.arrivalPath,
        headers: jsonHeaders,
        body: `{"token":"${token}"}`,
      });
      if (arrival.statusCode !== 201) {
        fail("arrival", String(arrival.statusCode), await arrival.body.text());
        return;
      }
      await arrival.body.dump();
    } catch (error) {
      fail("arrival", "error", (error as Error).message);
      return;
    }
    counters.arrivals++;
    counters.acked++;
    const key = `${f.agreementId}:${f.flow}:${decodeTrackingToken(token).epoch}`;
    ackedByBatch[key] = (ackedByBatch[key] ?? 0) + 1;
  }

  let next = 0;
  let phaseEnd = 0;
  const visitor = async () => {
    while (next < phaseEnd) await referral(next++);
  };
  const progress = setInterval(() => {
    measure();
    report({ type: "progress", counters });
  }, 500);
  try {
    for (let phase = 0; phase < plan.phases; phase++) {
      phaseEnd = Math.round((plan.referrals * (phase + 1)) / plan.phases);
      await Promise.all(Array.from({ length: Math.min(plan.concurrency, phaseEnd - next) }, visitor));
      if (phase < plan.phases - 1) {
        const continued = resumed();
        report({ type: "phase", phase });
        await continued;
      }
    }
  } finally {
    clearInterval(progress);
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  report({ type: "progress", counters });
  report({
    type: "done",
    result: { ...counters, ackedByBatch, failureSamples, seconds: (performance.now() - started) / 1000 },
  });
}

if (!isMainThread && (workerData as { mark?: string } | undefined)?.mark === WORKER_MARK) {
  const port = parentPort;
  if (!port) throw new LoadGeneratorError("the load generator runs as a worker thread only");
  const resumed = () => new Promise<void>((resolve) => port.once("message", () => resolve()));
  generate((workerData as { plan: LoadPlan }).plan, (message) => port.postMessage(message), resumed).catch(
    (error: Error) => port.postMessage({ type: "error", message: error.stack ?? error.message }),
  );
}
