/**
 * The signals that ask a long-running command (`node`, `daemon`, `index`) to stop in order:
 * Ctrl-C, a service manager (`systemctl stop`, `docker stop`, `kill <pid>`), a closed terminal.
 */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/**
 * Calls `stop` on the first stop signal; returns the function that removes the handlers. Until
 * then, none of these signals kills the process before it has stopped in order.
 *
 * @example
 * const abort = new AbortController();
 * const release = onStopSignal(() => abort.abort());
 * try { await runDaemon({ config, signal: abort.signal }); } finally { release(); }
 */
export function onStopSignal(stop: (signal: NodeJS.Signals) => void): () => void {
  for (const signal of STOP_SIGNALS) process.once(signal, stop);
  return () => {
    for (const signal of STOP_SIGNALS) process.off(signal, stop);
  };
}

/** Resolves with the first stop signal received. */
export function untilStopSignal(): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const release = onStopSignal((signal) => {
      release();
      resolve(signal);
    });
  });
}
