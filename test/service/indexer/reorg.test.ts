import { expect } from "chai";
import type { FlowPactClient } from "../../../src/chain";
import { createIndexer, type RealtimeEvent } from "../../../src/indexer";
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

  before(async () => {
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
    const q = <T>(sql: string) => store.driver.query<T>(sql);
    const [a, b, c] = scenario.members.map((m) => m.walletClient!.account.address.toLowerCase());
    expect(await q("SELECT address, status FROM members ORDER BY address")).to.have.deep.members([
      { address: a, status: "admitted" },
      { address: b, status: "admitted" },
      { address: c, status: "admitted" },
    ]);
    expect(
      await q("SELECT offer_id, capacity_per_epoch, withdrawn FROM offers ORDER BY offer_id"),
    ).to.deep.equal([
      { offer_id: 1n, capacity_per_epoch: 150n, withdrawn: false },
      { offer_id: 2n, capacity_per_epoch: 100n, withdrawn: true },
    ]);
    const agreements = await q<{ status: string; accepted_by: string[] }>(
      "SELECT status, accepted_by FROM agreements ORDER BY agreement_id",
    );
    expect(agreements.map((x) => x.status)).to.deep.equal(["active", "rejected"]);
    expect(agreements[0].accepted_by).to.deep.equal([a, b, c]);
    expect((await q("SELECT count(*) AS n FROM flows"))[0]).to.deep.equal({ n: 5n });
    expect(await q("SELECT status, settled_count, amount, payer, payee FROM batches")).to.deep.equal([
      { status: "committed", settled_count: 42n, amount: 126n, payer: b, payee: a },
    ]);
    // a: -40 + 126, b: +40 - 15 - 126, c: +15; the ledger is zero-sum.
    const balances = await q<{ member: string; balance: bigint }>("SELECT member, balance FROM balances");
    expect(Object.fromEntries(balances.map((x) => [x.member, x.balance]))).to.deep.equal({
      [a]: 86n,
      [b]: -101n,
      [c]: 15n,
    });
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
