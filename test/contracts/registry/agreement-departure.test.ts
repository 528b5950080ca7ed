/**
 * Membership reaches settlement: when a party is expelled or exits, its agreements stop at once
 * (no notice epochs): `settleableEpochs` counts only epochs that ended by the departure, anyone
 * may record the termination, and a termination because of a departure is immediate.
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id } from "ethers";
import {
  AgreementStatus,
  type Deployed,
  deployRegistry,
  flow,
  GOVERNOR_ROLE,
  HOUR,
  propose,
} from "../fixtures";

const REASON = id("fraud");

/** An Active one-way agreement alice → bob (alice refers, bob pays): 10 daily epochs, 1 of notice. */
async function activeOneWay() {
  const registry = await deployRegistry();
  const { agreementBook, matcher, alice, bob } = registry;
  const { agreementId, schedule } = await propose(
    agreementBook,
    matcher,
    [alice.address, bob.address],
    [flow(alice.address, bob.address)],
  );
  await (agreementBook.connect(alice) as Deployed).accept(agreementId);
  await (agreementBook.connect(bob) as Deployed).accept(agreementId);
  const epochAt = (e: bigint) => schedule.start + e * schedule.epochLength;
  return { ...registry, agreementId, schedule, epochAt };
}

describe("AgreementBook and departures", () => {
  describe("settleableEpochs stops at a party's departure", () => {
    it("expelled member's agreement still counts settleable epochs after expulsion (no longer)", async () => {
      const { agreementBook, consortium, governor, alice, agreementId, epochAt } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await (consortium.connect(governor) as Deployed).expel(alice.address, REASON);
      // Epochs 0, 1 and 2 ended before the expulsion; epoch 3 was under way: it does not settle.
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(3n);
      expect(await consortium.leftAt(alice.address)).to.equal(BigInt(await time.latest()));
    });

    it("an exited referrer: stops at its exit", async () => {
      const { agreementBook, consortium, alice, agreementId, epochAt } = await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(6n) + 1n);
      await (consortium.connect(alice) as Deployed).exit();
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(6n);
    });

    it("an exited recipient: stops at its exit", async () => {
      const { agreementBook, consortium, bob, agreementId, epochAt } = await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(2n) + 5n * HOUR);
      await (consortium.connect(bob) as Deployed).exit();
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(2n);
    });

    it("a departure exactly at an epoch boundary keeps the epoch that ended then", async () => {
      const { agreementBook, consortium, bob, agreementId, epochAt } = await loadFixture(activeOneWay);
      await time.setNextBlockTimestamp(epochAt(4n));
      await (consortium.connect(bob) as Deployed).exit();
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(4n);
    });

    it("a departure before the start leaves nothing to settle; one after the end changes nothing", async () => {
      const before = await loadFixture(activeOneWay);
      await (before.consortium.connect(before.bob) as Deployed).exit();
      expect(await before.agreementBook.settleableEpochs(before.agreementId)).to.equal(0n);

      const after = await loadFixture(activeOneWay);
      await time.increaseTo(after.schedule.end + 1n);
      await (after.consortium.connect(after.governor) as Deployed).expel(after.alice.address, REASON);
      expect(await after.agreementBook.settleableEpochs(after.agreementId)).to.equal(10n);
    });

    it("a suspension alone does not cut the agreement short (settlement judges suspended epochs)", async () => {
      const { agreementBook, consortium, governor, alice, agreementId, epochAt } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await (consortium.connect(governor) as Deployed).suspend(alice.address, REASON);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(10n);
    });

    it("a departure during the notice of an earlier termination cuts the notice short", async () => {
      const { agreementBook, consortium, alice, bob, agreementId, epochAt } = await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await (agreementBook.connect(alice) as Deployed).terminate(agreementId);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(5n);
      await time.increaseTo(epochAt(4n) + HOUR);
      await (consortium.connect(bob) as Deployed).exit();
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(4n);
    });
  });

  describe("terminateOnDeparture", () => {
    it("lets anyone end an agreement at once when a party left, effective at the departure's epoch", async () => {
      const { agreementBook, consortium, governor, alice, outsider, agreementId, epochAt } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await (consortium.connect(governor) as Deployed).expel(alice.address, REASON);
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, outsider.address, 3n, epochAt(3n));
      expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Terminated);
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(3n);
    });

    it("works after the end too, when the party left before it", async () => {
      const { agreementBook, consortium, bob, outsider, agreementId, epochAt, schedule } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(7n) + HOUR);
      await (consortium.connect(bob) as Deployed).exit();
      await time.increaseTo(schedule.end + HOUR);
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, outsider.address, 7n, epochAt(7n));
    });

    it("refuses while every party is still a member (suspended included), or when it left after the end", async () => {
      const { agreementBook, consortium, governor, alice, bob, outsider, agreementId, schedule } =
        await loadFixture(activeOneWay);
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNoDeparture")
        .withArgs(agreementId);
      await (consortium.connect(governor) as Deployed).suspend(alice.address, REASON);
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNoDeparture")
        .withArgs(agreementId);
      // A departure after the last epoch ended took nothing away.
      await time.increaseTo(schedule.end);
      await (consortium.connect(bob) as Deployed).exit();
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookNoDeparture")
        .withArgs(agreementId);
    });

    it("refuses an agreement that is not Active", async () => {
      const { agreementBook, consortium, alice, bob, outsider, agreementId } =
        await loadFixture(activeOneWay);
      await (agreementBook.connect(alice) as Deployed).terminate(agreementId);
      await (consortium.connect(bob) as Deployed).exit();
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnexpectedStatus")
        .withArgs(agreementId, AgreementStatus.Terminated, AgreementStatus.Active);
      await expect((agreementBook.connect(outsider) as Deployed).terminateOnDeparture(99n))
        .to.be.revertedWithCustomError(agreementBook, "AgreementBookUnknownAgreement")
        .withArgs(99n);
    });
  });

  describe("terminate after a departure", () => {
    it("by the governor: immediate, without notice epochs; a stranger is still refused", async () => {
      const { agreementBook, consortium, governor, alice, carol, agreementId, epochAt } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await (consortium.connect(alice) as Deployed).exit();
      await expect((agreementBook.connect(carol) as Deployed).terminate(agreementId))
        .to.be.revertedWithCustomError(agreementBook, "ConsortiumUnauthorizedAccount")
        .withArgs(carol.address, GOVERNOR_ROLE);
      await expect((agreementBook.connect(governor) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, governor.address, 3n, epochAt(3n));
      expect(await agreementBook.settleableEpochs(agreementId)).to.equal(3n);
    });

    it("by the remaining party: immediate too", async () => {
      const { agreementBook, consortium, governor, alice, bob, agreementId, epochAt } =
        await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(5n) + HOUR);
      await (consortium.connect(governor) as Deployed).expel(alice.address, REASON);
      await expect((agreementBook.connect(bob) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, bob.address, 5n, epochAt(5n));
    });

    it("without a departure, the governor's termination still gives notice", async () => {
      const { agreementBook, governor, agreementId, epochAt } = await loadFixture(activeOneWay);
      await time.increaseTo(epochAt(3n) + HOUR);
      await expect((agreementBook.connect(governor) as Deployed).terminate(agreementId))
        .to.emit(agreementBook, "AgreementTerminated")
        .withArgs(agreementId, governor.address, 5n, epochAt(5n));
    });
  });
});
