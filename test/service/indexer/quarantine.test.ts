import { expect } from "chai";
import { keccak256, toHex } from "viem";
import { createApiServer } from "../../../src/api/server";
import { createIndexer, silentProgress } from "../../../src/indexer";
import type { QuarantinedEvent } from "../../../src/store/queries/quarantine";
import { createStore, type Store } from "../../../src/store/store";
import {
  type AuditChain,
  admitMembers,
  createAuditChain,
  makeAgreement,
  NO_ACKNOWLEDGEMENT,
} from "../audit/scenario";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";

/**
 * An event no handler can apply — here a finalisation and settlement of a batch submitted before
 * the deployment's configured start block, so the store never saw it — is quarantined with its
 * error, reported, and indexing goes on past it: it is never retried forever.
 */
describe("indexer: a bad event is quarantined, never retried forever", function () {
  this.timeout(180_000);
  let node: LocalNode;
  let chain: AuditChain;
  let store: Store;
  let claimBlock: bigint;

  before(async () => {
    node = await startHardhatNode();
    chain = await createAuditChain(node);
    await admitMembers(chain, [1, 2]);
    const { agreementId } = await makeAgreement(
      chain,
      [1, 2],
      [
        { from: 1, to: 2, segments: 1n, cap: 10n, rate: 2n },
        { from: 2, to: 1, segments: 1n, cap: 10n, rate: 2n },
      ],
    );
    await chain.advance(1_200);
    const hash = await chain.send(chain.account(1), "Settlement", "claim", [
      agreementId,
      0n,
      0n,
      5n,
      keccak256(toHex("receipts")),
      NO_ACKNOWLEDGEMENT,
    ]);
    claimBlock = (await chain.publicClient.getTransactionReceipt({ hash })).blockNumber;
    await chain.advance(700);
    await chain.send(chain.governor, "Settlement", "finalise", [agreementId, 0n, 0n]);
    await chain.send(chain.account(2), "CreditLedger", "transfer", [chain.account(1).address, 1n]);
    store = await createStore({ memory: true });
  });

  after(async () => {
    await store?.close();
    await node?.stop();
  });

  it("sets aside the events of a batch it never saw submitted and indexes to the head", async () => {
    const reported: QuarantinedEvent[] = [];
    const indexer = createIndexer({
      store,
      publicClient: chain.publicClient as never,
      // Started after the claim: the finalisation's handlers find no batch and throw.
      deployment: { ...chain.deployment, startBlock: Number(claimBlock) + 1 },
      settings: { confirmations: 0, finalityDepth: 64, logRange: 2_000, pollIntervalMs: 50 },
      progress: silentProgress,
      onQuarantine: (event) => reported.push(event),
    });
    const status = await indexer.run({ once: true });
    expect(status.indexedBlock).to.equal(await chain.publicClient.getBlockNumber());
    expect(status.quarantined).to.equal(2);
    expect(reported.map((e) => e.name)).to.deep.equal(["BatchFinalised", "BatchSettled"]);

    const rows = await store.driver.query<{ name: string; error: string; contract: string }>(
      "SELECT name, error, contract FROM quarantined_events ORDER BY block_number, log_index",
    );
    expect(rows.map((r) => r.name)).to.deep.equal(["BatchFinalised", "BatchSettled"]);
    expect(rows[0].contract).to.equal("Settlement");
    expect(rows[0].error).to.match(/never submitted/);
    // The events around them were applied: the ledger posting of the same transaction and the transfer.
    const postings = await store.driver.query<{ kind: string }>(
      "SELECT kind FROM credit_postings ORDER BY block_number, log_index",
    );
    expect(postings.map((p) => p.kind)).to.deep.equal(["moved", "settlement", "moved"]);
    const [{ n }] = await store.driver.query<{ n: bigint }>(
      "SELECT count(*) AS n FROM events WHERE name IN ('BatchFinalised', 'BatchSettled')",
    );
    expect(n).to.equal(0n);

    // A second pass has nothing left to do and quarantines nothing again.
    const again = await indexer.run({ once: true });
    expect(again.quarantined).to.equal(0);
  });

  it("shows the quarantined events in the API summary", async () => {
    const app = await createApiServer({ store, dashboardDir: false });
    try {
      const res = await app.inject({ method: "GET", url: "/api/summary" });
      expect(res.statusCode).to.equal(200);
      expect(res.json().indexer.quarantinedEvents).to.equal(2);
    } finally {
      await app.close();
    }
  });
});
