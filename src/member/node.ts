import type { FastifyInstance } from "fastify";
import type { DestinationStream } from "pino";
import type { Account, Address, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import { createOutboundClient, type OutboundClient } from "../net";
import { createStore, type Store } from "../store/store";
import { type AcknowledgeOutcome, createAcknowledger } from "./acknowledgements";
import { type AgreementDirectory, createChainAgreementDirectory } from "./agreements";
import { registerAuditProofRoute } from "./audit-proofs";
import type { AutoAcceptPolicy } from "./auto-accept";
import { type AutoDisputeOutcome, createAutoDisputer } from "./auto-dispute";
import { type ClaimFollowOutcome, followClaims } from "./claim-finalise";
import { registerConversionReportRoute } from "./conversion-report";
import { closeEpochs, type EpochCloseOutcome } from "./epoch-close";
import { createExposureGuard, type ExposureBound, type ExposureGuard } from "./exposure";
import { createReceiptJournal, type ReceiptJournal } from "./journal";
import { createChainMemberRegistry, type MemberRegistry } from "./members";
import { createPeerAuthenticator } from "./peer-auth";
import { createChainPeerDirectory, type PeerDirectory } from "./peer-directory";
import { registerPeerRoutes } from "./peer-routes";
import { createPeerSessionKeys, fetchSessionKeyCertificate, type PeerSessionKeys } from "./peer-session-keys";
import { createProposalWatcher, type ProposalOutcome } from "./proposal-watch";
import type { RateLimiter } from "./rate-limit";
import { type SettlementLoop, type SettlementPass, startSettlementLoop } from "./settlement-loop";
import { createTrackingServer, type LandingUrlResolver } from "./tracking-server";
import {
  createTrackingTokenIssuer,
  createTrackingTokenVerifier,
  type TrackingTokenIssuer,
} from "./tracking-token";

/** One member served by a node: its identity, its key and where its HTTP server listens. */
export interface MemberTenantOptions {
  /** The member's account address (the `from`/`to` of its flows). */
  member: Address;
  /** The member's signer key, `Consortium.signerOf(member)`. */
  account: LocalAccount;
  /** Landing URL of each recipient this member refers to; a string is used for every recipient. */
  landingUrl: LandingUrlResolver | string;
  host?: string;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Sends this member's settlement transactions (commit, claim, dispute, finalise, accept). */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
  /** Proposals this policy allows are accepted on chain by the node; the rest wait for the CLI. */
  autoAccept?: AutoAcceptPolicy;
}

/** What the members of one process share: chain, store, journal, logging. */
export interface MemberNodeSharedOptions {
  chainId: number;
  contracts: { AgreementBook: Address; Consortium: Address; Settlement?: Address };
  /** Reads agreements and the member registry from the chain, unless both are given below. */
  publicClient?: PublicClient;
  agreements?: AgreementDirectory;
  members?: MemberRegistry;
  /** An open store (kept open on close); otherwise one is opened in `dataDir` and closed with the node. */
  store?: Store;
  dataDir?: string;
  journal?: { maxItems?: number; maxDelayMs?: number };
  /**
   * Base URL of another member's node, for co-signing. Default: the `uri` of the member's
   * on-chain profile (`Consortium.profileOf`, see `peers`); this override is for tests and the
   * in-process demo.
   */
  peerUrl?: (member: Address) => string | undefined | Promise<string | undefined>;
  /**
   * How other members' nodes (co-signing, session keys) are reached: address policy, body cap,
   * timeouts. Default: public addresses only; a local consortium passes
   * `createOutboundClient({ allowPrivateNetworks: true })` (the CLI builds it from the config).
   */
  outbound?: OutboundClient;
  /** Other members' profiles (node URL, industry); default: read from the Consortium, cached 30 s. */
  peers?: PeerDirectory;
  /**
   * Recipients' certified session keys (MAC tokens); default: from co-hosted members, else from
   * each recipient's node (`GET /v1/session-key` at its `peerUrl`), checked against the chain.
   */
  peerKeys?: PeerSessionKeys;
  /** First block the claim and proposal watchers scan (the deployment's start block). */
  fromBlock?: bigint;
  /**
   * Runs the settlement loop every this many ms (close epochs, dispute, finalise claims,
   * auto-accept); undefined or 0: no loop, the caller drives `settleOnce()` (tests, the demo).
   */
  settleEveryMs?: number;
  /** Runs before each loop pass (the demo mines a block). */
  beforeSettlePass?: () => Promise<void>;
  /** Every member's report after each loop pass. */
  onSettlePass?: (passes: SettlementPass[]) => void;
  /** Seconds after an epoch's end after which an unco-signed batch is claimed (default 3,600). */
  claimAfter?: bigint;
  /**
   * How far a referrer lets a recipient fall behind in acknowledging before it stops issuing
   * billable tokens on the flow (default 10,000 clicks or 120 s; see exposure.ts).
   */
  exposureBound?: ExposureBound;
  /**
   * With `settleEveryMs`: acknowledge the arrivals made durable every this many ms (default 2,000),
   * besides each settlement pass.
   */
  acknowledgeEveryMs?: number;
  tokenTtl?: bigint;
  /** Per client, route and minute, on every route of every member's server (default 600). */
  rateLimit?: number | RateLimiter;
  /** Reverse proxies (addresses or CIDRs) whose X-Forwarded-For is believed (default: none). */
  trustProxy?: readonly string[];
  logStream?: DestinationStream | false;
  logLevel?: "debug" | "info" | "warn" | "error";
  /** Clock in unix seconds. */
  now?: () => bigint;
}

export type MemberNodeOptions = MemberNodeSharedOptions & MemberTenantOptions;

export interface MemberNode {
  member: Address;
  /** Base URL of this member's HTTP server. */
  url: string;
  app: FastifyInstance;
  issuer: TrackingTokenIssuer;
  /** This member's exposure as a referrer: the flows whose billable tokens are stopped. */
  exposure: ExposureGuard;
  /** One pass of the recipient's acknowledgements: signs and sends the running counts of its flows. */
  acknowledge(): Promise<AcknowledgeOutcome[]>;
  /** One pass of the referrer's epoch close (needs `contracts.Settlement` and a wallet client). */
  closeEpochs(): Promise<EpochCloseOutcome[]>;
  /** One pass of the recipient's claim watch: disputes claims above its own arrivals. */
  disputeClaims(): Promise<AutoDisputeOutcome[]>;
  /** One pass over this referrer's claims: finalises the undisputed ones whose window has passed. */
  followClaims(): Promise<ClaimFollowOutcome[]>;
  /** One pass of the auto-accept policy over proposals naming this member (none without a policy). */
  acceptProposals(): Promise<ProposalOutcome[]>;
  /** All four above, each failure caught and reported (what the settlement loop runs). */
  settleOnce(): Promise<SettlementPass>;
}

export interface MemberNodes {
  nodes: MemberNode[];
  store: Store;
  journal: ReceiptJournal;
  agreements: AgreementDirectory;
  members: MemberRegistry;
  peers: PeerDirectory | undefined;
  /** The running settlement loop (with `settleEveryMs`). */
  settlement: SettlementLoop | undefined;
  /**
   * Stops the settlement loop (waiting for its pass in flight) and the servers, commits what is
   * pending, closes the store if the node opened it.
   */
  close(): Promise<void>;
}

/** Neither a chain client nor the directories were given. */
export class MemberNodeConfigError extends Error {
  override name = "MemberNodeConfigError";
}

/**
 * Runs several members in one process (multi-tenant mode): each member has its own HTTP server
 * and key, and they speak to each other over HTTP exactly as separate processes would; they
 * share the store, the group-commit journal and the chain caches.
 *
 * @example
 * const running = await startMemberNodes(
 *   { chainId, contracts: deployment.contracts, publicClient, dataDir: ".flowpact/nodes" },
 *   [{ member: alice, account: aliceKey, landingUrl: "https://bank.example/welcome" }, ...],
 * );
 */
export async function startMemberNodes(
  shared: MemberNodeSharedOptions,
  tenants: readonly MemberTenantOptions[],
): Promise<MemberNodes> {
  const agreements =
    shared.agreements ??
    (shared.publicClient &&
      createChainAgreementDirectory({
        publicClient: shared.publicClient,
        agreementBook: shared.contracts.AgreementBook,
      }));
  const members =
    shared.members ??
    (shared.publicClient &&
      createChainMemberRegistry({
        publicClient: shared.publicClient,
        consortium: shared.contracts.Consortium,
      }));
  if (!agreements || !members)
    throw new MemberNodeConfigError("a member node needs a publicClient, or both `agreements` and `members`");
  const ownsStore = !shared.store;
  if (!shared.store && !shared.dataDir)
    throw new MemberNodeConfigError("a member node needs a `store` or a `dataDir`");
  const store = shared.store ?? (await createStore({ dataDir: shared.dataDir as string }));
  const journal = createReceiptJournal({ driver: store.driver, ...shared.journal });
  const domain = { chainId: shared.chainId, agreementBook: shared.contracts.AgreementBook };
  const now = shared.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  /** The issuers of the members served here, by address: their session keys key MAC tokens. */
  const issuers = new Map<string, TrackingTokenIssuer>();
  const verifier = createTrackingTokenVerifier({
    domain,
    members,
    sessionKeysOf: (recipient) => issuers.get(recipient.toLowerCase())?.sessionKeys() ?? [],
    now: shared.now,
  });
  const tokenTtl = shared.tokenTtl ?? 600n;
  const peerDomain = { chainId: shared.chainId, consortium: shared.contracts.Consortium };
  const auth = createPeerAuthenticator({ domain: peerDomain, members, now });
  const peers =
    shared.peers ??
    (shared.publicClient &&
      createChainPeerDirectory({
        publicClient: shared.publicClient,
        consortium: shared.contracts.Consortium,
      }));
  const peerUrl = shared.peerUrl ?? ((member: Address) => peers?.nodeUrl(member));
  const outbound = shared.outbound ?? createOutboundClient();
  // A recipient served in this process hands its certificate over directly; any other one's
  // node is asked for it (the same certificate either way, checked against the chain either way).
  const peerKeys =
    shared.peerKeys ??
    createPeerSessionKeys({
      domain,
      members,
      now,
      fetchCertificate: async (member) => {
        const local = issuers.get(member.toLowerCase());
        if (local) return local.sessionKeys()[0].certificate;
        return fetchSessionKeyCertificate(await peerUrl(member), { outbound });
      },
    });
  const nodes: MemberNode[] = [];
  const timers: NodeJS.Timeout[] = [];
  let loop: SettlementLoop | undefined;
  const close = async () => {
    await loop?.stop();
    for (const timer of timers) clearInterval(timer);
    await Promise.all(nodes.map((n) => n.app.close()));
    await journal.close();
    if (ownsStore) await store.close();
  };
  try {
    for (const tenant of tenants) {
      const issuer = await createTrackingTokenIssuer({
        account: tenant.account,
        member: tenant.member,
        domain,
        peerKeys,
        now: shared.now,
      });
      issuers.set(issuer.member, issuer);
      const timer = setInterval(() => issuer.renewIfDue().catch(() => {}), 60_000);
      timer.unref();
      timers.push(timer);
      const landing = tenant.landingUrl;
      const settlementAddress = shared.contracts.Settlement;
      let app: FastifyInstance | undefined;
      const exposure = createExposureGuard(shared.exposureBound, (flow) =>
        app?.log.warn(
          {
            agreementId: flow.agreementId.toString(),
            flow: flow.flow,
            epoch: flow.epoch.toString(),
            sent: flow.sent,
            acknowledged: flow.acknowledged.toString(),
          },
          flow.paused
            ? `exposure: billable tokens stopped on the flow: ${flow.paused}`
            : "exposure: acknowledgements caught up; billable tokens resume",
        ),
      );
      const acknowledger = settlementAddress
        ? createAcknowledger({
            member: tenant.member,
            account: tenant.account,
            chainId: shared.chainId,
            settlement: settlementAddress,
            driver: store.driver,
            agreements,
            peerDomain,
            peerUrl,
            now,
            outbound,
          })
        : undefined;
      app = createTrackingServer({
        member: tenant.member,
        agreements,
        issuer,
        verifier,
        journal,
        landingUrl: typeof landing === "string" ? () => landing : landing,
        tokenTtl,
        rateLimit: shared.rateLimit,
        trustProxy: shared.trustProxy,
        logStream: shared.logStream,
        logLevel: shared.logLevel,
        now,
        exposure,
        onArrival: (key) => acknowledger?.touch(key),
      });
      registerConversionReportRoute(app, { member: tenant.member, driver: store.driver, auth });
      if (settlementAddress)
        registerAuditProofRoute(app, {
          member: tenant.member,
          chainId: shared.chainId,
          settlement: settlementAddress,
          driver: store.driver,
          isAuditor: (account) => members.isAuditor(account),
          now,
        });
      if (settlementAddress)
        registerPeerRoutes(app, {
          member: tenant.member,
          account: tenant.account,
          chainId: shared.chainId,
          settlement: settlementAddress,
          agreements,
          driver: store.driver,
          auth,
          tokenTtl,
          now,
          signerOf: (m) => members.signerOf(m),
          exposure,
        });
      const settlement = () => {
        if (!settlementAddress || !tenant.walletClient || !shared.publicClient)
          throw new MemberNodeConfigError(
            "settling needs contracts.Settlement, a publicClient and the member's walletClient",
          );
        return {
          publicClient: shared.publicClient,
          walletClient: tenant.walletClient,
          settlement: settlementAddress,
        };
      };
      let disputer: ReturnType<typeof createAutoDisputer> | undefined;
      let proposals: ReturnType<typeof createProposalWatcher> | undefined;
      const url = await app.listen({ host: tenant.host ?? "127.0.0.1", port: tenant.port ?? 0 });
      const node: MemberNode = {
        member: issuer.member,
        url,
        app,
        issuer,
        exposure,
        acknowledge: async () => {
          if (!acknowledger) return [];
          await journal.flush();
          return acknowledger.once();
        },
        closeEpochs: async () => {
          await journal.flush();
          return closeEpochs({
            member: tenant.member,
            account: tenant.account,
            driver: store.driver,
            agreements,
            settlement: settlement(),
            peerDomain,
            peerUrl,
            outbound,
            tokenTtl,
            claimAfter: shared.claimAfter ?? 3_600n,
            now,
          });
        },
        disputeClaims: () => {
          disputer ??= createAutoDisputer({
            member: tenant.member,
            driver: store.driver,
            agreements,
            settlement: settlement(),
            now,
            fromBlock: shared.fromBlock,
          });
          return disputer.once();
        },
        followClaims: () =>
          followClaims({ member: tenant.member, driver: store.driver, settlement: settlement(), now }),
        acceptProposals: async () => {
          if (!tenant.autoAccept) return [];
          if (!shared.publicClient || !tenant.walletClient || !peers)
            throw new MemberNodeConfigError("auto-accept needs a publicClient and the member's walletClient");
          proposals ??= createProposalWatcher({
            member: tenant.member,
            policy: tenant.autoAccept,
            agreements,
            peers,
            publicClient: shared.publicClient,
            walletClient: tenant.walletClient,
            agreementBook: shared.contracts.AgreementBook,
            fromBlock: shared.fromBlock,
          });
          return proposals.once();
        },
        settleOnce: () => settleOnce(node),
      };
      nodes.push(node);
    }
    if (shared.settleEveryMs) {
      loop = startSettlementLoop(nodes, {
        everyMs: shared.settleEveryMs,
        beforePass: shared.beforeSettlePass,
        onPass: shared.onSettlePass,
        onError: (error) => nodes[0]?.app.log.error({ err: error.message }, "settlement pass failed"),
      });
      // Acknowledgements keep their own, shorter clock: a referrer's exposure is bounded by how
      // soon they arrive, not by the settlement pass.
      let acknowledging = false;
      const acknowledgeTimer = setInterval(async () => {
        if (acknowledging) return;
        acknowledging = true;
        try {
          for (const node of nodes) await node.acknowledge().catch(() => []);
        } finally {
          acknowledging = false;
        }
      }, shared.acknowledgeEveryMs ?? 2_000);
      acknowledgeTimer.unref();
      timers.push(acknowledgeTimer);
    }
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  return { nodes, store, journal, agreements, members, peers, settlement: loop, close };
}

/**
 * One settlement pass of one member: each step on its own, so a failing RPC in one (say the
 * recipient's node is down) does not keep the others from running; what failed is in `errors`
 * and is tried again on the next pass. Outcomes worth a line are logged (batch keys, counts and
 * transaction hashes only: nothing about visitors).
 */
async function settleOnce(node: MemberNode): Promise<SettlementPass> {
  const pass: SettlementPass = {
    member: node.member,
    acknowledged: [],
    closed: [],
    disputes: [],
    claims: [],
    proposals: [],
    errors: [],
  };
  const log = node.app.log;
  const step = async <T>(name: SettlementPass["errors"][number]["step"], run: () => Promise<T[]>) => {
    try {
      return await run();
    } catch (error) {
      const message = (error as Error).message.split("\n")[0];
      pass.errors.push({ step: name, message });
      log.warn({ step: name, err: message }, "settlement step failed; retrying next pass");
      return [];
    }
  };
  pass.acknowledged = await step("acknowledge", () => node.acknowledge());
  pass.closed = await step("close", () => node.closeEpochs());
  pass.disputes = await step("dispute", () => node.disputeClaims());
  pass.claims = await step("claims", () => node.followClaims());
  pass.proposals = await step("proposals", () => node.acceptProposals());
  const key = (b: { agreementId: bigint; flow: number | bigint; epoch: bigint }) =>
    `${b.agreementId}/${b.flow}/${b.epoch}`;
  for (const o of pass.closed)
    if (o.type !== "waiting")
      log.info(
        {
          batch: key(o.batch),
          ...("count" in o.batch ? { count: o.batch.count } : {}),
          ...("txHash" in o ? { txHash: o.txHash } : {}),
          ...("reason" in o ? { reason: o.reason } : {}),
        },
        `epoch close: ${o.type}`,
      );
  for (const o of pass.disputes)
    if (o.type !== "accepted")
      log.info(
        {
          claimed: o.claimed.count.toString(),
          ...(o.type === "disputed" ? { batch: key(o.own), own: o.own.count, txHash: o.txHash } : {}),
          ...(o.type === "failed" ? { reason: o.reason } : {}),
        },
        `claim watch: ${o.type}`,
      );
  for (const o of pass.claims)
    if (o.type === "finalised" || o.type === "failed" || o.type === "settled-elsewhere")
      log.info(
        {
          batch: key(o),
          ...(o.type === "finalised" ? { txHash: o.txHash } : {}),
          ...(o.type === "failed" ? { reason: o.reason } : {}),
        },
        `claim: ${o.type}`,
      );
  for (const o of pass.proposals)
    log.info(
      {
        agreementId: o.agreementId.toString(),
        ...(o.type === "accepted" ? { txHash: o.txHash } : {}),
        ...(o.type === "left-for-cli" ? { reasons: o.reasons } : {}),
        ...(o.type === "failed" ? { reason: o.reason } : {}),
      },
      `proposal: ${o.type}`,
    );
  return pass;
}

/**
 * Runs one member node (what `flowpact node` calls).
 *
 * @example
 * const node = await startMemberNode({ chainId, contracts, publicClient, dataDir, member, account, landingUrl });
 * console.log(`tracking links at ${node.url}/r/<agreement>/<flow>`);
 */
export async function startMemberNode(
  options: MemberNodeOptions,
): Promise<MemberNode & Pick<MemberNodes, "store" | "journal" | "settlement" | "close">> {
  const { member, account, landingUrl, host, port, walletClient, autoAccept, ...shared } = options;
  const running = await startMemberNodes(shared, [
    { member, account, landingUrl, host, port, walletClient, autoAccept },
  ]);
  return {
    ...running.nodes[0],
    store: running.store,
    journal: running.journal,
    settlement: running.settlement,
    close: running.close,
  };
}
