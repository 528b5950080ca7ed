/**
 * The e2e benchmark's consortium on a real Hardhat node: FlowPact deployed by dev account #0
 * (governor and matcher), members admitted, Active agreements (two-way pairs and one 3-party
 * cycle) with short epochs that all start together, and a clock the member nodes share with the
 * chain.
 */
import { type Address, keccak256, type LocalAccount, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import {
  acceptAgreement,
  admitMember,
  applyForMembership,
  createFlowPactClients,
  deployFlowPact,
  type FlowPactClient,
  proposeAgreement,
  setCreditLimit,
} from "../../../src/chain";
import type { Flow } from "../../../src/chain/types";
import { DEV_KEYS, type LocalNode } from "../../../test/service/helpers/hardhatNode";
import { type ChainClock, startChainClock } from "./chain-clock";

export interface BenchAgreement {
  id: bigint;
  parties: Address[];
  flows: Flow[];
}

export interface BenchConsortium {
  governor: FlowPactClient;
  members: Array<{ address: Address; account: LocalAccount; client: FlowPactClient }>;
  agreements: BenchAgreement[];
  /** Every agreement's schedule: epoch e covers [start + e*epochLength, start + (e+1)*epochLength). */
  start: bigint;
  epochLength: bigint;
  clock: ChainClock;
}

export interface ConsortiumPlan {
  /** Active agreements to create (≥ 2): one 3-party cycle, the rest two-way pairs. */
  agreements: number;
  /** Members to admit (dev accounts 1…members, at most 19). */
  members: number;
  epochLength: bigint;
  log: (line: string) => void;
}

/** The consortium cannot be built as asked. */
export class ConsortiumPlanError extends Error {
  override name = "ConsortiumPlanError";
}

// Caps far above any run: every acked referral must settle, none is cut at the cap.
const CAP_PER_EPOCH = 10n ** 15n;
// Epochs each agreement runs: far more than a run lasts, so no agreement ends mid-run.
const EPOCHS = 100_000n;

/**
 * Who trades with whom: agreement 0 is a 3-party cycle among the last three members; agreement
 * k ≥ 1 is a two-way pair, (m, m+1), (m, m+2), … walking round the members so no pair repeats
 * before every neighbour distance has been used.
 */
export function agreementParties(agreements: number, members: number): number[][] {
  if (members < 3) throw new ConsortiumPlanError("the 3-party cycle needs at least 3 members");
  const layout: number[][] = [[members - 3, members - 2, members - 1]];
  for (let k = 0; k < agreements - 1; k++) {
    const distance = 1 + Math.floor(k / members);
    if (distance >= members)
      throw new ConsortiumPlanError(`${agreements} agreements need more than ${members} members`);
    layout.push([k % members, (k + distance) % members]);
  }
  return layout;
}

export async function setUpConsortium(node: LocalNode, plan: ConsortiumPlan): Promise<BenchConsortium> {
  if (plan.members + 1 > DEV_KEYS.length)
    throw new ConsortiumPlanError(`at most ${DEV_KEYS.length - 1} members (funded dev accounts)`);
  if (plan.agreements < 2) throw new ConsortiumPlanError("at least 2 agreements (a pair and a cycle)");
  const governorClients = await createFlowPactClients(
    { rpcUrl: node.rpcUrl, chainId: undefined },
    { account: privateKeyToAccount(DEV_KEYS[0]), pollingInterval: 20 },
  );
  // Windows long enough that a loaded machine never misses a submission; no claim is expected.
  const deployment = await deployFlowPact(governorClients, {
    submissionWindow: 86_400n,
    challengeWindow: 86_400n,
  });
  const governor: FlowPactClient = { ...governorClients, deployment };

  const members = await Promise.all(
    DEV_KEYS.slice(1, plan.members + 1).map(async (key) => {
      const account = privateKeyToAccount(key);
      const clients = await createFlowPactClients(
        { rpcUrl: node.rpcUrl, chainId: governorClients.chain.id },
        { account, pollingInterval: 20 },
      );
      return { address: account.address, account, client: { ...clients, deployment } as FlowPactClient };
    }),
  );
  await Promise.all(
    members.map((m, i) =>
      applyForMembership(m.client, {
        profile: {
          industry: 1 + (i % 12),
          segments: 1n,
          uri: `https://member-${i + 1}.example/flowpact.json`,
          contentHash: keccak256(toHex(`bench member ${i + 1}`)),
          signer: m.address,
        },
      }),
    ),
  );
  for (const m of members) {
    await admitMember(governor, { member: m.address });
    await setCreditLimit(governor, { member: m.address, limit: 10n ** 30n });
  }
  plan.log(`e2e: deployed FlowPact, admitted ${members.length} members`);

  const latest = async () =>
    BigInt((await node.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false])).timestamp);
  // Every agreement starts at the same time, well after the proposals and acceptances are mined.
  const start = (await latest()) + 3_600n;
  const agreements: BenchAgreement[] = [];
  for (const [k, indices] of agreementParties(plan.agreements, plan.members).entries()) {
    const parties = indices.map((i) => members[i].address);
    // The cycle a→b→c→a; a pair both ways. Rates differ so credits differ per flow.
    const ends =
      parties.length === 2
        ? [parties, [parties[1], parties[0]]]
        : parties.map((p, i) => [p, parties[(i + 1) % parties.length]]);
    const flows: Flow[] = ends.map(([from, to], i) => ({
      from,
      to,
      segments: 1n,
      capPerEpoch: CAP_PER_EPOCH,
      rate: BigInt(1 + ((k + i) % 9)),
    }));
    const { agreementId } = await proposeAgreement(governor, {
      parties,
      flows,
      schedule: {
        start,
        end: start + plan.epochLength * EPOCHS,
        epochLength: plan.epochLength,
        noticeEpochs: 1n,
      },
      proposalExpiry: start,
    });
    // One party after another: the last acceptance activates the agreement (more gas).
    for (const i of indices) await acceptAgreement(members[i].client, { agreementId });
    agreements.push({ id: agreementId, parties, flows });
  }
  plan.log(
    `e2e: ${agreements.length} Active agreements (${agreements.reduce((n, a) => n + a.flows.length, 0)} flows, one 3-party cycle), epochs of ${plan.epochLength} s`,
  );
  const clock = await startChainClock(node, start);
  return { governor, members, agreements, start, epochLength: plan.epochLength, clock };
}
