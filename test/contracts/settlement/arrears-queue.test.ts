import { loadFixture, takeSnapshot } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";
import { deployRegistry } from "../fixtures";
import { type Contract, gasOf } from "./fixture";

/**
 * The arrears queue under the load that used to break it: a payer at its limit that owes a new
 * creditor every epoch and is paid a little every epoch, alternating between two creditors, so
 * that its queue never empties. Each epoch queues one creditor and pays one off; after 10,000
 * epochs, clearing the queue must cost what it cost after 100 (an array-backed queue deleted only
 * when it empties paid ~2,200 gas per dead entry there: ~22M after 10,000 epochs, more than a
 * 30M block after ~13,000).
 *
 * A test poster contract (contracts/test/CreditLedgerPoster.sol) stands in for Settlement and
 * runs a few hundred epochs per transaction, so the 20,000 postings take a few dozen blocks.
 */

const EPOCHS = 10_000;
/** Epochs after which clearing is measured (on a snapshot, then rolled back). */
const CHECKPOINTS = [10, 100, EPOCHS];
const EPOCHS_PER_TX = 150;
const DEBT = 10n;
/** A transaction may use nearly a whole 30M block, so that the old queue could be measured. */
const TX_GAS = 29_000_000n;
/** What clearing one creditor may cost, whatever the queue's history (the old code: ~22M here). */
const CLEARING_GAS_BOUND = 150_000n;

async function deployQueueFixture() {
  const registry = await deployRegistry();
  const { governor, alice, bob, carol, dave, outsider, others } = registry;
  const consortium = registry.consortium as unknown as Contract;
  const ledger = (await ethers.deployContract("CreditLedger", [await consortium.getAddress()])) as Contract;
  const poster = (await ethers.deployContract("CreditLedgerPoster", [await ledger.getAddress()])) as Contract;
  await ledger.connect(governor).setSettlement(await poster.getAddress());
  // Dave pays alice every epoch; alice (limit 0) owes bob from the start.
  await ledger.connect(governor).setCreditLimit(dave.address, 10n ** 12n);
  await poster.post(alice.address, bob.address, DEBT);
  return { governor, alice, bob, carol, dave, outsider, eve: others[1], ledger, poster };
}

describe("CreditLedger: arrears queue", () => {
  it(`clears in flat gas after ${EPOCHS} epochs of alternating creditors`, async function () {
    this.timeout(1_200_000);
    const { governor, alice, bob, carol, dave, outsider, eve, ledger, poster } =
      await loadFixture(deployQueueFixture);
    const gasLimit = TX_GAS;

    /** Gas of the transaction `send` makes, which must leave alice owing nothing; rolled back. */
    const clearingGas = async (
      setUp: () => Promise<unknown>,
      send: () => Promise<ContractTransactionResponse>,
    ): Promise<bigint> => {
      const snapshot = await takeSnapshot();
      await setUp();
      const gas = await gasOf(send());
      expect(await ledger.arrearsOf(alice.address)).to.equal(0n);
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([]);
      await snapshot.restore();
      return gas;
    };
    const nothing = async () => undefined;
    const measured: Record<string, bigint[]> = { posting: [], setCreditLimit: [], clearArrears: [] };

    let epoch = 1;
    for (const checkpoint of CHECKPOINTS) {
      while (epoch <= checkpoint) {
        const count = Math.min(EPOCHS_PER_TX, checkpoint - epoch + 1);
        await poster.alternate(
          alice.address,
          dave.address,
          [bob.address, carol.address],
          epoch,
          count,
          DEBT,
          {
            gasLimit,
          },
        );
        epoch += count;
      }
      // Every posting did its part: alice is at her limit and owes this epoch's creditor only.
      const creditor = checkpoint % 2 === 1 ? carol : bob;
      expect(await ledger.arrearsCreditors(alice.address)).to.deep.equal([creditor.address]);
      expect(await ledger.arrearsOf(alice.address)).to.equal(DEBT);
      expect(await ledger.balanceOf(alice.address)).to.equal(0n);
      expect(await ledger.balanceOf(dave.address)).to.equal(-DEBT * BigInt(checkpoint));
      expect((await ledger.balanceOf(bob.address)) + (await ledger.balanceOf(carol.address))).to.equal(
        DEBT * BigInt(checkpoint),
      );

      // Clearing the queue: a payment to alice, the governor raising her limit, or anyone calling
      // clearArrears once she holds headroom (received from eve's arrears, which do not clear hers).
      measured.posting.push(
        await clearingGas(nothing, () => poster.post(dave.address, alice.address, DEBT, { gasLimit })),
      );
      measured.setCreditLimit.push(
        await clearingGas(nothing, () =>
          ledger.connect(governor).setCreditLimit(alice.address, DEBT, { gasLimit }),
        ),
      );
      measured.clearArrears.push(
        await clearingGas(
          async () => {
            await poster.post(eve.address, alice.address, DEBT);
            await ledger.connect(governor).setCreditLimit(eve.address, DEBT);
            expect(await ledger.arrearsOf(alice.address)).to.equal(DEBT);
          },
          () => ledger.connect(outsider).clearArrears(alice.address, { gasLimit }),
        ),
      );
    }

    console.log(`      clearing gas after ${CHECKPOINTS.join(" / ")} epochs:`);
    for (const [operation, gas] of Object.entries(measured))
      console.log(`        ${operation}: ${gas.join(" / ")}`);
    for (const [operation, gas] of Object.entries(measured)) {
      const early = gas[CHECKPOINTS.indexOf(100)];
      const late = gas[CHECKPOINTS.indexOf(EPOCHS)];
      expect(late, `${operation}: clearing gas bounded`).to.be.lessThan(CLEARING_GAS_BOUND);
      // Flat: within 1% of what it cost after 100 epochs.
      const drift = late > early ? late - early : early - late;
      expect(drift, `${operation}: clearing gas flat`).to.be.lessThanOrEqual(early / 100n);
    }
  });
});
