import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { expect } from "chai";
import { buildFlowBatch } from "../../../src/member/flow-batch";
import { decodeTrackingToken } from "../../../src/member/tracking-token";
import { createStore } from "../../../src/store/store";
import { STATIC_AGREEMENT, STATIC_RECIPIENT, STATIC_REFERRER } from "./processes/static-node";

const ROOT = path.join(__dirname, "..", "..", "..");

function startNodeProcess(
  dataDir: string,
): Promise<{ child: ChildProcess; referrer: string; recipient: string }> {
  const child = spawn(
    process.execPath,
    ["--require", "tsx/cjs", path.join(__dirname, "processes", "static-node.ts"), dataDir],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  let output = "";
  return new Promise((resolve, reject) => {
    child.stdout?.on("data", (chunk) => {
      output += chunk;
      const match = /READY (\S+) (\S+)\n/.exec(output);
      if (match) resolve({ child, referrer: match[1], recipient: match[2] });
    });
    child.once("exit", (code) => reject(new Error(`member node exited (${code}) before it was ready`)));
  });
}

describe("member node: SIGKILL mid-epoch loses no acknowledged receipt", function () {
  this.timeout(180_000);
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), "flowpact-sigkill-"));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("every click and arrival acknowledged before the kill is in the store, and in the epoch's batch", async () => {
    const node = await startNodeProcess(dataDir);
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      node.child.once("exit", (_code, signal) => resolve(signal)),
    );
    const ackedClicks = new Set<string>();
    const ackedArrivals = new Set<string>();
    let killed = false;
    // 32 concurrent visitors: click, then land, as fast as the node answers.
    const visitor = async () => {
      while (!killed) {
        try {
          const click = await fetch(`${node.referrer}/r/${STATIC_AGREEMENT}/0`, { redirect: "manual" });
          if (click.status !== 302) continue;
          const token = new URL(click.headers.get("location") as string).searchParams.get("fpt") as string;
          ackedClicks.add(decodeTrackingToken(token).clickId);
          const arrival = await fetch(
            `${node.recipient}/v1/agreements/${STATIC_AGREEMENT}/flows/0/arrivals`,
            {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ token }),
            },
          );
          if (arrival.status === 201)
            ackedArrivals.add(((await arrival.json()) as { clickId: string }).clickId);
        } catch {
          // the node is gone: requests in flight when it died were never acknowledged
        }
      }
    };
    const visitors = Array.from({ length: 32 }, visitor);
    while (ackedArrivals.size < 200) await new Promise((r) => setTimeout(r, 20));
    node.child.kill("SIGKILL");
    killed = true;
    expect(await exited).to.equal("SIGKILL");
    await Promise.all(visitors);

    // Open the dead node's data directory, as a restart would.
    const store = await createStore({ dataDir });
    try {
      const clicks = await store.driver.query<{ click_id: string }>(
        "SELECT click_id FROM member_clicks WHERE tenant = $1",
        [STATIC_REFERRER],
      );
      const stored = new Set(clicks.map((c) => c.click_id));
      const lostClicks = [...ackedClicks].filter((id) => !stored.has(id));
      expect(lostClicks, "acknowledged clicks lost").to.deep.equal([]);
      const batch = await buildFlowBatch(store.driver, {
        tenant: STATIC_RECIPIENT,
        source: "arrivals",
        agreementId: STATIC_AGREEMENT,
        flow: 0,
        epoch: 0n,
      });
      const inBatch = new Set<string>(batch.tree?.receipts.map((r) => r.clickId));
      const lostArrivals = [...ackedArrivals].filter((id) => !inBatch.has(id));
      expect(lostArrivals, "acknowledged arrivals missing from the batch").to.deep.equal([]);
      // Arrivals committed but not yet answered when the node died may be there too, never fewer.
      expect(batch.count).to.be.at.least(ackedArrivals.size);
      console.log(
        `      acknowledged ${ackedClicks.size} clicks, ${ackedArrivals.size} arrivals; batch after the kill: ${batch.count}`,
      );
    } finally {
      await store.close();
    }
  });
});
