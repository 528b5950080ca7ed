import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { agreementBookAbi } from "../abi/contracts";
import type { AgreementDirectory } from "./agreements";
import { type AutoAcceptPolicy, acceptProposal, decideProposal } from "./auto-accept";
import type { PeerDirectory } from "./peer-directory";

/** What the node did with one proposal naming its member. */
export type ProposalOutcome =
  | { type: "accepted"; agreementId: bigint; txHash: Hex }
  | { type: "left-for-cli"; agreementId: bigint; reasons: string[] }
  | { type: "failed"; agreementId: bigint; reason: string };

export interface ProposalWatcherParameters {
  member: Address;
  policy: AutoAcceptPolicy;
  agreements: AgreementDirectory;
  /** Industries of the other parties come from their on-chain profiles. */
  peers: Pick<PeerDirectory, "profile">;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain | undefined, Account>;
  agreementBook: Address;
  /** First block to scan for `AgreementProposed` (the deployment's start block). */
  fromBlock?: bigint;
}

/**
 * The node's auto-accept: follows `AgreementProposed` for proposals naming this member, decides
 * each one once with the policy (`decideProposal`, counting the partners of its Active
 * agreements), accepts on chain those it allows and leaves the rest to the CLI
 * (`flowpact agreement accept|reject`). One pass per `once()`; a failed acceptance is retried
 * on the next pass.
 */
export function createProposalWatcher(p: ProposalWatcherParameters) {
  const me = p.member.toLowerCase();
  let nextBlock = p.fromBlock ?? 0n;
  /** Agreements naming this member, proposed or not: their Active ones give the partner count. */
  const mine = new Set<bigint>();
  /** Proposals already decided (accepted, or left for a human). */
  const decided = new Set<bigint>();
  return {
    async once(): Promise<ProposalOutcome[]> {
      const head = await p.publicClient.getBlockNumber({ cacheTime: 0 });
      if (head >= nextBlock) {
        const logs = (await p.publicClient.getContractEvents({
          address: p.agreementBook,
          abi: agreementBookAbi,
          eventName: "AgreementProposed",
          fromBlock: nextBlock,
          toBlock: head,
        } as never)) as unknown as Array<{ args: { agreementId: bigint; parties: readonly Address[] } }>;
        for (const { args } of logs)
          if (args.parties.some((party) => party.toLowerCase() === me)) mine.add(BigInt(args.agreementId));
        nextBlock = head + 1n;
      }
      const outcomes: ProposalOutcome[] = [];
      const partners = new Set<string>();
      const open: bigint[] = [];
      for (const id of mine) {
        const terms = await p.agreements.get(id);
        if (terms?.status === "Active")
          for (const party of terms.parties)
            if (party.toLowerCase() !== me) partners.add(party.toLowerCase());
        if (terms?.status === "Proposed" && !decided.has(id)) open.push(id);
      }
      for (const agreementId of open) {
        try {
          const proposal = await p.agreements.get(agreementId);
          if (proposal?.status !== "Proposed") continue;
          const accepted = (await p.publicClient.readContract({
            address: p.agreementBook,
            abi: agreementBookAbi,
            functionName: "hasAccepted",
            args: [agreementId, p.member],
          } as never)) as boolean;
          if (accepted) {
            decided.add(agreementId);
            continue;
          }
          const industries = new Map<string, number>();
          for (const party of proposal.parties) {
            const profile = await p.peers.profile(party);
            if (profile) industries.set(party.toLowerCase(), profile.industry);
          }
          const decision = decideProposal({
            policy: p.policy,
            member: p.member,
            proposal,
            industryOf: (party) => industries.get(party.toLowerCase()),
            currentPartners: partners,
          });
          if (!decision.accept) {
            decided.add(agreementId);
            outcomes.push({ type: "left-for-cli", agreementId, reasons: decision.reasons });
            continue;
          }
          const txHash = await acceptProposal(
            { publicClient: p.publicClient, walletClient: p.walletClient, agreementBook: p.agreementBook },
            agreementId,
          );
          decided.add(agreementId);
          for (const party of proposal.parties)
            if (party.toLowerCase() !== me) partners.add(party.toLowerCase());
          outcomes.push({ type: "accepted", agreementId, txHash });
        } catch (error) {
          outcomes.push({ type: "failed", agreementId, reason: (error as Error).message.split("\n")[0] });
        }
      }
      return outcomes;
    },
  };
}
