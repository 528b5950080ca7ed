import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { agreementBookAbi } from "../abi/contracts";
import { acceptanceProblems } from "../matching/acceptance";
import type { AgreementTerms } from "./agreements";

/**
 * What a member accepts without a human: proposals whose every flow touching it pays at least
 * `minRate` (flows it receives cost at most `maxRate`), asks at most `maxCapPerEpoch` per flow,
 * and that are acceptable by the rule the matching engine builds agreements by
 * (src/matching/acceptance.ts): no co-party of a `refusedIndustries` industry nor one that
 * refuses the member's, and at most `maxPartners` co-parties — every other party of its
 * agreements and of the proposal, with a flow to the member or not. Everything else waits for
 * the CLI. A policy whose `refusedIndustries` are those its offers exclude accepts every
 * proposal the engine makes it.
 */
export interface AutoAcceptPolicy {
  minRate: bigint;
  maxRate?: bigint;
  maxCapPerEpoch: bigint;
  maxPartners: number;
  refusedIndustries: readonly number[];
}

export type AutoAcceptDecision = { accept: true } | { accept: false; reasons: string[] };

/**
 * Decides on a proposal (pure: no I/O). `industryOf` gives each party's industry code;
 * `refusedBy`, where known, the industries each party refuses (those its offers exclude);
 * `currentPartners` the co-parties (lower-case addresses) of this member's agreements.
 *
 * @example
 * const decision = decideProposal({ policy, member, proposal, industryOf, currentPartners });
 */
export function decideProposal({
  policy,
  member,
  proposal,
  industryOf,
  refusedBy,
  currentPartners,
}: {
  policy: AutoAcceptPolicy;
  member: Address;
  proposal: AgreementTerms;
  industryOf: (party: string) => number | undefined;
  refusedBy?: (party: string) => readonly number[] | undefined;
  currentPartners: ReadonlySet<string>;
}): AutoAcceptDecision {
  const me = member.toLowerCase();
  const reasons: string[] = [];
  if (proposal.status !== "Proposed") reasons.push(`status is ${proposal.status}, not Proposed`);
  for (const [index, flow] of proposal.flows.entries()) {
    const from = flow.from.toLowerCase();
    const to = flow.to.toLowerCase();
    if (from !== me && to !== me) continue;
    if (from === me && flow.rate < policy.minRate)
      reasons.push(`flow ${index} pays ${flow.rate} < minRate ${policy.minRate}`);
    if (to === me && policy.maxRate !== undefined && flow.rate > policy.maxRate)
      reasons.push(`flow ${index} costs ${flow.rate} > maxRate ${policy.maxRate}`);
    if (flow.capPerEpoch > policy.maxCapPerEpoch)
      reasons.push(`flow ${index} cap ${flow.capPerEpoch} > maxCapPerEpoch ${policy.maxCapPerEpoch}`);
  }
  const conflict = (_: string, other: string): string | undefined => {
    const industry = industryOf(other);
    if (industry === undefined) return `industry of ${other} unknown`;
    if (policy.refusedIndustries.includes(industry)) return `${other} is in refused industry ${industry}`;
    const mine = industryOf(me);
    if (mine !== undefined && refusedBy?.(other)?.includes(mine)) return `${other} refuses industry ${mine}`;
    return undefined;
  };
  const parties = proposal.parties.map((party) => party.toLowerCase());
  reasons.push(...acceptanceProblems(me, parties, currentPartners, policy.maxPartners, { conflict }));
  return reasons.length === 0 ? { accept: true } : { accept: false, reasons };
}

/** Accepts a proposal on chain (`AgreementBook.accept`) as the member's wallet. */
export async function acceptProposal(
  client: {
    publicClient: PublicClient;
    walletClient: WalletClient<Transport, Chain | undefined, Account>;
    agreementBook: Address;
  },
  agreementId: bigint,
): Promise<Hash> {
  const { request } = await client.publicClient.simulateContract({
    address: client.agreementBook,
    abi: agreementBookAbi,
    functionName: "accept",
    args: [agreementId],
    account: client.walletClient.account,
  } as never);
  const hash = await client.walletClient.writeContract(request as never);
  await client.publicClient.waitForTransactionReceipt({ hash });
  return hash;
}
