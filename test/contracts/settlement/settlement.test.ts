import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  ACKNOWLEDGEMENT_TYPES,
  acknowledgement,
  CHALLENGE_WINDOW,
  CREDIT_LIMIT,
  createActiveAgreement,
  DISPUTE_BOND,
  deploySettlementFixture,
  endOfEpoch,
  NO_ACK,
  root,
  type SettlementFixture,
  SUBMISSION_WINDOW,
  settlementDomain,
  signBatch,
} from "./fixture";

const GOVERNOR_ROLE = ethers.id("GOVERNOR_ROLE");
const AUDITOR_ROLE = ethers.id("AUDITOR_ROLE");

/** Status values of `ISettlement.BatchStatus` and `AgreementStatus`. */
const Status = { None: 0n, Committed: 1n, Claimed: 2n, Disputed: 3n, Finalised: 4n, Resolved: 5n };
const Agreement = { None: 0n, Proposed: 1n, Terminated: 5n };
const Verdict = { None: 0, Clean: 1, Anomalies: 2, Fraud: 3 };

/** Alice commits flow 0 (alice→bob, cap 100, rate 10) of `epoch` with bob's co-signature. */
async function commitAliceToBob(f: SettlementFixture, epoch: bigint, count: bigint, label = "a") {
  const batch = { agreementId: f.agreementId, flow: 0n, epoch, count, root: root(label) };
  const signature = await signBatch(f.bob, f.settlementAddress, batch);
  return f.settlement.connect(f.alice).commit(f.agreementId, 0n, epoch, count, batch.root, signature);
}

async function claimedFixture() {
  const f = await deploySettlementFixture();
  await endOfEpoch(f.agreements, f.agreementId, 0n);
  await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK);
  return f;
}

async function disputedFixture() {
  const f = await claimedFixture();
  await f.settlement
    .connect(f.bob)
    .dispute(f.agreementId, 0n, 0n, 30n, root("counter"), { value: DISPUTE_BOND });
  return f;
}

