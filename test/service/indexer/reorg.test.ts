import { expect } from "chai";
import type { FlowPactClient } from "../../../src/chain";
import { createIndexer, type RealtimeEvent } from "../../../src/indexer";
import { listAgreements } from "../../../src/store/queries/agreements";
import { listBatches } from "../../../src/store/queries/batches";
import { listBalances, listPostings, sumOfBalances } from "../../../src/store/queries/credits";
import { getStoredMember, listMembers } from "../../../src/store/queries/members";
import { listOffers } from "../../../src/store/queries/offers";
import { getIndexerProgress } from "../../../src/store/queries/progress";
import { createStore, type Store } from "../../../src/store/store";
import { deployOnNode } from "../helpers/flowpact";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { admitMembers, runLifecycle, type Scenario, transfers } from "../helpers/scenario";
import { dumpDomain, truncateAll } from "../helpers/stores";

const SETTINGS = { confirmations: 0, finalityDepth: 64, logRange: 50, pollIntervalMs: 50 };

function indexer(store: Store, client: FlowPactClient, events: RealtimeEvent[] = []) {
  return createIndexer({
    store,
    publicClient: client.publicClient,
    deployment: client.deployment,
    settings: SETTINGS,
    onRealtimeEvent: (e) => events.push(e),
  });
}

/** A second store, emptied and indexed from scratch: what the reorged store must equal. */
let fresh: Store;
async function freshIndex(client: FlowPactClient) {
  await truncateAll(fresh);
  await indexer(fresh, client).run({ once: true });
  return dumpDomain(fresh);
}

describe("indexer: lifecycle, reorgs and finality on a real Hardhat node", () => {
  let node: LocalNode;
  let scenario: Scenario;
  let store: Store;

  before(async function () {
    // A real node, a deployment and a database: slow to start on a loaded 2-core machine.
    this.timeout(300_000);
    node = await startHardhatNode();
    const { governor } = await deployOnNode(node);
    scenario = await admitMembers(node, governor, 3);
    [store, fresh] = await Promise.all([createStore({ memory: true }), createStore({ memory: true })]);
  });
  after(async () => {
    await store?.close();
    await fresh?.close();
    await node?.stop();
  });

  it("indexes a full lifecycle into the domain tables", async () => {
    await runLifecycle(node, scenario);
    const status = await indexer(store, scenario.governor).run({ once: true });
    expect(status.indexedBlock).to.equal(status.head);
    const db = store.driver;
    const [a, b, c] = scenario.members.map((m) => m.walletClient!.account.address.toLowerCase());
    expect((await listMembers(db)).map((m) => [m.address, m.status])).to.have.deep.members([
      [a, "admitted"],
      [b, "admitted"],
      [c, "admitted"],
    ]);
    expect((await getStoredMember(db, c))?.statusReason, "reinstated after a reasoned suspension").to.equal(
      null,
    );
    expect((await listOffers(db)).map((o) => [o.offerId, o.capacityPerEpoch, o.withdrawn])).to.deep.equal([
      [1n, 150n, false],
      [2n, 100n, true],
    ]);
    expect((await listOffers(db, { liveAt: 0n })).map((o) => o.offerId)).to.deep.equal([1n]);
    const agreements = await listAgreements(db);
    expect(agreements.map((x) => x.status)).to.deep.equal(["active", "rejected"]);
    expect(agreements[0].acceptedBy).to.deep.equal([a, b, c]);
    expect(agreements[0].flows.map((f) => [f.from, f.to, f.rate])).to.deep.equal([
      [a, b, 3n],
      [b, c, 2n],
      [c, a, 4n],
    ]);
    expect((await listAgreements(db, { party: c })).map((x) => x.agreementId)).to.deep.equal([1n]);
    expect(
      (await listBatches(db)).map((x) => [x.status, x.cosigned, x.settledCount, x.amount, x.payer, x.payee]),
    ).to.deep.equal([["committed", true, 42n, 126n, b, a]]);
    // a: -40 + 126, b: +40 - 15 - 126, c: +15; the ledger is zero-sum.
    expect((await listBalances(db)).map((x) => [x.member, x.balance])).to.deep.equal([
      [a, 86n],
      [c, 15n],
      [b, -101n],
    ]);
    expect(await sumOfBalances(db)).to.equal(0n);
    expect((await listPostings(db, a)).map((p) => p.kind)).to.deep.equal(["settlement", "moved", "moved"]);
    expect(await freshIndex(scenario.governor)).to.deep.equal(await dumpDomain(store));
  });

  it("rolls back replaced blocks so the store equals a fresh index of the new chain", async () => {
    const snapshot = await node.rpc<string>("evm_snapshot");
    await transfers(scenario, 6);
    const seen: RealtimeEvent[] = [];
    await indexer(store, scenario.governor, seen).run({ once: true });
    const beforeReorg = await getIndexerProgress(store.driver);

    // Replace those 6 blocks with a different, longer history.
    await node.rpc("evm_revert", [snapshot]);
    await transfers({ ...scenario, members: [...scenario.members].reverse() }, 8);
    const events: RealtimeEvent[] = [];
    await indexer(store, scenario.governor, events).run({ once: true });

    const reorg = events.find((e) => e.type === "reorg");
    expect(reorg, "a reorg must be detected").to.not.equal(undefined);
    expect(reorg).to.include({ replacedTip: beforeReorg!.indexedBlock });
    expect(await dumpDomain(store)).to.deep.equal(await freshIndex(scenario.governor));
    const progress = await getIndexerProgress(store.driver);
    const [events_] = await store.driver.query<{ n: bigint }>("SELECT count(*) AS n FROM events");
    expect(progress!.eventCount).to.equal(events_.n);
  });

  it("detects a reorg to a shorter chain at the tip and recovers", async () => {
    const snapshot = await node.rpc<string>("evm_snapshot");
    await transfers(scenario, 3);
    await indexer(store, scenario.governor).run({ once: true });
    await node.rpc("evm_revert", [snapshot]);
    await transfers(scenario, 1);
    const events: RealtimeEvent[] = [];
    await indexer(store, scenario.governor, events).run({ once: true });
    expect(events.some((e) => e.type === "reorg")).to.equal(true);
    expect(await dumpDomain(store)).to.deep.equal(await freshIndex(scenario.governor));
  });

  it("waits for confirmations and drops undo data of finalized blocks", async () => {
    const status = await createIndexer({
      store,
      publicClient: scenario.governor.publicClient,
      deployment: scenario.governor.deployment,
      settings: { ...SETTINGS, confirmations: 0, finalityDepth: 2 },
    }).run({ once: true });
    const [undo] = await store.driver.query<{ min: bigint | null }>(
      "SELECT min(block_number) AS min FROM undo_log",
    );
    if (undo.min !== null) expect(undo.min > status.head - 2n).to.equal(true);
    const blocks = await store.driver.query<{ number: bigint }>("SELECT number FROM blocks ORDER BY number");
    expect(blocks[0].number).to.equal(status.head - 2n);

    await transfers(scenario, 2);
    const confirmed = await createIndexer({
      store,
      publicClient: scenario.governor.publicClient,
      deployment: scenario.governor.deployment,
      settings: { ...SETTINGS, confirmations: 1 },
    }).run({ once: true });
    expect(confirmed.indexedBlock).to.equal(confirmed.head - 1n);
  });
});
