import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { freePort } from "../service/helpers/hardhatNode";

const ROOT = path.join(__dirname, "..", "..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** pid → [ppid, command line] of every process, from `ps`. */
function processTable(): Map<number, { ppid: number; command: string }> {
  const table = new Map<number, { ppid: number; command: string }>();
  for (const line of execFileSync("ps", ["-eo", "pid=,ppid=,args="], { encoding: "utf8" })
    .trim()
    .split("\n")) {
    const [pid, ppid, ...command] = line.trim().split(/\s+/);
    table.set(Number(pid), { ppid: Number(ppid), command: command.join(" ") });
  }
  return table;
}

/** Every process below `pid`, with its command line. */
function descendants(pid: number): Array<{ pid: number; command: string }> {
  const table = processTable();
  const found: Array<{ pid: number; command: string }> = [];
  const queue = [pid];
  while (queue.length > 0) {
    const parent = queue.shift() as number;
    for (const [child, { ppid, command }] of table)
      if (ppid === parent) {
        found.push({ pid: child, command });
        queue.push(child);
      }
  }
  return found;
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const portOpen = (port: number) =>
  fetch(`http://127.0.0.1:${port}/`).then(
    () => true,
    () => false,
  );

/**
 * `npm start` under a service manager: SIGTERM (what systemd, `docker stop` or `kill <pid>`
 * send) and SIGHUP (a closed terminal) stop every process it started, with the demo's state
 * saved as on Ctrl-C; and processes it started never outlive their parent, even a SIGKILLed one.
 */
describe("npm start: process lifecycle (SIGTERM, SIGHUP, a killed parent)", function () {
  this.timeout(1_500_000);
  let dataDir: string;
  let rpcPort: number;
  let apiPort: number;
  let child: ChildProcess | undefined;
  let output = "";

  /** `npm start` on spare ports and its own demo directory; resolves once the dashboard serves. */
  async function npmStart(): Promise<ChildProcess> {
    output = "";
    const started = spawn("npm", ["start"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        FLOWPACT_RPC_PORT: String(rpcPort),
        FLOWPACT_API_PORT: String(apiPort),
        FLOWPACT_DEMO_DIR: dataDir,
      },
    });
    started.stdout?.on("data", (d) => {
      output += d;
    });
    started.stderr?.on("data", (d) => {
      output += d;
    });
    // A liveness bound for a loaded machine (a fresh bootstrap takes about a minute).
    for (let i = 0; i < 1_200 && started.exitCode === null && !output.includes("dashboard: "); i++)
      await sleep(500);
    if (!output.includes("dashboard: "))
      throw new Error(
        `npm start never served its dashboard (exit ${started.exitCode}):\n${output.slice(-3_000)}`,
      );
    return started;
  }

  /** Waits (bounded) until none of `pids` is alive; returns those still alive. */
  async function gone(pids: number[]): Promise<number[]> {
    for (let i = 0; i < 60 && pids.some(alive); i++) await sleep(500);
    return pids.filter(alive);
  }

  before(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-lifecycle-"));
    [rpcPort, apiPort] = [await freePort(), await freePort()];
  });
  after(() => {
    if (child?.pid) for (const p of descendants(child.pid)) if (alive(p.pid)) process.kill(p.pid, "SIGKILL");
    if (child && child.exitCode === null) child.kill("SIGKILL");
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it("stops every process it started on SIGTERM to npm, ports freed, the demo saved", async () => {
    child = await npmStart();
    const started = descendants(child.pid as number);
    expect(
      started.some((p) => p.command.includes("hardhat")),
      "a hardhat node runs",
    ).to.equal(true);
    expect(
      started.some((p) => p.command.includes("matcher-process")),
      "the daemon runs",
    ).to.equal(true);
    child.kill("SIGTERM");
    const left = await gone(started.map((p) => p.pid));
    expect(
      started.filter((p) => left.includes(p.pid)).map((p) => p.command),
      `processes left running after SIGTERM:\n${output.slice(-2_000)}`,
    ).to.deep.equal([]);
    expect(await portOpen(rpcPort), "the chain's port is free").to.equal(false);
    expect(await portOpen(apiPort), "the dashboard's port is free").to.equal(false);
    // Saved as on Ctrl-C: the chain journal holds blocks, so the next start resumes.
    expect(readFileSync(path.join(dataDir, "demo.json"), "utf8")).to.contain("bootstrappedAt");
    expect(output).to.contain("SIGTERM: stopping the demo");
  });

  it("has the chain and the daemon exit by themselves when the demo process is SIGKILLed", async () => {
    child = await npmStart();
    expect(output, "the second start resumes the saved demo").to.contain("resuming the demo");
    const started = descendants(child.pid as number);
    const chain = started.find((p) => p.command.includes("hardhat") && p.command.includes("--port"));
    const daemon = started.find((p) => p.command.includes("matcher-process"));
    expect(chain, "a hardhat node runs").to.not.equal(undefined);
    expect(daemon, "the daemon runs").to.not.equal(undefined);
    const table = processTable();
    const demo = table.get(chain?.pid as number)?.ppid as number;
    expect(table.get(daemon?.pid as number)?.ppid, "one demo process starts both").to.equal(demo);
    process.kill(demo, "SIGKILL");
    const left = await gone([chain?.pid as number, daemon?.pid as number]);
    expect(left, "children left running after their parent was killed").to.deep.equal([]);
    expect(await portOpen(rpcPort), "the chain's port is free").to.equal(false);
    // What is left of `npm start` notices its demo died and exits.
    const exited = await Promise.race([
      new Promise((resolve) => child?.once("exit", () => resolve(true))),
      sleep(30_000).then(() => child?.exitCode !== null),
    ]);
    expect(exited, "npm start exits when its demo process died").to.equal(true);
  });
});
