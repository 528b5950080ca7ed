/**
 * Settlement gas bench (`npx hardhat run scripts/bench/settlement-gas.ts`; `npm run bench:gas`
 * runs it last). On the Hardhat network, from the same state each time (EVM snapshots), it
 * measures:
 * - `commit` of a co-signed batch, and `claim` then `finalise` of an uncosigned one, for batches
 *   of 1, 1,000, 100,000 and 1,000,000 referrals: the gas must not grow with the count, since a
 *   batch is one Merkle root and one count whatever its size;
 * - the naive alternative that FlowPact's batches replace: recording every referral on chain,
 *   one transaction each (contracts/test/NaiveReferralLog.sol). Sending 100,000 transactions is
 *   not practical here, so the per-referral gas is measured on a sample of distinct referrals and
 *   multiplied out; each record costs the same (a new click-id slot, one counter update, one
 *   event, a 21,000-gas transaction), so the extrapolation is linear — stated in the output.
 * - `commitMany` of 50 acknowledged batches of different agreements, per batch.
 * Writes the "settlement-gas" section of BENCHMARKS.md. The last line printed is
 * `gas per settled batch: single <gas>, in a batch of 50 <gas>; naive/batched at n=100000: <ratio>`.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import Table from "cli-table3";
import type { ContractTransactionResponse } from "ethers";
import { ethers } from "hardhat";
import {
  acknowledgement,
  type Contract,
  createActiveAgreement,
  deploySettlementFixture,
  NO_ACK,
  signBatch,
} from "../../test/contracts/settlement/fixture";
import { writeBenchmarkSection } from "./report";

const COUNTS = [1n, 1_000n, 100_000n, 1_000_000n];
const RATIO_AT = 100_000n;
const NAIVE_SAMPLE = 200;
/** Batches of different agreements settled in one `commitMany`. */
const MANY = 50;

async function gasOf(tx: Promise<ContractTransactionResponse>): Promise<bigint> {
  const receipt = await (await tx).wait();
  if (receipt?.status !== 1) throw new Error("a benchmarked transaction failed; see the Hardhat output");
  return receipt.gasUsed;
}

/** Runs `body` from the current chain state and rolls the state back afterwards. */
async function fromSnapshot<T>(body: () => Promise<T>): Promise<T> {
  const snapshot = await ethers.provider.send("evm_snapshot", []);
  try {
    return await body();
  } finally {
    await ethers.provider.send("evm_revert", [snapshot]);
  }
}

const fmt = (gas: bigint) => gas.toLocaleString("en-US");

