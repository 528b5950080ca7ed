import { expect } from "chai";
import { type Address, type Hash, type Hex, keccak256, toBytes, toHex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { FindingCode } from "../../../src/audit/findings";
import { type AuditEvent, type AuditHistory, contractSignatureKey } from "../../../src/audit/history";
import { verifyHistory } from "../../../src/audit/verifier";
import { agreementTermsHash } from "../../../src/chain/agreementTermsHash";
import { hashBatch, signBatch } from "../../../src/receipts/batch-signature";

/**
 * The pure verifier on hand-built event streams: a small honest history passes without a finding,
 * and each tampering is caught and named.
 */
const role = (name: string) => keccak256(toBytes(name));
const governor = privateKeyToAccount(`0x${"11".repeat(32)}`);
const alice = privateKeyToAccount(`0x${"22".repeat(32)}`);
const bob = privateKeyToAccount(`0x${"33".repeat(32)}`);
const contracts = {
  Consortium: "0x00000000000000000000000000000000000000c1",
  OfferBook: "0x00000000000000000000000000000000000000c2",
  AgreementBook: "0x00000000000000000000000000000000000000c3",
  CreditLedger: "0x00000000000000000000000000000000000000c4",
  Settlement: "0x00000000000000000000000000000000000000c5",
} as const satisfies Record<string, Address>;
const root = `0x${"ab".repeat(32)}` as Hex;
const flow = { from: alice.address, to: bob.address, segments: 1n, capPerEpoch: 10n, rate: 5n };
const schedule = { start: 1_000n, end: 3_000n, epochLength: 1_000n, noticeEpochs: 1n };

type Step = [contract: AuditEvent["contract"], eventName: string, args: Record<string, unknown>];

async function honestHistory(): Promise<AuditHistory> {
  const events: AuditEvent[] = [];
  let block = 0n;
  const tx = (n: bigint) => toHex(n, { size: 32 }) as Hash;
  const at = (timestamp: bigint, steps: Step[]) => {
    block++;
    for (const [logIndex, [contract, eventName, args]] of steps.entries()) {
      const transactionHash = tx(block);
      events.push({
        contract,
        eventName,
        args,
        blockNumber: block,
        blockTimestamp: timestamp,
        logIndex,
        transactionHash,
      });
    }
  };
  at(1n, [
    [
      "Consortium",
      "RoleGranted",
      { role: role("GOVERNOR_ROLE"), account: governor.address, sender: governor.address },
    ],
    [
      "Consortium",
      "RoleGranted",
      { role: role("MATCHER_ROLE"), account: governor.address, sender: governor.address },
    ],
    [
      "Consortium",
      "RoleGranted",
      { role: role("AUDITOR_ROLE"), account: governor.address, sender: governor.address },
    ],
    ["Settlement", "ChallengeWindowSet", { previousWindow: 0n, newWindow: 600n }],
    ["Settlement", "SubmissionWindowSet", { previousWindow: 0n, newWindow: 604_800n }],
    ["Settlement", "DisputeBondSet", { previousBond: 0n, newBond: 10n ** 18n }],
  ]);
  for (const member of [alice, bob]) {
    at(2n, [
      [
        "Consortium",
        "MemberProfileUpdated",
        { member: member.address, profile: { signer: member.address, industry: 1 } },
      ],
      ["Consortium", "MemberStatusChanged", { member: member.address, previous: 0, next: 1 }],
      ["Consortium", "MemberStatusChanged", { member: member.address, previous: 1, next: 2 }],
      ["CreditLedger", "CreditLimitSet", { member: member.address, previousLimit: 0n, newLimit: 1_000n }],
    ]);
  }
  const parties = [alice.address, bob.address];
  at(100n, [
    [
      "AgreementBook",
      "AgreementProposed",
      {
        agreementId: 1n,
        proposer: governor.address,
        termsHash: agreementTermsHash({ parties, flows: [flow], schedule }),
        parties,
        flows: [flow],
        schedule,
        proposalExpiry: 900n,
      },
    ],
  ]);
  at(200n, [
    ["AgreementBook", "AgreementAccepted", { agreementId: 1n, party: alice.address, bySignature: false }],
    ["AgreementBook", "AgreementAccepted", { agreementId: 1n, party: bob.address, bySignature: false }],
    ["AgreementBook", "AgreementActivated", { agreementId: 1n }],
  ]);
  // Epoch 0: a claim, finalised after its window.
  at(2_100n, [
    [
      "Settlement",
      "BatchClaimed",
      { agreementId: 1n, flow: 0n, epoch: 0n, count: 4n, root, challengeEnds: 2_700n },
    ],
  ]);
  at(2_800n, [
    ["Settlement", "BatchFinalised", { agreementId: 1n, flow: 0n, epoch: 0n }],
    [
      "Settlement",
      "BatchSettled",
      {
        agreementId: 1n,
        flow: 0n,
        epoch: 0n,
        payer: bob.address,
        payee: alice.address,
        count: 4n,
        amount: 20n,
      },
    ],
    ["CreditLedger", "CreditsMoved", { from: bob.address, to: alice.address, amount: 20n }],
    [
      "CreditLedger",
      "SettlementPosted",
      { payer: bob.address, payee: alice.address, amount: 20n, paid: 20n, deferred: 0n },
    ],
  ]);
  // Epoch 1: a co-signed commit of 12 referrals, settled at the cap of 10.
  const batch = { agreementId: 1n, flow: 0n, epoch: 1n, count: 12n, root };
  const signature = await signBatch(bob, {
    chainId: 31337,
    settlement: contracts.Settlement,
    batch: { ...batch, recipient: bob.address },
  });
  at(3_100n, [
    ["Settlement", "BatchCommitted", { ...batch, referrer: alice.address, recipient: bob.address }],
    [
      "Settlement",
      "BatchSettled",
      {
        agreementId: 1n,
        flow: 0n,
        epoch: 1n,
        payer: bob.address,
        payee: alice.address,
        count: 10n,
        amount: 50n,
      },
    ],
    ["CreditLedger", "CreditsMoved", { from: bob.address, to: alice.address, amount: 50n }],
    [
      "CreditLedger",
      "SettlementPosted",
      { payer: bob.address, payee: alice.address, amount: 50n, paid: 50n, deferred: 0n },
    ],
  ]);
  const commitTx = events[events.length - 1].transactionHash;
  return {
    chainId: 31337,
    contracts,
    fromBlock: 1n,
    toBlock: block,
    toBlockTimestamp: 3_100n,
    events,
    calls: {
      [commitTx]: {
        hash: commitTx,
        from: alice.address,
        to: contracts.Settlement,
        functionName: "commit",
        args: [1n, 0n, 1n, 12n, root, signature],
      },
    },
    contractSignatures: {},
    balanceSnapshots: [
      { blockNumber: block - 1n, balances: { [alice.address]: 20n, [bob.address]: -20n } },
      { blockNumber: block, balances: { [alice.address]: 70n, [bob.address]: -70n } },
    ],
  };
}

const codesOf = async (history: AuditHistory): Promise<FindingCode[]> =>
  (await verifyHistory(history)).findings.map((f) => f.code);
const eventNamed = (history: AuditHistory, name: string, nth = 0) =>
  history.events.filter((e) => e.eventName === name)[nth];

describe("audit verifier (pure, on event streams)", () => {
  it("finds nothing wrong in an honest history and replays it", async () => {
    const history = await honestHistory();
    const { findings, model } = await verifyHistory(history);
    expect(findings).to.deep.equal([]);
    expect(model.finalBalances[alice.address]).to.equal(70n);
    expect(model.batches.map((b) => [b.status, b.settledCount])).to.deep.equal([
      ["finalised", 4n],
      ["committed", 10n],
    ]);
    expect(model.balanceTimeline.map((p) => p.blockNumber)).to.deep.equal([7n, 8n]);
  });

  it("names a posting that differs from count × rate", async () => {
    const history = await honestHistory();
    const settled = eventNamed(history, "BatchSettled");
    settled.args = { ...settled.args, amount: 24n }; // 4 referrals at rate 5 are 20, not 24
    const moved = eventNamed(history, "CreditsMoved");
    moved.args = { ...moved.args, amount: 24n };
    const posted = eventNamed(history, "SettlementPosted");
    posted.args = { ...posted.args, amount: 24n, paid: 24n };
    history.balanceSnapshots[0].balances = { [alice.address]: 24n, [bob.address]: -24n };
    history.balanceSnapshots[1].balances = { [alice.address]: 74n, [bob.address]: -74n };
    const { findings } = await verifyHistory(history);
    expect(findings.map((f) => f.code)).to.deep.equal(["posting-amount-mismatch"]);
    expect(findings[0].evidence).to.include({ count: "4", rate: "5", amount: "24", expected: "20" });
  });

  it("names a broken zero-sum and the member whose balance does not add up", async () => {
    const history = await honestHistory();
    history.balanceSnapshots[1].balances[alice.address] = 75n; // 5 credits from nowhere
    const { findings } = await verifyHistory(history);
    expect(findings.map((f) => f.code).sort()).to.deep.equal(["ledger-balance-mismatch", "zero-sum-broken"]);
    const zeroSum = findings.find((f) => f.code === "zero-sum-broken");
    expect(zeroSum?.evidence).to.include({ sum: "5", block: "8" });
  });

  it("names a settlement debited from another member than the batch's payer", async () => {
    const history = await honestHistory();
    history.balanceSnapshots = []; // nothing read on chain: the replay alone must hold
    const moved = eventNamed(history, "CreditsMoved", 1);
    moved.args = { ...moved.args, from: governor.address }; // Bob owes, but someone else pays
    expect(await codesOf(history)).to.include("ledger-posting-mismatch");
  });

  it("names a second batch for the same (agreement, flow, epoch)", async () => {
    const history = await honestHistory();
    const claim = eventNamed(history, "BatchClaimed");
    history.events.splice(history.events.indexOf(claim) + 1, 0, { ...claim, logIndex: 1 });
    expect(await codesOf(history)).to.include("batch-duplicate");
  });

  it("names a co-signature made by another key than the recipient's", async () => {
    const history = await honestHistory();
    const commit = eventNamed(history, "BatchCommitted");
    const call = history.calls[commit.transactionHash];
    const batch = { agreementId: 1n, flow: 0n, epoch: 1n, count: 12n, root, recipient: bob.address };
    const forged = await signBatch(alice, { chainId: 31337, settlement: contracts.Settlement, batch });
    call.args = [1n, 0n, 1n, 12n, root, forged];
    const digest = hashBatch({ chainId: 31337, settlement: contracts.Settlement, batch });
    history.contractSignatures[contractSignatureKey(bob.address, digest, forged)] = false; // bob is an EOA
    expect(await codesOf(history)).to.deep.equal(["batch-invalid-cosignature"]);
  });

  it("names a batch paid beyond its cap and a settlement nobody owed", async () => {
    const history = await honestHistory();
    const settled = eventNamed(history, "BatchSettled", 1);
    settled.args = { ...settled.args, count: 12n, amount: 60n };
    for (const name of ["CreditsMoved", "SettlementPosted"]) {
      const e = eventNamed(history, name, 1);
      e.args = { ...e.args, amount: 60n, ...(name === "SettlementPosted" ? { paid: 60n } : {}) };
    }
    history.balanceSnapshots[1].balances = { [alice.address]: 80n, [bob.address]: -80n };
    const found = await codesOf(history);
    expect(found).to.include("batch-settled-above-cap");
    expect(found).to.include("batch-settlement-mismatch");
  });

  it("names a batch submitted after its deadline and a finalisation inside the challenge window", async () => {
    const history = await honestHistory();
    for (const e of history.events) if (e.eventName === "BatchFinalised") e.blockTimestamp = 2_600n;
    const commit = eventNamed(history, "BatchCommitted");
    for (const e of history.events)
      if (e.transactionHash === commit.transactionHash) e.blockTimestamp = 2_000n + 604_801n + 1_000n;
    const found = await codesOf(history);
    expect(found.filter((c) => c === "batch-outside-window").length).to.equal(2);
  });

  it("names arrears cleared without paying the creditor, and an unauthorised role grant", async () => {
    const history = await honestHistory();
    const last = history.events[history.events.length - 1];
    history.events.push({
      ...last,
      logIndex: last.logIndex + 1,
      eventName: "ArrearsCleared",
      contract: "CreditLedger",
      args: { payer: bob.address, creditor: alice.address, amount: 5n, owed: 0n },
    });
    history.events.push({
      ...last,
      logIndex: last.logIndex + 2,
      eventName: "RoleGranted",
      contract: "Consortium",
      args: { role: role("AUDITOR_ROLE"), account: alice.address, sender: bob.address },
    });
    const found = await codesOf(history);
    expect(found).to.include("arrears-bookkeeping");
    expect(found).to.include("role-change-unauthorised");
  });

  it("names an activation without every party's acceptance", async () => {
    const history = await honestHistory();
    const accepted = eventNamed(history, "AgreementAccepted", 1);
    history.events.splice(history.events.indexOf(accepted), 1);
    expect(await codesOf(history)).to.include("agreement-incomplete-activation");
  });
});
