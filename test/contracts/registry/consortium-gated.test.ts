import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ZeroHash } from "ethers";
import { ethers } from "hardhat";
import { AUDITOR_ROLE, type Deployed, deployRegistry } from "../fixtures";

async function withHarness() {
  const registry = await deployRegistry();
  const harness = (await ethers.deployContract("ConsortiumGatedHarness", [
    await registry.consortium.getAddress(),
  ])) as Deployed;
  return { ...registry, harness };
}

describe("ConsortiumGated", () => {
  it("answers to the consortium given at deployment", async () => {
    const { harness, consortium } = await loadFixture(withHarness);
    expect(await harness.consortium()).to.equal(await consortium.getAddress());
  });

  it("onlyConsortiumRole lets a role holder through and refuses others by name", async () => {
    const { harness, auditor, matcher } = await loadFixture(withHarness);
    await expect((harness.connect(auditor) as Deployed).auditorOnly())
      .to.emit(harness, "Called")
      .withArgs(auditor.address);
    await expect((harness.connect(matcher) as Deployed).auditorOnly())
      .to.be.revertedWithCustomError(harness, "ConsortiumUnauthorizedAccount")
      .withArgs(matcher.address, AUDITOR_ROLE);
  });

  it("onlyActiveMember lets an admitted member through and refuses outsiders and suspended members", async () => {
    const { harness, consortium, governor, alice, outsider } = await loadFixture(withHarness);
    await expect((harness.connect(alice) as Deployed).activeMemberOnly())
      .to.emit(harness, "Called")
      .withArgs(alice.address);
    await expect((harness.connect(outsider) as Deployed).activeMemberOnly())
      .to.be.revertedWithCustomError(harness, "ConsortiumInactiveMember")
      .withArgs(outsider.address);
    await (consortium.connect(governor) as Deployed).suspend(alice.address, ZeroHash);
    await expect((harness.connect(alice) as Deployed).activeMemberOnly())
      .to.be.revertedWithCustomError(harness, "ConsortiumInactiveMember")
      .withArgs(alice.address);
  });
});
