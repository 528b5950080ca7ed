import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { ethers } from "hardhat";
import { deployRegistry } from "../fixtures";
import type { Contract } from "./fixture";

const GOVERNOR_ROLE = ethers.id("GOVERNOR_ROLE");
const INT256_MAX = 2n ** 255n - 1n;
/** The ledger's largest limit, transfer or posting (`CreditLedgerAmountTooLarge` above it). */
const INT128_MAX = 2n ** 127n - 1n;

/**
 * The ledger alone, with an EOA (`poster`) wired as its settlement contract so that postings
 * can be driven directly; the Settlement contract's postings are covered in settlement.test.ts.
 */
async function deployLedgerFixture() {
  const registry = await deployRegistry();
  const { governor, alice, bob, carol, dave, outsider, others } = registry;
  const consortium = registry.consortium as unknown as Contract;
  const poster = others[0];
  const ledger = (await ethers.deployContract("CreditLedger", [await consortium.getAddress()])) as Contract;
  await ledger.connect(governor).setSettlement(poster.address);
  return { governor, poster, alice, bob, carol, dave, outsider, consortium, ledger };
}

async function sumOfBalances(ledger: Contract, accounts: string[]): Promise<bigint> {
  let sum = 0n;
  for (const account of accounts) sum += await ledger.balanceOf(account);
  return sum;
}

