import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import hre from "hardhat";
import { type Address, createPublicClient, createWalletClient, custom, type PublicClient } from "viem";
import { hardhat } from "viem/chains";
import type { MemberRegistry } from "../../../src/member/members";
import {
  type MemberNodeSharedOptions,
  type MemberNodes,
  type MemberTenantOptions,
  startMemberNodes,
} from "../../../src/member/node";
import { createChainPeerDirectory } from "../../../src/member/peer-directory";
import { createOutboundClient } from "../../../src/net";
import { createStore, type Store } from "../../../src/store/store";
import {
  createActiveAgreement,
  deploySettlementFixture,
  type SettlementFixture,
} from "../../contracts/settlement/fixture";
import { devAccount } from "./chain";
import { setNodeUri } from "./profiles";

/** Three settling member nodes (alice, bob, carol; one process) on an Active 3-party cycle. */
export interface CycleNodes {
  f: SettlementFixture;
  store: Store;
  running: MemberNodes;
  publicClient: PublicClient;
  contracts: { AgreementBook: Address; Consortium: Address; Settlement: Address };
  /** alice → bob (flow 0), bob → carol (flow 1), carol → alice (flow 2). */
  agreementId: bigint;
  start: bigint;
  /** The nodes' clock in unix seconds; a test moves it (tokens, epochs, deadlines follow it). */
  clock: bigint;
  /** Stops the nodes and closes the store. */
  close(): Promise<void>;
}

/**
 * The set-up the settlement, settlement-loop and conversion-feed tests share: the settlement
 * fixture on the in-process Hardhat network, an Active alice → bob → carol → alice agreement,
 * an in-memory store, and the three members' nodes (each with its own HTTP server and wallet),
 * found by each other through the `uri` of their on-chain profile (read fresh every time), with
 * their clock 10 s into epoch 0.
 *
 * @example
 * const fx = await startCycleNodes({ rates: [7n, 5n, 3n], epochLength: 3_600n, node: { claimAfter: 1_800n } });
 * fx.clock = fx.start + 3_600n; // epoch 0 is over
 */
export async function startCycleNodes({
  rates,
  segments = [1n, 1n, 1n],
  epochLength,
  node = {},
  tenant = {},
  nodeUris = (urls) => urls,
  registry,
}: {
  rates: readonly [bigint, bigint, bigint];
  segments?: readonly [bigint, bigint, bigint];
  epochLength: bigint;
  /** Node options on top of the defaults (no logs, profile peers). */
  node?: Partial<MemberNodeSharedOptions>;
  /** Options every tenant gets (e.g. an auto-accept policy). */
  tenant?: Partial<MemberTenantOptions>;
  /** The profile `uri` each member publishes, from its node's URL (default: that URL). */
  nodeUris?: (urls: string[]) => string[];
  /** The nodes' member registry, from the Consortium's address (default: the chain's, uncounted). */
  registry?: (consortium: Address) => MemberRegistry;
}): Promise<CycleNodes> {
  const f = await loadFixture(deploySettlementFixture);
  const parties = [f.alice, f.bob, f.carol];
  const { agreementId, start } = await createActiveAgreement(
    f.agreements,
    parties,
    parties.map((from, i) => ({
      from: from.address,
      to: parties[(i + 1) % 3].address,
      segments: segments[i],
      capPerEpoch: 1_000n,
      rate: rates[i],
    })),
    { epochLength },
  );
  const publicClient = createPublicClient({
    chain: hardhat,
    transport: custom(hre.network.provider),
  }) as PublicClient;
  const contracts = {
    AgreementBook: (await f.agreements.getAddress()) as Address,
    Consortium: (await f.consortium.getAddress()) as Address,
    Settlement: f.settlementAddress as Address,
  };
  const store = await createStore({ memory: true });
  const fx = { clock: start + 10n } as CycleNodes;
  const keys = [devAccount(3), devAccount(4), devAccount(5)];
  let running: MemberNodes;
  try {
    running = await startMemberNodes(
      {
        chainId: hardhat.id,
        contracts,
        publicClient,
        store,
        logStream: false,
        // Peers are found through their on-chain profile `uri` (read fresh: tests change them).
        peers: createChainPeerDirectory({ publicClient, consortium: contracts.Consortium, ttlMs: 0 }),
        now: () => fx.clock,
        ...(registry ? { members: registry(contracts.Consortium) } : {}),
        // The nodes listen on 127.0.0.1: loopback is allowed explicitly.
        outbound: createOutboundClient({ allowPrivateNetworks: true }),
        ...node,
      },
      parties.map((party, i) => ({
        member: party.address as Address,
        account: keys[i],
        landingUrl: `https://member-${i}.example/`,
        walletClient: createWalletClient({
          account: keys[i],
          chain: hardhat,
          transport: custom(hre.network.provider),
        }),
        ...tenant,
      })),
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  const uris = nodeUris(running.nodes.map((n) => n.url));
  for (const [i, party] of parties.entries()) await setNodeUri(f.consortium, party, uris[i]);
  return Object.assign(fx, {
    f,
    store,
    running,
    publicClient,
    contracts,
    agreementId,
    start,
    close: async () => {
      await running.close();
      await store.close();
    },
  });
}
