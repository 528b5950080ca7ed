import { expect } from "chai";
import { createDaemonMetrics, serveMetrics } from "../../../src/daemon/metrics";
import { reportEpochs } from "../../../src/daemon/settlement";
import { createStore, type Store } from "../../../src/store/store";

describe("daemon: /metrics endpoint", () => {
  it("serves the daemon's counters in Prometheus text on 127.0.0.1", async () => {
    const metrics = createDaemonMetrics();
    metrics.proposals.inc(3);
    metrics.acceptances.inc(2);
    metrics.settlementsFinalised.inc();
    metrics.solveSeconds.observe(0.25);
    const server = await serveMetrics(metrics, 0);
    try {
      const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
      expect(res.status).to.equal(200);
      const text = await res.text();
      expect(text).to.match(/^flowpact_daemon_proposals_total 3$/m);
      expect(text).to.match(/^flowpact_daemon_acceptances_total 2$/m);
      expect(text).to.match(/^flowpact_daemon_settlements_finalised_total 1$/m);
      expect(text).to.match(/^flowpact_daemon_solve_seconds_count 1$/m);
    } finally {
      await server.close();
    }
  });
});

describe("daemon: epoch settlement report", function () {
  this.timeout(60_000);
  let store: Store;
  before(async () => {
    store = await createStore({ memory: true });
  });
  after(async () => {
    await store?.close();
  });

  it("reports each ended epoch of each flow as settled, pending, disputed or missing", async () => {
    const db = store.driver;
    await db.query(
      `INSERT INTO agreements (agreement_id, proposer, terms_hash, parties, accepted_by, start_time, end_time,
         epoch_length, notice_epochs, proposal_expiry, status, proposed_block, updated_block)
       VALUES (7, '0xm', '0xh', '["0xa","0xb"]', '["0xa","0xb"]', 1000, 11000, 1000, 1, 900, 'active', 1, 1)`,
    );
    for (const flow of [0, 1])
      await db.query(
        `INSERT INTO flows (agreement_id, flow_index, from_member, to_member, segments, cap_per_epoch, rate)
         VALUES (7, $1, '0xa', '0xb', 1, 10, 2)`,
        [flow],
      );
    const batch = (flow: number, epoch: number, status: string) =>
      db.query(
        `INSERT INTO batches (agreement_id, flow_index, epoch, status, count, root, cosigned, submitted_block, updated_block)
         VALUES (7, $1, $2, $3, 5, '0xr', false, 1, 1)`,
        [flow, epoch, status],
      );
    await batch(0, 0, "committed");
    await batch(0, 1, "finalised");
    await batch(0, 2, "claimed");
    await batch(1, 0, "resolved");
    await batch(1, 1, "disputed");
    // Now = 4500: epochs 0..2 have ended (epoch 3 is under way), 3 per flow.
    const [report] = await reportEpochs(db, 4_500n);
    expect(report.agreementId).to.equal(7n);
    expect(report.endedEpochs).to.equal(3);
    expect(report.counts).to.deep.equal({ settled: 3, pending: 1, disputed: 1, missing: 1 });
    expect(report.open).to.deep.equal([
      { flow: 0, epoch: 2, state: "pending" },
      { flow: 1, epoch: 1, state: "disputed" },
      { flow: 1, epoch: 2, state: "missing" },
    ]);
    // Past the end, every one of the 10 epochs counts.
    const [ended] = await reportEpochs(db, 50_000n);
    expect(ended.endedEpochs).to.equal(10);
    expect(ended.counts.missing).to.equal(20 - 5);
  });
});
