// Children that never outlive their parent. Preloaded (`node --require`) into the processes the
// demo starts (the Hardhat node, the matching daemon, the demo under `npm start`), with the
// parent's pid in FLOWPACT_PARENT_PID (see parent-watch.ts); callable for a process started by
// someone else (`exitWithParent(process.ppid)`).
//
// Why polling the parent pid: a parent that is SIGKILLed gets no chance to stop its children, and
// Linux tells nobody (no PR_SET_PDEATHSIG from Node); the child is re-parented (to init or a
// subreaper), which `process.ppid` shows at once. Every half second costs nothing.
//
// What then: the process sends itself SIGTERM, so it stops the way a service manager would stop
// it: the daemon after its tick, the demo in order with its state saved, the Hardhat node at once.
"use strict";

const POLL_MS = 500;

/**
 * Sends this process SIGTERM once `parentPid` is no longer its parent (it exited or was killed).
 * @param {number} parentPid
 */
function exitWithParent(parentPid) {
  let timer;
  const check = () => {
    if (process.ppid === parentPid) return;
    if (timer) clearInterval(timer);
    process.kill(process.pid, "SIGTERM");
  };
  timer = setInterval(check, POLL_MS);
  // Never keeps a process alive by itself.
  timer.unref();
  check();
}

const expected = Number(process.env.FLOWPACT_PARENT_PID);
if (Number.isInteger(expected) && expected > 0) {
  // For this process only: its own children are given their parent's pid by whoever starts them.
  delete process.env.FLOWPACT_PARENT_PID;
  exitWithParent(expected);
}

module.exports = { exitWithParent };
