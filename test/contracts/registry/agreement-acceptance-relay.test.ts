/**
 * Relayed acceptances under attack: a copied signature relayed ahead of the relayer must not
 * make the relayer's batch fail, and a signature names the party it accepts for, so one key
 * behind two members' ERC-1271 wallets cannot accept for one with the other's signature.
 */
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import {
  AgreementStatus,
  type Deployed,
  deployRegistry,
  flow,
  profileFor,
  propose,
  signAcceptance,
  viaWallet,
} from "../fixtures";

/** Registry plus a three-party cycle alice → bob → carol → alice, proposed by the matcher. */
async function withCycleProposal() {
  const registry = await deployRegistry();
  const { agreementBook, matcher, alice, bob, carol } = registry;
  const { agreementId } = await propose(
    agreementBook,
    matcher,
    [alice.address, bob.address, carol.address],
    [flow(alice.address, bob.address), flow(bob.address, carol.address), flow(carol.address, alice.address)],
  );
  return { ...registry, agreementId };
}

/** Registry plus a second ERC-1271 wallet member owned by the same key as the first. */
async function withTwinWallets() {
  const registry = await deployRegistry();
  const { consortium, governor, agreementBook, matcher, wallet, walletOwner } = registry;
  const twin = (await ethers.deployContract("ERC1271WalletMock", [walletOwner.address])) as Deployed;
  const twinAddress = await twin.getAddress();
  await viaWallet(twin, walletOwner, consortium, "applyForMembership", [profileFor(twinAddress, 6)]);
  await (consortium.connect(governor) as Deployed).admit(twinAddress);
  const walletAddress = await wallet.getAddress();
  const { agreementId } = await propose(
    agreementBook,
    matcher,
    [walletAddress, twinAddress],
    [flow(walletAddress, twinAddress), flow(twinAddress, walletAddress)],
  );
  return { ...registry, twin, twinAddress, walletAddress, agreementId };
}

describe("AgreementBook relayed acceptances", () => {
  it("front-running: a party that accepted by transaction first is skipped; the relayer's batch still activates", async () => {
    const { agreementBook, agreementId, alice, bob, carol, matcher } = await loadFixture(withCycleProposal);
    const signatures = [
      await signAcceptance(alice, agreementBook, agreementId),
      await signAcceptance(bob, agreementBook, agreementId),
      await signAcceptance(carol, agreementBook, agreementId),
    ];
    await (agreementBook.connect(bob) as Deployed).accept(agreementId);
    const relayed = (agreementBook.connect(matcher) as Deployed).acceptWithSignatures(
      agreementId,
      signatures,
    );
    await expect(relayed)
      .to.emit(agreementBook, "AgreementActivated")
      .withArgs(agreementId)
      .and.to.emit(agreementBook, "AgreementAccepted")
      .withArgs(agreementId, alice.address, true);
    // Bob's acceptance is not recorded (nor announced) a second time.
    const receipt = await (await relayed).wait();
    const accepted = receipt.logs
      .map((log: { topics: string[]; data: string }) => agreementBook.interface.parseLog(log))
      .filter((e: { name: string } | null) => e?.name === "AgreementAccepted")
      .map((e: { args: { party: string } }) => e.args.party);
    expect(accepted).to.deep.equal([alice.address, carol.address]);
    expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Active);
  });

  it("front-running: one copied signature relayed ahead of the relayer's batch does not make it fail", async () => {
    const { agreementBook, agreementId, alice, bob, carol, outsider, matcher } =
      await loadFixture(withCycleProposal);
    const signatures = [
      await signAcceptance(alice, agreementBook, agreementId),
      await signAcceptance(bob, agreementBook, agreementId),
      await signAcceptance(carol, agreementBook, agreementId),
    ];
    // The attacker copies alice's signature from the mempool and relays it alone.
    await (agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, [
      signatures[0],
      "0x",
      "0x",
    ]);
    expect(await agreementBook.hasAccepted(agreementId, alice.address)).to.equal(true);
    await expect((agreementBook.connect(matcher) as Deployed).acceptWithSignatures(agreementId, signatures))
      .to.emit(agreementBook, "AgreementActivated")
      .withArgs(agreementId);
    expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Active);
  });

  it("one key behind two ERC-1271 wallets cannot accept for the second wallet with the first's signature", async () => {
    const { agreementBook, agreementId, walletOwner, walletAddress, twinAddress, outsider } =
      await loadFixture(withTwinWallets);
    const forWallet = await signAcceptance(walletOwner, agreementBook, agreementId, { party: walletAddress });
    await expect(
      (agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, [forWallet, forWallet]),
    )
      .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
      .withArgs(agreementId, twinAddress, twinAddress);
    expect(await agreementBook.agreementStatus(agreementId)).to.equal(AgreementStatus.Proposed);
  });

  it("the same key accepts for both wallets with one signature per party", async () => {
    const { agreementBook, agreementId, walletOwner, walletAddress, twinAddress, outsider } =
      await loadFixture(withTwinWallets);
    const signatures = [
      await signAcceptance(walletOwner, agreementBook, agreementId, { party: walletAddress }),
      await signAcceptance(walletOwner, agreementBook, agreementId, { party: twinAddress }),
    ];
    await expect((agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, signatures))
      .to.emit(agreementBook, "AgreementAccepted")
      .withArgs(agreementId, twinAddress, true)
      .and.to.emit(agreementBook, "AgreementActivated")
      .withArgs(agreementId);
  });

  it("an EOA's signature for one party does not count for another party with the same signer", async () => {
    // alice makes bob's signer her own key: her signature for herself must not accept for bob.
    const { agreementBook, consortium, matcher, alice, bob, outsider } = await loadFixture(deployRegistry);
    await (consortium.connect(bob) as Deployed).updateProfile({
      ...profileFor(bob.address, 2),
      signer: alice.address,
    });
    const { agreementId } = await propose(
      agreementBook,
      matcher,
      [alice.address, bob.address],
      [flow(alice.address, bob.address)],
    );
    const forAlice = await signAcceptance(alice, agreementBook, agreementId);
    await expect(
      (agreementBook.connect(outsider) as Deployed).acceptWithSignatures(agreementId, [forAlice, forAlice]),
    )
      .to.be.revertedWithCustomError(agreementBook, "AgreementBookInvalidSignature")
      .withArgs(agreementId, bob.address, alice.address);
  });
});
