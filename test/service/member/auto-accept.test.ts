import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";
import { type Address, createWalletClient, custom } from "viem";
import { hardhat } from "viem/chains";
import { generateConsortium } from "../../../src/matching/generator";
import { loadMatchingSolver } from "../../../src/matching/highs";
import { solveMatching } from "../../../src/matching/solve";
import { DEFAULT_MATCHING_CONFIG } from "../../../src/matching/types";
import { createChainAgreementDirectory } from "../../../src/member/agreements";
import { acceptProposal, decideProposal } from "../../../src/member/auto-accept";
import type { Deployed } from "../../contracts/fixtures";
import { memberChain } from "./chain";

describe("member node: auto-accept policy", function () {
  this.timeout(120_000);

  it("accepts on chain the proposals its policy allows and leaves the others to the CLI", async () => {
    const chain = await memberChain();
    const { registry } = chain;
    const start = BigInt(await time.latest()) + 600n;
    const schedule = { start, end: start + 36_000n, epochLength: 3_600n, noticeEpochs: 1n };
    const book = registry.agreementBook.connect(registry.matcher) as Deployed;
    const propose = async (to: string, rate: bigint, cap: bigint) => {
      const id = (await book.agreementCount()) + 1n;
      await book.propose(
        [registry.alice.address, to],
        [
          { from: registry.alice.address, to, segments: 1n, capPerEpoch: cap, rate },
          { from: to, to: registry.alice.address, segments: 1n, capPerEpoch: cap, rate },
        ],
        schedule,
        start,
      );
      return id;
    };
    const good = await propose(registry.bob.address, 10n, 100n); // bob: insurance (2)
    const cheap = await propose(registry.bob.address, 1n, 100n);
    const competitor = await propose(registry.dave.address, 10n, 100n); // dave: local services (4)
    const agreements = createChainAgreementDirectory({
      publicClient: chain.publicClient,
      agreementBook: chain.contracts.AgreementBook,
    });
    const industries: Record<string, number> = {
      [registry.bob.address.toLowerCase()]: 2,
      [registry.dave.address.toLowerCase()]: 4,
    };
    const policy = {
      minRate: 5n,
      maxRate: 20n,
      maxCapPerEpoch: 500n,
      maxPartners: 3,
      refusedIndustries: [4],
    };
    const walletClient = createWalletClient({
      account: chain.keys.alice,
      chain: hardhat,
      transport: custom(hre.network.provider),
    });
    const decisions = new Map<bigint, ReturnType<typeof decideProposal>>();
    for (const id of [good, cheap, competitor]) {
      const proposal = await agreements.get(id);
      if (!proposal) throw new Error(`proposal ${id} not found`);
      const decision = decideProposal({
        policy,
        member: registry.alice.address as Address,
        proposal,
        industryOf: (party) => industries[party.toLowerCase()],
        currentPartners: new Set(),
      });
      decisions.set(id, decision);
      if (decision.accept)
        await acceptProposal(
          { publicClient: chain.publicClient, walletClient, agreementBook: chain.contracts.AgreementBook },
          id,
        );
    }
    expect(decisions.get(good)).to.deep.equal({ accept: true });
    expect(decisions.get(cheap)).to.deep.include({ accept: false });
    expect(JSON.stringify(decisions.get(cheap))).to.include("minRate");
    expect(JSON.stringify(decisions.get(competitor))).to.include("refused industry 4");
    expect(await registry.agreementBook.hasAccepted(good, registry.alice.address)).to.equal(true);
    expect(await registry.agreementBook.hasAccepted(cheap, registry.alice.address)).to.equal(false);
    expect(await registry.agreementBook.hasAccepted(competitor, registry.alice.address)).to.equal(false);
    // partner limit: with three partners already, a fourth is refused
    const proposal = await agreements.get(good);
    const full = decideProposal({
      policy,
      member: registry.alice.address as Address,
      proposal: { ...(proposal as NonNullable<typeof proposal>), status: "Proposed" },
      industryOf: () => 2,
      currentPartners: new Set(["0x1", "0x2", "0x3"]),
    });
    expect(JSON.stringify(full)).to.include("maxPartners");
  });

  it("accepts every proposal the matching engine makes to a member whose policy is its offers (100 generated members)", async () => {
    const highs = await loadMatchingSolver();
    const { instance } = generateConsortium({ members: 100, seed: 20261222 });
    const config = { ...DEFAULT_MATCHING_CONFIG, timeLimitSeconds: 20, mipRelativeGap: 0.02 };
    const { proposals } = solveMatching(highs, instance, config);
    const industry = new Map(instance.members.map((m) => [m.id.toLowerCase(), m.industry]));
    const offersOf = (member: string) =>
      [...instance.supply, ...instance.demand].filter((o) => o.member.toLowerCase() === member);
    const bitsOf = (bitmap: bigint) => [...Array(256).keys()].filter((k) => (bitmap >> BigInt(k)) & 1n);
    // Each member's policy: what its offers say (any offer's exclusion refuses the industry).
    const refused = new Map(
      instance.members.map((m) => {
        const id = m.id.toLowerCase();
        return [id, bitsOf(offersOf(id).reduce((acc, o) => acc | o.excludedIndustries, 0n))];
      }),
    );
    const partners = new Map(instance.members.map((m) => [m.id.toLowerCase(), new Set<string>()]));
    for (const a of instance.agreements)
      for (const x of a.parties)
        for (const y of a.parties) if (x !== y) partners.get(x.toLowerCase())!.add(y.toLowerCase());
    const refusals: string[] = [];
    for (const [k, proposal] of proposals.entries()) {
      const terms = {
        agreementId: BigInt(k + 1),
        status: "Proposed" as const,
        parties: proposal.parties as Address[],
        flows: proposal.flows.map((f) => ({ ...f, from: f.from as Address, to: f.to as Address })),
        start: 0n,
        end: 1n,
        epochLength: 1n,
        settleableEpochs: 1n,
      };
      for (const party of proposal.parties) {
        const me = party.toLowerCase();
        const decision = decideProposal({
          policy: {
            minRate: 0n,
            maxCapPerEpoch: 10n ** 18n,
            maxPartners:
              instance.members.find((m) => m.id.toLowerCase() === me)!.maxPartners ?? config.maxPartners,
            refusedIndustries: refused.get(me)!,
          },
          member: party as Address,
          proposal: terms as never,
          industryOf: (p) => industry.get(p.toLowerCase()),
          refusedBy: (p) => refused.get(p.toLowerCase()),
          currentPartners: partners.get(me)!,
        });
        if (!decision.accept)
          refusals.push(`${proposal.kind} ${k} refused by ${me}: ${decision.reasons.join("; ")}`);
        else
          for (const other of proposal.parties)
            if (other !== party) partners.get(me)!.add(other.toLowerCase());
      }
    }
    expect(proposals.length).to.be.greaterThan(10);
    expect(refusals, refusals.join("\n")).to.deep.equal([]);
  });
});
