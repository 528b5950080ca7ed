import { setMaxListeners } from "node:events";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { privateKeyToAccount } from "viem/accounts";
import { createApiServer } from "../api/server";
import {
  acceptAgreement,
  createFlowPactClients,
  type FlowPactClient,
  getAgreement,
  rejectAgreement,
} from "../chain";
import { createIndexer } from "../indexer";
import { type MemberNodes, startMemberNodes } from "../member/node";
import { createStore, type Store } from "../store/store";
import { buildDashboard } from "../web/build";
import { bootstrapConsortium, type DemoTiming } from "./bootstrap";
import { DEV_GOVERNOR_KEY, demoMemberAccounts } from "./keys";
import { type LocalChain, startLocalChain } from "./local-chain";
import { readDemoState, resetDataDir, stateMatchesChain, writeDemoState } from "./state";
import { startTrafficSimulator } from "./traffic";

export interface DemoOptions {
  dataDir: string;
  rpcPort: number;
  apiPort: number;
  members?: number;
  maxAgreements?: number;
  timing?: Partial<DemoTiming>;
  log?: (line: string) => void;
  /** Milliseconds between progress lines (traffic and settlement counters). */
  reportEveryMs?: number;
}

export interface RunningDemo {
  dashboardUrl: string;
  resumed: boolean;
  stop(): Promise<void>;
}

const DEFAULT_TIMING: DemoTiming = { epochLength: 10n, epochs: 360n, acceptanceSeconds: 8n };

