import { setMaxListeners } from "node:events";
import path from "node:path";
import type { Address } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import { privateKeyToAccount } from "viem/accounts";
import { createApiServer } from "../api/server";
import { acceptAgreement, createFlowPactClients, type FlowPactClient, rejectAgreement } from "../chain";
import type { Deployment } from "../chain/deployments";
import type { ProposalSchedule } from "../daemon/propose";
import { createIndexer } from "../indexer";
import type { MatchingConfig } from "../matching/types";
import { type MemberNodes, startMemberNodes } from "../member/node";
import { createOutboundClient } from "../net";
import type { Queryable } from "../store/driver";
import { createStore, type Store } from "../store/store";
import { buildDashboard } from "../web/build";
import { type DemoAuditor, startDemoAuditor } from "./auditor";
import { bootstrapConsortium } from "./bootstrap";
import { startChainRecorder } from "./chain-journal";
import { demoConsortium } from "./consortium";
import { blockOf, openDemoChain } from "./demo-chain";
import { publishDemoDiscovery } from "./discovery";
import { DEV_AUDITOR_KEY, DEV_GOVERNOR_KEY, DEV_MATCHER_KEY, demoMemberAccounts } from "./keys";
import type { LocalChain } from "./local-chain";
import { type DemoMatcher, startDemoMatcher } from "./matcher";
import { type DemoState, demoPaths, readDemoState, resetDataDir, writeDemoState } from "./state";
import { createStoresFromTemplate, storeTemplate } from "./store-template";
import { type SimulatedAgreement, startTrafficSimulator } from "./traffic";
import { demoWalletClient } from "./wallet";

export interface DemoOptions {
  dataDir: string;
  rpcPort: number;
  apiPort: number;
  members?: number;
  /** When the daemon's agreements run (short epochs, so settlement shows within a minute). */
  schedule?: Partial<ProposalSchedule>;
  /** Milliseconds between the matching daemon's ticks. */
  daemonIntervalMs?: number;
  log?: (line: string) => void;
  /** Milliseconds between progress lines (traffic, daemon and settlement counters). */
  reportEveryMs?: number;
  /** Milliseconds between the auditor's audits (attestation and dispute resolution). */
  auditEveryMs?: number;
  /** The dashboard's operator token (FLOWPACT_OPERATOR_TOKEN); generated when absent. */
  operatorToken?: string;
}

export interface RunningDemo {
  dashboardUrl: string;
  /** The bearer token of the dashboard's member actions (print the URL with `#token=` + it). */
  operatorToken: string;
  /** True when the demo continued a saved one (replayed its chain journal or found its chain running). */
  resumed: boolean;
  /** Blocks replayed from the chain journal into a fresh node (0 on a fresh demo). */
  replayedBlocks: number;
  stop(): Promise<void>;
}

/**
 * Agreements start 30 s after their proposal (the parties' nodes accept meanwhile: a tick's 40
 * proposals take 29 nodes about 15 s on a loaded 2-core machine; one that expires is proposed
 * again on a later tick) and run 10-second epochs for a day, so a fresh `npm start` settles about
 * 45 s after its first proposals and keeps settling.
 */
export const DEMO_SCHEDULE: ProposalSchedule = {
  proposalTtlSeconds: 30,
  epochLengthSeconds: 10,
  epochs: 8_640,
  noticeEpochs: 1,
};

/**
 * The engine's defaults (so the members' auto-accept policies, which use its partner limit,
 * agree with it), solved to a 1 % gap within 3 s: the first solve is what a fresh demo waits
 * for, on a machine that also runs the chain and 30 member nodes (later ticks solve in
 * milliseconds, most of the consortium being matched already).
 */
export const DEMO_MATCHING: Partial<MatchingConfig> = { timeLimitSeconds: 3, mipRelativeGap: 0.01 };

/**
 * Runs the whole demo consortium in this process and one child (the Hardhat node): a fresh
 * bootstrap, or the saved demo's chain replayed from its journal; the chain recorder; the
 * indexer following the chain into the store; every member's node (multi-tenant, one HTTP
 * server each) with their epoch close / claim / dispute loop and auto-accept; the matching
 * daemon proposing agreements and driving settlement; the traffic simulator; the auditor
 * (attestations, dispute resolutions); and the dashboard
 * with its JSON API on 127.0.0.1. `stop()` shuts all of it down in reverse.
 */
