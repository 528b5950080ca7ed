import { expect } from "chai";
import { Registry } from "prom-client";
import { createFlowPactClients, type FlowPactClient } from "../../../src/chain";
import {
  createIndexer,
  createIndexerMetrics,
  type IndexerMetrics,
  type RealtimeEvent,
} from "../../../src/indexer";
import { getIndexerProgress } from "../../../src/store/queries/progress";
import { createStore, type Store } from "../../../src/store/store";
import { deployOnNode } from "../helpers/flowpact";
import { type LocalNode, startHardhatNode } from "../helpers/hardhatNode";
import { type RpcProxy, startRpcProxy } from "../helpers/rpcProxy";
import { admitMembers, type Scenario, transfers } from "../helpers/scenario";
import { dumpDomain, truncateAll } from "../helpers/stores";

const SETTINGS = { confirmations: 0, finalityDepth: 64, logRange: 50, pollIntervalMs: 50 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The indexer reads the chain through a proxy that fails as RPC providers fail (HTTP 503 from a
 * load balancer, a JSON-RPC internal error, no answer at all), while the chain itself goes on.
 * An outage is not a reorg: nothing is rolled back, no ReorgTooDeepError, and once the RPC
 * answers again the store catches up to what a fresh index of the chain holds.
 */
describe("indexer: an RPC outage on a real Hardhat node", () => {
  let node: LocalNode;
  let scenario: Scenario;
  let proxy: RpcProxy;
  let viaProxy: FlowPactClient;
  let store: Store;
  let fresh: Store;

  function indexer(
    events: RealtimeEvent[],
    metrics?: IndexerMetrics,
    lines: string[] = [],
    settings: Partial<typeof SETTINGS> = {},
  ) {
    return createIndexer({
      store,
      publicClient: viaProxy.publicClient,
      deployment: viaProxy.deployment,
      settings: { ...SETTINGS, ...settings },
      onRealtimeEvent: (e) => events.push(e),
      metrics,
      log: (line) => lines.push(line),
    });
  }

  /** What a fresh index of the chain (straight from the node) holds. */
  async function freshIndex() {
    await truncateAll(fresh);
    await createIndexer({
      store: fresh,
      publicClient: scenario.governor.publicClient,
      deployment: scenario.governor.deployment,
      settings: SETTINGS,
    }).run({ once: true });
    return dumpDomain(fresh);
  }

  /** Resolves when `condition` holds, or when `settled` (the indexer ended early) settles. */
  async function until(condition: () => boolean | Promise<boolean>, settled: Promise<unknown>) {
    let done = false;
    settled.then(
      () => {
        done = true;
      },
      () => {
        done = true;
      },
    );
    // A liveness bound for a loaded machine, not a timed assertion.
    for (let i = 0; i < 1_200 && !done && !(await condition()); i++) await sleep(50);
  }

  const retries = async (metrics: IndexerMetrics) =>
    (await metrics.rpcRetries.get()).values.reduce((sum, v) => sum + v.value, 0);

  before(async function () {
    this.timeout(300_000);
    node = await startHardhatNode();
    const { governor } = await deployOnNode(node);
    scenario = await admitMembers(node, governor, 3);
    await transfers(scenario, 4);
    proxy = await startRpcProxy(node.rpcUrl);
    viaProxy = {
      ...(await createFlowPactClients(
        { rpcUrl: proxy.url, chainId: governor.chain.id },
        { pollingInterval: 50 },
      )),
      deployment: governor.deployment,
    };
    [store, fresh] = await Promise.all([createStore({ memory: true }), createStore({ memory: true })]);
  });
  after(async () => {
    await proxy?.close();
    await store?.close();
    await fresh?.close();
    await node?.stop();
  });

  it("retries block reads failing with HTTP 503 instead of rolling back; one log line, a metric", async function () {
    this.timeout(120_000);
    await indexer([]).run({ once: true });
    await transfers(scenario, 3);
    const events: RealtimeEvent[] = [];
    const metrics = createIndexerMetrics(new Registry());
    const lines: string[] = [];
    // The head still answers; every block read fails (a provider whose archive backend is down).
    proxy.fail("http-503", ["eth_getBlockByNumber"]);
    const tick = indexer(events, metrics, lines).tick();
    await until(() => (proxy.failed.get("eth_getBlockByNumber") ?? 0) >= 6, tick);
    proxy.heal();
    const status = await tick;
    expect(
      events.filter((e) => e.type === "reorg"),
      "an outage is not a reorg",
    ).to.deep.equal([]);
    expect(status.indexedBlock).to.equal(status.head);
    expect(await retries(metrics)).to.be.greaterThan(0);
    expect(
      lines.filter((l) => l.includes("failing")),
      lines.join("\n"),
    ).to.have.length(1);
    expect(await dumpDomain(store)).to.deep.equal(await freshIndex());
  });

  it("retries a backfill whose log queries get JSON-RPC internal errors, without splitting them to nothing", async function () {
    this.timeout(120_000);
    await truncateAll(store);
    const metrics = createIndexerMetrics(new Registry());
    proxy.fail("rpc-internal-error", ["eth_getLogs"]);
    // Finality 2: all but the last 2 blocks are backfilled in ranges of 50.
    const run = indexer([], metrics, [], { finalityDepth: 2 }).run({ once: true });
    await until(() => (proxy.failed.get("eth_getLogs") ?? 0) >= 6, run);
    proxy.heal();
    const status = await run;
    expect(status.indexedBlock).to.equal(status.head);
    expect(await retries(metrics)).to.be.greaterThan(0);
    expect(await dumpDomain(store)).to.deep.equal(await freshIndex());
  });

  it("keeps following through a node that does not answer at all, and catches up after", async function () {
    this.timeout(180_000);
    await indexer([]).run({ once: true });
    const events: RealtimeEvent[] = [];
    const metrics = createIndexerMetrics(new Registry());
    const abort = new AbortController();
    const following = indexer(events, metrics).run({ signal: abort.signal });
    try {
      await proxy.down();
      // The chain goes on while the indexer cannot see it.
      await transfers(scenario, 3);
      await until(async () => (await retries(metrics)) >= 3, following);
      await proxy.up();
      const head = await scenario.governor.publicClient.getBlockNumber({ cacheTime: 0 });
      await until(
        async () => ((await getIndexerProgress(store.driver))?.indexedBlock ?? 0n) >= head,
        following,
      );
      abort.abort();
      const status = await following;
      expect(status.indexedBlock).to.equal(head);
    } finally {
      abort.abort();
      await proxy.up().catch(() => {});
    }
    expect(
      events.filter((e) => e.type === "reorg"),
      "an outage is not a reorg",
    ).to.deep.equal([]);
    expect(await dumpDomain(store)).to.deep.equal(await freshIndex());
  });
});
