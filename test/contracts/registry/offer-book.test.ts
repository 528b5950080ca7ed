import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import { ethers } from "hardhat";
import { DAY, type Deployed, deployRegistry, OfferSide, profileFor, viaWallet } from "../fixtures";

interface OfferTerms {
  supplySegments: bigint;
  capacityPerEpoch: bigint;
  minRate: bigint;
  demandSegments: bigint;
  volumePerEpoch: bigint;
  maxRate: bigint;
  excludedIndustries: bigint;
  expiry: bigint;
}

async function validTerms(overrides: Partial<OfferTerms> = {}): Promise<OfferTerms> {
  return {
    supplySegments: 0b101n,
    capacityPerEpoch: 500n,
    minRate: 3n,
    demandSegments: 0b10n,
    volumePerEpoch: 200n,
    maxRate: 8n,
    excludedIndustries: 1n << 2n, // refuses insurance (code 2)
    expiry: BigInt(await time.latest()) + 30n * DAY,
    ...overrides,
  };
}

describe("OfferBook", () => {
  it("refuses a zero consortium address at deployment", async () => {
    const factory = await ethers.getContractFactory("OfferBook");
    await expect(ethers.deployContract("OfferBook", [ethers.ZeroAddress])).to.be.revertedWithCustomError(
      factory,
      "ConsortiumZeroAddress",
    );
  });

  describe("postOffer", () => {
    it("stores the offer under the next id and emits it in full", async () => {
      const { offerBook, alice } = await loadFixture(deployRegistry);
      const terms = await validTerms();
      await expect((offerBook.connect(alice) as Deployed).postOffer(terms))
        .to.emit(offerBook, "OfferPosted")
        .withArgs(1n, alice.address, Object.values(terms));
      const [owner, stored] = await offerBook.offer(1n);
      expect(owner).to.equal(alice.address);
      expect([...stored]).to.deep.equal(Object.values(terms));
      expect(await offerBook.offerCount()).to.equal(1n);
      expect(await offerBook.isOfferLive(1n)).to.equal(true);
    });

    it("accepts a supply-only and a demand-only offer, and an ERC-1271 wallet member", async () => {
      const { offerBook, bob, wallet, walletOwner } = await loadFixture(deployRegistry);
      const supplyOnly = await validTerms({
        demandSegments: 0n,
        volumePerEpoch: 0n,
        maxRate: 0n,
        minRate: 9n,
      });
      const demandOnly = await validTerms({
        supplySegments: 0n,
        capacityPerEpoch: 0n,
        minRate: 9n,
        maxRate: 1n,
      });
      await (offerBook.connect(bob) as Deployed).postOffer(supplyOnly);
      await (offerBook.connect(bob) as Deployed).postOffer(demandOnly);
      await expect(viaWallet(wallet, walletOwner, offerBook, "postOffer", [supplyOnly]))
        .to.emit(offerBook, "OfferPosted")
        .withArgs(3n, await wallet.getAddress(), Object.values(supplyOnly));
    });

    it("refuses invalid terms with named errors", async () => {
      const { offerBook, alice } = await loadFixture(deployRegistry);
      const asAlice = offerBook.connect(alice) as Deployed;
      const empty = { supplySegments: 0n, capacityPerEpoch: 0n, demandSegments: 0n, volumePerEpoch: 0n };
      await expect(asAlice.postOffer(await validTerms(empty))).to.be.revertedWithCustomError(
        offerBook,
        "OfferBookEmptyOffer",
      );
      await expect(asAlice.postOffer(await validTerms({ supplySegments: 0n })))
        .to.be.revertedWithCustomError(offerBook, "OfferBookEmptySegments")
        .withArgs(OfferSide.Supply);
      await expect(asAlice.postOffer(await validTerms({ demandSegments: 0n })))
        .to.be.revertedWithCustomError(offerBook, "OfferBookEmptySegments")
        .withArgs(OfferSide.Demand);
      await expect(asAlice.postOffer(await validTerms({ capacityPerEpoch: 0n })))
        .to.be.revertedWithCustomError(offerBook, "OfferBookZeroCapacity")
        .withArgs(OfferSide.Supply);
      await expect(asAlice.postOffer(await validTerms({ volumePerEpoch: 0n })))
        .to.be.revertedWithCustomError(offerBook, "OfferBookZeroCapacity")
        .withArgs(OfferSide.Demand);
      await expect(asAlice.postOffer(await validTerms({ minRate: 9n, maxRate: 8n })))
        .to.be.revertedWithCustomError(offerBook, "OfferBookMinRateAboveMaxRate")
        .withArgs(9n, 8n);
      // An offer expiring in the very block that posts it is already past.
      const terms = await validTerms();
      const now = BigInt(await time.latest());
      await time.setNextBlockTimestamp(now + 10n);
      await expect(asAlice.postOffer({ ...terms, expiry: now + 10n }))
        .to.be.revertedWithCustomError(offerBook, "OfferBookExpiryInPast")
        .withArgs(now + 10n, now + 10n);
    });

    it("refuses a non-member, an applicant, a suspended and an exited member", async () => {
      const { offerBook, consortium, governor, alice, bob, outsider, others } =
        await loadFixture(deployRegistry);
      const terms = await validTerms();
      await expect((offerBook.connect(outsider) as Deployed).postOffer(terms))
        .to.be.revertedWithCustomError(offerBook, "ConsortiumInactiveMember")
        .withArgs(outsider.address);
      await (consortium.connect(others[0]) as Deployed).applyForMembership(profileFor(others[0].address));
      await expect((offerBook.connect(others[0]) as Deployed).postOffer(terms))
        .to.be.revertedWithCustomError(offerBook, "ConsortiumInactiveMember")
        .withArgs(others[0].address);
      await (consortium.connect(governor) as Deployed).suspend(alice.address, ethers.ZeroHash);
      await expect((offerBook.connect(alice) as Deployed).postOffer(terms))
        .to.be.revertedWithCustomError(offerBook, "OfferBookSuspendedMember")
        .withArgs(alice.address);
      await (consortium.connect(bob) as Deployed).exit();
      await expect((offerBook.connect(bob) as Deployed).postOffer(terms))
        .to.be.revertedWithCustomError(offerBook, "ConsortiumInactiveMember")
        .withArgs(bob.address);
    });
  });

  describe("updateOffer", () => {
    it("lets the owner replace the terms, e.g. to extend the expiry", async () => {
      const { offerBook, alice } = await loadFixture(deployRegistry);
      const asAlice = offerBook.connect(alice) as Deployed;
      await asAlice.postOffer(await validTerms());
      const next = await validTerms({
        capacityPerEpoch: 900n,
        expiry: BigInt(await time.latest()) + 90n * DAY,
      });
      await expect(asAlice.updateOffer(1n, next))
        .to.emit(offerBook, "OfferUpdated")
        .withArgs(1n, alice.address, Object.values(next));
      expect([...(await offerBook.offer(1n))[1]]).to.deep.equal(Object.values(next));
    });

    it("refuses another member, an unknown offer, invalid terms and a suspended owner", async () => {
      const { offerBook, consortium, governor, alice, bob } = await loadFixture(deployRegistry);
      const terms = await validTerms();
      await (offerBook.connect(alice) as Deployed).postOffer(terms);
      await expect((offerBook.connect(bob) as Deployed).updateOffer(1n, terms))
        .to.be.revertedWithCustomError(offerBook, "OfferBookNotOfferOwner")
        .withArgs(1n, bob.address, alice.address);
      await expect((offerBook.connect(alice) as Deployed).updateOffer(2n, terms))
        .to.be.revertedWithCustomError(offerBook, "OfferBookUnknownOffer")
        .withArgs(2n);
      await expect((offerBook.connect(alice) as Deployed).updateOffer(1n, { ...terms, minRate: 100n }))
        .to.be.revertedWithCustomError(offerBook, "OfferBookMinRateAboveMaxRate")
        .withArgs(100n, terms.maxRate);
      await (consortium.connect(governor) as Deployed).suspend(alice.address, ethers.ZeroHash);
      await expect((offerBook.connect(alice) as Deployed).updateOffer(1n, terms))
        .to.be.revertedWithCustomError(offerBook, "OfferBookSuspendedMember")
        .withArgs(alice.address);
    });
  });

  describe("withdrawOffer", () => {
    it("lets the owner withdraw, even suspended; the offer is gone", async () => {
      const { offerBook, consortium, governor, alice } = await loadFixture(deployRegistry);
      await (offerBook.connect(alice) as Deployed).postOffer(await validTerms());
      await (consortium.connect(governor) as Deployed).suspend(alice.address, ethers.ZeroHash);
      expect(await offerBook.isOfferLive(1n)).to.equal(false);
      await expect((offerBook.connect(alice) as Deployed).withdrawOffer(1n))
        .to.emit(offerBook, "OfferWithdrawn")
        .withArgs(1n, alice.address);
      await expect(offerBook.offer(1n))
        .to.be.revertedWithCustomError(offerBook, "OfferBookUnknownOffer")
        .withArgs(1n);
      expect(await offerBook.isOfferLive(1n)).to.equal(false);
      expect(await offerBook.offerCount()).to.equal(1n);
    });

    it("refuses another member and an unknown or withdrawn offer", async () => {
      const { offerBook, alice, bob } = await loadFixture(deployRegistry);
      await (offerBook.connect(alice) as Deployed).postOffer(await validTerms());
      await expect((offerBook.connect(bob) as Deployed).withdrawOffer(1n))
        .to.be.revertedWithCustomError(offerBook, "OfferBookNotOfferOwner")
        .withArgs(1n, bob.address, alice.address);
      await (offerBook.connect(alice) as Deployed).withdrawOffer(1n);
      await expect((offerBook.connect(alice) as Deployed).withdrawOffer(1n))
        .to.be.revertedWithCustomError(offerBook, "OfferBookUnknownOffer")
        .withArgs(1n);
    });
  });

  it("isOfferLive is false once the offer expires", async () => {
    const { offerBook, alice } = await loadFixture(deployRegistry);
    const terms = await validTerms();
    await (offerBook.connect(alice) as Deployed).postOffer(terms);
    await time.increaseTo(terms.expiry);
    expect(await offerBook.isOfferLive(1n)).to.equal(false);
    expect(await offerBook.isOfferLive(99n)).to.equal(false);
  });

  it("property: postOffer accepts exactly the terms the validity rules allow", async () => {
    const { offerBook, alice } = await loadFixture(deployRegistry);
    const asAlice = offerBook.connect(alice) as Deployed;
    const small = fc.constantFrom(0n, 1n, 7n);
    await fc.assert(
      fc.asyncProperty(small, small, small, small, small, small, async (ss, cap, min, ds, vol, max) => {
        const terms = await validTerms({
          supplySegments: ss,
          capacityPerEpoch: cap,
          minRate: min,
          demandSegments: ds,
          volumePerEpoch: vol,
          maxRate: max,
        });
        const supplies = ss !== 0n || cap !== 0n;
        const demands = ds !== 0n || vol !== 0n;
        const valid =
          (supplies || demands) &&
          (!supplies || (ss !== 0n && cap !== 0n)) &&
          (!demands || (ds !== 0n && vol !== 0n)) &&
          !(supplies && demands && min > max);
        const before = await offerBook.offerCount();
        if (valid) {
          await asAlice.postOffer(terms);
          expect(await offerBook.offerCount()).to.equal(before + 1n);
        } else {
          await expect(asAlice.postOffer(terms)).to.be.reverted;
          expect(await offerBook.offerCount()).to.equal(before);
        }
      }),
      { numRuns: Number(process.env.FC_RUNS ?? 40), seed: Number(process.env.FC_SEED ?? 42) },
    );
  });
});