describe("CreditLedger", () => {
  describe("deployment and wiring", () => {
    it("refuses a zero consortium", async () => {
      const factory = await ethers.getContractFactory("CreditLedger");
      await expect(factory.deploy(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "ConsortiumZeroAddress",
      );
    });

    it("lets the governor wire the settlement contract once, and nobody else", async () => {
      const { governor, others, ...registry } = await loadFixture(deployRegistry);
      const consortium = registry.consortium as unknown as Contract;
      const other = others[0];
      const ledger = (await ethers.deployContract("CreditLedger", [
        await consortium.getAddress(),
      ])) as Contract;
      expect(await ledger.settlement()).to.equal(ethers.ZeroAddress);
      await expect(ledger.connect(other).setSettlement(other.address))
        .to.be.revertedWithCustomError(ledger, "ConsortiumUnauthorizedAccount")
        .withArgs(other.address, GOVERNOR_ROLE);
      await expect(ledger.connect(governor).setSettlement(ethers.ZeroAddress)).to.be.revertedWithCustomError(
        ledger,
        "CreditLedgerZeroSettlement",
      );
      await expect(ledger.connect(governor).setSettlement(other.address))
        .to.emit(ledger, "SettlementContractSet")
        .withArgs(other.address);
      expect(await ledger.settlement()).to.equal(other.address);
      await expect(ledger.connect(governor).setSettlement(governor.address))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerSettlementAlreadySet")
        .withArgs(other.address);
    });
  });

  describe("setCreditLimit", () => {
    it("is the governor's, emits the previous and new limit", async () => {
      const { ledger, governor, alice } = await loadFixture(deployLedgerFixture);
      await expect(ledger.connect(alice).setCreditLimit(alice.address, 10n))
        .to.be.revertedWithCustomError(ledger, "ConsortiumUnauthorizedAccount")
        .withArgs(alice.address, GOVERNOR_ROLE);
      await expect(ledger.connect(governor).setCreditLimit(alice.address, 10n))
        .to.emit(ledger, "CreditLimitSet")
        .withArgs(alice.address, 0n, 10n);
      await expect(ledger.connect(governor).setCreditLimit(alice.address, 7n))
        .to.emit(ledger, "CreditLimitSet")
        .withArgs(alice.address, 10n, 7n);
      expect(await ledger.creditLimitOf(alice.address)).to.equal(7n);
      expect(await ledger.availableCredit(alice.address)).to.equal(7n);
    });

    it("accepts limits 0, 1 and int128.max; refuses int128.max + 1, int256.max and uint256.max", async () => {
      const { ledger, governor, alice } = await loadFixture(deployLedgerFixture);
      for (const limit of [0n, 1n, INT128_MAX]) {
        await ledger.connect(governor).setCreditLimit(alice.address, limit);
        expect(await ledger.creditLimitOf(alice.address)).to.equal(limit);
        expect(await ledger.availableCredit(alice.address)).to.equal(limit);
      }
      for (const limit of [INT128_MAX + 1n, INT256_MAX, ethers.MaxUint256]) {
        await expect(ledger.connect(governor).setCreditLimit(alice.address, limit))
          .to.be.revertedWithCustomError(ledger, "CreditLedgerAmountTooLarge")
          .withArgs(limit);
      }
      expect(await ledger.creditLimitOf(alice.address)).to.equal(INT128_MAX);
    });
  });

  describe("transfer", () => {
    it("moves credits between active members within the sender's limit", async () => {
      const { ledger, governor, alice, bob } = await loadFixture(deployLedgerFixture);
      await ledger.connect(governor).setCreditLimit(alice.address, 100n);
      await expect(ledger.connect(alice).transfer(bob.address, 60n))
        .to.emit(ledger, "CreditsMoved")
        .withArgs(alice.address, bob.address, 60n);
      expect(await ledger.balanceOf(alice.address)).to.equal(-60n);
      expect(await ledger.balanceOf(bob.address)).to.equal(60n);
      expect(await ledger.availableCredit(alice.address)).to.equal(40n);
      // Bob spends what he earned with anyone, without a limit of his own.
      await ledger.connect(bob).transfer(alice.address, 60n);
      expect(await ledger.balanceOf(alice.address)).to.equal(0n);
    });

    it("refuses to go below -limit", async () => {
      const { ledger, governor, alice, bob } = await loadFixture(deployLedgerFixture);
      await ledger.connect(governor).setCreditLimit(alice.address, 100n);
      await ledger.connect(alice).transfer(bob.address, 100n);
      await expect(ledger.connect(alice).transfer(bob.address, 1n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerInsufficientCredit")
        .withArgs(alice.address, -100n, 100n, 1n);
      // Lowering the limit below the debt is allowed; the member then cannot spend at all.
      await ledger.connect(governor).setCreditLimit(alice.address, 50n);
      expect(await ledger.availableCredit(alice.address)).to.equal(0n);
    });

    it("refuses inactive senders and recipients", async () => {
      const { ledger, governor, consortium, alice, bob, outsider } = await loadFixture(deployLedgerFixture);
      await ledger.connect(governor).setCreditLimit(alice.address, 100n);
      await expect(ledger.connect(outsider).transfer(bob.address, 1n))
        .to.be.revertedWithCustomError(ledger, "ConsortiumInactiveMember")
        .withArgs(outsider.address);
      await expect(ledger.connect(alice).transfer(outsider.address, 1n))
        .to.be.revertedWithCustomError(ledger, "ConsortiumInactiveMember")
        .withArgs(outsider.address);
      await consortium.connect(governor).suspend(bob.address, ethers.ZeroHash);
      await expect(ledger.connect(alice).transfer(bob.address, 1n))
        .to.be.revertedWithCustomError(ledger, "ConsortiumInactiveMember")
        .withArgs(bob.address);
    });

    it("refuses zero amounts, self-transfers and amounts beyond int128", async () => {
      const { ledger, governor, poster, alice, bob, carol } = await loadFixture(deployLedgerFixture);
      await expect(ledger.connect(alice).transfer(bob.address, 0n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerInvalidTransfer")
        .withArgs(alice.address, bob.address, 0n);
      await expect(ledger.connect(alice).transfer(alice.address, 5n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerInvalidTransfer")
        .withArgs(alice.address, alice.address, 5n);
      // Alice could cover each of these: only the cap refuses them.
      await ledger.connect(governor).setCreditLimit(alice.address, INT128_MAX);
      await ledger.connect(governor).setCreditLimit(carol.address, INT128_MAX);
      await ledger.connect(poster).postSettlement(carol.address, alice.address, INT128_MAX);
      expect(await ledger.availableCredit(alice.address)).to.equal(2n * INT128_MAX);
      for (const amount of [INT128_MAX + 1n, INT256_MAX, INT256_MAX + 1n, ethers.MaxUint256]) {
        await expect(ledger.connect(alice).transfer(bob.address, amount))
          .to.be.revertedWithCustomError(ledger, "CreditLedgerAmountTooLarge")
          .withArgs(amount);
      }
    });

    it("moves 1 and int128.max; no receiver is frozen, even after receiving the most it can", async () => {
      const { ledger, governor, alice, bob, carol, dave } = await loadFixture(deployLedgerFixture);
      for (const member of [alice, bob, carol]) {
        await ledger.connect(governor).setCreditLimit(member.address, INT128_MAX);
      }
      await ledger.connect(alice).transfer(bob.address, 1n);
      await ledger.connect(alice).transfer(bob.address, INT128_MAX - 1n);
      await ledger.connect(carol).transfer(bob.address, INT128_MAX);
      // Bob holds the most two members at their limits can owe; he can still spend all of it and
      // his own limit, in the largest amounts allowed, and still receive.
      expect(await ledger.balanceOf(bob.address)).to.equal(2n * INT128_MAX);
      expect(await ledger.availableCredit(bob.address)).to.equal(3n * INT128_MAX);
      for (let i = 0; i < 3; i++) await ledger.connect(bob).transfer(dave.address, INT128_MAX);
      expect(await ledger.balanceOf(bob.address)).to.equal(-INT128_MAX);
      expect(await ledger.balanceOf(dave.address)).to.equal(3n * INT128_MAX);
      await ledger.connect(dave).transfer(alice.address, INT128_MAX);
      await ledger.connect(dave).transfer(bob.address, 1n);
      await ledger.connect(dave).transfer(carol.address, INT128_MAX);
      expect(await ledger.availableCredit(dave.address)).to.equal(INT128_MAX - 1n);
      expect(await sumOfBalances(ledger, [alice.address, bob.address, carol.address, dave.address])).to.equal(
        0n,
      );
    });
  });

  describe("extreme amounts", () => {
    it("posts 1 and int128.max, refuses int128.max + 1; the payee can spend what it received", async () => {
      const { ledger, governor, poster, alice, bob, carol, dave } = await loadFixture(deployLedgerFixture);
      await ledger.connect(governor).setCreditLimit(alice.address, INT128_MAX);
      await ledger.connect(poster).postSettlement(alice.address, bob.address, 1n);
      await expect(ledger.connect(poster).postSettlement(alice.address, bob.address, INT128_MAX))
        .to.emit(ledger, "SettlementPosted")
        .withArgs(alice.address, bob.address, INT128_MAX, INT128_MAX - 1n, 1n);
      for (const amount of [INT128_MAX + 1n, INT256_MAX, ethers.MaxUint256]) {
        await expect(ledger.connect(poster).postSettlement(alice.address, bob.address, amount))
          .to.be.revertedWithCustomError(ledger, "CreditLedgerAmountTooLarge")
          .withArgs(amount);
      }
      // Carol, without a limit, owes bob int128.max twice over in arrears.
      await ledger.connect(poster).postSettlement(carol.address, bob.address, INT128_MAX);
      await ledger.connect(poster).postSettlement(carol.address, bob.address, INT128_MAX);
      expect(await ledger.arrearsOwed(carol.address, bob.address)).to.equal(2n * INT128_MAX);
      await ledger.connect(governor).setCreditLimit(carol.address, INT128_MAX);
      expect(await ledger.arrearsOwed(carol.address, bob.address)).to.equal(INT128_MAX);
      expect(await ledger.balanceOf(bob.address)).to.equal(2n * INT128_MAX);
      // Bob spends all he received and receives again.
      await ledger.connect(bob).transfer(dave.address, INT128_MAX);
      await ledger.connect(bob).transfer(dave.address, INT128_MAX);
      await ledger.connect(poster).postSettlement(dave.address, bob.address, INT128_MAX);
      // What alice receives pays her 1 of arrears to bob at once.
      await ledger.connect(bob).transfer(alice.address, 1n);
      expect(await ledger.arrearsOf(alice.address)).to.equal(0n);
      expect(await ledger.balanceOf(bob.address)).to.equal(INT128_MAX);
      expect(await sumOfBalances(ledger, [alice.address, bob.address, carol.address, dave.address])).to.equal(
        0n,
      );
    });

    it("no limit, transfer or posting the ABI allows freezes its receiver", async () => {
      const { ledger, governor, poster, alice, bob, carol, dave } = await loadFixture(deployLedgerFixture);
      // Each attempt either is refused or must leave the ledger usable; which one is checked in
      // the tests above, this one checks what follows.
      const attempt = async (tx: Promise<unknown>) => {
        try {
          await tx;
        } catch (error) {
          expect(String(error)).to.contain("CreditLedgerAmountTooLarge");
        }
      };
      for (const amount of [INT256_MAX, ethers.MaxUint256]) {
        await attempt(ledger.connect(governor).setCreditLimit(alice.address, amount));
        await attempt(ledger.connect(alice).transfer(bob.address, amount));
        await attempt(ledger.connect(poster).postSettlement(alice.address, carol.address, amount));
      }
      await ledger.connect(governor).setCreditLimit(alice.address, 1n);
      await ledger.connect(governor).setCreditLimit(bob.address, 1n);
      await ledger.connect(governor).setCreditLimit(carol.address, 1n);
      for (const receiver of [bob, carol]) {
        await ledger.connect(receiver).transfer(dave.address, 1n);
        await ledger.connect(alice).transfer(receiver.address, 1n);
        await ledger.connect(governor).setCreditLimit(alice.address, 2n);
      }
    });
  });

  describe("postSettlement and arrears", () => {
    it("is the settlement contract's only", async () => {
      const { ledger, alice, bob } = await loadFixture(deployLedgerFixture);
      await expect(ledger.connect(alice).postSettlement(alice.address, bob.address, 1n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerUnauthorizedSettlement")
        .withArgs(alice.address);
    });

    it("refuses empty and self postings", async () => {
      const { ledger, poster, alice } = await loadFixture(deployLedgerFixture);
      await expect(ledger.connect(poster).postSettlement(alice.address, alice.address, 1n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerInvalidTransfer")
        .withArgs(alice.address, alice.address, 1n);
    });

    it("pays within the payer's headroom and records the rest as arrears", async () => {
      const { ledger, governor, poster, alice, bob } = await loadFixture(deployLedgerFixture);
      await ledger.connect(governor).setCreditLimit(alice.address, 100n);
      const tx = ledger.connect(poster).postSettlement(alice.address, bob.address, 130n);
      await expect(tx).to.emit(ledger, "CreditsMoved").withArgs(alice.address, bob.address, 100n);
      await expect(tx).to.emit(ledger, "ArrearsRecorded").withArgs(alice.address, bob.address, 30n, 30n);
      await expect(tx)
        .to.emit(ledger, "SettlementPosted")
        .withArgs(alice.address, bob.address, 130n, 100n, 30n);
      expect(await ledger.balanceOf(alice.address)).to.equal(-100n);
      expect(await ledger.arrearsOf(alice.address)).to.equal(30n);
      expect(await ledger.arrearsOwed(alice.address, bob.address)).to.equal(30n);
      expect(await ledger.totalArrears()).to.equal(30n);
      expect(await ledger.availableCredit(alice.address)).to.equal(0n);
    });

    it("never drops a posting: a payer with no limit owes everything as arrears", async () => {
      const { ledger, poster, alice, bob } = await loadFixture(deployLedgerFixture);
      const tx = ledger.connect(poster).postSettlement(alice.address, bob.address, 50n);
      await expect(tx).to.emit(ledger, "SettlementPosted").withArgs(alice.address, bob.address, 50n, 0n, 50n);
      await expect(tx).not.to.emit(ledger, "CreditsMoved");
      expect(await ledger.balanceOf(bob.address)).to.equal(0n);
      expect(await ledger.arrearsOwed(alice.address, bob.address)).to.equal(50n);
    });

    it("clears arrears FIFO by creditor when the payer earns, before it can spend", async () => {
      const { ledger, governor, poster, alice, bob, carol, dave } = await loadFixture(deployLedgerFixture);
      // Alice owes carol 30, then bob 20, then carol 5 more (carol keeps her first place).
      await ledger.connect(poster).postSettlement(alice.address, carol.address, 30n);
      await ledger.connect(poster).postSettlement(alice.address, bob.address, 20n);
      await ledger.connect(poster).postSettlement(alice.address, carol.address, 5n);
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([carol.address, bob.address]);
      expect(await ledger.arrearsOwed(alice.address, carol.address)).to.equal(35n);

      await ledger.connect(governor).setCreditLimit(dave.address, 1_000n);
      await expect(ledger.connect(alice).transfer(dave.address, 1n))
        .to.be.revertedWithCustomError(ledger, "CreditLedgerArrearsOutstanding")
        .withArgs(alice.address, 55n);

      // Alice earns 40 (a transfer from dave): carol is paid 35 in full, bob 5 of his 20.
      const earn = ledger.connect(dave).transfer(alice.address, 40n);
      await expect(earn).to.emit(ledger, "ArrearsCleared").withArgs(alice.address, carol.address, 35n, 0n);
      await expect(earn).to.emit(ledger, "ArrearsCleared").withArgs(alice.address, bob.address, 5n, 15n);
      expect(await ledger.balanceOf(alice.address)).to.equal(0n);
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([bob.address]);
      expect(await ledger.arrearsOf(alice.address)).to.equal(15n);

      // Earning through a settlement clears too; what is left over stays with alice.
      await ledger.connect(poster).postSettlement(dave.address, alice.address, 25n);
      expect(await ledger.arrearsOf(alice.address)).to.equal(0n);
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([]);
      expect(await ledger.balanceOf(alice.address)).to.equal(10n);
      expect(await ledger.balanceOf(bob.address)).to.equal(20n);
      expect(await ledger.balanceOf(carol.address)).to.equal(35n);
      expect(await ledger.totalArrears()).to.equal(0n);
      expect(await sumOfBalances(ledger, [alice.address, bob.address, carol.address, dave.address])).to.equal(
        0n,
      );
      // Paid up, alice can spend again.
      await ledger.connect(alice).transfer(dave.address, 10n);
    });

    it("pays older creditors from the payer's headroom before a new posting", async () => {
      const { ledger, governor, poster, alice, bob, carol } = await loadFixture(deployLedgerFixture);
      await ledger.connect(poster).postSettlement(alice.address, carol.address, 30n);
      await ledger.connect(governor).setCreditLimit(alice.address, 0n);
      const tx = ledger.connect(poster).postSettlement(alice.address, bob.address, 10n);
      await expect(tx).to.emit(ledger, "SettlementPosted").withArgs(alice.address, bob.address, 10n, 0n, 10n);
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([carol.address, bob.address]);
    });

    it("raising the limit pays creditors at once; anyone may clear arrears from headroom", async () => {
      const { ledger, governor, poster, alice, bob, carol, outsider } =
        await loadFixture(deployLedgerFixture);
      await ledger.connect(poster).postSettlement(alice.address, bob.address, 30n);
      const raise = ledger.connect(governor).setCreditLimit(alice.address, 20n);
      await expect(raise).to.emit(ledger, "CreditLimitSet").withArgs(alice.address, 0n, 20n);
      await expect(raise).to.emit(ledger, "ArrearsCleared").withArgs(alice.address, bob.address, 20n, 10n);
      expect(await ledger.balanceOf(alice.address)).to.equal(-20n);

      // Bob owes carol; what bob receives from alice's arrears does not clear his own at once…
      await ledger.connect(poster).postSettlement(bob.address, carol.address, 28n);
      expect(await ledger.balanceOf(bob.address)).to.equal(0n);
      await ledger.connect(governor).setCreditLimit(alice.address, 30n);
      expect(await ledger.arrearsOf(bob.address)).to.equal(8n);
      expect(await ledger.balanceOf(bob.address)).to.equal(10n);
      expect(await ledger.availableCredit(bob.address)).to.equal(0n);
      // …but anyone can make his headroom pay carol, and bob cannot spend it before that.
      await expect(ledger.connect(outsider).clearArrears(bob.address))
        .to.emit(ledger, "ArrearsCleared")
        .withArgs(bob.address, carol.address, 8n, 0n);
      expect(await ledger.balanceOf(bob.address)).to.equal(2n);
      expect(await ledger.balanceOf(carol.address)).to.equal(28n);
      // Nothing owed: a no-op.
      expect(await ledger.connect(outsider).clearArrears.staticCall(bob.address)).to.equal(0n);
      await ledger.connect(outsider).clearArrears(bob.address);
    });
  });
});
