import type { Address } from "viem";
import { type MemberNodeSharedOptions, type MemberNodes, startMemberNodes } from "../../../src/member/node";
import { createOutboundClient } from "../../../src/net";
import { createStore, type Store } from "../../../src/store/store";
import { activeAgreement, type MemberChain, memberChain } from "./chain";

/** Two member nodes (alice and bob, one process) on a real registry, with an Active agreement. */
export interface TwoMemberNodes {
  chain: MemberChain;
  store: Store;
  running: MemberNodes;
  /** alice ⇄ bob: flow 0 alice → bob, flow 1 bob → alice. */
  agreementId: bigint;
  /** Agreements proposed with `moreAgreements`, in order (alice → bob, one flow each). */
  more: bigint[];
  /** The nodes' clock in unix seconds; a test may move it (tokens, epochs, schedules follow it). */
  clock: bigint;
  /** Stops the nodes and closes the store. */
  close(): Promise<void>;
}

/**
 * The set-up the tracking, privacy and fuzz tests share: a fresh registry on the in-process
 * Hardhat network, an Active alice ⇄ bob agreement, an in-memory store, and alice's and bob's
 * nodes (multi-tenant, each with its own HTTP server) whose clock stands `clockOffset` seconds
 * after the start of the last agreement.
 *
 * @example
 * const fx = await startTwoMemberNodes({ node: { rateLimit: 1e9 } });
 * const { token } = await followLink(fx.running, 0, fx.agreementId, 0);
 */
export async function startTwoMemberNodes({
  node = {},
  landing = ["https://bank.example/", "https://insurer.example/"],
  moreAgreements = 0,
  clockOffset = 5n,
}: {
  /** Node options on top of the defaults (no logs). */
  node?: Partial<MemberNodeSharedOptions>;
  /** Landing URLs of alice's and bob's recipients. */
  landing?: [string, string];
  moreAgreements?: number;
  clockOffset?: bigint;
} = {}): Promise<TwoMemberNodes> {
  const chain = await memberChain();
  const main = await activeAgreement(
    chain,
    ["alice", "bob"],
    [
      ["alice", "bob"],
      ["bob", "alice"],
    ],
  );
  const more: bigint[] = [];
  let lastStart = main.start;
  for (let i = 0; i < moreAgreements; i++) {
    const extra = await activeAgreement(chain, ["alice", "bob"], [["alice", "bob"]]);
    more.push(extra.agreementId);
    lastStart = extra.start;
  }
  const store = await createStore({ memory: true });
  const fx = { clock: lastStart + clockOffset } as TwoMemberNodes;
  let running: MemberNodes;
  try {
    running = await startMemberNodes(
      {
        chainId: chain.chainId,
        contracts: chain.contracts,
        publicClient: chain.publicClient,
        store,
        logStream: false,
        now: () => fx.clock,
        // Both nodes listen on 127.0.0.1: loopback is allowed explicitly.
        outbound: createOutboundClient({ allowPrivateNetworks: true }),
        ...node,
      },
      [
        {
          member: chain.registry.alice.address as Address,
          account: chain.keys.alice,
          landingUrl: landing[0],
        },
        { member: chain.registry.bob.address as Address, account: chain.keys.bob, landingUrl: landing[1] },
      ],
    );
  } catch (error) {
    await store.close();
    throw error;
  }
  return Object.assign(fx, {
    chain,
    store,
    running,
    agreementId: main.agreementId,
    more,
    close: async () => {
      await running.close();
      await store.close();
    },
  });
}
