import type { FastifyInstance } from "fastify";
import type { DestinationStream } from "pino";
import type { Account, Address, Chain, LocalAccount, PublicClient, Transport, WalletClient } from "viem";
import { createStore, type Store } from "../store/store";
import { type AgreementDirectory, createChainAgreementDirectory } from "./agreements";
import { type AutoDisputeOutcome, createAutoDisputer } from "./auto-dispute";
import { closeEpochs, type EpochCloseOutcome } from "./epoch-close";
import { createReceiptJournal, type ReceiptJournal } from "./journal";
import { createChainMemberRegistry, type MemberRegistry } from "./members";
import { createPeerAuthenticator } from "./peer-auth";
import { registerPeerRoutes } from "./peer-routes";
import type { RateLimiter } from "./rate-limit";
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
  /** Sends this member's settlement transactions (commit, claim, dispute). */
  walletClient?: WalletClient<Transport, Chain | undefined, Account>;
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
  /** Base URL of another member's node, for co-signing (e.g. from its profile, or a directory). */
  peerUrl?: (member: Address) => string | undefined;
  /** Seconds after an epoch's end after which an unco-signed batch is claimed (default 3,600). */
  claimAfter?: bigint;
  tokenTtl?: bigint;
  rateLimit?: number | RateLimiter;
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
  /** One pass of the referrer's epoch close (needs `contracts.Settlement` and a wallet client). */
  closeEpochs(): Promise<EpochCloseOutcome[]>;
  /** One pass of the recipient's claim watch: disputes claims above its own arrivals. */
  disputeClaims(): Promise<AutoDisputeOutcome[]>;
}

export interface MemberNodes {
  nodes: MemberNode[];
  store: Store;
  journal: ReceiptJournal;
  agreements: AgreementDirectory;
  members: MemberRegistry;
  /** Stops the servers, commits what is pending, closes the store if the node opened it. */
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
  const verifier = createTrackingTokenVerifier({ domain, members, now: shared.now });
  const now = shared.now ?? (() => BigInt(Math.floor(Date.now() / 1000)));
  const tokenTtl = shared.tokenTtl ?? 600n;
  const peerDomain = { chainId: shared.chainId, consortium: shared.contracts.Consortium };
  const auth = createPeerAuthenticator({ domain: peerDomain, members, now });
  const peerUrl = shared.peerUrl ?? (() => undefined);
  const nodes: MemberNode[] = [];
  const timers: NodeJS.Timeout[] = [];
  const close = async () => {
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
        now: shared.now,
      });
      const timer = setInterval(() => issuer.renewIfDue().catch(() => {}), 60_000);
      timer.unref();
      timers.push(timer);
      const landing = tenant.landingUrl;
      const app = createTrackingServer({
        member: tenant.member,
        agreements,
        issuer,
        verifier,
        journal,
        landingUrl: typeof landing === "string" ? () => landing : landing,
        tokenTtl,
        rateLimit: shared.rateLimit,
        logStream: shared.logStream,
        logLevel: shared.logLevel,
        now,
      });
      const settlementAddress = shared.contracts.Settlement;
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
      const url = await app.listen({ host: tenant.host ?? "127.0.0.1", port: tenant.port ?? 0 });
      nodes.push({
        member: issuer.member,
        url,
        app,
        issuer,
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
          });
          return disputer.once();
        },
      });
    }
  } catch (error) {
    await close().catch(() => {});
    throw error;
  }
  return { nodes, store, journal, agreements, members, close };
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
): Promise<MemberNode & Pick<MemberNodes, "store" | "journal" | "close">> {
  const { member, account, landingUrl, host, port, ...shared } = options;
  const running = await startMemberNodes(shared, [{ member, account, landingUrl, host, port }]);
  return { ...running.nodes[0], store: running.store, journal: running.journal, close: running.close };
}