/**
 * Runs the whole demo consortium in this process and one child (the Hardhat node): bootstrap or
 * resume, the indexer following the chain into the store, every member's node (multi-tenant,
 * one HTTP server per member), their epoch close / claim / dispute loop, the traffic simulator,
 * and the dashboard with its JSON API on 127.0.0.1. `stop()` shuts all of it down in reverse.
 */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const timing = { ...DEFAULT_TIMING, ...options.timing };
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch((e: Error) => log(`stopping: ${e.message}`));
    stops.length = 0;
  };
  try {
    const chain: LocalChain = await startLocalChain(options.rpcPort);
    stops.push(() => chain.stop());
    log(
      chain.owned
        ? `local chain: started hardhat node at ${chain.rpcUrl}`
        : `local chain: using the node already running at ${chain.rpcUrl}`,
    );
    const accounts = demoMemberAccounts(options.members ?? 30);
    const governorKey = privateKeyToAccount(DEV_GOVERNOR_KEY);
    let state = readDemoState(options.dataDir);
    const resumed = state !== undefined && (await stateMatchesChain(state, chain.rpc));
    if (!resumed || !state) {
      if (state) log("the saved demo state belongs to another chain (a fresh hardhat node): starting over");
      resetDataDir(options.dataDir);
      const genesis = await chain.rpc<{ hash: `0x${string}` }>("eth_getBlockByNumber", ["0x0", false]);
      const result = await bootstrapConsortium({
        rpcUrl: chain.rpcUrl,
        rpc: chain.rpc,
        governorKey,
        accounts,
        timing,
        maxAgreements: options.maxAgreements ?? 12,
        challengeWindow: 20n,
        submissionWindow: 600n,
        log,
      });
      state = {
        chainId: result.deployment.chainId,
        genesisHash: genesis.hash,
        deployment: result.deployment,
        members: result.members,
        // The recipient of the first demo agreement's first flow under-reports.
        dishonest: (await firstRecipient(chain.rpcUrl, result)) ?? result.members[0],
        agreements: result.agreements.map(String),
        bootstrappedAt: new Date().toISOString(),
      };
      writeDemoState(options.dataDir, state);
    } else {
      log(
        `resuming the demo bootstrapped at ${state.bootstrappedAt} (${state.agreements.length} agreements)`,
      );
    }
    const { deployment } = state;
    const clock = await alignChainClock(chain, !resumed);
    log(`chain clock: ${clock.offset} s ahead of this machine's clock`);

    const base = await createFlowPactClients(
      { rpcUrl: chain.rpcUrl, chainId: state.chainId },
      { pollingInterval: 200 },
    );
    const clientOf = new Map<string, FlowPactClient>();
    const keyOf = new Map<string, PrivateKeyAccount>();
    for (const account of accounts) {
      const c = await createFlowPactClients({ rpcUrl: chain.rpcUrl, chainId: state.chainId }, { account });
      clientOf.set(account.address.toLowerCase(), { ...c, deployment });
      keyOf.set(account.address.toLowerCase(), account);
    }

    const store: Store = await createStore({ dataDir: path.join(options.dataDir, "store") });
    stops.push(() => store.close());

    const indexing = new AbortController();
    // The indexer adds one abort listener per wait; many are expected, not a leak.
    setMaxListeners(1_000, indexing.signal);
    const indexer = createIndexer({
      store,
      publicClient: base.publicClient,
      deployment,
      settings: { confirmations: 0, finalityDepth: 16, logRange: 2_000, pollIntervalMs: 500 },
    });
    const indexerDone = indexer.run({ signal: indexing.signal }).catch((e: Error) => {
      log(`indexer stopped: ${e.message}`);
    });
    stops.push(async () => {
      indexing.abort();
      await indexerDone;
    });

    let nodes: MemberNodes | undefined;
    nodes = await startMemberNodes(
      {
        chainId: state.chainId,
        contracts: deployment.contracts,
        publicClient: base.publicClient as never,
        store,
        logStream: false,
        // Short-lived tokens and claims: an epoch closes 5 s after its end, a silent peer is claimed 5 s later.
        tokenTtl: 5n,
        now: clock.now,
        claimAfter: 10n,
        peerUrl: (member) => nodes?.nodes.find((n) => n.member.toLowerCase() === member.toLowerCase())?.url,
      },
      state.members.map((member) => ({
        member,
        account: keyOf.get(member.toLowerCase()) as PrivateKeyAccount,
        landingUrl: (to: Address) => `https://${to.toLowerCase().slice(2, 10)}.example/welcome`,
        walletClient: clientOf.get(member.toLowerCase())?.walletClient as never,
      })),
    );
    const running = nodes;
    stops.push(() => running.close());
    log(`member nodes: ${running.nodes.length} institutions, one HTTP server each`);

    // Settlement loop: every member closes its finished epochs (co-sign, commit or claim) and
    // disputes claims above its own arrivals.
    let settling = true;
    const outcomes = new Map<string, number>();
    const reasons = new Set<string>();
    const settle = (async () => {
      while (settling) {
        // Calls are simulated on the latest block: mine one so its timestamp is the chain's now
        // (the traffic itself sends no transactions, so blocks would otherwise lag behind).
        await chain.rpc("evm_mine").catch(() => {});
        for (const node of running.nodes) {
          if (!settling) break;
          const closed = await node.closeEpochs().catch((e: Error) => {
            log(`epoch close (${node.member}): ${e.message}`);
            return [];
          });
          for (const o of closed) {
            outcomes.set(o.type, (outcomes.get(o.type) ?? 0) + 1);
            if ((o.type === "failed" || o.type === "refused") && !reasons.has(o.reason)) {
              reasons.add(o.reason);
              log(`epoch close ${o.type} (${node.member}): ${o.reason}`);
            }
          }
          const disputed = await node.disputeClaims().catch((e: Error) => {
            log(`dispute (${node.member}): ${e.message}`);
            return [];
          });
          for (const o of disputed)
            outcomes.set(`dispute:${o.type}`, (outcomes.get(`dispute:${o.type}`) ?? 0) + 1);
        }
        await new Promise((r) => setTimeout(r, 2_000));
      }
    })();
    stops.push(async () => {
      settling = false;
      await settle;
    });

    const agreements = await Promise.all(
      state.agreements.map(async (id) => {
        const a = await getAgreement({ ...base, deployment }, { agreementId: BigInt(id) });
        return {
          id: BigInt(id),
          flows: a.flows,
          start: a.schedule.start,
          epochLength: a.schedule.epochLength,
        };
      }),
    );
    const traffic = startTrafficSimulator({
      agreements,
      nodeUrl: (m) => running.nodes.find((n) => n.member.toLowerCase() === m.toLowerCase())?.url,
      dishonest: state.dishonest,
      now: clock.now,
      onError: (e) => log(`traffic: ${e.message}`),
    });
    stops.push(() => traffic.stop());
    const report = setInterval(() => {
      const c = traffic.counters;
      const settled = [...outcomes].map(([k, v]) => `${k} ${v}`).join(", ") || "none yet";
      log(
        `traffic: ${c.clicks} clicks, ${c.arrivals} arrivals (${c.dropped} dropped by the dishonest node), ${c.conversions} conversions, ${c.errors} errors, ${c.skipped} skipped; epoch closes: ${settled}`,
      );
    }, options.reportEveryMs ?? 10_000);
    stops.push(async () => clearInterval(report));
    log(
      `traffic simulator: visitors on ${agreements.length} agreements; ${state.dishonest} under-reports arrivals`,
    );

    const member = (address: string) => {
      const client = clientOf.get(address.toLowerCase());
      if (!client) throw new Error(`the demo holds no key for ${address}`);
      return client;
    };
    const dashboardDir = await buildDashboard();
    const app: FastifyInstance = await createApiServer({
      store,
      dashboardDir,
      submissionWindowSeconds: 600,
      now: () => Number(clock.now()),
      acceptProposal: async (m, agreementId) => ({
        hash: (await acceptAgreement(member(m), { agreementId })).hash,
      }),
      rejectProposal: async (m, agreementId) => ({
        hash: (await rejectAgreement(member(m), { agreementId })).hash,
      }),
    });
    const dashboardUrl = await app.listen({ host: "127.0.0.1", port: options.apiPort });
    stops.push(() => app.close());
    return { dashboardUrl, resumed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * Hardhat gives each automined block at least its parent's timestamp + 1, so the bootstrap's few
 * hundred transactions push the chain's clock minutes ahead of the wall clock. After a bootstrap
 * the node's time offset is raised to that lead (`evm_increaseTime`), so later blocks follow the
 * wall clock plus a constant; every component then reads time as wall clock + that offset.
 */
async function alignChainClock(chain: LocalChain, afterBootstrap: boolean) {
  const latest = async () =>
    Number(
      BigInt((await chain.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp),
    );
  const wall = () => Math.floor(Date.now() / 1000);
  if (afterBootstrap) {
    const lead = (await latest()) - wall();
    if (lead > 0) await chain.rpc("evm_increaseTime", [lead]);
  }
  await chain.rpc("evm_mine");
  const offset = Math.max(0, (await latest()) - wall());
  return { offset, now: () => BigInt(wall() + offset) };
}

async function firstRecipient(
  rpcUrl: string,
  result: { deployment: FlowPactClient["deployment"]; agreements: bigint[] },
): Promise<Address | undefined> {
  const [first] = result.agreements;
  if (first === undefined) return undefined;
  const c = await createFlowPactClients({ rpcUrl, chainId: result.deployment.chainId });
  const a = await getAgreement({ ...c, deployment: result.deployment }, { agreementId: first });
  return a.flows[0]?.to;
}
