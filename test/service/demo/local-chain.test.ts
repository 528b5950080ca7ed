import { spawn } from "node:child_process";
import path from "node:path";
import { expect } from "chai";
import { freePort } from "../helpers/hardhatNode";

const ROOT = path.join(__dirname, "..", "..", "..");
const OWNER = path.join(__dirname, "..", "helpers", "chainOwner.ts");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * The demo's Hardhat node runs in a session of its own (so a terminal's Ctrl-C reaches only the
 * demo, which stops it last): it must still never outlive the process that started it.
 */
describe("demo local chain: never outlives the process that started it", () => {
  it("exits by itself, its port freed, when its parent is SIGKILLed", async function () {
    this.timeout(180_000);
    const port = await freePort();
    const owner = spawn(process.execPath, ["--require", "tsx/cjs", OWNER, String(port)], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "inherit"],
    });
    let chainPid = 0;
    try {
      chainPid = await new Promise<number>((resolve, reject) => {
        owner.stdout?.on("data", (d: Buffer) => {
          const match = /"chainPid":(\d+)/.exec(String(d));
          if (match) resolve(Number(match[1]));
        });
        owner.once("exit", (code) => reject(new Error(`the chain's owner exited (${code})`)));
      });
      expect(alive(chainPid)).to.equal(true);
      owner.kill("SIGKILL");
      // A liveness bound, not a timed assertion: the node notices within a second or so.
      for (let i = 0; i < 120 && alive(chainPid); i++) await sleep(250);
      expect(alive(chainPid), "the Hardhat node outlived its SIGKILLed parent").to.equal(false);
      const open = await fetch(`http://127.0.0.1:${port}/`).then(
        () => true,
        () => false,
      );
      expect(open, "the chain's port is free").to.equal(false);
    } finally {
      if (owner.exitCode === null) owner.kill("SIGKILL");
      if (chainPid && alive(chainPid)) process.kill(chainPid, "SIGKILL");
    }
  });
});
