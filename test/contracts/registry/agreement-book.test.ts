import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { AbiCoder, keccak256, TypedDataEncoder, ZeroAddress, ZeroHash } from "ethers";
import fc from "fast-check";
import { ethers } from "hardhat";
import {
  type AgreementSchedule,
  AgreementStatus,
  DAY,
  type Deployed,
  deployRegistry,
  type Flow,
  flow,
  GOVERNOR_ROLE,
  HOUR,
  profileFor,
  propose,
  scheduleFromNow,
  signAcceptance,
  viaWallet,
} from "../fixtures";

const FLOW_TUPLE = "tuple(address from,address to,uint256 segments,uint64 capPerEpoch,uint128 rate)[]";
const SCHEDULE_TUPLE = "tuple(uint64 start,uint64 end,uint64 epochLength,uint64 noticeEpochs)";

function termsHashOf(parties: string[], flows: Flow[], s: AgreementSchedule): string {
  const encoded = AbiCoder.defaultAbiCoder().encode(
    ["address[]", FLOW_TUPLE, SCHEDULE_TUPLE],
    [
      parties,
      flows.map((f) => [f.from, f.to, f.segments, f.capPerEpoch, f.rate]),
      [s.start, s.end, s.epochLength, s.noticeEpochs],
    ],
  );
  return keccak256(encoded);
}

/** Registry plus a proposed two-party agreement alice ⇄ bob, proposed by the matcher. */
async function withPairProposal() {
  const registry = await deployRegistry();
  const { agreementBook, matcher, alice, bob } = registry;
  const flows = [flow(alice.address, bob.address), flow(bob.address, alice.address, { rate: 4n })];
  const { agreementId, schedule } = await propose(
    agreementBook,
    matcher,
    [alice.address, bob.address],
    flows,
  );
  return { ...registry, agreementId, schedule, flows };
}

