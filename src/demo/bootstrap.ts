import { type Address, keccak256, parseEther, toHex } from "viem";
import type { PrivateKeyAccount } from "viem/accounts";
import {
  acceptAgreement,
  admitMember,
  applyForMembership,
  createFlowPactClients,
  deployFlowPact,
  type FlowPactClient,
  postOffer,
  proposeAgreement,
  setCreditLimit,
} from "../chain";
import type { Deployment } from "../chain/deployments";
import { DEFAULT_MATCHING_CONFIG, generateDemoConsortium, solveMatchingGreedy } from "../matching";
import type { MatchingInstance } from "../matching/types";

export interface DemoTiming {
  /** Seconds per epoch of the demo's agreements (short, so settlement shows within a minute). */
  epochLength: bigint;
  /** Epochs each demo agreement runs. */
  epochs: bigint;
  /** Seconds between an agreement's proposal and its start (the parties accept meanwhile). */
  acceptanceSeconds: bigint;
}

export interface BootstrapResult {
  deployment: Deployment;
  members: Address[];
  names: Map<Address, string>;
  agreements: bigint[];
}

type Rpc = <T>(method: string, params?: unknown[]) => Promise<T>;

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

/** The demo consortium with the generator's ids replaced by the demo's member accounts. */
function demoInstance(accounts: readonly PrivateKeyAccount[]) {
  const { instance, names } = generateDemoConsortium(1);
  const idOf = new Map(instance.members.map((m, i) => [m.id, accounts[i].address.toLowerCase()]));
  const id = (generated: string) => idOf.get(generated) as string;
  const remapped: MatchingInstance = {
    // Balances start at zero on a fresh ledger: the generator's random history is not replayed.
    members: instance.members.map((m) => ({ ...m, id: id(m.id), creditBalance: 0n })),
    supply: instance.supply.map((o) => ({ ...o, member: id(o.member) })),
    demand: instance.demand.map((o) => ({ ...o, member: id(o.member) })),
    agreements: [],
    history: instance.history.map((h) => ({ ...h, from: id(h.from), to: id(h.to) })),
  };
  const named = new Map(instance.members.map((m) => [id(m.id) as Address, names.get(m.id) ?? m.id]));
  return { instance: remapped, names: named };
}

/**
 * Deploys FlowPact on the local chain and builds the demo consortium: the 30 named institutions
 * of the matching generator apply, the governor admits them and sets their credit limits, each
 * posts its supply and demand as one offer, and the matching engine's greedy solution is proposed
 * with short epochs and accepted by every party, so traffic can settle within a minute.
 *
 * The matcher here is the governor (dev key #0), which holds MATCHER_ROLE after deployment.
 */