describe("Settlement", () => {
  describe("deployment and parameters", () => {
    it("refuses zero addresses and zero windows", async () => {
      const { consortium, agreements, ledger } = await loadFixture(deploySettlementFixture);
      const factory = await ethers.getContractFactory("Settlement");
      const [c, a, l] = await Promise.all([
        consortium.getAddress(),
        agreements.getAddress(),
        ledger.getAddress(),
      ]);
      await expect(factory.deploy(ethers.ZeroAddress, a, l, 1n, 1n, 0n)).to.be.revertedWithCustomError(
        factory,
        "ConsortiumZeroAddress",
      );
      await expect(factory.deploy(c, ethers.ZeroAddress, l, 1n, 1n, 0n))
        .to.be.revertedWithCustomError(factory, "SettlementInvalidParameter")
        .withArgs(0n);
      await expect(factory.deploy(c, a, ethers.ZeroAddress, 1n, 1n, 0n))
        .to.be.revertedWithCustomError(factory, "SettlementInvalidParameter")
        .withArgs(0n);
      await expect(factory.deploy(c, a, l, 0n, 1n, 0n))
        .to.be.revertedWithCustomError(factory, "SettlementInvalidParameter")
        .withArgs(0n);
      await expect(factory.deploy(c, a, l, 1n, 0n, 0n))
        .to.be.revertedWithCustomError(factory, "SettlementInvalidParameter")
        .withArgs(0n);
      await expect(factory.deploy(c, a, l, 1n, 1n, 2n ** 128n))
        .to.be.revertedWithCustomError(factory, "SettlementInvalidParameter")
        .withArgs(2n ** 128n);
    });

    it("exposes its wiring and parameters", async () => {
      const { settlement, consortium, agreements, ledger } = await loadFixture(deploySettlementFixture);
      expect(await settlement.contracts()).to.deep.equal([
        await agreements.getAddress(),
        await ledger.getAddress(),
        await consortium.getAddress(),
      ]);
      expect(await settlement.challengeWindow()).to.equal(CHALLENGE_WINDOW);
      expect(await settlement.submissionWindow()).to.equal(SUBMISSION_WINDOW);
      expect(await settlement.disputeBond()).to.equal(DISPUTE_BOND);
      expect(await settlement.attestationCount()).to.equal(0n);
      expect(await settlement.paused()).to.equal(false);
    });

    it("computes the EIP-712 acknowledgement digest the receipts library signs (naming the recipient)", async () => {
      const { settlement, settlementAddress, agreementId, bob } = await loadFixture(deploySettlementFixture);
      const ack = {
        recipient: bob.address,
        agreementId,
        flow: 1n,
        epoch: 7n,
        count: 42n,
        root: root("digest"),
      };
      const expected = ethers.TypedDataEncoder.hash(
        settlementDomain(settlementAddress, 31337n),
        ACKNOWLEDGEMENT_TYPES,
        ack,
      );
      expect(
        await settlement.acknowledgementDigest(bob.address, agreementId, 1n, 7n, 42n, ack.root),
      ).to.equal(expected);
    });

    for (const [setter, event, value] of [
      ["setChallengeWindow", "ChallengeWindowSet", 600n],
      ["setSubmissionWindow", "SubmissionWindowSet", 1_200n],
    ] as const) {
      it(`${setter}: governor only, between a second and a year`, async () => {
        const { settlement, governor, alice } = await loadFixture(deploySettlementFixture);
        await expect(settlement.connect(alice)[setter](value))
          .to.be.revertedWithCustomError(settlement, "ConsortiumUnauthorizedAccount")
          .withArgs(alice.address, GOVERNOR_ROLE);
        await expect(settlement.connect(governor)[setter](0n))
          .to.be.revertedWithCustomError(settlement, "SettlementInvalidParameter")
          .withArgs(0n);
        const tooLong = 365n * 86_400n + 1n;
        await expect(settlement.connect(governor)[setter](tooLong))
          .to.be.revertedWithCustomError(settlement, "SettlementInvalidParameter")
          .withArgs(tooLong);
        const previous = setter === "setChallengeWindow" ? CHALLENGE_WINDOW : SUBMISSION_WINDOW;
        const emitted = expect(settlement.connect(governor)[setter](value)).to.emit(settlement, event);
        await (setter === "setChallengeWindow"
          ? emitted.withArgs(previous, value)
          : emitted.withArgs(previous, value, anyValue));
      });
    }

    it("setDisputeBond: governor only, fits 128 bits, zero allowed", async () => {
      const { settlement, governor, alice } = await loadFixture(deploySettlementFixture);
      await expect(settlement.connect(alice).setDisputeBond(1n))
        .to.be.revertedWithCustomError(settlement, "ConsortiumUnauthorizedAccount")
        .withArgs(alice.address, GOVERNOR_ROLE);
      await expect(settlement.connect(governor).setDisputeBond(2n ** 128n))
        .to.be.revertedWithCustomError(settlement, "SettlementInvalidParameter")
        .withArgs(2n ** 128n);
      await expect(settlement.connect(governor).setDisputeBond(0n))
        .to.emit(settlement, "DisputeBondSet")
        .withArgs(DISPUTE_BOND, 0n);
      expect(await settlement.disputeBond()).to.equal(0n);
    });
  });

  describe("commit", () => {
    it("settles a co-signed batch at once: count × rate from recipient to referrer", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const tx = commitAliceToBob(f, 0n, 70n);
      await expect(tx)
        .to.emit(f.settlement, "BatchCommitted")
        .withArgs(f.agreementId, 0n, 0n, 70n, root("a"), f.alice.address, f.bob.address);
      await expect(tx)
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 70n, 700n);
      await expect(tx)
        .to.emit(f.ledger, "SettlementPosted")
        .withArgs(f.bob.address, f.alice.address, 700n, 700n, 0n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(700n);
      expect(await f.ledger.balanceOf(f.bob.address)).to.equal(-700n);
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect(batch.status).to.equal(Status.Committed);
      expect(batch.count).to.equal(70n);
      expect(batch.settledCount).to.equal(70n);
      // A committed batch stores no root (it is in BatchCommitted): one storage slot per batch.
      expect(batch.root).to.equal(ethers.ZeroHash);
    });

    it("settles a count above the cap at the cap", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await expect(commitAliceToBob(f, 0n, 1_000_000n))
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 100n, 1_000n);
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect([batch.count, batch.settledCount]).to.deep.equal([1_000_000n, 100n]);
    });

    it("records what the recipient cannot pay as arrears", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await f.ledger.connect(f.governor).setCreditLimit(f.bob.address, 300n);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await expect(commitAliceToBob(f, 0n, 50n))
        .to.emit(f.ledger, "ArrearsRecorded")
        .withArgs(f.bob.address, f.alice.address, 200n, 200n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(300n);
    });

    it("is refused to anyone but the flow's referrer", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const batch = { agreementId: f.agreementId, flow: 0n, epoch: 0n, count: 5n, root: root("x") };
      const signature = await signBatch(f.bob, f.settlementAddress, batch);
      for (const caller of [f.bob, f.carol, f.outsider]) {
        await expect(f.settlement.connect(caller).commit(f.agreementId, 0n, 0n, 5n, batch.root, signature))
          .to.be.revertedWithCustomError(f.settlement, "SettlementNotReferrer")
          .withArgs(caller.address, f.alice.address);
      }
    });

    it("refuses empty batches, unknown flows and agreements that cannot settle", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await expect(f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 0n, root("x"), "0x"))
        .to.be.revertedWithCustomError(f.settlement, "SettlementEmptyBatch")
        .withArgs(f.agreementId, 0n, 0n);
      await expect(f.settlement.connect(f.alice).claim(f.agreementId, 2n, 0n, 1n, root("x"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnknownFlow")
        .withArgs(f.agreementId, 2n, 2n);
      await expect(f.settlement.connect(f.alice).claim(99n, 0n, 0n, 1n, root("x"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAgreementNotSettleable")
        .withArgs(99n, Agreement.None);
      const proposed = await f.agreements
        .connect(f.alice)
        .propose.staticCall(
          [f.alice.address, f.carol.address],
          [{ from: f.alice.address, to: f.carol.address, segments: 1n, capPerEpoch: 1n, rate: 1n }],
          { start: 2n ** 40n, end: 2n ** 40n + 10n, epochLength: 10n, noticeEpochs: 0n },
          2n ** 40n,
        );
      await f.agreements
        .connect(f.alice)
        .propose(
          [f.alice.address, f.carol.address],
          [{ from: f.alice.address, to: f.carol.address, segments: 1n, capPerEpoch: 1n, rate: 1n }],
          { start: 2n ** 40n, end: 2n ** 40n + 10n, epochLength: 10n, noticeEpochs: 0n },
          2n ** 40n,
        );
      await expect(f.settlement.connect(f.alice).claim(proposed, 0n, 0n, 1n, root("x"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAgreementNotSettleable")
        .withArgs(proposed, Agreement.Proposed);
    });

    it("accepts batches from the epoch's end to the end of the submission window only", async () => {
      const f = await loadFixture(deploySettlementFixture);
      const end: bigint = await f.agreements.epochEnd(f.agreementId, 1n);
      await time.setNextBlockTimestamp(end - 1n);
      await expect(commitAliceToBob(f, 1n, 5n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementEpochNotEnded")
        .withArgs(f.agreementId, 1n, end);
      await time.setNextBlockTimestamp(end + SUBMISSION_WINDOW + 1n);
      await expect(commitAliceToBob(f, 1n, 5n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementSubmissionClosed")
        .withArgs(f.agreementId, 1n, end + SUBMISSION_WINDOW);
      // Epoch 2 ended long ago but its window (end + 7 days) is still open: the deadline is inclusive.
      const end2: bigint = await f.agreements.epochEnd(f.agreementId, 2n);
      await time.setNextBlockTimestamp(end2 + SUBMISSION_WINDOW);
      await commitAliceToBob(f, 2n, 5n);
    });

    it("refuses epochs at or beyond the agreement's settleable epochs", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 9n);
      await expect(commitAliceToBob(f, 10n, 5n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementEpochNotSettleable")
        .withArgs(f.agreementId, 10n, 10n);
      await commitAliceToBob(f, 9n, 5n);
    });

    it("settles a terminated agreement's epochs before termination, not after", async () => {
      const f = await loadFixture(deploySettlementFixture);
      // Terminated during epoch 1 with one epoch of notice: epochs 0, 1 and 2 still settle.
      await time.increaseTo((await f.agreements.epochEnd(f.agreementId, 0n)) + 10n);
      await f.agreements.connect(f.bob).terminate(f.agreementId);
      expect(await f.agreements.agreementStatus(f.agreementId)).to.equal(Agreement.Terminated);
      await endOfEpoch(f.agreements, f.agreementId, 3n);
      await commitAliceToBob(f, 2n, 5n);
      await expect(commitAliceToBob(f, 3n, 5n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementEpochNotSettleable")
        .withArgs(f.agreementId, 3n, 3n);
    });

    it("refuses a second batch for the same (agreement, flow, epoch), not for another flow", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await commitAliceToBob(f, 0n, 5n);
      await expect(commitAliceToBob(f, 0n, 5n, "other"))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
        .withArgs(f.agreementId, 0n, 0n, Status.Committed);
      await expect(f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 5n, root("claim"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
        .withArgs(f.agreementId, 0n, 0n, Status.Committed);
      // Flow 1 (bob→alice) of the same epoch is its own batch.
      const batch = { agreementId: f.agreementId, flow: 1n, epoch: 0n, count: 9n, root: root("b") };
      const signature = await signBatch(f.alice, f.settlementAddress, batch);
      await f.settlement.connect(f.bob).commit(f.agreementId, 1n, 0n, 9n, batch.root, signature);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(50n - 180n);
    });

    it("refuses a signature by anyone but the recipient's key", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const batch = { agreementId: f.agreementId, flow: 0n, epoch: 0n, count: 5n, root: root("x") };
      for (const signer of [f.alice, f.carol, f.governor]) {
        const signature = await signBatch(signer, f.settlementAddress, batch);
        await expect(f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 5n, batch.root, signature))
          .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
          .withArgs(f.bob.address, f.bob.address);
      }
      await expect(f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 5n, batch.root, "0x1234"))
        .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
        .withArgs(f.bob.address, f.bob.address);
    });

    it("settles an epoch the recipient acknowledged before it was expelled, with its last key", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const batch = { agreementId: f.agreementId, flow: 0n, epoch: 0n, count: 5n, root: root("x") };
      const signature = await signBatch(f.bob, f.settlementAddress, batch);
      await f.consortium.connect(f.governor).expel(f.bob.address, ethers.ZeroHash);
      expect(await f.consortium.signerOf(f.bob.address)).to.equal(ethers.ZeroAddress);
      expect(await f.consortium.recordedSignerOf(f.bob.address)).to.equal(f.bob.address);
      await f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 5n, batch.root, signature);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(50n);
    });
  });

  describe("claim and finalise", () => {
    it("opens a challenge window; nothing is paid until it is finalised", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const tx = f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK);
      const at = BigInt(await time.latest()) + 1n;
      await expect(tx)
        .to.emit(f.settlement, "BatchClaimed")
        .withArgs(f.agreementId, 0n, 0n, 80n, root("claim"), at + CHALLENGE_WINDOW, 0n);
      await expect(tx).not.to.emit(f.settlement, "BatchSettled");
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect([batch.status, batch.settledCount, batch.challengeEnds]).to.deep.equal([
        Status.Claimed,
        0n,
        at + CHALLENGE_WINDOW,
      ]);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(0n);
    });

    it("refuses a claim by anyone but the referrer", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await expect(f.settlement.connect(f.bob).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementNotReferrer")
        .withArgs(f.bob.address, f.alice.address);
    });

    it("settles the recipient's acknowledged count at once; only the excess waits", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const ack = await acknowledgement(f.bob, f.settlementAddress, {
        agreementId: f.agreementId,
        flow: 0n,
        epoch: 0n,
        count: 20n,
        root: root("ack"),
      });
      const tx = f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), ack);
      await expect(tx)
        .to.emit(f.settlement, "BatchClaimed")
        .withArgs(f.agreementId, 0n, 0n, 80n, root("claim"), anyValue, 20n);
      await expect(tx)
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 20n, 200n);
      const { challengeEnds } = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      await time.increaseTo(challengeEnds);
      await expect(f.settlement.finalise(f.agreementId, 0n, 0n))
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 60n, 600n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(800n);
    });

    it("refuses a claim not above its acknowledgement, and an acknowledgement the recipient did not sign", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const batch = { agreementId: f.agreementId, flow: 0n, epoch: 0n, count: 20n, root: root("ack") };
      const ack = await acknowledgement(f.bob, f.settlementAddress, batch);
      await expect(f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 20n, root("claim"), ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementClaimNotAboveAcknowledgement")
        .withArgs(20n, 20n);
      // The referrer's own signature, or an acknowledgement of another epoch, proves nothing.
      const forged = await acknowledgement(f.alice, f.settlementAddress, {
        ...batch,
        recipient: f.bob.address,
      });
      const otherEpoch = await acknowledgement(f.bob, f.settlementAddress, { ...batch, epoch: 1n });
      for (const bad of [forged, { ...otherEpoch, count: 20n }]) {
        await expect(f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), bad))
          .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
          .withArgs(f.bob.address, f.bob.address);
      }
    });

    it("finalises after the window, by anyone, paying the capped count", async () => {
      const f = await loadFixture(claimedFixture);
      const { challengeEnds } = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      await time.setNextBlockTimestamp(challengeEnds - 1n);
      await expect(f.settlement.connect(f.outsider).finalise(f.agreementId, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementChallengeWindowOpen")
        .withArgs(f.agreementId, 0n, 0n, challengeEnds);
      const tx = f.settlement.connect(f.outsider).finalise(f.agreementId, 0n, 0n);
      await expect(tx).to.emit(f.settlement, "BatchFinalised").withArgs(f.agreementId, 0n, 0n);
      await expect(tx)
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 80n, 800n);
      expect((await f.settlement.batchOf(f.agreementId, 0n, 0n)).status).to.equal(Status.Finalised);
      await expect(f.settlement.finalise(f.agreementId, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 0n, Status.Finalised, Status.Claimed);
    });

    it("refuses to finalise what was never claimed", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await expect(f.settlement.finalise(f.agreementId, 0n, 3n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 3n, Status.None, Status.Claimed);
    });
  });

  describe("dispute", () => {
    it("lets the recipient dispute with a bond; its own count settles at once", async () => {
      const f = await loadFixture(claimedFixture);
      const tx = f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 30n, root("counter"), { value: DISPUTE_BOND });
      await expect(tx)
        .to.emit(f.settlement, "BatchDisputed")
        .withArgs(f.agreementId, 0n, 0n, 30n, root("counter"), DISPUTE_BOND);
      await expect(tx)
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 30n, 300n);
      await expect(tx).to.changeEtherBalances([f.bob, f.settlement], [-DISPUTE_BOND, DISPUTE_BOND]);
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect([
        batch.status,
        batch.settledCount,
        batch.counterCount,
        batch.counterRoot,
        batch.bond,
      ]).to.deep.equal([Status.Disputed, 30n, 30n, root("counter"), DISPUTE_BOND]);
    });

    it("a zero counter-count pays nothing yet", async () => {
      const f = await loadFixture(claimedFixture);
      await expect(
        f.settlement
          .connect(f.bob)
          .dispute(f.agreementId, 0n, 0n, 0n, ethers.ZeroHash, { value: DISPUTE_BOND }),
      ).not.to.emit(f.settlement, "BatchSettled");
    });

    it("is refused to anyone but the recipient", async () => {
      const f = await loadFixture(claimedFixture);
      for (const caller of [f.alice, f.carol, f.auditor]) {
        await expect(
          f.settlement.connect(caller).dispute(f.agreementId, 0n, 0n, 1n, root("c"), { value: DISPUTE_BOND }),
        )
          .to.be.revertedWithCustomError(f.settlement, "SettlementNotRecipient")
          .withArgs(caller.address, f.bob.address);
      }
    });

    it("needs exactly the bond and a count below the claim's (capped) count", async () => {
      const f = await loadFixture(claimedFixture);
      await expect(f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 1n, root("c"), { value: 1n }))
        .to.be.revertedWithCustomError(f.settlement, "SettlementWrongDisputeBond")
        .withArgs(1n, DISPUTE_BOND);
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 80n, root("c"), { value: DISPUTE_BOND }),
      )
        .to.be.revertedWithCustomError(f.settlement, "SettlementDisputeNotLower")
        .withArgs(80n, 80n);
    });

    it("compares against the cap when the claim exceeds it", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 5_000n, root("claim"), NO_ACK);
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 100n, root("c"), { value: DISPUTE_BOND }),
      )
        .to.be.revertedWithCustomError(f.settlement, "SettlementDisputeNotLower")
        .withArgs(100n, 100n);
    });

    it("may not go below what the recipient acknowledged", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const ack = await acknowledgement(f.bob, f.settlementAddress, {
        agreementId: f.agreementId,
        flow: 0n,
        epoch: 0n,
        count: 20n,
        root: root("ack"),
      });
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), ack);
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 19n, root("c"), { value: DISPUTE_BOND }),
      )
        .to.be.revertedWithCustomError(f.settlement, "SettlementDisputeBelowAcknowledgement")
        .withArgs(19n, 20n);
      // At the acknowledged count: the excess is denied, nothing more settles yet.
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 20n, root("c"), { value: DISPUTE_BOND }),
      ).not.to.emit(f.settlement, "BatchSettled");
    });

    it("is refused to a recipient that left the consortium", async () => {
      const f = await loadFixture(claimedFixture);
      await f.consortium.connect(f.bob).exit();
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 1n, root("c"), { value: DISPUTE_BOND }),
      ).to.be.revertedWithCustomError(f.settlement, "SettlementPartyLeft");
    });

    it("is refused twice", async () => {
      const f = await loadFixture(disputedFixture);
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 1n, root("c"), { value: DISPUTE_BOND }),
      )
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 0n, Status.Disputed, Status.Claimed);
    });
  });

  describe("resolve and upholdDispute", () => {
    /** Bob's acknowledgement of `count` arrivals on flow 0, epoch 0. */
    const bobAck = (f: SettlementFixture, count: bigint) =>
      acknowledgement(f.bob, f.settlementAddress, {
        agreementId: f.agreementId,
        flow: 0n,
        epoch: 0n,
        count,
        root: root(`ack-${count}`),
      });

    it("a higher acknowledgement shown by the referrer answers the dispute: settles up to it, bond to the referrer", async () => {
      const f = await loadFixture(disputedFixture);
      const tx = f.settlement.connect(f.alice).resolve(f.agreementId, 0n, 0n, await bobAck(f, 60n));
      await expect(tx)
        .to.emit(f.settlement, "DisputeResolved")
        .withArgs(f.agreementId, 0n, 0n, 60n, false, f.alice.address);
      await expect(tx).to.emit(f.settlement, "BondCredited").withArgs(f.alice.address, DISPUTE_BOND);
      await expect(tx)
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 30n, 300n);
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect([batch.status, batch.settledCount, batch.bond]).to.deep.equal([Status.Resolved, 60n, 0n]);
      await expect(f.settlement.connect(f.alice).withdrawBond())
        .to.emit(f.settlement, "BondWithdrawn")
        .withArgs(f.alice.address, DISPUTE_BOND);
    });

    it("settles at most the claim, whatever the acknowledgement", async () => {
      const f = await loadFixture(disputedFixture);
      await f.settlement.connect(f.auditor).resolve(f.agreementId, 0n, 0n, await bobAck(f, 95n));
      expect((await f.settlement.batchOf(f.agreementId, 0n, 0n)).settledCount).to.equal(80n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(800n);
    });

    it("refuses an acknowledgement not above the dispute, or not the recipient's", async () => {
      const f = await loadFixture(disputedFixture);
      await expect(f.settlement.connect(f.alice).resolve(f.agreementId, 0n, 0n, await bobAck(f, 30n)))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAcknowledgementNotAboveDispute")
        .withArgs(30n, 30n);
      // The referrer's own data proves nothing: a root it wrote, signed by itself.
      const own = await acknowledgement(f.alice, f.settlementAddress, {
        agreementId: f.agreementId,
        flow: 0n,
        epoch: 0n,
        count: 80n,
        root: root("claim"),
        recipient: f.bob.address,
      });
      await expect(f.settlement.connect(f.alice).resolve(f.agreementId, 0n, 0n, own))
        .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
        .withArgs(f.bob.address, f.bob.address);
    });

    it("upholds an unanswered dispute after the answer window: the recipient's count stands, bond back", async () => {
      const f = await loadFixture(disputedFixture);
      const { challengeEnds } = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      await time.setNextBlockTimestamp(challengeEnds - 1n);
      await expect(f.settlement.connect(f.outsider).upholdDispute(f.agreementId, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAnswerWindowOpen")
        .withArgs(f.agreementId, 0n, 0n, challengeEnds);
      const tx = f.settlement.connect(f.outsider).upholdDispute(f.agreementId, 0n, 0n);
      await expect(tx)
        .to.emit(f.settlement, "DisputeResolved")
        .withArgs(f.agreementId, 0n, 0n, 30n, true, f.outsider.address);
      await expect(tx).to.emit(f.settlement, "BondCredited").withArgs(f.bob.address, DISPUTE_BOND);
      await expect(tx).not.to.emit(f.settlement, "BatchSettled");
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(300n);
      await expect(f.settlement.connect(f.alice).resolve(f.agreementId, 0n, 0n, await bobAck(f, 60n)))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 0n, Status.Resolved, Status.Disputed);
      await expect(f.settlement.connect(f.bob).withdrawBond()).to.changeEtherBalances(
        [f.bob, f.settlement],
        [DISPUTE_BOND, -DISPUTE_BOND],
      );
      await expect(f.settlement.connect(f.bob).withdrawBond())
        .to.be.revertedWithCustomError(f.settlement, "SettlementNothingToWithdraw")
        .withArgs(f.bob.address);
    });

    it("credits no bond when the bond was zero", async () => {
      const f = await loadFixture(claimedFixture);
      await f.settlement.connect(f.governor).setDisputeBond(0n);
      await f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 1n, root("c"));
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.settlement.upholdDispute(f.agreementId, 0n, 0n)).not.to.emit(
        f.settlement,
        "BondCredited",
      );
    });

    it("is the referrer's or an independent auditor's: not the recipient, its signer, or a non-auditor", async () => {
      const f = await loadFixture(disputedFixture);
      const ack = await bobAck(f, 40n);
      for (const caller of [f.governor, f.bob, f.carol, f.outsider]) {
        await expect(f.settlement.connect(caller).resolve(f.agreementId, 0n, 0n, ack))
          .to.be.revertedWithCustomError(f.settlement, "SettlementNotResolver")
          .withArgs(caller.address);
      }
      await f.consortium.connect(f.governor).grantRole(AUDITOR_ROLE, f.bob.address);
      await expect(f.settlement.connect(f.bob).resolve(f.agreementId, 0n, 0n, ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAuditorIsParty")
        .withArgs(f.bob.address);
      await expect(f.settlement.connect(f.auditor).resolve(f.agreementId, 1n, 0n, ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 1n, 0n, Status.None, Status.Disputed);
      await f.settlement.connect(f.auditor).resolve(f.agreementId, 0n, 0n, ack);
      await expect(f.settlement.connect(f.auditor).resolve(f.agreementId, 0n, 0n, ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 0n, Status.Resolved, Status.Disputed);
    });
  });

  describe("attest", () => {
    it("records an auditor's report hash, verdict and block range", async () => {
      const f = await loadFixture(deploySettlementFixture);
      const block = BigInt(await ethers.provider.getBlockNumber());
      const report = ethers.id("report-1");
      await expect(f.settlement.connect(f.auditor).attest(report, Verdict.Clean, 1n, block))
        .to.emit(f.settlement, "AttestationRecorded")
        .withArgs(1n, f.auditor.address, report, Verdict.Clean, 1n, block);
      await expect(f.settlement.connect(f.auditor).attest(report, Verdict.Fraud, block, block))
        .to.emit(f.settlement, "AttestationRecorded")
        .withArgs(2n, f.auditor.address, report, Verdict.Fraud, block, block);
      expect(await f.settlement.attestationCount()).to.equal(2n);
    });

    it("is refused to non-auditors and for a missing verdict or a bad range", async () => {
      const f = await loadFixture(deploySettlementFixture);
      const block = BigInt(await ethers.provider.getBlockNumber());
      await expect(f.settlement.connect(f.governor).attest(ethers.ZeroHash, Verdict.Clean, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "ConsortiumUnauthorizedAccount")
        .withArgs(f.governor.address, AUDITOR_ROLE);
      for (const [verdict, from, to] of [
        [Verdict.None, 0n, 0n],
        [Verdict.Anomalies, 5n, 4n],
        [Verdict.Anomalies, 0n, block + 5n],
      ] as const) {
        await expect(f.settlement.connect(f.auditor).attest(ethers.ZeroHash, verdict, from, to))
          .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAttestation")
          .withArgs(verdict, from, to);
      }
    });
  });

  describe("pause", () => {
    it("is the governor's; stops commits, claims, finalisation and resolution, never disputes", async () => {
      const f = await loadFixture(claimedFixture);
      await expect(f.settlement.connect(f.alice).pause())
        .to.be.revertedWithCustomError(f.settlement, "ConsortiumUnauthorizedAccount")
        .withArgs(f.alice.address, GOVERNOR_ROLE);
      await expect(f.settlement.connect(f.governor).pause())
        .to.emit(f.settlement, "Paused")
        .withArgs(f.governor.address);
      await expect(f.settlement.connect(f.governor).pause()).to.be.revertedWithCustomError(
        f.settlement,
        "EnforcedPause",
      );
      await expect(commitAliceToBob(f, 1n, 1n)).to.be.revertedWithCustomError(f.settlement, "EnforcedPause");
      await expect(
        f.settlement.connect(f.alice).claim(f.agreementId, 1n, 0n, 1n, root("x"), NO_ACK),
      ).to.be.revertedWithCustomError(f.settlement, "EnforcedPause");
      // The recipient's challenge window keeps running, so its dispute must still go through.
      await f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 10n, root("c"), { value: DISPUTE_BOND });
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.settlement.upholdDispute(f.agreementId, 0n, 0n)).to.be.revertedWithCustomError(
        f.settlement,
        "EnforcedPause",
      );
      await expect(f.settlement.finalise(f.agreementId, 0n, 0n)).to.be.revertedWithCustomError(
        f.settlement,
        "EnforcedPause",
      );
      await expect(f.settlement.connect(f.alice).unpause())
        .to.be.revertedWithCustomError(f.settlement, "ConsortiumUnauthorizedAccount")
        .withArgs(f.alice.address, GOVERNOR_ROLE);
      await expect(f.settlement.connect(f.governor).unpause())
        .to.emit(f.settlement, "Unpaused")
        .withArgs(f.governor.address);
      await expect(f.settlement.connect(f.governor).unpause()).to.be.revertedWithCustomError(
        f.settlement,
        "ExpectedPause",
      );
      await f.settlement.upholdDispute(f.agreementId, 0n, 0n);
    });
  });

  describe("accounting across agreements", () => {
    it("keeps balances summing to zero over a three-party cycle", async () => {
      const f = await loadFixture(deploySettlementFixture);
      const { agreementId } = await createActiveAgreement(
        f.agreements,
        [f.alice, f.bob, f.carol],
        [
          { from: f.alice.address, to: f.bob.address, segments: 1n, capPerEpoch: 10n, rate: 3n },
          { from: f.bob.address, to: f.carol.address, segments: 1n, capPerEpoch: 10n, rate: 3n },
          { from: f.carol.address, to: f.alice.address, segments: 1n, capPerEpoch: 10n, rate: 3n },
        ],
      );
      await endOfEpoch(f.agreements, agreementId, 0n);
      const pairs = [
        [f.alice, f.bob],
        [f.bob, f.carol],
        [f.carol, f.alice],
      ] as const;
      for (const [flow, [from, to]] of pairs.entries()) {
        const batch = {
          agreementId,
          flow: BigInt(flow),
          epoch: 0n,
          count: BigInt(4 + flow),
          root: root(`${flow}`),
        };
        const sig = await signBatch(to, f.settlementAddress, batch);
        await f.settlement.connect(from).commit(agreementId, batch.flow, 0n, batch.count, batch.root, sig);
      }
      const balances = await Promise.all([f.alice, f.bob, f.carol].map((m) => f.ledger.balanceOf(m.address)));
      expect(balances).to.deep.equal([12n - 18n, 15n - 12n, 18n - 15n]);
      expect(balances.reduce((a: bigint, b: bigint) => a + b, 0n)).to.equal(0n);
      expect(await f.ledger.creditLimitOf(f.alice.address)).to.equal(CREDIT_LIMIT);
    });
  });
});
