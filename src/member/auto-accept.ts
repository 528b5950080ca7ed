import type { Account, Address, Chain, Hash, PublicClient, Transport, WalletClient } from "viem";
import { agreementBookAbi } from "../abi/contracts";
import type { AgreementTerms } from "./agreements";

/**
 * What a member accepts without a human: proposals whose every flow touching it pays at least
 * `minRate` (flows it receives cost at most `maxRate`), asks at most `maxCapPerEpoch` per flow,
 * involves no counterparty of a `refusedIndustries` industry, and keeps its partners within
 * `maxPartners`. Everything else waits for the CLI.
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
 * `currentPartners` the members this member already has Active agreements with.
 *
 * @example
 * const decision = decideProposal({ policy, member, proposal, industryOf, currentPartners });
 */
export function decideProposal({
  policy,
  member,
  proposal,
  industryOf,
  currentPartners,
}: {
  policy: AutoAcceptPolicy;
  member: Address;
  proposal: AgreementTerms;
  industryOf: (party: Address) => number | undefined;
  currentPartners: ReadonlySet<string>;
}): AutoAcceptDecision {
  const me = member.toLowerCase();
  const reasons: string[] = [];
  if (proposal.status !== "Proposed") reasons.push(`status is ${proposal.status}, not Proposed`);
  if (!proposal.parties.some((p) => p.toLowerCase() === me)) reasons.push("not a party");
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
  const partners = new Set(currentPartners);
  for (const party of proposal.parties) {
    const p = party.toLowerCase();
    if (p === me) continue;
    const industry = industryOf(party);
    if (industry === undefined) reasons.push(`industry of ${p} unknown`);
    else if (policy.refusedIndustries.includes(industry))
      reasons.push(`${p} is in refused industry ${industry}`);
    partners.add(p);
  }
  if (partners.size > policy.maxPartners)
    reasons.push(`${partners.size} partners > maxPartners ${policy.maxPartners}`);
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
