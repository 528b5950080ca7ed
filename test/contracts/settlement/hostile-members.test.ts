import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { profileFor } from "../fixtures";
import {
  acknowledgement,
  type BatchFields,
  CHALLENGE_WINDOW,
  DISPUTE_BOND,
  deploySettlementFixture,
  EPOCH_LENGTH,
  endOfEpoch,
  NO_ACK,
  root,
  type SettlementFixture,
  SUBMISSION_WINDOW,
  signBatch,
} from "./fixture";

/**
 * Settlement between members that do not trust each other: each test is an attack a hostile
 * member (or a careless governor) tried on the first settlement protocol, asserting the safe
 * outcome. Membership, windows and pauses are the chain's, so they are tested here on the real
 * contracts.
 */

const AUDITOR_ROLE = ethers.id("AUDITOR_ROLE");

function flowZero(f: SettlementFixture, epoch: bigint, count: bigint): BatchFields {
  return { agreementId: f.agreementId, flow: 0n, epoch, count, root: root(`e${epoch}`) };
}

/** Alice (referrer of flow 0) commits `epoch` with bob's acknowledgement of `count`. */
async function commitAcknowledged(f: SettlementFixture, epoch: bigint, count: bigint) {
  const batch = flowZero(f, epoch, count);
  const signature = await signBatch(f.bob, f.settlementAddress, batch);
  return f.settlement.connect(f.alice).commit(f.agreementId, 0n, epoch, count, batch.root, signature);
}

