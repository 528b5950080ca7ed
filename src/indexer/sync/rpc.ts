import type { IndexerMetrics } from "../metrics";
import { ChainRpcFailingError } from "./types";

/** viem errors that mean "the RPC is failing", as opposed to an answer (a missing block, a refusal). */
const FAILING = new Set([
  "HttpRequestError", // network error, connection refused, HTTP 5xx or 429
  "TimeoutError",
  "SocketClosedError",
  "WebSocketRequestError",
  "InternalRpcError", // JSON-RPC -32603
  "ResourceUnavailableRpcError", // -32002
  "LimitExceededRpcError", // -32005: rate limited (for eth_getLogs, also "range too large")
]);

function names(error: unknown): string[] {
  const found: string[] = [];
  let current = error as { name?: string; cause?: unknown } | undefined;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current.name) found.push(current.name);
    current = current.cause as typeof current;
  }
  return found;
}

/**
 * True when `error` says the chain's RPC is failing (unreachable, overloaded, timing out, erring
 * internally) rather than answering: retry the same call later, never read it as "no such block".
 */
export function isRpcFailure(error: unknown): boolean {
  return names(error).some((name) => FAILING.has(name));
}

/** The node refused a log query as too large (-32005): split the range, do not wait. */
export function isRangeRefusal(error: unknown): boolean {
  return names(error).includes("LimitExceededRpcError");
}

export interface RpcRetryOptions {
  /** Aborts the waiting (the failure is thrown then). */
  signal?: AbortSignal;
  metrics?: IndexerMetrics;
  /** Receives one line when an outage starts and one when the RPC answers again. */
  log?: (line: string) => void;
  /** Give up with a `ChainRpcFailingError` after this many failures of one call; default never. */
  maxAttempts?: number;
  /** First wait, doubled after each failure up to `maxDelayMs` (defaults 250 ms, 5 s). */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

export type RpcRetry = <T>(method: string, call: () => Promise<T>) => Promise<T>;

/**
 * Runs chain calls, retrying those that fail because the RPC is failing (`isRpcFailure`) with
 * exponential backoff; any other error is thrown at once. One outage, however many calls wait
 * in it, gives one log line when it starts and one when it ends, and the metrics.
 *
 * @example
 * const retry = createRpcRetry({ signal, log: console.error });
 * const head = await retry("eth_blockNumber", () => client.getBlockNumber());
 */
export function createRpcRetry(options: RpcRetryOptions = {}): RpcRetry {
  const { signal, metrics, log = () => {} } = options;
  const base = options.baseDelayMs ?? 250;
  const max = options.maxDelayMs ?? 5_000;
  let outage: { since: number; retries: number } | undefined;
  return async (method, call) => {
    for (let attempt = 1; ; attempt++) {
      try {
        const result = await call();
        if (outage) {
          log(
            `chain RPC answers again after ${((Date.now() - outage.since) / 1000).toFixed(1)} s (${outage.retries} retries); indexing goes on`,
          );
          outage = undefined;
          metrics?.rpcFailing.set(0);
        }
        return result;
      } catch (error) {
        if (!isRpcFailure(error) || signal?.aborted) throw error;
        if (options.maxAttempts !== undefined && attempt >= options.maxAttempts)
          throw new ChainRpcFailingError(method, attempt, error);
        if (!outage) {
          outage = { since: Date.now(), retries: 0 };
          metrics?.rpcFailing.set(1);
          log(
            `chain RPC failing (${method}: ${shortMessage(error)}): retrying with backoff; nothing is rolled back meanwhile`,
          );
        }
        outage.retries++;
        metrics?.rpcRetries.inc({ method });
        await sleep(Math.min(max, base * 2 ** (attempt - 1)), signal);
      }
    }
  };
}

function shortMessage(error: unknown): string {
  const e = error as { shortMessage?: string; details?: string; message?: string };
  return [e.shortMessage ?? e.message ?? String(error), e.details].filter(Boolean).join(" ").split("\n")[0];
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