async function main(): Promise<void> {
  const f = await deploySettlementFixture();
  // Steady state: every member measured below already holds a balance (one earlier settlement each
  // way), as every member does after its first settlement; a first-ever posting pays once for
  // turning two zero balances non-zero (2 × 17,100 gas more).
  const warmUp = await createActiveAgreement(
    f.agreements,
    [f.alice, f.bob, f.carol, f.dave],
    [f.bob, f.carol, f.dave].map((to) => ({
      from: f.alice.address,
      to: to.address,
      segments: 1n,
      capPerEpoch: 10n,
      rate: 1n,
    })),
  );
  // A flow whose cap is above every measured count, so each batch settles in full at rate 1.
  const cap = 2n ** 63n;
  const { agreementId } = await createActiveAgreement(
    f.agreements,
    [f.alice, f.bob],
    [{ from: f.alice.address, to: f.bob.address, segments: 1n, capPerEpoch: cap, rate: 1n }],
  );
  await f.ledger.connect(f.governor).setCreditLimit(f.bob.address, 10n ** 30n);
  await time.increaseTo(await f.agreements.epochEnd(agreementId, 0n));
  for (const [flow, to] of [f.bob, f.carol, f.dave].entries()) {
    const batch = {
      agreementId: warmUp.agreementId,
      flow: BigInt(flow),
      epoch: 0n,
      count: 1n,
      root: ethers.ZeroHash,
    };
    await f.settlement
      .connect(f.alice)
      .commit(
        warmUp.agreementId,
        flow,
        0n,
        1n,
        ethers.ZeroHash,
        await signBatch(to, f.settlementAddress, batch),
      );
  }
  // The Merkle root's value does not change the gas (32 bytes of calldata either way).
  const root = ethers.id("receipts of epoch 0");

  const commitGas = new Map<bigint, bigint>();
  const claimGas = new Map<bigint, bigint>();
  const finaliseGas = new Map<bigint, bigint>();
  for (const count of COUNTS) {
    const batch = { agreementId, flow: 0n, epoch: 0n, count, root };
    const signature = await signBatch(f.bob, f.settlementAddress, batch);
    commitGas.set(
      count,
      await fromSnapshot(() =>
        gasOf(f.settlement.connect(f.alice).commit(agreementId, 0n, 0n, count, root, signature)),
      ),
    );
    await fromSnapshot(async () => {
      claimGas.set(
        count,
        await gasOf(f.settlement.connect(f.alice).claim(agreementId, 0n, 0n, count, root, NO_ACK)),
      );
      await time.increase(await f.settlement.challengeWindow());
      finaliseGas.set(count, await gasOf(f.settlement.connect(f.outsider).finalise(agreementId, 0n, 0n)));
      const settled: bigint = (await f.settlement.batchOf(agreementId, 0n, 0n)).settledCount;
      if (settled !== count) throw new Error(`batch of ${count} settled ${settled}: the cap interfered`);
    });
  }

  const ackOf = (count: bigint) =>
    acknowledgement(f.bob, f.settlementAddress, {
      agreementId,
      flow: 0n,
      epoch: 0n,
      count,
      root: ethers.id(`ack ${count}`),
    });
  const disputePath = await fromSnapshot(async () => {
    const claim = await gasOf(
      f.settlement.connect(f.alice).claim(agreementId, 0n, 0n, 1_000n, root, await ackOf(800n)),
    );
    const dispute = await gasOf(
      f.settlement.connect(f.bob).dispute(agreementId, 0n, 0n, 900n, ethers.id("bob's receipts"), {
        value: await f.settlement.disputeBond(),
      }),
    );
    const resolve = await gasOf(
      f.settlement.connect(f.alice).resolve(agreementId, 0n, 0n, await ackOf(950n)),
    );
    return { claim, dispute, resolve };
  });

  // One transaction settling MANY acknowledged batches of different agreements (alice refers to
  // bob, carol and dave in turn), against the same batches one transaction each.
  const recipients = [f.bob, f.carol, f.dave];
  const many: Array<{
    agreementId: bigint;
    flow: bigint;
    epoch: bigint;
    acknowledgement: { count: bigint; root: string; signature: string };
  }> = [];
  for (let i = 0; i < MANY; i++) {
    const to = recipients[i % recipients.length];
    const created = await createActiveAgreement(
      f.agreements,
      [f.alice, to],
      [{ from: f.alice.address, to: to.address, segments: 1n, capPerEpoch: 1_000n, rate: 1n }],
    );
    const batch = {
      agreementId: created.agreementId,
      flow: 0n,
      epoch: 0n,
      count: 100n,
      root: ethers.id(`many ${i}`),
    };
    many.push({
      agreementId: created.agreementId,
      flow: 0n,
      epoch: 0n,
      acknowledgement: await acknowledgement(to, f.settlementAddress, batch),
    });
  }
  await time.increaseTo(await f.agreements.epochEnd(many[many.length - 1].agreementId, 0n));
  const manyGas = await fromSnapshot(() => gasOf(f.settlement.connect(f.alice).commitMany(many)));
  const perBatchInMany = manyGas / BigInt(MANY);

  // The naive baseline: one transaction per referral.
  const naive = (await ethers.deployContract("NaiveReferralLog")) as unknown as Contract;
  let naiveTotal = 0n;
  for (let i = 0; i < NAIVE_SAMPLE; i++) {
    naiveTotal += await gasOf(naive.connect(f.alice).record(agreementId, 0n, 0n, ethers.id(`click ${i}`)));
  }
  const naivePerReferral = naiveTotal / BigInt(NAIVE_SAMPLE);

  const table = new Table({
    head: ["referrals in batch", "commit (co-signed)", "claim + finalise", "naive log (extrapolated)"],
    style: { head: [], border: [] },
  });
  for (const count of COUNTS) {
    const claimed = (claimGas.get(count) ?? 0n) + (finaliseGas.get(count) ?? 0n);
    table.push([fmt(count), fmt(commitGas.get(count) ?? 0n), fmt(claimed), fmt(naivePerReferral * count)]);
  }
  console.log(
    "\nSettlement gas (solc 0.8.28, optimizer 200 runs, cancun; whole transactions, 21,000 base included)",
  );
  console.log(table.toString());
  console.log(
    `dispute path (1,000 claimed, 900 disputed, resolved at 950): claim ${fmt(disputePath.claim)}, ` +
      `dispute ${fmt(disputePath.dispute)}, resolve ${fmt(disputePath.resolve)}`,
  );
  console.log(
    `naive log: ${fmt(naivePerReferral)} gas per referral (mean of ${NAIVE_SAMPLE} distinct referrals)`,
  );

  const batchedAt = commitGas.get(RATIO_AT) ?? 0n;
  const ratio = Number(naivePerReferral * RATIO_AT) / Number(batchedAt);
  const growth = Number(commitGas.get(1_000_000n) ?? 0n) / Number(commitGas.get(1n) ?? 1n);

  const markdown = [
    "## Settlement gas: batches against a per-referral log (`npm run bench:gas`)",
    "",
    "Whole transactions on the Hardhat network (21,000 base and calldata included), each from the same",
    "state (an active agreement, epoch ended, recipient within its credit limit, both members already",
    "holding a balance — a member's first-ever posting costs 2 × 17,100 more). A batch is one count",
    "and one Merkle root whatever its size, so its gas does not grow with the count",
    `(commit at 1,000,000 / at 1: ${growth.toFixed(3)}; the small differences are calldata bytes of the count).`,
    "",
    "| referrals in batch | commit (co-signed) | claim + finalise | naive log, one tx per referral (extrapolated) |",
    "|---:|---:|---:|---:|",
    ...COUNTS.map(
      (c) =>
        `| ${fmt(c)} | ${fmt(commitGas.get(c) ?? 0n)} | ${fmt(claimGas.get(c) ?? 0n)} + ${fmt(finaliseGas.get(c) ?? 0n)} | ${fmt(naivePerReferral * c)} |`,
    ),
    "",
    `Dispute path (1,000 claimed, 900 disputed, resolved at 950): claim ${fmt(disputePath.claim)}, dispute`,
    `${fmt(disputePath.dispute)}, resolve ${fmt(disputePath.resolve)} gas.`,
    "",
    `The naive log (contracts/test/NaiveReferralLog.sol) costs ${fmt(naivePerReferral)} gas per referral, the mean`,
    `of ${NAIVE_SAMPLE} distinct referrals actually sent; larger counts are that figure multiplied out (every`,
    "record does the same work, so the cost is linear), not 100,000 transactions sent.",
    "",
    `**gas-per-referral naive/batched at n=100000: ${ratio.toFixed(0)}** (co-signed commit; target ≥ 10,000).`,
    "",
    `Settling many: one \`commitMany\` of ${MANY} acknowledged batches of different agreements (one referrer, three`,
    `recipients) costs ${fmt(manyGas)} gas, **${fmt(perBatchInMany)} per batch**, against ${fmt(batchedAt)} for one`,
    "batch in its own transaction (targets: ≤ 60,000 and ≤ 120,000).",
  ].join("\n");
  writeBenchmarkSection("settlement-gas", markdown);
  console.log("Written to the settlement-gas section of BENCHMARKS.md");
  console.log(
    `gas per settled batch: single ${batchedAt}, in a batch of ${MANY} ${perBatchInMany}; naive/batched at n=100000: ${ratio.toFixed(0)}`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