describe("Settlement between hostile members", () => {
  describe("leaving stops billing", () => {
    it("an expelled referrer cannot bill an epoch that ended after its expulsion", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.consortium.connect(f.governor).expel(f.alice.address, ethers.id("fraud"));
      await endOfEpoch(f.agreements, f.agreementId, 2n);
      await expect(commitAcknowledged(f, 1n, 100n)).to.be.revertedWithCustomError(
        f.settlement,
        "SettlementPartyLeft",
      );
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(0n);
    });

    it("an exited referrer still settles the epochs that ended while it was a member", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      const before = flowZero(f, 0n, 10n);
      const signature = await signBatch(f.bob, f.settlementAddress, before);
      await f.consortium.connect(f.alice).exit();
      await f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 10n, before.root, signature);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(100n);
    });

    it("an exited recipient is not billed for epochs after it left, not even by an unanswered claim", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.consortium.connect(f.bob).exit();
      await endOfEpoch(f.agreements, f.agreementId, 1n);
      await expect(
        f.settlement.connect(f.alice).claim(f.agreementId, 0n, 1n, 100n, root("cap"), NO_ACK),
      ).to.be.revertedWithCustomError(f.settlement, "SettlementPartyLeft");
    });

    it("a recipient that left cannot be billed above what it signed: no claim against it, no finalised excess", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 1n);
      // Epoch 1 is claimed while bob is a member; bob exits before the window ends: he can no
      // longer dispute, so the claim's unacknowledged excess never settles.
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 1n, 100n, root("open"), NO_ACK);
      await f.consortium.connect(f.bob).exit();
      // Epoch 0 ended before bob left: his acknowledgement settles it; a bare claim does not.
      await expect(
        f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 100n, root("cap"), NO_ACK),
      ).to.be.revertedWithCustomError(f.settlement, "SettlementPartyLeft");
      await commitAcknowledged(f, 0n, 10n);
      await time.increase(CHALLENGE_WINDOW);
      await expect(f.settlement.finalise(f.agreementId, 0n, 1n)).to.be.revertedWithCustomError(
        f.settlement,
        "SettlementPartyLeft",
      );
      expect(await f.ledger.balanceOf(f.bob.address)).to.equal(-100n);
    });

    it("a member suspended throughout an epoch is not paid for it; reinstatement resumes", async () => {
      const f = await loadFixture(deploySettlementFixture);
      // Bob (recipient of flow 0) is suspended before epoch 1 starts and reinstated after it ends.
      const epoch1Start: bigint = await f.agreements.epochEnd(f.agreementId, 0n);
      await time.setNextBlockTimestamp(epoch1Start - 1n);
      await f.consortium.connect(f.governor).suspend(f.bob.address, ethers.id("audit"));
      await time.setNextBlockTimestamp(epoch1Start + EPOCH_LENGTH + 1n);
      await f.consortium.connect(f.governor).reinstate(f.bob.address);
      await endOfEpoch(f.agreements, f.agreementId, 2n);
      await expect(commitAcknowledged(f, 1n, 10n)).to.be.revertedWithCustomError(
        f.settlement,
        "SettlementPartySuspended",
      );
      // The epoch the suspension only started in, and the one after reinstatement, settle.
      await commitAcknowledged(f, 0n, 10n);
      await commitAcknowledged(f, 2n, 10n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(200n);
    });
  });

  describe("windows do not move under earned epochs", () => {
    it("a pause longer than the submission window does not remove an earned epoch", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.settlement.connect(f.governor).pause();
      await time.increase(SUBMISSION_WINDOW + 3_600n);
      await f.settlement.connect(f.governor).unpause();
      await commitAcknowledged(f, 0n, 10n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(100n);
    });

    it("paused time is not counted, but the rest of the window still closes", async () => {
      const f = await loadFixture(deploySettlementFixture);
      const end = await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.settlement.connect(f.governor).pause();
      await time.increase(1_000n);
      await f.settlement.connect(f.governor).unpause();
      const deadline: bigint = await f.settlement.submissionDeadline(f.agreementId, 0n);
      expect(deadline).to.be.greaterThanOrEqual(end + SUBMISSION_WINDOW + 1_000n);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(commitAcknowledged(f, 0n, 10n)).to.be.revertedWithCustomError(
        f.settlement,
        "SettlementSubmissionClosed",
      );
    });

    it("a narrowed submission window applies only to epochs that end after the change", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      await f.settlement.connect(f.governor).setSubmissionWindow(60n);
      await time.increase(3_600n);
      // Epoch 0 ended before the change: it keeps its 7-day window.
      await commitAcknowledged(f, 0n, 10n);
      // Epoch 1 ends after it: 60 seconds.
      const end1 = await endOfEpoch(f.agreements, f.agreementId, 1n);
      await time.setNextBlockTimestamp(end1 + 61n);
      await expect(commitAcknowledged(f, 1n, 10n)).to.be.revertedWithCustomError(
        f.settlement,
        "SettlementSubmissionClosed",
      );
    });
  });

  describe("evidence is the recipient's signature", () => {
    async function overClaimed() {
      const f = await deploySettlementFixture();
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      // Bob saw 2 arrivals and signed that; alice claims 10 click ids it made up.
      const ack = await acknowledgement(f.bob, f.settlementAddress, flowZero(f, 0n, 2n));
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 10n, root("made-up"), ack);
      await f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 2n, root("seen"), { value: DISPUTE_BOND });
      return f;
    }

    it("made-up referrals never settle: no one can resolve a dispute without a higher acknowledgement", async () => {
      const f = await loadFixture(overClaimed);
      // The referrer's own Merkle root, signed by itself or by an auditor, is not evidence.
      for (const signer of [f.alice, f.auditor]) {
        const forged = await acknowledgement(signer, f.settlementAddress, {
          ...flowZero(f, 0n, 10n),
          recipient: f.bob.address,
        });
        await expect(
          f.settlement.connect(f.auditor).resolve(f.agreementId, 0n, 0n, forged),
        ).to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement");
      }
      await time.increase(CHALLENGE_WINDOW);
      await f.settlement.upholdDispute(f.agreementId, 0n, 0n);
      expect((await f.settlement.batchOf(f.agreementId, 0n, 0n)).settledCount).to.equal(2n);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(20n);
      expect(await f.settlement.bondBalanceOf(f.bob.address)).to.equal(DISPUTE_BOND);
    });

    it("an auditor that is a party's registered signer cannot resolve that party's dispute", async () => {
      const f = await loadFixture(overClaimed);
      // Alice's signing key is also an auditor.
      const aliceKey = f.others[3];
      await f.consortium.connect(f.alice).updateProfile(profileFor(aliceKey.address, 1));
      await f.consortium.connect(f.governor).grantRole(AUDITOR_ROLE, aliceKey.address);
      const ack = await acknowledgement(f.bob, f.settlementAddress, flowZero(f, 0n, 5n));
      await expect(f.settlement.connect(aliceKey).resolve(f.agreementId, 0n, 0n, ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementAuditorIsParty")
        .withArgs(aliceKey.address);
    });

    it("an acknowledgement signed for one recipient does not count for another member with the same key", async () => {
      const f = await loadFixture(deploySettlementFixture);
      await endOfEpoch(f.agreements, f.agreementId, 0n);
      // Bob's key signs an acknowledgement naming carol: alice cannot use it as bob's.
      const forCarol = await signBatch(f.bob, f.settlementAddress, {
        ...flowZero(f, 0n, 10n),
        recipient: f.carol.address,
      });
      await expect(
        f.settlement.connect(f.alice).commit(f.agreementId, 0n, 0n, 10n, root("e0"), forCarol),
      ).to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement");
    });
  });
});
