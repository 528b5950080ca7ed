import { type Address, keccak256, toHex } from "viem";
import {
  acceptAgreement,
  admitMember,
  applyForMembership,
  declineMember,
  type FlowPactClient,
  postOffer,
  proposeAgreement,
  reinstateMember,
  rejectAgreement,
  setCreditLimit,
  suspendMember,
  transferCredits,
  updateOffer,
  withdrawOffer,
  writeFlowPact,
} from "../../../src/chain";
import { signBatch } from "../../../src/receipts/batch-signature";
import { clientFor } from "./flowpact";
import type { LocalNode } from "./hardhatNode";

export interface Scenario {
  governor: FlowPactClient;
  members: FlowPactClient[];
}

const addressOf = (c: FlowPactClient): Address => c.walletClient!.account.address;

async function now(node: LocalNode): Promise<bigint> {
  const block = await node.rpc<{ timestamp: string }>("eth_getBlockByNumber", ["latest", false]);
  return BigInt(block.timestamp);
}

/** Admits `count` members (dev accounts 1…count) with credit limits: the common start. */
export async function admitMembers(
  node: LocalNode,
  governor: FlowPactClient,
  count: number,
): Promise<Scenario> {
  const members: FlowPactClient[] = [];
  for (let i = 1; i <= count; i++) {
    const member = await clientFor(node, governor, i);
    await applyForMembership(member, {
      profile: {
        industry: i % 12 || 1,
        segments: BigInt(1 + (i % 7)),
        uri: `https://member-${i}.example/profile.json`,
        contentHash: keccak256(toHex(`member ${i}`)),
        signer: addressOf(member),
      },
    });
    await admitMember(governor, { member: addressOf(member) });
    await setCreditLimit(governor, { member: addressOf(member), limit: 1_000_000n });
    members.push(member);
  }
  return { governor, members };
}

/**
 * Exercises every handler family on a real chain: member transitions (incl. a decline), offers
 * posted/updated/withdrawn, credit transfers, a 3-party agreement accepted by all, a rejected
 * one, and a co-signed batch that settles into the ledger.
 */
export async function runLifecycle(node: LocalNode, { governor, members }: Scenario): Promise<void> {
  const [a, b, c] = members;
  const t0 = await now(node);

  const applicant = await clientFor(node, governor, 9);
  await applyForMembership(applicant, {
    profile: {
      industry: 3,
      segments: 1n,
      uri: "https://x.example",
      contentHash: keccak256(toHex("x")),
      signer: addressOf(applicant),
    },
  });
  await declineMember(governor, { member: addressOf(applicant), reason: "incomplete" });
  await suspendMember(governor, { member: addressOf(c), reason: "review" });
  await reinstateMember(governor, { member: addressOf(c) });

  const terms = {
    supplySegments: 0b11n,
    capacityPerEpoch: 100n,
    minRate: 2n,
    demandSegments: 0b100n,
    volumePerEpoch: 50n,
    maxRate: 5n,
    excludedIndustries: 0n,
    expiry: t0 + 30n * 86_400n,
  };
  const { offerId } = await postOffer(a, { terms });
  await updateOffer(a, { offerId, terms: { ...terms, capacityPerEpoch: 150n } });
  const { offerId: second } = await postOffer(b, { terms });
  await withdrawOffer(b, { offerId: second });

  await transferCredits(a, { to: b.walletClient!.account.address, amount: 40n });
  await transferCredits(b, { to: c.walletClient!.account.address, amount: 15n });

  const epochLength = 3_600n;
  const start = t0 + 600n;
  const flows = [
    { from: addressOf(a), to: addressOf(b), segments: 1n, capPerEpoch: 100n, rate: 3n },
    { from: addressOf(b), to: addressOf(c), segments: 2n, capPerEpoch: 100n, rate: 2n },
    { from: addressOf(c), to: addressOf(a), segments: 1n, capPerEpoch: 100n, rate: 4n },
  ];
  const schedule = { start, end: start + 10n * epochLength, epochLength, noticeEpochs: 1n };
  const parties = [addressOf(a), addressOf(b), addressOf(c)];
  const { agreementId } = await proposeAgreement(governor, {
    parties,
    flows,
    schedule,
    proposalExpiry: t0 + 300n,
  });
  for (const party of [a, b, c]) await acceptAgreement(party, { agreementId });
  const { agreementId: rejected } = await proposeAgreement(governor, {
    parties: parties.slice(0, 2),
    flows: [flows[0], { ...flows[0], from: addressOf(b), to: addressOf(a) }],
    schedule,
    proposalExpiry: t0 + 300n,
  });
  await rejectAgreement(b, { agreementId: rejected });

  // Epoch 0 ends; b co-signs a's batch of 42 referrals and a commits it: 42 × 3 credits b → a.
  await node.rpc("evm_setNextBlockTimestamp", [Number(start + epochLength + 1n)]);
  await node.rpc("evm_mine");
  const root = keccak256(toHex("receipts of epoch 0"));
  const signature = await signBatch(b.walletClient!, {
    chainId: b.chain.id,
    settlement: b.deployment.contracts.Settlement,
    batch: { recipient: addressOf(b), agreementId, flow: 0, epoch: 0n, count: 42n, root },
  });
  await writeFlowPact(a, {
    contract: "Settlement",
    functionName: "commit",
    args: [agreementId, 0n, 0n, 42n, root, signature],
  });
}

/** `count` credit transfers between the members, round robin (cheap, one event each). */
export async function transfers({ members }: Scenario, count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const from = members[i % members.length];
    const to = members[(i + 1) % members.length];
    await transferCredits(from, { to: to.walletClient!.account.address, amount: BigInt(1 + (i % 9)) });
  }
}