describe("AgreementBook", () => {
  it("refuses a zero consortium address at deployment", async () => {
    const factory = await ethers.getContractFactory("AgreementBook");
    await expect(ethers.deployContract("AgreementBook", [ZeroAddress])).to.be.revertedWithCustomError(
      factory,
      "ConsortiumZeroAddress",
    );
  });

  describe("propose", () => {
    it("lets a MATCHER propose: id, terms hash computed on chain, full event", async () => {
      const { agreementBook, matcher, alice, bob } = await loadFixture(deployRegistry);
      const parties = [alice.address, bob.address];
      const flows = [flow(alice.address, bob.address)];
      const s = await scheduleFromNow();
      const hash = termsHashOf(parties, flows, s);
      await expect((agreementBook.connect(matcher) as Deployed).propose(parties, flows, s, s.start))
        .to.emit(agreementBook, "AgreementProposed")
        .withArgs(
          1n,
          matcher.address,
          hash,
          parties,
          flows.map((f) => Object.values(f)),
          Object.values(s),
          s.start,
        );
      expect(await agreementBook.termsHash(1n)).to.equal(hash);
      expect(await agreementBook.proposer(1n)).to.equal(matcher.address);
      expect(await agreementBook.agreementStatus(1n)).to.equal(AgreementStatus.Proposed);
      expect(await agreementBook.status(1n)).to.equal(AgreementStatus.Proposed);
      expect(await agreementBook.agreementCount()).to.equal(1n);
      expect(await agreementBook.parties(1n)).to.deep.equal(parties);
      expect((await agreementBook.flows(1n)).map((f: unknown[]) => [...f])).to.deep.equal(
        flows.map((f) => Object.values(f)),
      );
      const [storedSchedule, expiry] = await agreementBook.schedule(1n);
      expect([...storedSchedule]).to.deep.equal(Object.values(s));
      expect(expiry).to.equal(s.start);
      expect(await agreementBook.settleableEpochs(1n)).to.equal(0n);
    });

    it("lets a member propose an agreement it is a party of, and refuses other proposers", async () => {
      const { agreementBook, alice, bob, carol, outsider } = await loadFixture(deployRegistry);
      const parties = [alice.address, bob.address];
      const flows = [flow(alice.address, bob.address)];
      const s = await scheduleFromNow();
      await expect((agreementBook.connect(bob) as Deployed).propose(parties, flows, s, s.start))
        .to.emit(agreementBook, "AgreementProposed")
        .withArgs(
          1n,
          bob.address,
          termsHashOf(parties, flows, s),
          parties,
          [Object.values(flows[0])],
          Object.values(s),
          s.start,
        );
      for (const stranger of [carol, outsider]) {
        await expect((agreementBook.connect(stranger) as Deployed).propose(parties, flows, s, s.start))
          .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnauthorizedProposer")
          .withArgs(stranger.address);
      }
    });

    it("refuses bad party lists", async () => {
      const { agreementBook, matcher, alice, bob, carol, dave, wallet, outsider, consortium, governor } =
        await loadFixture(deployRegistry);
      const asMatcher = agreementBook.connect(matcher) as Deployed;
      const s = await scheduleFromNow();
      const five = [alice, bob, carol, dave].map((m) => m.address).concat(await wallet.getAddress());
      await expect(asMatcher.propose([alice.address], [flow(alice.address, bob.address)], s, s.start))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidPartyCount")
        .withArgs(1n);
      await expect(asMatcher.propose(five, [flow(alice.address, bob.address)], s, s.start))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidPartyCount")
        .withArgs(5n);
      await expect(
        asMatcher.propose(
          [alice.address, bob.address, alice.address],
          [flow(alice.address, bob.address)],
          s,
          s.start,
        ),
      )
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookDuplicateParty")
        .withArgs(alice.address);
      await expect(
        asMatcher.propose(
          [alice.address, outsider.address],
          [flow(alice.address, outsider.address)],
          s,
          s.start,
        ),
      )
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumInactiveMember")
        .withArgs(outsider.address);
      await (consortium.connect(governor) as Deployed).suspend(bob.address, ZeroHash);
      await expect(
        asMatcher.propose([alice.address, bob.address], [flow(alice.address, bob.address)], s, s.start),
      )
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumInactiveMember")
        .withArgs(bob.address);
    });

    it("refuses bad flows", async () => {
      const { agreementBook, matcher, alice, bob, carol } = await loadFixture(deployRegistry);
      const asMatcher = agreementBook.connect(matcher) as Deployed;
      const s = await scheduleFromNow();
      const pair = [alice.address, bob.address];
      const ab = flow(alice.address, bob.address);
      const cases: [Flow[], string, unknown[], string[]?][] = [
        [[], "AgreementBookInvalidFlowCount", [0n]],
        [Array(13).fill(ab), "AgreementBookInvalidFlowCount", [13n]],
        [[ab, flow(bob.address, bob.address)], "AgreementBookSelfFlow", [1n, bob.address]],
        [[flow(carol.address, bob.address)], "AgreementBookFlowEndpointNotParty", [0n, carol.address]],
        [[flow(alice.address, carol.address)], "AgreementBookFlowEndpointNotParty", [0n, carol.address]],
        [[flow(alice.address, bob.address, { segments: 0n })], "AgreementBookEmptyFlowSegments", [0n]],
        [[ab, flow(bob.address, alice.address, { capPerEpoch: 0n })], "AgreementBookZeroFlowCap", [1n]],
        [[ab], "AgreementBookIdleParty", [carol.address], [alice.address, bob.address, carol.address]],
      ];
      for (const [flows, error, args, parties] of cases) {
        await expect(asMatcher.propose(parties ?? pair, flows, s, s.start))
          .to.be.revertedWithCustomError(agreementBook, error)
          .withArgs(...args);
      }
      // Twelve flows (every ordered pair of four parties is possible) are accepted.
      await asMatcher.propose(pair, Array(12).fill(ab), s, s.start);
    });

    it("refuses bad schedules and expiries", async () => {
      const { agreementBook, matcher, alice, bob } = await loadFixture(deployRegistry);
      const asMatcher = agreementBook.connect(matcher) as Deployed;
      const parties = [alice.address, bob.address];
      const flows = [flow(alice.address, bob.address)];
      const s = await scheduleFromNow();
      const bad: AgreementSchedule[] = [
        { ...s, epochLength: 0n },
        { ...s, end: s.start },
        { ...s, end: s.start - DAY },
        { ...s, end: s.end + HOUR },
      ];
      for (const schedule of bad) {
        await expect(asMatcher.propose(parties, flows, schedule, s.start))
          .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSchedule")
          .withArgs(schedule.start, schedule.end, schedule.epochLength);
      }
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 5n);
      await expect(asMatcher.propose(parties, flows, s, now + 5n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookProposalExpiryInPast")
        .withArgs(now + 5n, now + 5n);
      await expect(asMatcher.propose(parties, flows, s, s.start + 1n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookStartsBeforeProposalExpiry")
        .withArgs(s.start, s.start + 1n);
    });
  });

  describe("accept", () => {
    it("records each acceptance and activates when the last party accepts", async () => {
      const { agreementBook, agreementId, alice, bob, schedule } = await loadFixture(withPairProposal);
      await expect((agreementBook.connect(alice) as Deployed).accept(agreementId))
        .to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, alice.address, false)
        .and.not.to.emit(agreementBook, "AgreementActivated");
      expect(await agreementBook.hasAccepted(agreementId, alice.address)).to.equal(true);
      expect(await agreementBook.hasAccepted(agreementId, bob.address)).to.equal(false);
      await expect((agreementBook.connect(bob) as Deployed).accept(agreementId))
        .to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, bob.address, false)
        .and.to.emit(agreementBook, "AgreementActivated")
        .withArgs(agreementId);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Active);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(
        (schedule.end - schedule.start) / schedule.epochLength,
      );
    });

    it("refuses a non-party, a second acceptance, an unknown id and an Active agreement", async () => {
      const { agreementBook, agreementId, alice, bob, carol } = await loadFixture(withPairProposal);
      await expect((agreementBook.connect(carol) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNotParty")
        .withArgs(agreementId, carol.address);
      await (agreementBook.connect(alice) as Deployed).accept(agreementId);
      await expect((agreementBook.connect(alice) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookAlreadyAccepted")
        .withArgs(agreementId, alice.address);
      await expect((agreementBook.connect(alice) as Deployed).accept(99n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
        .withArgs(99n);
      await (agreementBook.connect(bob) as Deployed).accept(agreementId);
      await expect((agreementBook.connect(bob) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(agreementId, AgreementStatus.Active, AgreementStatus.Proposed);
    });

    it("refuses an expired proposal", async () => {
      const { agreementBook, agreementId, alice, schedule } = await loadFixture(withPairProposal);
      await time.increaseTo(schedule.start);
      await expect((agreementBook.connect(alice) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookProposalExpired")
        .withArgs(agreementId, schedule.start);
    });

    it("refuses a suspended party, and a party suspended after accepting blocks activation", async () => {
      const { agreementBook, consortium, governor, agreementId, alice, bob } =
        await loadFixture(withPairProposal);
      const asGovernor = consortium.connect(governor) as Deployed;
      await asGovernor.suspend(alice.address, ZeroHash);
      await expect((agreementBook.connect(alice) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumInactiveMember")
        .withArgs(alice.address);
      await asGovernor.reinstate(alice.address);
      await (agreementBook.connect(alice) as Deployed).accept(agreementId);
      await asGovernor.suspend(alice.address, ZeroHash);
      await expect((agreementBook.connect(bob) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumInactiveMember")
        .withArgs(alice.address);
    });

    it("lets an ERC-1271 wallet member accept by transaction", async () => {
      const { agreementBook, matcher, alice, wallet, walletOwner } = await loadFixture(deployRegistry);
      const walletAddress = await wallet.getAddress();
      const { agreementId } = await propose(
        agreementBook,
        matcher,
        [alice.address, walletAddress],
        [flow(walletAddress, alice.address)],
      );
      await (agreementBook.connect(alice) as Deployed).accept(agreementId);
      await expect(viaWallet(wallet, walletOwner, agreementBook, "accept", [agreementId]))
        .to.emit(agreementBook, "AgreementActivated")
        .withArgs(agreementId);
    });
  });

  describe("acceptWithSignatures", () => {
    it("activates from every party's EIP-712 signature relayed by anyone", async () => {
      const { agreementBook, agreementId, alice, bob, outsider } = await loadFixture(withPairProposal);
      const signatures = [
        await signAcceptance(alice, agreementBook, agreementId),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await expect(
        (agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, signatures),
      )
        .to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, alice.address, true)
        .and.to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, bob.address, true)
        .and.to.emit(agreementBook, "AgreementActivated")
        .withArgs(agreementId);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Active);
    });

    it("exposes the digest each party's signer signs (EIP-712, domain FlowPact Agreements v1, names the party)", async () => {
      const { agreementBook, agreementId, alice, bob, carol } = await loadFixture(withPairProposal);
      const { chainId } = await ethers.provider.getNetwork();
      const digestFor = async (party: string) =>
        TypedDataEncoder.hash(
          {
            name: "FlowPact Agreements",
            version: "1",
            chainId,
            verifyingContract: await agreementBook.getAddress(),
          },
          {
            Acceptance: [
              { name: "agreementId", type: "uint256" },
              { name: "termsHash", type: "bytes32" },
              { name: "party", type: "address" },
            ],
          },
          { agreementId, termsHash: await agreementBook.termsHash(agreementId), party },
        );
      expect(await agreementBook.acceptanceDigest(agreementId, alice.address)).to.equal(
        await digestFor(alice.address),
      );
      expect(await agreementBook.acceptanceDigest(agreementId, bob.address)).to.equal(
        await digestFor(bob.address),
      );
      expect(await digestFor(alice.address)).to.not.equal(await digestFor(bob.address));
      await expect(agreementBook.acceptanceDigest(7n, alice.address))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
        .withArgs(7n);
      await expect(agreementBook.acceptanceDigest(agreementId, carol.address))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNotParty")
        .withArgs(agreementId, carol.address);
    });

    it("skips empty entries and parties that already accepted, so transaction and signature acceptances combine", async () => {
      const { agreementBook, agreementId, alice, bob } = await loadFixture(withPairProposal);
      const bobSig = await signAcceptance(bob, agreementBook, agreementId);
      await expect(
        (agreementBook.connect(alice) as Deployed).acceptWithSignatures(agreementId, ["0x", bobSig]),
      )
        .to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, bob.address, true)
        .and.not.to.emit(agreementBook, "AgreementActivated");
      // Relayed again: bob already accepted, so his entry is skipped (no revert, no second event).
      await expect(
        (agreementBook.connect(alice) as Deployed).acceptWithSignatures(agreementId, ["0x", bobSig]),
      ).not.to.emit(agreementBook, "AgreementAccepted");
      await expect((agreementBook.connect(bob) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookAlreadyAccepted")
        .withArgs(agreementId, bob.address);
      await expect((agreementBook.connect(alice) as Deployed).accept(agreementId)).to.emit(
        agreementBook,
        "AgreementActivated",
      );
    });

    it("refuses a wrong number of entries and a signature by someone else", async () => {
      const { agreementBook, agreementId, alice, bob, carol } = await loadFixture(withPairProposal);
      const aliceSig = await signAcceptance(alice, agreementBook, agreementId);
      await expect((agreementBook.connect(carol) as Deployed).acceptWithSignatures(agreementId, [aliceSig]))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookSignatureCountMismatch")
        .withArgs(agreementId, 2n, 1n);
      const carolSig = await signAcceptance(carol, agreementBook, agreementId);
      await expect(
        (agreementBook.connect(carol) as Deployed).acceptWithSignatures(agreementId, [aliceSig, carolSig]),
      )
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, bob.address, bob.address);
      await expect(
        (agreementBook.connect(carol) as Deployed).acceptWithSignatures(agreementId, [aliceSig, "0x1234"]),
      )
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, bob.address, bob.address);
    });

    it("refuses a signature replayed on another agreement with identical terms", async () => {
      const { agreementBook, matcher, agreementId, alice, bob, flows, schedule } =
        await loadFixture(withPairProposal);
      const { agreementId: twin } = await propose(
        agreementBook,
        matcher,
        [alice.address, bob.address],
        flows,
        schedule,
      );
      expect(await agreementBook.termsHash(twin)).to.equal(await agreementBook.termsHash(agreementId));
      const sigs = [
        await signAcceptance(alice, agreementBook, agreementId),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await expect((agreementBook.connect(matcher) as Deployed).acceptWithSignatures(twin, sigs))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(twin, alice.address, alice.address);
      await (agreementBook.connect(matcher) as Deployed).acceptWithSignatures(agreementId, sigs);
      expect(await agreementBook.agreementStatus(twin)).to.equal(AgreementStatus.Proposed);
    });

    it("refuses a signature made for another chain id", async () => {
      const { agreementBook, agreementId, alice, bob } = await loadFixture(withPairProposal);
      const { chainId } = await ethers.provider.getNetwork();
      const sigs = [
        await signAcceptance(alice, agreementBook, agreementId, { chainId: chainId + 1n }),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await expect((agreementBook.connect(bob) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, alice.address, alice.address);
    });

    it("refuses a signature made for another deployment of the agreement book", async () => {
      const { agreementBook, consortium, matcher, agreementId, alice, bob, flows, schedule } =
        await loadFixture(withPairProposal);
      const otherBook = (await ethers.deployContract("AgreementBook", [
        await consortium.getAddress(),
      ])) as Deployed;
      const { agreementId: sameId } = await propose(
        otherBook,
        matcher,
        [alice.address, bob.address],
        flows,
        schedule,
      );
      expect(sameId).to.equal(agreementId);
      expect(await otherBook.termsHash(sameId)).to.equal(await agreementBook.termsHash(agreementId));
      const forFirst = [
        await signAcceptance(alice, agreementBook, agreementId),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await expect((otherBook.connect(bob) as Deployed).acceptWithSignatures(sameId, forFirst))
        .to.be.revertedWithCustomError(otherBook, "AgreementBookInvalidSignature")
        .withArgs(sameId, alice.address, alice.address);
      const forOther = [
        await signAcceptance(alice, agreementBook, agreementId, {
          verifyingContract: await otherBook.getAddress(),
        }),
        await signAcceptance(bob, agreementBook, agreementId, {
          verifyingContract: await otherBook.getAddress(),
        }),
      ];
      await expect((agreementBook.connect(bob) as Deployed).acceptWithSignatures(agreementId, forOther))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, alice.address, alice.address);
      await (otherBook.connect(bob) as Deployed).acceptWithSignatures(sameId, forOther);
      expect(await otherBook.agreementStatus(sameId)).to.equal(AgreementStatus.Active);
    });

    it("checks against the member's current signer, which may be another key", async () => {
      const { agreementBook, consortium, agreementId, alice, bob, others } =
        await loadFixture(withPairProposal);
      const hotKey = others[1];
      await (consortium.connect(alice) as Deployed).updateProfile({
        ...profileFor(alice.address),
        signer: hotKey.address,
      });
      const bobSig = await signAcceptance(bob, agreementBook, agreementId);
      await expect(
        (agreementBook.connect(bob) as Deployed).acceptWithSignatures(agreementId, [
          await signAcceptance(alice, agreementBook, agreementId),
          bobSig,
        ]),
      )
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, alice.address, hotKey.address);
      await (agreementBook.connect(bob) as Deployed).acceptWithSignatures(agreementId, [
        await signAcceptance(hotKey, agreementBook, agreementId, { party: alice.address }),
        bobSig,
      ]);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Active);
    });

    it("refuses a party that left (no signer) and a suspended party", async () => {
      const { agreementBook, consortium, governor, agreementId, alice, bob } =
        await loadFixture(withPairProposal);
      const sigs = [
        await signAcceptance(alice, agreementBook, agreementId),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await (consortium.connect(governor) as Deployed).suspend(bob.address, ZeroHash);
      await expect((agreementBook.connect(alice) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumInactiveMember")
        .withArgs(bob.address);
      await (consortium.connect(governor) as Deployed).expel(bob.address, ZeroHash);
      await expect((agreementBook.connect(alice) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, bob.address, ZeroAddress);
    });

    it("refuses signatures once the proposal expired", async () => {
      const { agreementBook, agreementId, alice, bob, schedule } = await loadFixture(withPairProposal);
      const sigs = [
        await signAcceptance(alice, agreementBook, agreementId),
        await signAcceptance(bob, agreementBook, agreementId),
      ];
      await time.increaseTo(schedule.start + 1n);
      await expect((agreementBook.connect(alice) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookProposalExpired")
        .withArgs(agreementId, schedule.start);
    });

    it("accepts an ERC-1271 wallet member's signature (made by the wallet's owner key)", async () => {
      const { agreementBook, matcher, alice, wallet, walletOwner, outsider } =
        await loadFixture(deployRegistry);
      const walletAddress = await wallet.getAddress();
      const { agreementId } = await propose(
        agreementBook,
        matcher,
        [walletAddress, alice.address],
        [flow(walletAddress, alice.address), flow(alice.address, walletAddress)],
      );
      const sigs = [
        await signAcceptance(walletOwner, agreementBook, agreementId, { party: walletAddress }),
        await signAcceptance(alice, agreementBook, agreementId),
      ];
      await expect((agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.emit(agreementBook, "AgreementAccepted")
        .withArgs(agreementId, walletAddress, true)
        .and.to.emit(agreementBook, "AgreementActivated");
    });

    it("refuses a signature the ERC-1271 wallet does not endorse", async () => {
      const { agreementBook, matcher, alice, wallet, outsider } = await loadFixture(deployRegistry);
      const walletAddress = await wallet.getAddress();
      const { agreementId } = await propose(
        agreementBook,
        matcher,
        [walletAddress, alice.address],
        [flow(walletAddress, alice.address)],
      );
      const sigs = [
        await signAcceptance(outsider, agreementBook, agreementId, { party: walletAddress }),
        await signAcceptance(alice, agreementBook, agreementId),
      ];
      await expect((agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, sigs))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
        .withArgs(agreementId, walletAddress, walletAddress);
    });
  });

  it("property: Active exactly when every party accepted, in any order and mix of transactions and signatures", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.array(fc.tuple(fc.nat(3), fc.boolean()), { maxLength: 8 }),
        async (partyCount, steps) => {
          const { agreementBook, matcher, alice, bob, carol, wallet, walletOwner } =
            await loadFixture(deployRegistry);
          const w = await wallet.getAddress();
          // Members as [account, key that signs for it, how it sends a transaction].
          const members = [
            {
              account: alice.address,
              key: alice,
              send: () => (agreementBook.connect(alice) as Deployed).accept(id),
            },
            {
              account: w,
              key: walletOwner,
              send: () => viaWallet(wallet, walletOwner, agreementBook, "accept", [id]),
            },
            {
              account: bob.address,
              key: bob,
              send: () => (agreementBook.connect(bob) as Deployed).accept(id),
            },
            {
              account: carol.address,
              key: carol,
              send: () => (agreementBook.connect(carol) as Deployed).accept(id),
            },
          ].slice(0, partyCount);
          const parties = members.map((m) => m.account);
          const cycle = parties.map((from, i) => flow(from, parties[(i + 1) % partyCount]));
          const { agreementId: id, schedule: s } = await propose(agreementBook, matcher, parties, cycle);
          expect(await agreementBook.termsHash(id)).to.equal(termsHashOf(parties, cycle, s));
          const accepted = new Set<number>();
          for (const [pick, bySignature] of steps) {
            const i = pick % partyCount;
            const call = bySignature
              ? (agreementBook.connect(matcher) as Deployed).acceptWithSignatures(
                  id,
                  await Promise.all(
                    members.map(async (m, j) =>
                      j === i ? signAcceptance(m.key, agreementBook, id, { party: m.account }) : "0x",
                    ),
                  ),
                )
              : members[i].send();
            if (accepted.size === partyCount) {
              await expect(call)
                .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
                .withArgs(id, AgreementStatus.Active, AgreementStatus.Proposed);
            } else if (accepted.has(i) && bySignature) {
              // A relayed signature of a party that already accepted is skipped, not refused.
              await expect(call).not.to.emit(agreementBook, "AgreementAccepted");
            } else if (accepted.has(i)) {
              await expect(call)
                .to.be.revertedWithCustomError(agreementBook, "AgreementBookAlreadyAccepted")
                .withArgs(id, parties[i]);
            } else {
              await expect(call)
                .to.emit(agreementBook, "AgreementAccepted")
                .withArgs(id, parties[i], bySignature);
              accepted.add(i);
            }
            const expected = accepted.size === partyCount ? AgreementStatus.Active : AgreementStatus.Proposed;
            expect(await agreementBook.agreementStatus(id)).to.equal(expected);
            expect(await agreementBook.settleableEpochs(id)).to.equal(
              expected === AgreementStatus.Active ? 10n : 0n,
            );
          }
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 15), seed: Number(process.env.FC_SEED ?? 42) },
    );
  });

  describe("reject", () => {
    it("lets a party reject; the proposal is final", async () => {
      const { agreementBook, agreementId, alice, bob } = await loadFixture(withPairProposal);
      await (agreementBook.connect(alice) as Deployed).accept(agreementId);
      await expect((agreementBook.connect(bob) as Deployed).reject(agreementId))
        .to.emit(agreementBook, "AgreementRejected")
        .withArgs(agreementId, bob.address);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Rejected);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(0n);
      await expect((agreementBook.connect(bob) as Deployed).accept(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(agreementId, AgreementStatus.Rejected, AgreementStatus.Proposed);
    });

    it("refuses a non-party and an expired proposal", async () => {
      const { agreementBook, agreementId, bob, carol, schedule } = await loadFixture(withPairProposal);
      await expect((agreementBook.connect(carol) as Deployed).reject(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNotParty")
        .withArgs(agreementId, carol.address);
      await time.increaseTo(schedule.start);
      await expect((agreementBook.connect(bob) as Deployed).reject(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookProposalExpired")
        .withArgs(agreementId, schedule.start);
    });
  });

  describe("markExpired", () => {
    it("lets anyone record an expired proposal; the status reads Expired even before", async () => {
      const { agreementBook, agreementId, outsider, schedule } = await loadFixture(withPairProposal);
      await expect((agreementBook.connect(outsider) as Deployed).markExpired(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookProposalNotExpired")
        .withArgs(agreementId, schedule.start);
      await time.increaseTo(schedule.start);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Expired);
      await expect((agreementBook.connect(outsider) as Deployed).markExpired(agreementId))
        .to.emit(agreementBook, "AgreementExpired")
        .withArgs(agreementId);
      await expect((agreementBook.connect(outsider) as Deployed).markExpired(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(agreementId, AgreementStatus.Expired, AgreementStatus.Proposed);
      await expect((agreementBook.connect(outsider) as Deployed).markExpired(5n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
        .withArgs(5n);
    });
  });

  describe("terminate", () => {
    async function activePair() {
      const fx = await withPairProposal();
      await (fx.agreementBook.connect(fx.alice) as Deployed).accept(fx.agreementId);
      await (fx.agreementBook.connect(fx.bob) as Deployed).accept(fx.agreementId);
      return fx;
    }

    it("before the start: only the notice epochs settle", async () => {
      const { agreementBook, agreementId, alice, schedule } = await loadFixture(activePair);
      await expect((agreementBook.connect(alice) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, alice.address, 1n, schedule.start + schedule.epochLength);
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Terminated);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(1n);
    });

    it("mid-agreement: the current epoch finishes, then the notice runs, at an epoch boundary", async () => {
      const { agreementBook, agreementId, bob, schedule } = await loadFixture(activePair);
      await time.increaseTo(schedule.start + 3n * schedule.epochLength + HOUR);
      expect(await agreementBook.currentEpoch(agreementId)).to.equal(3n);
      await expect((agreementBook.connect(bob) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, bob.address, 5n, schedule.start + 5n * schedule.epochLength);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(5n);
    });

    it("near the end: never beyond the last epoch; after the end: refused", async () => {
      const { agreementBook, agreementId, governor, schedule } = await loadFixture(activePair);
      await time.increaseTo(schedule.end - HOUR);
      const snapshotEpochs = (schedule.end - schedule.start) / schedule.epochLength;
      await expect((agreementBook.connect(governor) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, governor.address, snapshotEpochs, schedule.end);
    });

    it("refuses after the end, a stranger, and an agreement that is not Active", async () => {
      const { agreementBook, agreementId, alice, carol, matcher, schedule } = await loadFixture(activePair);
      for (const stranger of [carol, matcher]) {
        await expect((agreementBook.connect(stranger) as Deployed).terminate(agreementId))
          .to.be.revertedWithCustomError(agreementBook, "ConsortiumUnauthorizedAccount")
          .withArgs(stranger.address, GOVERNOR_ROLE);
      }
      await time.increaseTo(schedule.end);
      await expect((agreementBook.connect(alice) as Deployed).terminate(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookAlreadyEnded")
        .withArgs(agreementId, schedule.end);
    });

    it("refuses a Proposed and an already Terminated agreement", async () => {
      const { agreementBook, agreementId, alice } = await loadFixture(withPairProposal);
      await expect((agreementBook.connect(alice) as Deployed).terminate(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(agreementId, AgreementStatus.Proposed, AgreementStatus.Active);
      const active = await loadFixture(activePair);
      await (active.agreementBook.connect(active.alice) as Deployed).terminate(active.agreementId);
      await expect((active.agreementBook.connect(active.alice) as Deployed).terminate(active.agreementId))
        .to.be.revertedWithCustomError(active.agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(active.agreementId, AgreementStatus.Terminated, AgreementStatus.Active);
    });

    it("property: the termination epoch is min(total, epochs begun + notice)", async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 0, max: 5 }),
          fc.integer({ min: 1, max: 48 }),
          fc.integer({ min: 0, max: 1_000_000 }),
          async (epochs, notice, lengthHours, offsetPermille) => {
            const { agreementBook, matcher, alice, bob } = await loadFixture(deployRegistry);
            const epochLength = BigInt(lengthHours) * HOUR;
            const start = BigInt(await time.latest()) + DAY;
            const s = {
              start,
              end: start + BigInt(epochs) * epochLength,
              epochLength,
              noticeEpochs: BigInt(notice),
            };
            const { agreementId } = await propose(
              agreementBook,
              matcher,
              [alice.address, bob.address],
              [flow(alice.address, bob.address)],
              s,
            );
            await (agreementBook.connect(alice) as Deployed).accept(agreementId);
            await (agreementBook.connect(bob) as Deployed).accept(agreementId);
            // Terminate at any time from the next block to one second before the end.
            const now = BigInt(await time.latest()) + 1n;
            const at = now + ((s.end - 1n - now) * BigInt(offsetPermille)) / 1_000_000n;
            await time.setNextBlockTimestamp(at);
            await (agreementBook.connect(alice) as Deployed).terminate(agreementId);
            const begun = at < start ? 0n : (at - start) / epochLength + 1n;
            const expected =
              begun + s.noticeEpochs < BigInt(epochs) ? begun + s.noticeEpochs : BigInt(epochs);
            expect(await agreementBook.settleableEpochs(agreementId)).to.equal(expected);
            expect(await agreementBook.epochEnd(agreementId, expected - 1n)).to.be.gte(at);
          },
        ),
        { numRuns: Number(process.env.FC_RUNS ?? 20), seed: Number(process.env.FC_SEED ?? 42) },
      );
    });
  });

  describe("views", () => {
    it("flowCount, flowAt, epochEnd, currentEpoch, hasAccepted", async () => {
      const { agreementBook, agreementId, flows, schedule, carol } = await loadFixture(withPairProposal);
      expect(await agreementBook.flowCount(agreementId)).to.equal(2n);
      expect(await agreementBook.flowCount(42n)).to.equal(0n);
      expect([...(await agreementBook.flowAt(agreementId, 1n))]).to.deep.equal(Object.values(flows[1]));
      await expect(agreementBook.flowAt(agreementId, 2n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementUnknownFlow")
        .withArgs(agreementId, 2n);
      expect(await agreementBook.epochEnd(agreementId, 0n)).to.equal(schedule.start + schedule.epochLength);
      expect(await agreementBook.epochEnd(agreementId, 4n)).to.equal(
        schedule.start + 5n * schedule.epochLength,
      );
      await expect(agreementBook.currentEpoch(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNotStarted")
        .withArgs(agreementId, schedule.start);
      await time.increaseTo(schedule.start);
      expect(await agreementBook.currentEpoch(agreementId)).to.equal(0n);
      await expect(agreementBook.hasAccepted(agreementId, carol.address))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNotParty")
        .withArgs(agreementId, carol.address);
      for (const view of ["currentEpoch", "flows", "parties", "schedule", "termsHash", "proposer"]) {
        await expect(agreementBook[view](3n))
          .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
          .withArgs(3n);
      }
      expect(await agreementBook.agreementStatus(3n)).to.equal(AgreementStatus.None);
    });

    it("publishes its EIP-712 domain (ERC-5267)", async () => {
      const { agreementBook } = await loadFixture(deployRegistry);
      const domain = await agreementBook.eip712Domain();
      expect(domain.name).to.equal("FlowPact Agreements");
      expect(domain.version).to.equal("1");
      expect(domain.verifyingContract).to.equal(await agreementBook.getAddress());
    });
  });

  it("a three-party cycle goes from proposal to Active to terminated", async () => {
    const { agreementBook, matcher, alice, bob, wallet, walletOwner, outsider } =
      await loadFixture(deployRegistry);
    const w = await wallet.getAddress();
    const parties = [alice.address, bob.address, w];
    const cycle = [flow(alice.address, bob.address), flow(bob.address, w), flow(w, alice.address)];
    const { agreementId, schedule } = await propose(agreementBook, matcher, parties, cycle);
    expect(await agreementBook.flowCount(agreementId)).to.equal(3n);

    // Alice accepts by transaction; Bob and the wallet member sign, and a relayer submits.
    await (agreementBook.connect(alice) as Deployed).accept(agreementId);
    const sigs = [
      "0x",
      await signAcceptance(bob, agreementBook, agreementId),
      await signAcceptance(walletOwner, agreementBook, agreementId, { party: w }),
    ];
    await expect((agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, sigs))
      .to.emit(agreementBook, "AgreementActivated")
      .withArgs(agreementId);
    expect(await agreementBook.settleableEpochs(agreementId)).to.equal(10n);

    await time.increaseTo(schedule.start + 2n * schedule.epochLength);
    expect(await agreementBook.currentEpoch(agreementId)).to.equal(2n);
    await expect(viaWallet(wallet, walletOwner, agreementBook, "terminate", [agreementId]))
      .to.emit(agreementBook, "AgreementTerminated")
      .withArgs(agreementId, w, 4n, schedule.start + 4n * schedule.epochLength);
    expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Terminated);
    expect(await agreementBook.settleableEpochs(agreementId)).to.equal(4n);
    for (let i = 0n; i < 3n; i++) {
      expect((await agreementBook.flowAt(agreementId, i)).to).to.equal(parties[Number((i + 1n) % 3n)]);
    }
  });
});
