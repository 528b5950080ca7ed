import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { profileFor, viaWallet } from "../fixtures";
import {
  acknowledgement,
  type BatchFields,
  CHALLENGE_WINDOW,
  type Contract,
  createActiveAgreement,
  DISPUTE_BOND,
  deploySettlementFixture,
  endOfEpoch,
  malleate,
  NO_ACK,
  root,
  type SettlementFixture,
  signBatch,
} from "./fixture";

const AUDITOR_ROLE = ethers.id("AUDITOR_ROLE");
const Status = { None: 0n, Committed: 1n, Claimed: 2n, Disputed: 3n, Finalised: 4n, Resolved: 5n };

/** The fixture with epochs 0…3 of the alice↔bob agreement ended. */
async function endedFixture() {
  const f = await deploySettlementFixture();
  await endOfEpoch(f.agreements, f.agreementId, 3n);
  return f;
}

function batchOf(f: SettlementFixture, overrides: Partial<BatchFields> = {}): BatchFields {
  return {
    agreementId: f.agreementId,
    flow: 0n,
    epoch: 0n,
    count: 40n,
    root: root("r"),
    recipient: f.bob.address,
    ...overrides,
  };
}

/** Alice submits `batch` with `signature`. */
function commitAs(f: SettlementFixture, batch: BatchFields, signature: string) {
  return f.settlement
    .connect(f.alice)
    .commit(batch.agreementId, batch.flow, batch.epoch, batch.count, batch.root, signature);
}

async function expectInvalidAcknowledgement(f: SettlementFixture, tx: Promise<unknown>) {
  await expect(tx)
    .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
    .withArgs(f.bob.address, f.bob.address);
}