export async function runDemo(options: DemoOptions): Promise<RunningDemo> {
  const log = options.log ?? ((line: string) => console.log(line));
  const schedule = { ...DEMO_SCHEDULE, ...options.schedule };
  const paths = demoPaths(options.dataDir);
  const stops: Array<() => Promise<void>> = [];
  let stopping = false;
  const stop = async () => {
    stopping = true;
    for (const s of stops.reverse()) await s().catch((e: Error) => log(`stopping: ${e.message}`));
    stops.length = 0;
  };
  try {
    const accounts = demoMemberAccounts(options.members ?? 30);
    const governorKey = privateKeyToAccount(DEV_GOVERNOR_KEY);
    const matcherKey = privateKeyToAccount(DEV_MATCHER_KEY);
    const auditorKey = privateKeyToAccount(DEV_AUDITOR_KEY);

    // A fresh demo's stores are copies of one template store: its initdb (once per checkout)
    // overlaps the chain's start.
    if (!readDemoState(options.dataDir)) storeTemplate().catch(() => {});
    const opened = await openDemoChain({ port: options.rpcPort, dataDir: options.dataDir, log });
    const { chain } = opened;
    stops.push(() => chain.stop());
    const resumed = opened.saved !== undefined;
    if (!opened.saved) resetDataDir(options.dataDir);
    // Vite builds the dashboard (on a fresh checkout) while the chain is bootstrapped.
    const dashboardBuilt = buildDashboard();
    dashboardBuilt.catch(() => {});
    const storesReady = opened.saved
      ? Promise.resolve()
      : createStoresFromTemplate([paths.store, paths.daemonStore]);
    storesReady.catch(() => {});
    // Every block from here on goes to the journal; it stops after everything that writes to
    // the chain has stopped, and before the node does.
    const recorder = startChainRecorder({
      rpc: chain.rpc,
      file: paths.journal,
      afterBlock: opened.journaled,
      onError: (e) => log(`chain journal: ${e.message} (retrying)`),
    });
    stops.push(() => recorder.stop());

    let matcher: DemoMatcher | undefined;
    const startMatcher = (deployment: Deployment) => {
      if (stopping) return;
      matcher = startDemoMatcher({
        rpcUrl: chain.rpcUrl,
        deployment,
        matcherKey: DEV_MATCHER_KEY,
        storeDir: paths.daemonStore,
        deploymentsDir: paths.deployments,
        logFile: paths.daemonLog,
        schedule,
        matching: DEMO_MATCHING,
        // Ticks are cheap once the consortium is matched; a short interval proposes soon after
        // the offers are indexed.
        intervalMs: options.daemonIntervalMs ?? 2_000,
        log,
      });
      const running = matcher;
      stops.push(() => running.stop());
    };
    let state: DemoState;
    let matcherStarted: Promise<void> = Promise.resolve();
    if (opened.saved) {
      state = opened.saved;
      log(`resuming the demo bootstrapped at ${state.bootstrappedAt}`);
      startMatcher(state.deployment);
    } else {
      const genesis = await blockOf(chain.rpc, "0x0");
      const result = await bootstrapConsortium({
        rpcUrl: chain.rpcUrl,
        governorKey,
        matcher: matcherKey.address,
        auditor: auditorKey.address,
        accounts,
        challengeWindow: 20n,
        submissionWindow: 600n,
        offerExpiry: BigInt(genesis.timestamp) + 30n * 86_400n,
        log,
        // The daemon starts (a process of its own, once its store is there) while the
        // institutions join and publish offers.
        onDeployed: (deployment) => {
          matcherStarted = storesReady.then(() => startMatcher(deployment));
        },
      });
      await matcherStarted;
      state = {
        version: 2,
        chainId: result.deployment.chainId,
        genesisHash: genesis.hash,
        genesisTime: genesis.timestamp,
        deployment: result.deployment,
        members: result.consortium.institutions.map((i) => i.address),
        matcher: matcherKey.address,
        bootstrappedAt: new Date().toISOString(),
      };
      writeDemoState(options.dataDir, state);
    }
    const { deployment } = state;
    const clock = await alignChainClock(chain);
    // The daemon reads the time from the latest block (a proposal expires TTL seconds after it):
    // a block every 2 s keeps that time current when nothing else is sent.
    const ticker = setInterval(() => chain.rpc("evm_mine").catch(() => {}), 2_000);
    stops.push(async () => clearInterval(ticker));
    log(
      `chain clock: ${Math.abs(clock.offset)} s ${clock.offset >= 0 ? "ahead of" : "behind"} this machine's clock${resumed ? " (it stood still while the demo was stopped)" : ""}`,
    );

    const base = await createFlowPactClients(
      { rpcUrl: chain.rpcUrl, chainId: state.chainId },
      { pollingInterval: 200 },
    );
    const clientOf = new Map<string, FlowPactClient>();
    const keyOf = new Map<string, PrivateKeyAccount>();
    for (const account of accounts) {
      const walletClient = demoWalletClient({ chain: base.chain, rpcUrl: chain.rpcUrl, account });
      clientOf.set(account.address.toLowerCase(), { ...base, walletClient, deployment });
      keyOf.set(account.address.toLowerCase(), account);
    }
    const { institutions } = demoConsortium(accounts, { offerExpiry: 0n });
    const policyOf = new Map(institutions.map((i) => [i.address, i.policy]));

    await storesReady;
    const store: Store = await createStore({ dataDir: paths.store });
    stops.push(() => store.close());
    const indexing = new AbortController();
    // The indexer adds one abort listener per wait; many are expected, not a leak.
    setMaxListeners(1_000, indexing.signal);
    const indexer = createIndexer({
      store,
      publicClient: base.publicClient,
      deployment,
      settings: { confirmations: 0, finalityDepth: 16, logRange: 2_000, pollIntervalMs: 500 },
      log: (line) => log(`indexer: ${line}`),
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
        // The demo's nodes listen on 127.0.0.1: loopback is allowed here explicitly.
        outbound: createOutboundClient({ allowPrivateNetworks: true }),
      },
      state.members.map((member) => ({
        member,
        account: keyOf.get(member.toLowerCase()) as PrivateKeyAccount,
        landingUrl: (to: Address) => `https://${to.toLowerCase().slice(2, 10)}.example/welcome`,
        walletClient: clientOf.get(member.toLowerCase())?.walletClient as never,
        // Every node has its member's policy; the manual member's node is never asked to use it.
        autoAccept: policyOf.get(member.toLowerCase() as Address),
      })),
    );
    const running = nodes;
    stops.push(() => running.close());
    log(`member nodes: ${running.nodes.length} institutions, one HTTP server each`);

    // Auto-accept: every member's node but one runs its own auto-accept pass (`acceptProposals`,
    // the node's policy) each second, all in parallel (one key each); the member left out accepts
    // by hand, from the dashboard's member view.
    let accepting = true;
    const reasons = new Set<string>();
    const accepted = { accepted: 0, left: 0, failed: 0 };
    const acceptance = (async () => {
      while (accepting) {
        try {
          if (!state.roles) {
            // Picked from the daemon's first proposals, before anyone accepts.
            const roles = await pickRoles(store.driver);
            if (roles) {
              state = { ...state, roles };
              writeDemoState(options.dataDir, state);
              log(
                `${roles.manual} accepts by hand (dashboard member view); ${roles.dishonest} under-reports arrivals`,
              );
            }
          }
          const manual = state.roles?.manual;
          const deciding = manual ? running.nodes.filter((n) => n.member.toLowerCase() !== manual) : [];
          await Promise.all(
            deciding.map(async (node) => {
              const outcomes = await node
                .acceptProposals()
                .catch((e: Error) => [
                  { type: "failed" as const, agreementId: 0n, reason: e.message.split("\n")[0] },
                ]);
              for (const o of outcomes) {
                if (o.type === "accepted") accepted.accepted++;
                else if (o.type === "left-for-cli") {
                  accepted.left++;
                  log(
                    `proposal #${o.agreementId} left for ${node.member} to decide: ${o.reasons.join("; ")}`,
                  );
                } else {
                  accepted.failed++;
                  // One line per kind of failure, not per agreement.
                  const kind = `accept:${kindOf(o.reason)}`;
                  if (!reasons.has(kind)) {
                    reasons.add(kind);
                    log(`auto-accept of #${o.agreementId} by ${node.member} failed: ${o.reason}`);
                  }
                }
              }
            }),
          );
        } catch (error) {
          log(`auto-accept: ${(error as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 1_000));
      }
    })();
    stops.push(async () => {
      accepting = false;
      await acceptance;
    });

    // Settlement loop: every member closes its finished epochs (co-sign, commit or claim) and
    // disputes claims above its own arrivals.
    let settling = true;
    const outcomes = new Map<string, number>();
    const settle = (async () => {
      while (settling) {
        for (const node of running.nodes) {
          if (!settling) break;
          const closed = await node.closeEpochs().catch((e: Error) => {
            log(`epoch close (${node.member}): ${e.message}`);
            return [];
          });
          for (const o of closed) {
            outcomes.set(o.type, (outcomes.get(o.type) ?? 0) + 1);
            if (o.type !== "failed" && o.type !== "refused") continue;
            const kind = `${o.type}:${kindOf(o.reason)}`;
            if (!reasons.has(kind)) {
              reasons.add(kind);
              log(`epoch close ${o.type} (${node.member}): ${o.reason}`);
            }
          }
          const disputed = await node.disputeClaims().catch((e: Error) => {
            log(`dispute (${node.member}): ${e.message}`);
            return [];
          });
          for (const o of disputed) {
            outcomes.set(`dispute:${o.type}`, (outcomes.get(`dispute:${o.type}`) ?? 0) + 1);
            if (o.type !== "failed") continue;
            const kind = `dispute:${kindOf(o.reason)}`;
            if (!reasons.has(kind)) {
              reasons.add(kind);
              log(`dispute failed (${node.member}): ${o.reason}`);
            }
          }
        }
        await new Promise((r) => setTimeout(r, 2_000));
      }
    })();
    stops.push(async () => {
      settling = false;
      await settle;
    });

    // Visitors follow the active agreements as the daemon's proposals activate.
    let active: SimulatedAgreement[] = [];
    const refresh = async () => {
      active = await activeAgreements(store.driver);
    };
    await refresh();
    const refresher = setInterval(() => refresh().catch(() => {}), 2_000);
    stops.push(async () => clearInterval(refresher));
    const traffic = startTrafficSimulator({
      agreements: () => active,
      nodeUrl: (m) => running.nodes.find((n) => n.member.toLowerCase() === m.toLowerCase())?.url,
      dishonest: () => state.roles?.dishonest,
      now: clock.now,
      onError: (e) => log(`traffic: ${e.message}`),
    });
    stops.push(() => traffic.stop());
    // The auditor checks the whole chain every 20 s: attests its verdict, resolves the disputes.
    const auditor: DemoAuditor = startDemoAuditor({
      rpcUrl: chain.rpcUrl,
      deployment,
      auditor: auditorKey,
      nodeUrls: () => Object.fromEntries(running.nodes.map((n) => [n.member, n.url])),
      reportDir: paths.audits,
      everyMs: options.auditEveryMs ?? 20_000,
      log,
    });
    stops.push(() => auditor.stop());
    const report = setInterval(() => {
      const c = traffic.counters;
      const m = matcher?.counters;
      const settled = [...outcomes].map(([k, v]) => `${k} ${v}`).join(", ") || "none yet";
      log(
        `daemon: ${m?.ticks} ticks, ${m?.proposed} proposed, ${m?.expired} expired, ${m?.finalised} claims finalised; nodes: ${accepted.accepted} acceptances; ${active.length} active agreements; chain journal at block ${recorder.recordedBlock}`,
      );
      log(
        `traffic: ${c.clicks} clicks, ${c.arrivals} arrivals (${c.dropped} dropped by the dishonest node), ${c.conversions} conversions, ${c.errors} errors, ${c.skipped} skipped; epoch closes: ${settled}`,
      );
    }, options.reportEveryMs ?? 10_000);
    stops.push(async () => clearInterval(report));

    const member = (address: string) => {
      const client = clientOf.get(address.toLowerCase());
      if (!client) throw new Error(`the demo holds no key for ${address}`);
      return client;
    };
    const dashboardDir = await dashboardBuilt;
    const app = await createApiServer({
      store,
      dashboardDir,
      submissionWindowSeconds: 600,
      auditReportFile: path.join(paths.audits, "latest.html"),
      now: () => Number(clock.now()),
      acceptProposal: async (m, agreementId) => ({
        hash: (await acceptAgreement(member(m), { agreementId })).hash,
      }),
      rejectProposal: async (m, agreementId) => ({
        hash: (await rejectAgreement(member(m), { agreementId })).hash,
      }),
      operatorToken: options.operatorToken,
    });
    const dashboardUrl = await app.listen({ host: "127.0.0.1", port: options.apiPort });
    stops.push(() => app.close());
    stops.push(
      publishDemoDiscovery(
        options.dataDir,
        { rpcUrl: chain.rpcUrl, dashboardUrl, chainId: state.chainId },
        log,
      ),
    );
    // Runs first on stop: the daemon finishes its tick while the rest shuts down.
    stops.push(async () => matcher?.requestStop());
    return { dashboardUrl, operatorToken: app.operatorToken, resumed, replayedBlocks: opened.replayed, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** A failure message without its numbers and hashes: one log line per kind of failure. */
const kindOf = (reason: string) => reason.replace(/0x[0-9a-fA-F]+|\d+/g, "n");

/**
 * Hardhat gives each automined block at least its parent's timestamp + 1, so the bootstrap's few
 * hundred transactions push the chain's clock minutes ahead of the wall clock, and a replayed
 * chain ends where the journal ends (it stood still while the demo was stopped). Pinning the next
 * block to the latest one's time + 1 resets the node's time offset there, so later blocks follow
 * the wall clock plus a constant; every component reads time as wall clock + that offset.
 */
async function alignChainClock(chain: LocalChain) {
  const wall = () => Math.floor(Date.now() / 1000);
  const latest = await blockOf(chain.rpc, "latest");
  await chain.rpc("evm_setNextBlockTimestamp", [latest.timestamp + 1]);
  await chain.rpc("evm_mine");
  const offset = (await blockOf(chain.rpc, "latest")).timestamp - wall();
  return { offset, now: () => BigInt(wall() + offset) };
}

/**
 * The member that accepts by hand (a party to the fewest of the first proposals, so one or two
 * agreements wait for it) and the dishonest recipient (the receiving end of a flow in a proposal
 * without the manual member, so its agreement activates and its claims get disputed).
 */
async function pickRoles(db: Queryable): Promise<DemoState["roles"]> {
  const proposals = await db.query<{ agreement_id: string; parties: Address[] }>(
    "SELECT agreement_id::text, parties FROM agreements WHERE status = 'proposed' ORDER BY agreement_id",
  );
  if (proposals.length < 2) return undefined;
  const count = new Map<Address, number>();
  for (const p of proposals) for (const party of p.parties) count.set(party, (count.get(party) ?? 0) + 1);
  const [manual] = [...count].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]))[0];
  const other = proposals.find((p) => !p.parties.includes(manual));
  if (!other) return undefined;
  const [flow] = await db.query<{ to_member: Address }>(
    "SELECT to_member FROM flows WHERE agreement_id = $1 ORDER BY flow_index LIMIT 1",
    [other.agreement_id],
  );
  return flow ? { manual, dishonest: flow.to_member } : undefined;
}

/** Active agreements with their flows, for the traffic simulator. */
async function activeAgreements(db: Queryable): Promise<SimulatedAgreement[]> {
  const rows = await db.query<{ agreement_id: string; start_time: string; epoch_length: string }>(
    "SELECT agreement_id::text, start_time::text, epoch_length::text FROM agreements WHERE status = 'active' ORDER BY agreement_id",
  );
  const flows = await db.query<{
    agreement_id: string;
    from_member: Address;
    to_member: Address;
    segments: string;
    cap_per_epoch: string;
    rate: string;
  }>(
    `SELECT f.agreement_id::text, f.from_member, f.to_member, f.segments::text, f.cap_per_epoch::text, f.rate::text
       FROM flows f JOIN agreements a USING (agreement_id) WHERE a.status = 'active'
      ORDER BY f.agreement_id, f.flow_index`,
  );
  return rows.map((r) => ({
    id: BigInt(r.agreement_id),
    start: BigInt(r.start_time),
    epochLength: BigInt(r.epoch_length),
    flows: flows
      .filter((f) => f.agreement_id === r.agreement_id)
      .map((f) => ({
        from: f.from_member,
        to: f.to_member,
        segments: BigInt(f.segments),
        capPerEpoch: BigInt(f.cap_per_epoch),
        rate: BigInt(f.rate),
      })),
  }));
}
