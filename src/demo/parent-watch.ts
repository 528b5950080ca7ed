import path from "node:path";

/** The preload that makes a child stop when its parent is gone (see parent-watch.cjs). */
export const PARENT_WATCH_PRELOAD = path.join(__dirname, "parent-watch.cjs");

/**
 * Node arguments and environment for a child of this process that must not outlive it: once
 * this process is gone (exited, crashed, SIGKILLed) the child gets SIGTERM within a second.
 *
 * @example
 * const { execArgv, env } = childOfThisProcess();
 * spawn(process.execPath, [...execArgv, script], { env: { ...process.env, ...env } });
 */
export function childOfThisProcess(): { execArgv: string[]; env: Record<string, string> } {
  return {
    execArgv: ["--require", PARENT_WATCH_PRELOAD],
    env: { FLOWPACT_PARENT_PID: String(process.pid) },
  };
}

/** For a process someone else started: SIGTERM to itself once `parentPid` is gone. */
export function exitWithParent(parentPid: number): void {
  (require(PARENT_WATCH_PRELOAD) as { exitWithParent(pid: number): void }).exitWithParent(parentPid);
}
