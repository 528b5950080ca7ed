/**
 * Measures the gas of every external state-changing function of the registry contracts
 * (Consortium, OfferBook, AgreementBook) in representative scenarios on the Hardhat network,
 * plus their deployment. Run by `npm run bench:gas` (scripts/bench/gas.ts) through
 * `hardhat run`; writes the rows as JSON to $GAS_BENCH_OUT.
 */
import { writeFileSync } from "node:fs";
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";
import {
  AUDITOR_ROLE,
  type Deployed,
  deployRegistry,
  flow,
  profileFor,
  propose,
  scheduleFromNow,
  signAcceptance,
  viaWallet,
} from "../../test/contracts/fixtures";

export interface GasRow {
  contract: string;
  fn: string;
  scenario: string;
  gas: number;
}

const rows: GasRow[] = [];

async function measure(
  contract: string,
  fn: string,
  scenario: string,
  tx: Promise<ContractTransactionResponse>,
): Promise<void> {
  const receipt = await (await tx).wait();
  if (receipt?.status !== 1) throw new Error(`${contract}.${fn} (${scenario}) did not succeed`);
  rows.push({ contract, fn, scenario, gas: Number(receipt.gasUsed) });
}

async function main(): Promise<void> {
  const r = await deployRegistry();
  const {
    consortium,
    offerBook,
    agreementBook,
    governor,
    matcher,
    alice,
    bob,
    carol,
    dave,
    wallet,
    walletOwner,
  } = r;
  const [applicant, declined, spare] = r.others;
  const gov = consortium.connect(governor) as Deployed;

  for (const name of ["Consortium", "OfferBook", "AgreementBook"]) {
    const args = name === "Consortium" ? [governor.address] : [await consortium.getAddress()];
    const contract = await ethers.deployContract(name, args);
    const receipt = await contract.deploymentTransaction()?.wait();
    rows.push({ contract: name, fn: "(deployment)", scenario: "", gas: Number(receipt?.gasUsed ?? 0) });
  }

  // Consortium
  await measure(
    "Consortium",
    "applyForMembership",
    "profile with a 53-byte URI",
    (consortium.connect(applicant) as Deployed).applyForMembership(profileFor(applicant.address, 6)),
  );
  await measure("Consortium", "admit", "", gov.admit(applicant.address));
  await measure(
    "Consortium",
    "updateProfile",
    "new segments and URI",
    (consortium.connect(applicant) as Deployed).updateProfile(profileFor(applicant.address, 6, 0xffffn)),
  );
  await (consortium.connect(declined) as Deployed).applyForMembership(profileFor(declined.address, 7));
  await measure(
    "Consortium",
    "decline",
    "profile deleted",
    gov.decline(declined.address, ethers.id("reason")),
  );
  await measure("Consortium", "suspend", "first period", gov.suspend(applicant.address, ethers.id("reason")));
  await measure("Consortium", "reinstate", "first period", gov.reinstate(applicant.address));
  await measure(
    "Consortium",
    "suspend",
    "second period",
    gov.suspend(applicant.address, ethers.id("reason")),
  );
  await measure("Consortium", "reinstate", "second period", gov.reinstate(applicant.address));
  await measure("Consortium", "exit", "", (consortium.connect(applicant) as Deployed).exit());
  await (consortium.connect(spare) as Deployed).applyForMembership(profileFor(spare.address, 8));
  await gov.admit(spare.address);
  await measure("Consortium", "expel", "", gov.expel(spare.address, ethers.id("reason")));
  await measure("Consortium", "grantRole", "AUDITOR", gov.grantRole(AUDITOR_ROLE, spare.address));
  await measure("Consortium", "revokeRole", "AUDITOR", gov.revokeRole(AUDITOR_ROLE, spare.address));

  // OfferBook
  const latest = (await ethers.provider.getBlock("latest"))?.timestamp ?? 0;
  const terms = {
    supplySegments: 0b101n,
    capacityPerEpoch: 500n,
    minRate: 3n,
    demandSegments: 0b10n,
    volumePerEpoch: 200n,
    maxRate: 8n,
    excludedIndustries: 1n << 2n,
    expiry: BigInt(latest) + 30n * 86400n,
  };
  const offers = offerBook.connect(alice) as Deployed;
  await measure("OfferBook", "postOffer", "supply and demand", offers.postOffer(terms));
  await measure(
    "OfferBook",
    "updateOffer",
    "new capacity and expiry",
    offers.updateOffer(1n, { ...terms, capacityPerEpoch: 900n, expiry: terms.expiry + 1n }),
  );
  await measure("OfferBook", "withdrawOffer", "", offers.withdrawOffer(1n));

  // AgreementBook
  const book = (signer: typeof alice) => agreementBook.connect(signer) as Deployed;
  const w = await wallet.getAddress();
  const proposeMeasured = async (scenario: string, parties: string[], flows: ReturnType<typeof flow>[]) => {
    const s = await scheduleFromNow();
    const id = (await agreementBook.agreementCount()) + 1n;
    await measure("AgreementBook", "propose", scenario, book(matcher).propose(parties, flows, s, s.start));
    return id;
  };
  const pair = await proposeMeasured(
    "2 parties, 2 flows",
    [alice.address, bob.address],
    [flow(alice.address, bob.address), flow(bob.address, alice.address)],
  );
  const cycle = await proposeMeasured(
    "3-party cycle, 3 flows",
    [alice.address, bob.address, w],
    [flow(alice.address, bob.address), flow(bob.address, w), flow(w, alice.address)],
  );
  const four = [alice, bob, carol, dave].map((m) => m.address);
  const all12 = four.flatMap((from) => four.filter((to) => to !== from).map((to) => flow(from, to)));
  await proposeMeasured("4 parties, 12 flows", four, all12);

  await measure("AgreementBook", "accept", "first of 2", book(alice).accept(pair));
  await measure("AgreementBook", "accept", "last of 2 (activates)", book(bob).accept(pair));
  await measure("AgreementBook", "terminate", "by a party, with notice", book(alice).terminate(pair));
  await measure(
    "AgreementBook",
    "acceptWithSignatures",
    "3 parties (2 EOA + 1 ERC-1271), activates",
    book(matcher).acceptWithSignatures(cycle, [
      await signAcceptance(alice, agreementBook, cycle),
      await signAcceptance(bob, agreementBook, cycle),
      await signAcceptance(walletOwner, agreementBook, cycle, { party: w }),
    ]),
  );
  const { agreementId: pair2 } = await propose(
    agreementBook,
    matcher,
    [alice.address, bob.address],
    [flow(alice.address, bob.address)],
  );
  await measure(
    "AgreementBook",
    "acceptWithSignatures",
    "2 EOA parties, activates",
    book(matcher).acceptWithSignatures(pair2, [
      await signAcceptance(alice, agreementBook, pair2),
      await signAcceptance(bob, agreementBook, pair2),
    ]),
  );
  await viaWallet(wallet, walletOwner, agreementBook, "terminate", [cycle]);
  const { agreementId: rejected } = await propose(
    agreementBook,
    matcher,
    [alice.address, carol.address],
    [flow(alice.address, carol.address)],
  );
  await measure("AgreementBook", "reject", "", book(carol).reject(rejected));
  const { agreementId: stale, schedule } = await propose(
    agreementBook,
    matcher,
    [bob.address, carol.address],
    [flow(bob.address, carol.address)],
  );
  await ethers.provider.send("evm_setNextBlockTimestamp", [Number(schedule.start)]);
  await measure("AgreementBook", "markExpired", "", book(dave).markExpired(stale));
  // pair2 (alice → bob) is Active: bob leaves the consortium, and anyone records the end.
  await (consortium.connect(bob) as Deployed).exit();
  await measure(
    "AgreementBook",
    "terminateOnDeparture",
    "2 parties, one exited",
    book(dave).terminateOnDeparture(pair2),
  );

  const out = process.env.GAS_BENCH_OUT;
  if (out) writeFileSync(out, JSON.stringify(rows));
  else console.log(JSON.stringify(rows, null, 2));
}

main().catch((error: Error) => {
  console.error(`registry gas bench: ${error.message}`);
  process.exitCode = 1;
});
