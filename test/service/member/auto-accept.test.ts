import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import hre from "hardhat";
import { type Address, createWalletClient, custom } from "viem";
import { hardhat } from "viem/chains";
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
});