export async function bootstrapConsortium(options: {
  rpcUrl: string;
  rpc: Rpc;
  governorKey: PrivateKeyAccount;
  accounts: readonly PrivateKeyAccount[];
  timing: DemoTiming;
  maxAgreements: number;
  challengeWindow: bigint;
  submissionWindow: bigint;
  log: (line: string) => void;
}): Promise<BootstrapResult> {
  const { rpcUrl, rpc, accounts, timing, log } = options;
  const clients = await createFlowPactClients(
    { rpcUrl, chainId: undefined },
    { account: options.governorKey, pollingInterval: 50 },
  );
  const deployment = await deployFlowPact(clients, {
    challengeWindow: options.challengeWindow,
    submissionWindow: options.submissionWindow,
    disputeBond: parseEther("0.01"),
  });
  const governor: FlowPactClient = { ...clients, deployment };
  log(`deployed FlowPact (Consortium ${deployment.contracts.Consortium})`);

  const { instance, names } = demoInstance(accounts);
  const members: FlowPactClient[] = [];
  for (const account of accounts) {
    // A local Hardhat chain only: fund the generated keys without spending the governor's nonces.
    await rpc("hardhat_setBalance", [account.address, toHex(parseEther("100"))]);
    const c = await createFlowPactClients(
      { rpcUrl, chainId: clients.chain.id },
      { account, pollingInterval: 50 },
    );
    members.push({ ...c, deployment });
  }
  const expiry = BigInt(Math.floor(Date.now() / 1000)) + 30n * 86_400n;
  // Each member's own transactions run in parallel (separate accounts, separate nonces).
  await Promise.all(
    instance.members.map(async (m, i) => {
      const client = members[i];
      const name = names.get(m.id as Address) ?? m.id;
      const supply = instance.supply.filter((o) => o.member === m.id);
      const demand = instance.demand.filter((o) => o.member === m.id);
      const supplySegments = supply.reduce((acc, o) => acc | o.segments, 0n);
      const demandSegments = demand.reduce((acc, o) => acc | o.segments, 0n);
      await applyForMembership(client, {
        profile: {
          industry: m.industry,
          segments: supplySegments | demandSegments || 1n,
          uri: `https://${slug(name)}.example/flowpact.json`,
          contentHash: keccak256(toHex(name)),
          signer: accounts[i].address,
        },
      });
    }),
  );
  for (const [i, m] of instance.members.entries()) {
    await admitMember(governor, { member: accounts[i].address });
    await setCreditLimit(governor, { member: accounts[i].address, limit: m.creditLimit });
  }
  log(`admitted ${accounts.length} institutions and set their credit limits`);
  // Supply and demand as separate offers: a member may ask more per referral than it pays.
  const none = {
    supplySegments: 0n,
    capacityPerEpoch: 0n,
    minRate: 0n,
    demandSegments: 0n,
    volumePerEpoch: 0n,
    maxRate: 0n,
  };
  await Promise.all(
    instance.members.map(async (m, i) => {
      for (const o of instance.supply.filter((s) => s.member === m.id))
        await postOffer(members[i], {
          terms: {
            ...none,
            supplySegments: o.segments,
            capacityPerEpoch: BigInt(o.capacity),
            minRate: BigInt(o.minRate),
            excludedIndustries: o.excludedIndustries,
            expiry,
          },
        });
      for (const o of instance.demand.filter((d) => d.member === m.id))
        await postOffer(members[i], {
          terms: {
            ...none,
            demandSegments: o.segments,
            volumePerEpoch: BigInt(o.volume),
            maxRate: BigInt(o.maxRate),
            excludedIndustries: o.excludedIndustries,
            expiry,
          },
        });
    }),
  );
  log("posted the members' offers");

  const { proposals, report } = solveMatchingGreedy(instance, DEFAULT_MATCHING_CONFIG);
  const chosen = [...proposals].sort((a, b) => b.surplus - a.surplus).slice(0, options.maxAgreements);
  log(
    `matching (${report.method}): ${proposals.length} agreements proposed by the engine, ${chosen.length} used by the demo`,
  );
  const byAddress = new Map(members.map((c, i) => [accounts[i].address.toLowerCase(), c]));
  const agreements: bigint[] = [];
  for (const proposal of chosen) {
    const block = await rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
    const now = BigInt(Math.max(Number(BigInt(block.timestamp)), Math.floor(Date.now() / 1000)));
    const start = now + timing.acceptanceSeconds;
    const { agreementId } = await proposeAgreement(governor, {
      parties: proposal.parties as Address[],
      flows: proposal.flows.map((f) => ({ ...f, from: f.from as Address, to: f.to as Address })),
      schedule: {
        start,
        end: start + timing.epochLength * timing.epochs,
        epochLength: timing.epochLength,
        noticeEpochs: 1n,
      },
      proposalExpiry: start,
    });
    // One after another: the last acceptance activates the agreement and costs more gas, so a
    // concurrent estimate made before another party's acceptance would run out of gas.
    for (const p of proposal.parties) {
      const party = byAddress.get(p.toLowerCase());
      if (!party) throw new Error(`the demo holds no key for party ${p}`);
      await acceptAgreement(party, { agreementId });
    }
    agreements.push(agreementId);
  }
  log(`${agreements.length} agreements accepted by all their parties`);
  return {
    deployment,
    members: accounts.map((a) => a.address),
    names,
    agreements,
  };
}
