import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id, ZeroAddress, ZeroHash } from "ethers";
import fc from "fast-check";
import {
  AUDITOR_ROLE,
  type Deployed,
  deployRegistry,
  GOVERNOR_ROLE,
  MATCHER_ROLE,
  MemberStatus,
  profileFor,
  viaWallet,
} from "../fixtures";

const REASON = id("late payments");

describe("Consortium", () => {
  describe("roles", () => {
    it("exposes the role ids and makes GOVERNOR the admin of every role", async () => {
      const { consortium, governor } = await loadFixture(deployRegistry);
      expect(await consortium.GOVERNOR_ROLE()).to.equal(GOVERNOR_ROLE);
      expect(await consortium.MATCHER_ROLE()).to.equal(MATCHER_ROLE);
      expect(await consortium.AUDITOR_ROLE()).to.equal(AUDITOR_ROLE);
      for (const role of [GOVERNOR_ROLE, MATCHER_ROLE, AUDITOR_ROLE]) {
        expect(await consortium.getRoleAdmin(role)).to.equal(GOVERNOR_ROLE);
      }
      expect(await consortium.hasRole(GOVERNOR_ROLE, governor.address)).to.equal(true);
    });

    it("lets the governor grant and revoke roles, and refuses anyone else", async () => {
      const { consortium, governor, matcher, outsider } = await loadFixture(deployRegistry);
      await expect((consortium.connect(governor) as Deployed).grantRole(AUDITOR_ROLE, outsider.address))
        .to.emit(consortium, "RoleGranted")
        .withArgs(AUDITOR_ROLE, outsider.address, governor.address);
      await expect((consortium.connect(governor) as Deployed).revokeRole(MATCHER_ROLE, matcher.address))
        .to.emit(consortium, "RoleRevoked")
        .withArgs(MATCHER_ROLE, matcher.address, governor.address);
      expect(await consortium.hasRole(MATCHER_ROLE, matcher.address)).to.equal(false);
      await expect((consortium.connect(matcher) as Deployed).grantRole(MATCHER_ROLE, matcher.address))
        .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
        .withArgs(matcher.address, GOVERNOR_ROLE);
      await expect((consortium.connect(outsider) as Deployed).revokeRole(AUDITOR_ROLE, outsider.address))
        .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
        .withArgs(outsider.address, GOVERNOR_ROLE);
    });

    it("lets a holder renounce its own role only", async () => {
      const { consortium, auditor, outsider } = await loadFixture(deployRegistry);
      await expect(
        (consortium.connect(outsider) as Deployed).renounceRole(AUDITOR_ROLE, auditor.address),
      ).to.be.revertedWithCustomError(consortium, "AccessControlBadConfirmation");
      await (consortium.connect(auditor) as Deployed).renounceRole(AUDITOR_ROLE, auditor.address);
      expect(await consortium.hasRole(AUDITOR_ROLE, auditor.address)).to.equal(false);
    });
  });

  describe("applyForMembership", () => {
    it("records the profile and the application, with both events", async () => {
      const { consortium, outsider } = await loadFixture(deployRegistry);
      const profile = profileFor(outsider.address, 7);
      await expect((consortium.connect(outsider) as Deployed).applyForMembership(profile))
        .to.emit(consortium, "MemberProfileUpdated")
        .withArgs(outsider.address, Object.values(profile))
        .and.to.emit(consortium, "MemberStatusChanged")
        .withArgs(outsider.address, MemberStatus.None, MemberStatus.Applied, ZeroHash);
      expect(await consortium.memberStatus(outsider.address)).to.equal(MemberStatus.Applied);
      const stored = await consortium.profileOf(outsider.address);
      expect([...stored]).to.deep.equal(Object.values(profile));
      expect(await consortium.isActiveMember(outsider.address)).to.equal(false);
      expect(await consortium.signerOf(outsider.address)).to.equal(ZeroAddress);
    });

    it("refuses a second application", async () => {
      const { consortium, alice } = await loadFixture(deployRegistry);
      await expect((consortium.connect(alice) as Deployed).applyForMembership(profileFor(alice.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
        .withArgs(alice.address, MemberStatus.Admitted, MemberStatus.Applied);
    });

    it("refuses a profile without signer, with an industry outside 1..255, or without audience", async () => {
      const { consortium, outsider } = await loadFixture(deployRegistry);
      const asOutsider = consortium.connect(outsider) as Deployed;
      const good = profileFor(outsider.address);
      await expect(asOutsider.applyForMembership({ ...good, signer: ZeroAddress }))
        .to.be.revertedWithCustomError(consortium, "ConsortiumZeroSigner")
        .withArgs(outsider.address);
      for (const industry of [0, 256]) {
        await expect(asOutsider.applyForMembership({ ...good, industry }))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidIndustry")
          .withArgs(industry);
      }
      await expect(asOutsider.applyForMembership({ ...good, segments: 0n }))
        .to.be.revertedWithCustomError(consortium, "ConsortiumEmptyAudience")
        .withArgs(outsider.address);
      await asOutsider.applyForMembership({ ...good, industry: 255 });
    });
  });

  describe("updateProfile", () => {
    it("lets an applicant, an admitted and a suspended member update, with the event", async () => {
      const { consortium, governor, alice, bob, outsider } = await loadFixture(deployRegistry);
      await (consortium.connect(outsider) as Deployed).applyForMembership(profileFor(outsider.address));
      await (consortium.connect(governor) as Deployed).suspend(bob.address, REASON);
      for (const member of [outsider, alice, bob]) {
        const next = { ...profileFor(member.address, 9, 0xffn), signer: governor.address };
        await expect((consortium.connect(member) as Deployed).updateProfile(next))
          .to.emit(consortium, "MemberProfileUpdated")
          .withArgs(member.address, Object.values(next));
      }
      expect(await consortium.signerOf(alice.address)).to.equal(governor.address);
    });

    it("refuses an unknown account, an exited member and an invalid profile", async () => {
      const { consortium, alice, outsider } = await loadFixture(deployRegistry);
      await expect((consortium.connect(outsider) as Deployed).updateProfile(profileFor(outsider.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProfileNotEditable")
        .withArgs(outsider.address, MemberStatus.None);
      await expect(
        (consortium.connect(alice) as Deployed).updateProfile({ ...profileFor(alice.address), segments: 0n }),
      )
        .to.be.revertedWithCustomError(consortium, "ConsortiumEmptyAudience")
        .withArgs(alice.address);
      await (consortium.connect(alice) as Deployed).exit();
      await expect((consortium.connect(alice) as Deployed).updateProfile(profileFor(alice.address)))
        .to.be.revertedWithCustomError(consortium, "ConsortiumProfileNotEditable")
        .withArgs(alice.address, MemberStatus.Exited);
    });
  });

  describe("governor transitions", () => {
    it("admits an applicant: active, signer visible, counted", async () => {
      const { consortium, governor, outsider } = await loadFixture(deployRegistry);
      await (consortium.connect(outsider) as Deployed).applyForMembership(profileFor(outsider.address));
      const before = await consortium.activeMemberCount();
      await expect((consortium.connect(governor) as Deployed).admit(outsider.address))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(outsider.address, MemberStatus.Applied, MemberStatus.Admitted, ZeroHash);
      expect(await consortium.isActiveMember(outsider.address)).to.equal(true);
      expect(await consortium.signerOf(outsider.address)).to.equal(outsider.address);
      expect(await consortium.activeMemberCount()).to.equal(before + 1n);
    });

    it("declines an applicant, forgetting its profile; it may apply again", async () => {
      const { consortium, governor, outsider } = await loadFixture(deployRegistry);
      const asOutsider = consortium.connect(outsider) as Deployed;
      await asOutsider.applyForMembership(profileFor(outsider.address));
      await expect((consortium.connect(governor) as Deployed).decline(outsider.address, REASON))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(outsider.address, MemberStatus.Applied, MemberStatus.None, REASON);
      expect((await consortium.profileOf(outsider.address)).signer).to.equal(ZeroAddress);
      await asOutsider.applyForMembership(profileFor(outsider.address));
      expect(await consortium.memberStatus(outsider.address)).to.equal(MemberStatus.Applied);
    });

    it("suspends and reinstates: a suspended member is inactive but keeps its signer", async () => {
      const { consortium, governor, alice } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const before = await consortium.activeMemberCount();
      await expect(asGovernor.suspend(alice.address, REASON))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(alice.address, MemberStatus.Admitted, MemberStatus.Suspended, REASON);
      expect(await consortium.isActiveMember(alice.address)).to.equal(false);
      expect(await consortium.signerOf(alice.address)).to.equal(alice.address);
      expect(await consortium.activeMemberCount()).to.equal(before - 1n);
      await expect(asGovernor.reinstate(alice.address))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(alice.address, MemberStatus.Suspended, MemberStatus.Admitted, ZeroHash);
      expect(await consortium.isActiveMember(alice.address)).to.equal(true);
      expect(await consortium.activeMemberCount()).to.equal(before);
    });

    it("expels an admitted or a suspended member for good", async () => {
      const { consortium, governor, alice, bob } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      await expect(asGovernor.expel(alice.address, REASON))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(alice.address, MemberStatus.Admitted, MemberStatus.Exited, REASON);
      await asGovernor.suspend(bob.address, REASON);
      await expect(asGovernor.expel(bob.address, REASON))
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(bob.address, MemberStatus.Suspended, MemberStatus.Exited, REASON);
      expect(await consortium.signerOf(alice.address)).to.equal(ZeroAddress);
      await expect(asGovernor.reinstate(alice.address))
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
        .withArgs(alice.address, MemberStatus.Exited, MemberStatus.Admitted);
    });

    it("refuses transitions from the wrong status", async () => {
      const { consortium, governor, alice, outsider } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const cases: [string, unknown[], string, number, number][] = [
        ["admit", [outsider.address], outsider.address, MemberStatus.None, MemberStatus.Admitted],
        ["admit", [alice.address], alice.address, MemberStatus.Admitted, MemberStatus.Admitted],
        ["decline", [alice.address, REASON], alice.address, MemberStatus.Admitted, MemberStatus.None],
        ["suspend", [outsider.address, REASON], outsider.address, MemberStatus.None, MemberStatus.Suspended],
        ["reinstate", [alice.address], alice.address, MemberStatus.Admitted, MemberStatus.Admitted],
        ["expel", [outsider.address, REASON], outsider.address, MemberStatus.None, MemberStatus.Exited],
      ];
      for (const [fn, args, member, current, next] of cases) {
        await expect(asGovernor[fn](...args))
          .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
          .withArgs(member, current, next);
      }
    });

    it("refuses every governor transition to anyone without GOVERNOR", async () => {
      const { consortium, matcher, alice, bob } = await loadFixture(deployRegistry);
      const asMatcher = consortium.connect(matcher) as Deployed;
      const calls: [string, unknown[]][] = [
        ["admit", [bob.address]],
        ["decline", [bob.address, REASON]],
        ["suspend", [bob.address, REASON]],
        ["reinstate", [bob.address]],
        ["expel", [bob.address, REASON]],
      ];
      for (const [fn, args] of calls) {
        await expect(asMatcher[fn](...args))
          .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
          .withArgs(matcher.address, GOVERNOR_ROLE);
        await expect((consortium.connect(alice) as Deployed)[fn](...args))
          .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
          .withArgs(alice.address, GOVERNOR_ROLE);
      }
    });
  });

  describe("exit", () => {
    it("lets an admitted or a suspended member leave", async () => {
      const { consortium, governor, alice, bob } = await loadFixture(deployRegistry);
      await expect((consortium.connect(alice) as Deployed).exit())
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(alice.address, MemberStatus.Admitted, MemberStatus.Exited, ZeroHash);
      await (consortium.connect(governor) as Deployed).suspend(bob.address, REASON);
      await expect((consortium.connect(bob) as Deployed).exit())
        .to.emit(consortium, "MemberStatusChanged")
        .withArgs(bob.address, MemberStatus.Suspended, MemberStatus.Exited, ZeroHash);
    });

    it("refuses a non-member, an applicant and an exited member", async () => {
      const { consortium, alice, outsider, others } = await loadFixture(deployRegistry);
      await expect((consortium.connect(outsider) as Deployed).exit())
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
        .withArgs(outsider.address, MemberStatus.None, MemberStatus.Exited);
      await (consortium.connect(others[0]) as Deployed).applyForMembership(profileFor(others[0].address));
      await expect((consortium.connect(others[0]) as Deployed).exit())
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
        .withArgs(others[0].address, MemberStatus.Applied, MemberStatus.Exited);
      await (consortium.connect(alice) as Deployed).exit();
      await expect((consortium.connect(alice) as Deployed).exit())
        .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
        .withArgs(alice.address, MemberStatus.Exited, MemberStatus.Exited);
    });
  });

  it("admits an ERC-1271 wallet as a member whose signer is the wallet itself", async () => {
    const { consortium, wallet, walletOwner } = await loadFixture(deployRegistry);
    const address = await wallet.getAddress();
    expect(await consortium.isActiveMember(address)).to.equal(true);
    expect(await consortium.signerOf(address)).to.equal(address);
    await expect(
      (wallet.connect(walletOwner) as Deployed).execute(
        await consortium.getAddress(),
        consortium.interface.encodeFunctionData("exit"),
      ),
    ).to.emit(consortium, "MemberStatusChanged");
    await expect(viaWallet(wallet, walletOwner, consortium, "exit", []))
      .to.be.revertedWithCustomError(consortium, "ConsortiumInvalidMemberTransition")
      .withArgs(address, MemberStatus.Exited, MemberStatus.Exited);
  });

  it("property: any sequence of life-cycle calls keeps statuses on the life cycle and the active count exact", async () => {
    const { consortium, governor, others } = await loadFixture(deployRegistry);
    const accounts = others.slice(0, 3);
    const baseCount = await consortium.activeMemberCount();
    const ops = ["apply", "admit", "decline", "suspend", "reinstate", "expel", "exit"] as const;
    // Allowed moves of the member life cycle (the model the contract must follow).
    const next: Record<(typeof ops)[number], Partial<Record<number, number>>> = {
      apply: { [MemberStatus.None]: MemberStatus.Applied },
      admit: { [MemberStatus.Applied]: MemberStatus.Admitted },
      decline: { [MemberStatus.Applied]: MemberStatus.None },
      suspend: { [MemberStatus.Admitted]: MemberStatus.Suspended },
      reinstate: { [MemberStatus.Suspended]: MemberStatus.Admitted },
      expel: { [MemberStatus.Admitted]: MemberStatus.Exited, [MemberStatus.Suspended]: MemberStatus.Exited },
      exit: { [MemberStatus.Admitted]: MemberStatus.Exited, [MemberStatus.Suspended]: MemberStatus.Exited },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.constantFrom(...ops), fc.integer({ min: 0, max: accounts.length - 1 })), {
          maxLength: 12,
        }),
        async (steps) => {
          const { consortium: c } = await loadFixture(deployRegistry);
          const model = accounts.map(() => MemberStatus.None as number);
          for (const [op, i] of steps) {
            const account = accounts[i];
            const asGovernor = c.connect(governor) as Deployed;
            const call =
              op === "apply"
                ? (c.connect(account) as Deployed).applyForMembership(profileFor(account.address))
                : op === "exit"
                  ? (c.connect(account) as Deployed).exit()
                  : op === "admit" || op === "reinstate"
                    ? asGovernor[op](account.address)
                    : asGovernor[op](account.address, REASON);
            const expected = next[op][model[i]];
            if (expected === undefined) {
              await expect(call).to.be.revertedWithCustomError(c, "ConsortiumInvalidMemberTransition");
            } else {
              await call;
              model[i] = expected;
            }
            expect(await c.memberStatus(account.address)).to.equal(model[i]);
          }
          const admitted = model.filter((s) => s === MemberStatus.Admitted).length;
          expect(await c.activeMemberCount()).to.equal(baseCount + BigInt(admitted));
        },
      ),
      { numRuns: Number(process.env.FC_RUNS ?? 25), seed: Number(process.env.FC_SEED ?? 42) },
    );
  });
});