describe("Settlement attacks", () => {
  describe("replayed co-signatures", () => {
    it("cannot be replayed on another agreement with the same parties and terms", async () => {
      const f = await loadFixture(endedFixture);
      const signed = batchOf(f);
      const signature = await signBatch(f.bob, f.settlementAddress, signed);
      const { agreementId: twin } = await createActiveAgreement(
        f.agreements,
        [f.alice, f.bob],
        [{ from: f.alice.address, to: f.bob.address, segments: 1n, capPerEpoch: 100n, rate: 10n }],
      );
      await endOfEpoch(f.agreements, twin, 0n);
      await expectInvalidAcknowledgement(f, commitAs(f, { ...signed, agreementId: twin }, signature));
      await commitAs(f, signed, signature);
    });

    it("cannot be replayed on another flow between the same members", async () => {
      const f = await loadFixture(endedFixture);
      const { agreementId } = await createActiveAgreement(
        f.agreements,
        [f.alice, f.bob],
        [
          { from: f.alice.address, to: f.bob.address, segments: 1n, capPerEpoch: 100n, rate: 10n },
          { from: f.alice.address, to: f.bob.address, segments: 2n, capPerEpoch: 100n, rate: 10n },
        ],
      );
      await endOfEpoch(f.agreements, agreementId, 0n);
      const signed = batchOf(f, { agreementId, flow: 0n });
      const signature = await signBatch(f.bob, f.settlementAddress, signed);
      await expectInvalidAcknowledgement(f, commitAs(f, { ...signed, flow: 1n }, signature));
      await commitAs(f, signed, signature);
    });

    it("cannot be replayed on another epoch, nor with another count or root", async () => {
      const f = await loadFixture(endedFixture);
      const signed = batchOf(f, { epoch: 1n });
      const signature = await signBatch(f.bob, f.settlementAddress, signed);
      await expectInvalidAcknowledgement(f, commitAs(f, { ...signed, epoch: 2n }, signature));
      await expectInvalidAcknowledgement(f, commitAs(f, { ...signed, count: 41n }, signature));
      await expectInvalidAcknowledgement(f, commitAs(f, { ...signed, root: root("forged") }, signature));
      await commitAs(f, signed, signature);
    });

    it("cannot be replayed from another chain", async () => {
      const f = await loadFixture(endedFixture);
      const signed = batchOf(f);
      const signature = await signBatch(f.bob, f.settlementAddress, signed, 1n);
      await expectInvalidAcknowledgement(f, commitAs(f, signed, signature));
    });

    it("cannot be replayed on another Settlement deployment", async () => {
      const f = await loadFixture(endedFixture);
      const other = (await ethers.deployContract("Settlement", [
        await f.consortium.getAddress(),
        await f.agreements.getAddress(),
        await f.ledger.getAddress(),
        CHALLENGE_WINDOW,
        CHALLENGE_WINDOW,
        DISPUTE_BOND,
      ])) as unknown as Contract;
      const signed = batchOf(f);
      const signature = await signBatch(f.bob, await other.getAddress(), signed);
      await expectInvalidAcknowledgement(f, commitAs(f, signed, signature));
    });
  });

  it("refuses a malleated (high-s) signature that naive ecrecover would accept", async () => {
    const f = await loadFixture(endedFixture);
    const signed = batchOf(f);
    const signature = await signBatch(f.bob, f.settlementAddress, signed);
    const malleated = malleate(signature);
    expect(malleated).to.not.equal(signature);
    // The EVM's ecrecover itself accepts both: only the contract's check stands in the way.
    const digest: string = await f.settlement.acknowledgementDigest(
      f.bob.address,
      signed.agreementId,
      signed.flow,
      signed.epoch,
      signed.count,
      signed.root,
    );
    const sig = ethers.Signature.from(signature);
    const flippedV = sig.v === 27 ? 28n : 27n;
    const highS =
      BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141") - BigInt(sig.s);
    const recovered = await ethers.provider.call({
      to: "0x0000000000000000000000000000000000000001",
      data: ethers.concat([digest, ethers.toBeHex(flippedV, 32), sig.r, ethers.toBeHex(highS, 32)]),
    });
    expect(ethers.getAddress(ethers.dataSlice(recovered, 12))).to.equal(f.bob.address);
    await expectInvalidAcknowledgement(f, commitAs(f, signed, malleated));
    await commitAs(f, signed, signature);
  });

  it("refuses signatures by the referrer, a third member or the recipient's rotated-out key", async () => {
    const f = await loadFixture(endedFixture);
    const signed = batchOf(f);
    for (const signer of [f.alice, f.carol, f.auditor]) {
      await expectInvalidAcknowledgement(
        f,
        commitAs(f, signed, await signBatch(signer, f.settlementAddress, signed)),
      );
    }
    // Bob rotates his key to `others[1]`: his own old signature no longer counts, the new key's does.
    const newKey = f.others[1];
    await f.consortium.connect(f.bob).updateProfile(profileFor(newKey.address, 2));
    await expect(commitAs(f, signed, await signBatch(f.bob, f.settlementAddress, signed)))
      .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
      .withArgs(f.bob.address, newKey.address);
    await commitAs(f, signed, await signBatch(newKey, f.settlementAddress, signed));
  });

  it("refuses a commit one second before the epoch ends", async () => {
    const f = await loadFixture(deploySettlementFixture);
    const end: bigint = await f.agreements.epochEnd(f.agreementId, 0n);
    const signed = batchOf(f);
    const signature = await signBatch(f.bob, f.settlementAddress, signed);
    await time.setNextBlockTimestamp(end - 1n);
    await expect(commitAs(f, signed, signature))
      .to.be.revertedWithCustomError(f.settlement, "SettlementEpochNotEnded")
      .withArgs(f.agreementId, 0n, end);
    await commitAs(f, signed, signature);
  });

  it("refuses a duplicate batch, even with a fresh co-signature for other numbers", async () => {
    const f = await loadFixture(endedFixture);
    await commitAs(f, batchOf(f), await signBatch(f.bob, f.settlementAddress, batchOf(f)));
    const second = batchOf(f, { count: 90n, root: root("second") });
    await expect(commitAs(f, second, await signBatch(f.bob, f.settlementAddress, second)))
      .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
      .withArgs(f.agreementId, 0n, 0n, Status.Committed);
    expect(await f.ledger.balanceOf(f.alice.address)).to.equal(400n);
  });

  describe("claim and commit race", () => {
    it("a claim blocks a later co-signed commit of the same batch (one batch, ever)", async () => {
      const f = await loadFixture(endedFixture);
      const cosigned = batchOf(f, { count: 30n });
      const signature = await signBatch(f.bob, f.settlementAddress, cosigned);
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK);
      await expect(commitAs(f, cosigned, signature))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
        .withArgs(f.agreementId, 0n, 0n, Status.Claimed);
      // Nothing was paid twice: the claim is still open and nothing has settled yet.
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(0n);
    });

    it("a commit blocks a later claim", async () => {
      const f = await loadFixture(endedFixture);
      await commitAs(f, batchOf(f), await signBatch(f.bob, f.settlementAddress, batchOf(f)));
      await expect(f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
        .withArgs(f.agreementId, 0n, 0n, Status.Committed);
    });
  });

  describe("disputes", () => {
    async function claimed() {
      const f = await endedFixture();
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 0n, 80n, root("claim"), NO_ACK);
      const { challengeEnds } = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      return { ...f, challengeEnds: challengeEnds as bigint };
    }

    it("refuses a dispute at or after the end of the window", async () => {
      const f = await loadFixture(claimed);
      await time.setNextBlockTimestamp(f.challengeEnds);
      await expect(
        f.settlement.connect(f.bob).dispute(f.agreementId, 0n, 0n, 10n, root("c"), { value: DISPUTE_BOND }),
      )
        .to.be.revertedWithCustomError(f.settlement, "SettlementChallengeWindowClosed")
        .withArgs(f.agreementId, 0n, 0n, f.challengeEnds);
      // From that instant on, the undisputed claim is final for anyone to record.
      await expect(f.settlement.connect(f.outsider).finalise(f.agreementId, 0n, 0n))
        .to.emit(f.settlement, "BatchSettled")
        .withArgs(f.agreementId, 0n, 0n, f.bob.address, f.alice.address, 80n, 800n);
    });

    it("leaves no instant where both the dispute and the finalisation could land", async () => {
      const f = await loadFixture(claimed);
      // Last second of the window: the referrer's finalise fails, the recipient's dispute lands.
      const lastSecond = await ethers.provider.send("evm_snapshot", []);
      await time.setNextBlockTimestamp(f.challengeEnds - 1n);
      await expect(f.settlement.connect(f.alice).finalise(f.agreementId, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementChallengeWindowOpen")
        .withArgs(f.agreementId, 0n, 0n, f.challengeEnds);
      await ethers.provider.send("evm_revert", [lastSecond]);
      await time.setNextBlockTimestamp(f.challengeEnds - 1n);
      await f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 10n, root("c"), { value: DISPUTE_BOND });
      await expect(f.settlement.connect(f.alice).finalise(f.agreementId, 0n, 0n))
        .to.be.revertedWithCustomError(f.settlement, "SettlementUnexpectedBatchStatus")
        .withArgs(f.agreementId, 0n, 0n, Status.Disputed, Status.Claimed);
    });

    it("cannot be front-run by a third party's dispute or by the referrer", async () => {
      const f = await loadFixture(claimed);
      // A decoy dispute (say, with a count of 79 to settle almost everything) by anyone else fails.
      for (const attacker of [f.alice, f.carol, f.outsider]) {
        await expect(
          f.settlement
            .connect(attacker)
            .dispute(f.agreementId, 0n, 0n, 79n, root("decoy"), { value: DISPUTE_BOND }),
        )
          .to.be.revertedWithCustomError(f.settlement, "SettlementNotRecipient")
          .withArgs(attacker.address, f.bob.address);
      }
      // The referrer cannot swap the claim for a friendlier batch before the dispute lands…
      const swap = batchOf(f, { count: 80n });
      await expect(commitAs(f, swap, await signBatch(f.alice, f.settlementAddress, swap)))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBatchAlreadySubmitted")
        .withArgs(f.agreementId, 0n, 0n, Status.Claimed);
      // …nor get it paused away: a paused contract still takes the dispute.
      await f.settlement.connect(f.governor).pause();
      await f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 20n, root("c"), { value: DISPUTE_BOND });
      const batch = await f.settlement.batchOf(f.agreementId, 0n, 0n);
      expect([batch.status, batch.counterCount]).to.deep.equal([Status.Disputed, 20n]);
    });

    it("resolution is the referrer's or an auditor's, the governor and the recipient excluded", async () => {
      const f = await loadFixture(claimed);
      await f.settlement
        .connect(f.bob)
        .dispute(f.agreementId, 0n, 0n, 20n, root("c"), { value: DISPUTE_BOND });
      const ack = await acknowledgement(f.bob, f.settlementAddress, batchOf(f, { count: 60n }));
      for (const caller of [f.governor, f.matcher, f.bob, f.outsider]) {
        await expect(f.settlement.connect(caller).resolve(f.agreementId, 0n, 0n, ack))
          .to.be.revertedWithCustomError(f.settlement, "SettlementNotResolver")
          .withArgs(caller.address);
      }
      // A revoked auditor is a non-auditor.
      await f.consortium.connect(f.governor).revokeRole(AUDITOR_ROLE, f.auditor.address);
      await expect(f.settlement.connect(f.auditor).resolve(f.agreementId, 0n, 0n, ack))
        .to.be.revertedWithCustomError(f.settlement, "SettlementNotResolver")
        .withArgs(f.auditor.address);
    });
  });

  describe("ERC-1271 wallets", () => {
    it("accepts a contract wallet's co-signature (member = wallet, signed by its owner)", async () => {
      const f = await loadFixture(endedFixture);
      const walletAddress = await f.wallet.getAddress();
      const agreementId = (await f.agreements.agreementCount()) + 1n;
      const now = BigInt(await time.latest());
      await f.agreements
        .connect(f.alice)
        .propose(
          [f.alice.address, walletAddress],
          [{ from: f.alice.address, to: walletAddress, segments: 1n, capPerEpoch: 100n, rate: 7n }],
          { start: now + 100n, end: now + 100n + 3_600n, epochLength: 3_600n, noticeEpochs: 0n },
          now + 100n,
        );
      await f.agreements.connect(f.alice).accept(agreementId);
      await viaWallet(f.wallet, f.walletOwner, f.agreements, "accept", [agreementId]);
      await endOfEpoch(f.agreements, agreementId, 0n);
      const signed = batchOf(f, { agreementId, count: 3n, recipient: walletAddress });
      await expect(commitAs(f, signed, await signBatch(f.alice, f.settlementAddress, signed)))
        .to.be.revertedWithCustomError(f.settlement, "SettlementInvalidAcknowledgement")
        .withArgs(walletAddress, walletAddress);
      await commitAs(f, signed, await signBatch(f.walletOwner, f.settlementAddress, signed));
      expect(await f.ledger.balanceOf(walletAddress)).to.equal(-21n);
    });

    it("a reentrant ERC-1271 wallet cannot act while its signature is checked", async () => {
      const f = await loadFixture(endedFixture);
      // Epoch 1 is claimed and its window has passed: anyone may finalise it — unless in a static call.
      await f.settlement.connect(f.alice).claim(f.agreementId, 0n, 1n, 60n, root("claim"), NO_ACK);
      await time.increase(CHALLENGE_WINDOW);
      const walletKey = f.others[2];
      const wallet = (await ethers.deployContract("ReentrantERC1271Wallet", [
        walletKey.address,
      ])) as unknown as Contract;
      const walletAddress = await wallet.getAddress();
      await f.consortium.connect(f.bob).updateProfile(profileFor(walletAddress, 2));
      const signed = batchOf(f, { epoch: 2n, count: 5n });
      const signature = await signBatch(walletKey, f.settlementAddress, signed);
      const finaliseEpoch1 = f.settlement.interface.encodeFunctionData("finalise", [f.agreementId, 0n, 1n]);
      await wallet.arm(f.settlementAddress, finaliseEpoch1);

      // Proof that the attack is live: called directly (not statically), the wallet does finalise.
      const digest = await f.settlement.acknowledgementDigest(
        f.bob.address,
        f.agreementId,
        0n,
        2n,
        5n,
        signed.root,
      );
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      await expect(wallet.isValidSignature(digest, signature))
        .to.emit(wallet, "ReentryAttempted")
        .withArgs(true);
      expect((await f.settlement.batchOf(f.agreementId, 0n, 1n)).status).to.equal(Status.Finalised);
      await ethers.provider.send("evm_revert", [snapshot]);

      // Through Settlement, SignatureChecker's static call stops it: the commit lands, the reentry does not.
      await expect(commitAs(f, signed, signature)).not.to.emit(f.settlement, "BatchFinalised");
      expect((await f.settlement.batchOf(f.agreementId, 0n, 2n)).status).to.equal(Status.Committed);
      expect((await f.settlement.batchOf(f.agreementId, 0n, 1n)).status).to.equal(Status.Claimed);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(50n);

      // Armed to commit the very same batch again from inside the check: still settled once.
      const again = batchOf(f, { epoch: 3n, count: 5n });
      const againSignature = await signBatch(walletKey, f.settlementAddress, again);
      await wallet.arm(
        f.settlementAddress,
        f.settlement.interface.encodeFunctionData("commit", [
          f.agreementId,
          0n,
          3n,
          5n,
          again.root,
          againSignature,
        ]),
      );
      await commitAs(f, again, againSignature);
      expect(await f.ledger.balanceOf(f.alice.address)).to.equal(100n);
    });

    it("a wallet that cannot take ETH keeps its bond claim instead of blocking resolution", async () => {
      const f = await loadFixture(endedFixture);
      const walletAddress = await f.wallet.getAddress();
      const agreementId = (await f.agreements.agreementCount()) + 1n;
      const now = BigInt(await time.latest());
      await viaWallet(f.wallet, f.walletOwner, f.agreements, "propose", [
        [walletAddress, f.bob.address],
        [{ from: walletAddress, to: f.bob.address, segments: 1n, capPerEpoch: 100n, rate: 1n }],
        { start: now + 100n, end: now + 100n + 3_600n, epochLength: 3_600n, noticeEpochs: 0n },
        now + 100n,
      ]);
      await viaWallet(f.wallet, f.walletOwner, f.agreements, "accept", [agreementId]);
      await f.agreements.connect(f.bob).accept(agreementId);
      await endOfEpoch(f.agreements, agreementId, 0n);
      await viaWallet(f.wallet, f.walletOwner, f.settlement, "claim", [
        agreementId,
        0n,
        0n,
        50n,
        root("w"),
        NO_ACK,
      ]);
      await f.settlement.connect(f.bob).dispute(agreementId, 0n, 0n, 10n, root("b"), { value: DISPUTE_BOND });
      // The bond goes to the wallet (dispute rejected); resolution does not send ETH, so it cannot be blocked.
      const ack = await acknowledgement(f.bob, f.settlementAddress, {
        agreementId,
        flow: 0n,
        epoch: 0n,
        count: 50n,
        root: root("w"),
      });
      await f.settlement.connect(f.auditor).resolve(agreementId, 0n, 0n, ack);
      expect(await f.settlement.bondBalanceOf(walletAddress)).to.equal(DISPUTE_BOND);
      await expect(viaWallet(f.wallet, f.walletOwner, f.settlement, "withdrawBond", []))
        .to.be.revertedWithCustomError(f.settlement, "SettlementBondTransferFailed")
        .withArgs(walletAddress, DISPUTE_BOND);
      expect(await f.settlement.bondBalanceOf(walletAddress)).to.equal(DISPUTE_BOND);
    });
  });
});
