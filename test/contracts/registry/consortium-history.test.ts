/**
 * What settlement needs to know about a member's past: when it left (`leftAt`) and whether an
 * interval lay wholly inside one of its suspensions (`suspendedThroughout`, from the history).
 */
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import { id } from "ethers";
import fc from "fast-check";
import { type Deployed, deployRegistry, GOVERNOR_ROLE, HOUR } from "../fixtures";

const REASON = id("late payments");
const END_OF_TIME = 2n ** 64n - 1n;

/** Runs `call` in a block at timestamp `at` and returns `at`. */
async function at(timestamp: bigint, call: () => Promise<unknown>): Promise<bigint> {
  await time.setNextBlockTimestamp(timestamp);
  await call();
  return timestamp;
}

describe("Consortium membership history", () => {
  describe("leftAt", () => {
    it("is 0 for a member, an applicant, a suspended member and an unknown account", async () => {
      const { consortium, governor, alice, bob, outsider } = await loadFixture(deployRegistry);
      await (consortium.connect(governor) as Deployed).suspend(bob.address, REASON);
      for (const account of [alice, bob, outsider]) {
        expect(await consortium.leftAt(account.address)).to.equal(0n);
      }
    });

    it("records the block time of an exit, and of an expulsion of an admitted or a suspended member", async () => {
      const { consortium, governor, alice, bob, carol } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const t0 = BigInt(await time.latest()) + HOUR;
      await at(t0, () => (consortium.connect(alice) as Deployed).exit());
      await at(t0 + HOUR, () => asGovernor.expel(bob.address, REASON));
      await asGovernor.suspend(carol.address, REASON);
      await at(t0 + 2n * HOUR, () => asGovernor.expel(carol.address, REASON));
      expect(await consortium.leftAt(alice.address)).to.equal(t0);
      expect(await consortium.leftAt(bob.address)).to.equal(t0 + HOUR);
      expect(await consortium.leftAt(carol.address)).to.equal(t0 + 2n * HOUR);
    });

    it("only the governor expels: a refused expulsion records nothing", async () => {
      const { consortium, matcher, alice, bob } = await loadFixture(deployRegistry);
      for (const caller of [matcher, alice]) {
        await expect((consortium.connect(caller) as Deployed).expel(bob.address, REASON))
          .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, GOVERNOR_ROLE);
      }
      expect(await consortium.leftAt(bob.address)).to.equal(0n);
    });
  });

  describe("suspendedThroughout", () => {
    it("never suspended: false for any interval; no history", async () => {
      const { consortium, alice, outsider } = await loadFixture(deployRegistry);
      for (const account of [alice, outsider]) {
        expect(await consortium.suspendedThroughout(account.address, 0n, END_OF_TIME)).to.equal(false);
        expect(await consortium.suspendedThroughout(account.address, 1000n, 2000n)).to.equal(false);
        expect(await consortium.suspensionsOf(account.address)).to.deep.equal([]);
      }
    });

    it("one suspension [s, r): true exactly for intervals inside it, boundaries included", async () => {
      const { consortium, governor, alice } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const s = await at(BigInt(await time.latest()) + HOUR, () => asGovernor.suspend(alice.address, REASON));
      const r = await at(s + 10n * HOUR, () => asGovernor.reinstate(alice.address));
      const through = (from: bigint, to: bigint) => consortium.suspendedThroughout(alice.address, from, to);
      expect(await through(s, r)).to.equal(true);
      expect(await through(s + HOUR, r - HOUR)).to.equal(true);
      expect(await through(s - 1n, r)).to.equal(false);
      expect(await through(s, r + 1n)).to.equal(false);
      expect(await through(s - HOUR, s)).to.equal(false);
      expect(await through(r, r + HOUR)).to.equal(false);
      expect((await consortium.suspensionsOf(alice.address)).map((p: bigint[]) => [...p])).to.deep.equal([
        [s, r],
      ]);
    });

    it("an ongoing suspension extends to the end of time", async () => {
      const { consortium, governor, alice } = await loadFixture(deployRegistry);
      const s = await at(BigInt(await time.latest()) + HOUR, () =>
        (consortium.connect(governor) as Deployed).suspend(alice.address, REASON),
      );
      expect(await consortium.suspendedThroughout(alice.address, s, s + HOUR)).to.equal(true);
      expect(await consortium.suspendedThroughout(alice.address, s, END_OF_TIME)).to.equal(true);
      expect(await consortium.suspendedThroughout(alice.address, s - 1n, s + HOUR)).to.equal(false);
      expect((await consortium.suspensionsOf(alice.address)).map((p: bigint[]) => [...p])).to.deep.equal([
        [s, 0n],
      ]);
    });

    it("two suspensions: inside either is true; across the gap or inside it is false", async () => {
      const { consortium, governor, alice } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const t = BigInt(await time.latest()) + HOUR;
      const s1 = await at(t, () => asGovernor.suspend(alice.address, REASON));
      const r1 = await at(t + 2n * HOUR, () => asGovernor.reinstate(alice.address));
      const s2 = await at(t + 5n * HOUR, () => asGovernor.suspend(alice.address, REASON));
      const r2 = await at(t + 9n * HOUR, () => asGovernor.reinstate(alice.address));
      const through = (from: bigint, to: bigint) => consortium.suspendedThroughout(alice.address, from, to);
      expect(await through(s1, r1)).to.equal(true);
      expect(await through(s2, r2)).to.equal(true);
      expect(await through(s1, r2)).to.equal(false);
      expect(await through(r1, s2)).to.equal(false);
      expect(await through(s2 - 1n, r2)).to.equal(false);
      expect(await through(s2, r2 + 1n)).to.equal(false);
    });

    it("an expulsion during a suspension leaves it running", async () => {
      const { consortium, governor, alice } = await loadFixture(deployRegistry);
      const asGovernor = consortium.connect(governor) as Deployed;
      const s = await at(BigInt(await time.latest()) + HOUR, () => asGovernor.suspend(alice.address, REASON));
      const left = await at(s + HOUR, () => asGovernor.expel(alice.address, REASON));
      expect(await consortium.leftAt(alice.address)).to.equal(left);
      expect(await consortium.suspendedThroughout(alice.address, s, left + HOUR)).to.equal(true);
    });

    it("only the governor suspends and reinstates: refused calls leave no period", async () => {
      const { consortium, governor, matcher, alice, bob } = await loadFixture(deployRegistry);
      for (const caller of [matcher, bob]) {
        await expect((consortium.connect(caller) as Deployed).suspend(alice.address, REASON))
          .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, GOVERNOR_ROLE);
      }
      expect(await consortium.suspensionsOf(alice.address)).to.deep.equal([]);
      await (consortium.connect(governor) as Deployed).suspend(alice.address, REASON);
      for (const caller of [matcher, bob]) {
        await expect((consortium.connect(caller) as Deployed).reinstate(alice.address))
          .to.be.revertedWithCustomError(consortium, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, GOVERNOR_ROLE);
      }
      const [period] = await consortium.suspensionsOf(alice.address);
      expect(period.end).to.equal(0n);
    });

    it("property: agrees with a model of the periods for any interval", async () => {
      const { governor, alice } = await loadFixture(deployRegistry);
      await fc.assert(
        fc.asyncProperty(
          // Seconds between alternating suspend/reinstate calls (one block each).
          fc.array(fc.integer({ min: 1, max: 5 }), { minLength: 0, maxLength: 8 }),
          fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 40 })), {
            minLength: 1,
            maxLength: 12,
          }),
          async (gaps, intervals) => {
            const { consortium } = await loadFixture(deployRegistry);
            const asGovernor = consortium.connect(governor) as Deployed;
            const base = BigInt(await time.latest()) + 10n;
            const periods: { start: bigint; end: bigint }[] = [];
            let now = base;
            for (let i = 0; i < gaps.length; ++i) {
              now += BigInt(gaps[i]);
              if (i % 2 === 0) {
                await at(now, () => asGovernor.suspend(alice.address, REASON));
                periods.push({ start: now, end: END_OF_TIME });
              } else {
                await at(now, () => asGovernor.reinstate(alice.address));
                periods[periods.length - 1].end = now;
              }
            }
            for (const [a, b] of intervals) {
              const from = base + BigInt(a);
              const to = from + BigInt(b);
              const expected = periods.some((p) => p.start <= from && to <= p.end);
              expect(await consortium.suspendedThroughout(alice.address, from, to)).to.equal(expected);
            }
          },
        ),
        { numRuns: Number(process.env.FC_RUNS ?? 25), seed: Number(process.env.FC_SEED ?? 42) },
      );
    });
  });
});
