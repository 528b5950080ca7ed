/**
 * Stateful model-based test of Settlement v2 + CreditLedger against the real contracts (and the
 * real Consortium and AgreementBook) on the Hardhat network. fast-check generates sequences of
 * commits (single and `commitMany`), claims with and without the recipient's acknowledgement,
 * disputes, finalisations, resolutions with a higher acknowledgement, upheld disputes, bond
 * withdrawals, membership changes (suspend, reinstate, expel, exit), pauses, window changes,
 * transfers, limit changes, arrears clearings and clock moves. Each command runs on a TypeScript
 * model of the protocol and on chain; the outcome (success or the custom error's name) must
 * agree, and after every step the invariants are checked against the chain:
 * - the balances of all members sum to zero;
 * - what settled batches owe (Σ settledCount × rate) = credits paid at once + arrears recorded,
 *   and arrears recorded = arrears outstanding + arrears cleared;
 * - one batch per (agreement, flow, epoch): a second submission is refused, and a command's
 *   target that the model holds no batch for has none on chain;
 * - no batch settles more than min(count, cap); a claim settles its acknowledged part only until
 *   finalised; after a dispute nothing above the recipient's count settles unless an
 *   acknowledgement above it was shown (and never above that acknowledgement);
 * - bonds are conserved: posted = held by open disputes + withdrawable + withdrawn, and the
 *   contract's ether = held + withdrawable;
 * - balances, limits, arrears (FIFO queues included), batches, bonds and submission deadlines
 *   equal the model's.
 * Each sequence starts from the same EVM snapshot. Fixed seed; FLOWPACT_FUZZ_RUNS sets the runs.
 */
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { expect } from "chai";
import fc from "fast-check";
import hre, { ethers } from "hardhat";
import { AUDITOR_ROLE, deployRegistry } from "../fixtures";
import { acknowledgement, type Contract, createActiveAgreement, type FlowTerms, NO_ACK } from "./fixture";

/**
 * Under solidity-coverage (instrumented, several times slower) the default drops to 25 sequences,
 * which still reach every command's outcomes; in our runs a full 200-sequence run under coverage
 * also made the hits of the test files after it go missing. FLOWPACT_FUZZ_RUNS always wins.
 */
const UNDER_COVERAGE =
  (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
const RUNS = Number(process.env.FLOWPACT_FUZZ_RUNS ?? (UNDER_COVERAGE ? 25 : 200));
const SEED = 20_261_204;
const MAX_COMMANDS = 18;
/** Short epochs: epochs 0…2 have ended when a sequence starts, epochs 3…5 end during it. */
const EPOCH_LENGTH = 60n;
const EPOCHS = 6n;
const CHALLENGE = 50n;
/** Epoch 0 closes about 30 s into a sequence, epoch 1 about 90 s in, epoch 2 about 150 s in. */
const SUBMISSION = 150n;
const BOND = 1_000n;
const INITIAL_LIMITS = [20n, 10n, 0n];
/** Claims made before the snapshot: [agreement, flow, epoch, count, acknowledged count]. */
const INITIAL_CLAIMS: [number, number, number, bigint, bigint][] = [
  [0, 0, 0, 4n, 0n],
  [1, 1, 0, 3n, 1n],
  [1, 2, 1, 6n, 2n],
  [0, 1, 1, 4n, 1n],
  [1, 0, 1, 3n, 0n],
];
/**
 * Disputes of three of the initial claims before the snapshot, by their recipients:
 * [index into INITIAL_CLAIMS, the recipient's count]. Resolutions and upheld disputes have targets
 * from the first command on.
 */
const INITIAL_DISPUTES: [number, bigint][] = [
  [1, 2n],
  [3, 2n],
  [4, 1n],
];

const Status = { None: 0, Committed: 1, Claimed: 2, Disputed: 3, Finalised: 4, Resolved: 5 } as const;
const Member = { Admitted: 2, Suspended: 3, Exited: 4 } as const;

// ------------------------------------------------------------------ the model

interface ModelBatch {
  status: number;
  count: bigint;
  settled: bigint;
  challengeEnds: bigint;
  /** The acknowledged count a claim carried (the count itself for a commit). */
  acknowledged: bigint;
  counter: bigint;
  bond: bigint;
  /** The highest acknowledgement (raw count) shown for this batch: commit, claim or resolve. */
  shownAck: bigint;
}

interface ModelFlow extends FlowTerms {
  /** Indexes into `members`. */
  fromIndex: number;
  toIndex: number;
}

interface ModelMember {
  status: number;
  leftAt: bigint;
  /** Suspension periods in time order, `end` null while the latest runs. */
  suspensions: { start: bigint; end: bigint | null }[];
}

interface Model {
  now: bigint;
  paused: boolean;
  /** Pause periods, `end` null while paused. */
  pauses: { start: bigint; end: bigint | null }[];
  challengeWindow: bigint;
  /** Submission-window changes: epochs ending at or after `from` use `window`. */
  submissionWindows: { from: bigint; window: bigint }[];
  members: ModelMember[];
  balances: bigint[];
  limits: bigint[];
  /** arrears[payer] = FIFO queue of [creditor index, amount owed]. */
  arrears: [number, bigint][][];
  /** Withdrawable bonds per member index. */
  bonds: bigint[];
  bondsPosted: bigint;
  bondsWithdrawn: bigint;
  batches: Map<string, ModelBatch>;
  paidAtOnce: bigint;
  arrearsRecorded: bigint;
  arrearsCleared: bigint;
  /** The key the last command aimed at (checked for "no batch" when the model has none). */
  lastKey?: string;
}

interface World {
  settlement: Contract;
  ledger: Contract;
  consortium: Contract;
  settlementAddress: string;
  members: HardhatEthersSigner[];
  outsider: HardhatEthersSigner;
  governor: HardhatEthersSigner;
  auditor: HardhatEthersSigner;
  agreementIds: bigint[];
  /** Member indexes of each agreement's parties. */
  parties: number[][];
  starts: bigint[];
  flows: ModelFlow[][];
  snapshot: string;
  startTime: bigint;
  /** When each of INITIAL_CLAIMS, then each of INITIAL_DISPUTES, was made. */
  claimedAt: bigint[];
  /** When the initial submission window took effect (deployment). */
  deployedAt: bigint;
  /** carol's suspension before the snapshot: from within epoch 1 to the end of epoch 2, wholly containing it. */
  carolSuspension: { start: bigint; end: bigint };
}

const key = (a: number, f: number, e: number) => `${a}:${f}:${e}`;
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const max = (a: bigint, b: bigint) => (a > b ? a : b);
const epochStart = (w: World, a: number, e: number) => w.starts[a] + BigInt(e) * EPOCH_LENGTH;
const epochEnd = (w: World, a: number, e: number) => epochStart(w, a, e) + EPOCH_LENGTH;
const capped = (count: bigint, flow: ModelFlow) => min(count, flow.capPerEpoch);

/**
 * `Consortium.recordedSignerOf`: the member itself (profiles name their own key), also after it
 * left (its acknowledgements of epochs it earned before still count).
 */
const hasSigner = (_m: Model, _member: number) => true;

/** `Consortium.suspendedThroughout`. */
function suspendedThroughout(m: Model, member: number, from: bigint, to: bigint): boolean {
  return m.members[member].suspensions.some((s) => s.start <= from && (s.end === null || to <= s.end));
}

/** `AgreementBook.settleableEpochs`: all epochs, or those ended by the earliest departure. */
function settleableEpochs(m: Model, w: World, a: number): bigint {
  const departures = w.parties[a].map((p) => m.members[p].leftAt).filter((t) => t !== 0n);
  if (departures.length === 0) return EPOCHS;
  const earliest = departures.reduce(min);
  const before = earliest <= w.starts[a] ? 0n : (earliest - w.starts[a]) / EPOCH_LENGTH;
  return min(before, EPOCHS);
}

/** `Settlement._submissionDeadline`: end + window in force at the end + paused time since. */
function submissionDeadline(m: Model, end: bigint): bigint {
  let i = m.submissionWindows.length;
  while (i > 1 && m.submissionWindows[i - 1].from > end) i--;
  let paused = 0n;
  for (const p of m.pauses) {
    const pauseEnd = p.end ?? m.now;
    if (pauseEnd > end) paused += pauseEnd - max(p.start, end);
  }
  return end + m.submissionWindows[i - 1].window + paused;
}

class ModelLedger {
  constructor(private readonly m: Model) {}

  headroom(member: number): bigint {
    const room = this.m.balances[member] + this.m.limits[member];
    return room > 0n ? room : 0n;
  }

  owed(payer: number): bigint {
    return this.m.arrears[payer].reduce((sum, [, amount]) => sum + amount, 0n);
  }

  move(from: number, to: number, amount: bigint) {
    this.m.balances[from] -= amount;
    this.m.balances[to] += amount;
  }

  clear(payer: number) {
    let room = this.headroom(payer);
    const queue = this.m.arrears[payer];
    while (room > 0n && queue.length > 0) {
      const entry = queue[0];
      const pay = min(entry[1], room);
      entry[1] -= pay;
      room -= pay;
      this.move(payer, entry[0], pay);
      this.m.arrearsCleared += pay;
      if (entry[1] !== 0n) break;
      queue.shift();
    }
  }

  post(payer: number, payee: number, amount: bigint) {
    this.clear(payer);
    const paid = min(amount, this.headroom(payer));
    const deferred = amount - paid;
    if (paid > 0n) {
      this.move(payer, payee, paid);
      this.m.paidAtOnce += paid;
    }
    if (deferred > 0n) {
      const entry = this.m.arrears[payer].find(([creditor]) => creditor === payee);
      if (entry) entry[1] += deferred;
      else this.m.arrears[payer].push([payee, deferred]);
      this.m.arrearsRecorded += deferred;
    }
    if (paid > 0n) this.clear(payee);
  }
}

// ------------------------------------------------------------------ chain helpers

/** The custom error's name in a failed call, or "ok". */
async function outcome(world: World, send: () => Promise<{ wait(): Promise<unknown> }>): Promise<string> {
  try {
    await (await send()).wait();
    return "ok";
  } catch (error) {
    const data = (error as { data?: string }).data;
    if (!data) throw error;
    for (const contract of [world.settlement, world.ledger, world.consortium]) {
      const parsed = contract.interface.parseError(data);
      if (parsed) return parsed.name;
    }
    throw error;
  }
}

/** Outcomes seen per command (printed with FLOWPACT_MODEL_STATS=1, to see what the runs reach). */
const OUTCOMES = new Map<string, number>();
const tally = (command: string, result: string) => {
  const k = `${command}: ${result}`;
  OUTCOMES.set(k, (OUTCOMES.get(k) ?? 0) + 1);
};

async function atNextSecond(m: Model) {
  m.now += 1n;
  await time.setNextBlockTimestamp(m.now);
}

/** Reads everything the invariants compare, all calls in flight at once. */
async function readChain(m: Model, w: World) {
  const entries = [...m.batches.keys()].map((k) => [k, k.split(":").map(Number)] as const);
  const extra = m.lastKey && !m.batches.has(m.lastKey) ? m.lastKey.split(":").map(Number) : undefined;
  const [balances, creditors, owed, totalArrears, batches, absent, bonds, ether, paused, deadlines] =
    await Promise.all([
      Promise.all(w.members.map((x) => w.ledger.balanceOf(x.address) as Promise<bigint>)),
      Promise.all(w.members.map((x) => w.ledger.arrearsCreditors(x.address) as Promise<string[]>)),
      Promise.all(
        m.arrears.map((queue, payer) =>
          Promise.all(
            queue.map(
              ([creditor]) =>
                w.ledger.arrearsOwed(
                  w.members[payer].address,
                  w.members[creditor].address,
                ) as Promise<bigint>,
            ),
          ),
        ),
      ),
      w.ledger.totalArrears() as Promise<bigint>,
      Promise.all(entries.map(([, [a, f, e]]) => w.settlement.batchOf(w.agreementIds[a], f, e))),
      extra ? w.settlement.batchOf(w.agreementIds[extra[0]], extra[1], extra[2]) : undefined,
      Promise.all(w.members.map((x) => w.settlement.bondBalanceOf(x.address) as Promise<bigint>)),
      ethers.provider.getBalance(w.settlementAddress),
      w.settlement.paused() as Promise<boolean>,
      Promise.all(
        DEADLINE_PROBES.map(
          ([a, e]) => w.settlement.submissionDeadline(w.agreementIds[a], e) as Promise<bigint>,
        ),
      ),
    ]);
  return {
    entries,
    balances,
    creditors,
    owed,
    totalArrears,
    batches,
    absent,
    bonds,
    ether,
    paused,
    deadlines,
  };
}

/** (agreement, epoch) pairs whose submission deadline is compared with the model's. */
const DEADLINE_PROBES: [number, number][] = [
  [0, 1],
  [1, 4],
];

async function checkInvariants(m: Model, w: World) {
  const chain = await readChain(m, w);
  expect(
    chain.balances.reduce((a, b) => a + b, 0n),
    "balances sum to zero",
  ).to.equal(0n);
  expect(chain.balances, "balances").to.deep.equal(m.balances);
  for (const [payer] of w.members.entries()) {
    expect(chain.creditors[payer], "FIFO creditors").to.deep.equal(
      m.arrears[payer].map(([c]) => w.members[c].address),
    );
    expect(chain.owed[payer], "arrears").to.deep.equal(m.arrears[payer].map(([, owed]) => owed));
  }
  const outstanding = m.arrears.flat().reduce((sum, [, owed]) => sum + owed, 0n);
  expect(chain.totalArrears, "total arrears").to.equal(outstanding);

  let owedByBatches = 0n;
  let bondsHeld = 0n;
  for (const [i, [k, [a, f]]] of chain.entries.entries()) {
    const batch = m.batches.get(k) as ModelBatch;
    const flow = w.flows[a][f];
    const onChain = chain.batches[i];
    expect(
      [Number(onChain.status), onChain.count, onChain.settledCount, onChain.bond, onChain.challengeEnds],
      `batch ${k}`,
    ).to.deep.equal([
      batch.status,
      batch.count,
      batch.settled,
      batch.bond,
      batch.status === Status.Committed ? 0n : batch.challengeEnds,
    ]);
    const settled: bigint = onChain.settledCount;
    expect(settled <= capped(batch.count, flow), `batch ${k} within min(count, cap)`).to.equal(true);
    if (batch.status === Status.Claimed) {
      expect(settled, `claim ${k} settles only its acknowledged part`).to.equal(
        capped(batch.acknowledged, flow),
      );
    }
    if (batch.status === Status.Disputed || batch.status === Status.Resolved) {
      // Above the recipient's disputed count only what a shown acknowledgement proves settles.
      const proven = max(batch.counter, capped(batch.shownAck, flow));
      expect(settled <= proven, `batch ${k} settles nothing above the recipient's signed count`).to.equal(
        true,
      );
      expect(settled >= batch.counter, `batch ${k} settles the recipient's own count`).to.equal(true);
    }
    owedByBatches += settled * flow.rate;
    bondsHeld += onChain.bond;
  }
  if (chain.absent) expect(Number(chain.absent.status), `no batch at ${m.lastKey}`).to.equal(Status.None);
  expect(owedByBatches, "batches owe = paid + arrears recorded").to.equal(m.paidAtOnce + m.arrearsRecorded);
  expect(m.arrearsRecorded, "arrears recorded = outstanding + cleared").to.equal(
    outstanding + m.arrearsCleared,
  );
  expect(chain.bonds, "bond balances").to.deep.equal(m.bonds);
  const withdrawable = chain.bonds.reduce((a, b) => a + b, 0n);
  expect(bondsHeld + withdrawable + m.bondsWithdrawn, "bonds conserved").to.equal(m.bondsPosted);
  expect(chain.ether, "bond ether = held + withdrawable").to.equal(bondsHeld + withdrawable);
  expect(chain.paused, "paused").to.equal(m.paused);
  for (const [i, [a, e]] of DEADLINE_PROBES.entries()) {
    expect(chain.deadlines[i], `deadline ${a}:${e}`).to.equal(submissionDeadline(m, epochEnd(w, a, e)));
  }
}

// ------------------------------------------------------------------ commands

type Cmd = fc.AsyncCommand<Model, World>;
type Sent = Promise<{ wait(): Promise<unknown> }>;

abstract class Step implements Cmd {
  check() {
    return true;
  }
  abstract predict(m: Model, w: World): { error: string; apply?: () => void };
  abstract send(m: Model, w: World): Sent;
  /** Lets a command pick its target from the model's state just before it runs. */
  aim(_m: Model, _w: World) {}
  /** The batch key the command aims at, if any. */
  target(): string | undefined {
    return undefined;
  }
  async run(m: Model, w: World) {
    this.aim(m, w);
    await atNextSecond(m);
    const { error, apply } = this.predict(m, w);
    const actual = await outcome(w, () => this.send(m, w));
    tally(this.constructor.name, actual);
    expect(actual, this.toString()).to.equal(error);
    if (error === "ok" && apply) apply();
    m.lastKey = this.target();
    await checkInvariants(m, w);
  }
  abstract toString(): string;
}

const rootOf = (a: number, f: number, e: number, count: bigint) =>
  ethers.id(`model:${key(a, f, e)}:${count}`);

/**
 * The recipient's acknowledgement of `count` for a flow's epoch; `forged` has the referrer sign it
 * in the recipient's name (refused: wrong key).
 */
async function ackOf(w: World, a: number, f: number, e: number, count: bigint, forged = false) {
  const flow = w.flows[a][f];
  const signer = flow ? w.members[forged ? flow.fromIndex : flow.toIndex] : w.members[1];
  return acknowledgement(signer, w.settlementAddress, {
    agreementId: w.agreementIds[a],
    flow: BigInt(f),
    epoch: BigInt(e),
    count,
    root: rootOf(a, f, e, count),
    recipient: flow ? flow.to : w.members[1].address,
  });
}

/** A party that left before the epoch ended, or was suspended throughout it. */
function membershipError(m: Model, party: number, start: bigint, end: bigint): string | undefined {
  const leftAt = m.members[party].leftAt;
  if (leftAt !== 0n && leftAt < end) return "SettlementPartyLeft";
  if (suspendedThroughout(m, party, start, end)) return "SettlementPartySuspended";
  return undefined;
}

/**
 * Checks shared by commit and claim, in the order of `Settlement._checkSubmission` (the pause
 * first). `pending` holds keys submitted earlier in the same `commitMany`.
 */
function submissionError(
  m: Model,
  w: World,
  sender: number,
  a: number,
  f: number,
  e: number,
  count: bigint,
  pending: string[] = [],
): string | undefined {
  if (m.paused) return "EnforcedPause";
  const flow = w.flows[a][f];
  if (!flow) return "SettlementUnknownFlow";
  if (sender !== flow.fromIndex) return "SettlementNotReferrer";
  if (count === 0n) return "SettlementEmptyBatch";
  // Membership comes before the settleable epochs (a departure also ends them): the party's own error.
  const start = epochStart(w, a, e);
  const end = epochEnd(w, a, e);
  const membership =
    membershipError(m, flow.fromIndex, start, end) ?? membershipError(m, flow.toIndex, start, end);
  if (membership) return membership;
  if (BigInt(e) >= settleableEpochs(m, w, a)) return "SettlementEpochNotSettleable";
  if (m.now < end) return "SettlementEpochNotEnded";
  if (m.now > submissionDeadline(m, end)) return "SettlementSubmissionClosed";
  const k = key(a, f, e);
  if (m.batches.has(k) || pending.includes(k)) return "SettlementBatchAlreadySubmitted";
  return undefined;
}

/** The flow's referrer index, or (for an unknown flow) the first member. */
const referrerIndex = (w: World, a: number, f: number) => w.flows[a][f]?.fromIndex ?? 0;
/** Index 3 stands for the outsider (no member). */
const signerAt = (w: World, i: number) => (i === 3 ? w.outsider : w.members[i]);

function post(m: Model, flow: ModelFlow, count: bigint) {
  if (count > 0n) new ModelLedger(m).post(flow.toIndex, flow.fromIndex, count * flow.rate);
}

/** Applies a successful commit to the model. */
function applyCommit(m: Model, w: World, a: number, f: number, e: number, count: bigint) {
  const flow = w.flows[a][f];
  const settled = capped(count, flow);
  m.batches.set(key(a, f, e), {
    status: Status.Committed,
    count,
    settled,
    challengeEnds: 0n,
    acknowledged: count,
    counter: 0n,
    bond: 0n,
    shownAck: count,
  });
  post(m, flow, settled);
}

class Commit extends Step {
  constructor(
    readonly a: number,
    readonly f: number,
    readonly e: number,
    readonly count: bigint,
    readonly forged: boolean,
    readonly byReferrer: boolean,
  ) {
    super();
  }
  sender(w: World) {
    return this.byReferrer ? referrerIndex(w, this.a, this.f) : 3;
  }
  target() {
    return key(this.a, this.f, this.e);
  }
  predict(m: Model, w: World) {
    const flow = w.flows[this.a][this.f];
    const error =
      submissionError(m, w, this.sender(w), this.a, this.f, this.e, this.count) ??
      (this.forged || !hasSigner(m, flow.toIndex) ? "SettlementInvalidAcknowledgement" : "ok");
    return { error, apply: () => applyCommit(m, w, this.a, this.f, this.e, this.count) };
  }
  async send(_m: Model, w: World) {
    const ack = await ackOf(w, this.a, this.f, this.e, this.count, this.forged);
    return w.settlement
      .connect(signerAt(w, this.sender(w)))
      .commit(w.agreementIds[this.a], this.f, this.e, ack.count, ack.root, ack.signature, {
        gasLimit: 1_000_000,
      });
  }
  toString() {
    return `commit(${key(this.a, this.f, this.e)}, ${this.count}, forged=${this.forged}, byReferrer=${this.byReferrer})`;
  }
}

/** Two acknowledged batches in one `commitMany`, sent by the referrer of the first. */
class CommitMany extends Step {
  constructor(readonly batches: [number, number, number, bigint][]) {
    super();
  }
  predict(m: Model, w: World) {
    const sender = referrerIndex(w, this.batches[0][0], this.batches[0][1]);
    const pending: string[] = [];
    for (const [a, f, e, count] of this.batches) {
      const error =
        submissionError(m, w, sender, a, f, e, count, pending) ??
        (hasSigner(m, w.flows[a][f].toIndex) ? undefined : "SettlementInvalidAcknowledgement");
      if (error) return { error };
      pending.push(key(a, f, e));
    }
    return {
      error: "ok",
      apply: () => {
        for (const [a, f, e, count] of this.batches) applyCommit(m, w, a, f, e, count);
      },
    };
  }
  async send(_m: Model, w: World) {
    const signed = [];
    for (const [a, f, e, count] of this.batches) {
      signed.push({
        agreementId: w.agreementIds[a],
        flow: f,
        epoch: e,
        acknowledgement: await ackOf(w, a, f, e, count),
      });
    }
    const sender = referrerIndex(w, this.batches[0][0], this.batches[0][1]);
    return w.settlement.connect(w.members[sender]).commitMany(signed, { gasLimit: 2_000_000 });
  }
  toString() {
    return `commitMany(${this.batches.map(([a, f, e, c]) => `${key(a, f, e)}=${c}`).join(", ")})`;
  }
}

class Claim extends Step {
  constructor(
    readonly a: number,
    readonly f: number,
    readonly e: number,
    readonly count: bigint,
    /** The acknowledged count carried (0 = NO_ACK). */
    readonly ack: bigint,
    readonly forged: boolean,
    readonly byReferrer: boolean,
  ) {
    super();
  }
  sender(w: World) {
    return this.byReferrer ? referrerIndex(w, this.a, this.f) : 3;
  }
  target() {
    return key(this.a, this.f, this.e);
  }
  predict(m: Model, w: World) {
    const flow = w.flows[this.a][this.f];
    let error = submissionError(m, w, this.sender(w), this.a, this.f, this.e, this.count);
    if (!error && m.members[flow.toIndex].leftAt !== 0n) error = "SettlementPartyLeft";
    if (!error && this.count <= this.ack) error = "SettlementClaimNotAboveAcknowledgement";
    if (!error && this.ack !== 0n && (this.forged || !hasSigner(m, flow.toIndex))) {
      error = "SettlementInvalidAcknowledgement";
    }
    return {
      error: error ?? "ok",
      apply: () => {
        const settled = capped(this.ack, flow);
        m.batches.set(key(this.a, this.f, this.e), {
          status: Status.Claimed,
          count: this.count,
          settled,
          challengeEnds: m.now + m.challengeWindow,
          acknowledged: this.ack,
          counter: 0n,
          bond: 0n,
          shownAck: this.ack,
        });
        post(m, flow, settled);
      },
    };
  }
  async send(_m: Model, w: World) {
    const ack = this.ack === 0n ? NO_ACK : await ackOf(w, this.a, this.f, this.e, this.ack, this.forged);
    return w.settlement
      .connect(signerAt(w, this.sender(w)))
      .claim(
        w.agreementIds[this.a],
        this.f,
        this.e,
        this.count,
        rootOf(this.a, this.f, this.e, this.count),
        ack,
        {
          gasLimit: 1_000_000,
        },
      );
  }
  toString() {
    return `claim(${key(this.a, this.f, this.e)}, ${this.count}, ack=${this.ack}, forged=${this.forged}, byReferrer=${this.byReferrer})`;
  }
}

/**
 * A command on an existing batch: with `pick` set, it targets the pick-th batch (modulo) that has
 * status `wanted` when it runs (so that disputes, finalisations and resolutions meet real claims);
 * with no such batch, or `pick` null, it targets its generated (agreement, flow, epoch).
 */
abstract class BatchStep extends Step {
  constructor(
    public a: number,
    public f: number,
    public e: number,
    readonly pick: number | null,
    readonly wanted: number,
  ) {
    super();
    this.generated = [a, f, e];
  }
  private readonly generated: [number, number, number];
  aim(m: Model, _w: World) {
    // Commands may be replayed while shrinking: start from the generated key every time.
    [this.a, this.f, this.e] = this.generated;
    if (this.pick === null) return;
    const candidates = [...m.batches].filter(([, b]) => b.status === this.wanted).map(([k]) => k);
    if (candidates.length === 0) return;
    [this.a, this.f, this.e] = candidates[this.pick % candidates.length].split(":").map(Number);
  }
  target() {
    return key(this.a, this.f, this.e);
  }
  batch(m: Model) {
    return m.batches.get(key(this.a, this.f, this.e));
  }
  flow(w: World) {
    return w.flows[this.a][this.f];
  }
}

/** How a dispute picks the recipient's count. */
type CounterKind = "between" | "over" | "below";

class Dispute extends BatchStep {
  constructor(
    a: number,
    f: number,
    e: number,
    pick: number | null,
    readonly kind: CounterKind,
    /** Position in [acknowledged, claimed) for "between" (per mille), distance otherwise. */
    readonly spread: number,
    readonly bondOk: boolean,
    readonly byRecipient: boolean,
  ) {
    super(a, f, e, pick, Status.Claimed);
  }
  /** The recipient's count, chosen against the claim when the command runs. */
  counter = 0n;
  aim(m: Model, w: World) {
    super.aim(m, w);
    const batch = this.batch(m);
    const flow = this.flow(w);
    const claimed = batch ? capped(batch.count, flow) : 0n;
    const acked = batch ? capped(batch.acknowledged, flow) : 0n;
    const d = BigInt(this.spread % 3);
    if (this.kind === "over") this.counter = claimed + d;
    else if (this.kind === "below") this.counter = max(0n, acked - 1n - d);
    else this.counter = claimed > acked ? acked + ((claimed - acked) * BigInt(this.spread)) / 1000n : acked;
  }
  sender(w: World) {
    const flow = this.flow(w);
    return this.byRecipient ? flow.toIndex : flow.fromIndex;
  }
  predict(m: Model, w: World) {
    const batch = this.batch(m);
    const flow = this.flow(w);
    if (!batch || batch.status !== Status.Claimed) return { error: "SettlementUnexpectedBatchStatus" };
    if (!this.byRecipient) return { error: "SettlementNotRecipient" };
    if (m.members[flow.toIndex].leftAt !== 0n) return { error: "SettlementPartyLeft" };
    if (m.now >= batch.challengeEnds) return { error: "SettlementChallengeWindowClosed" };
    if (this.counter >= capped(batch.count, flow)) return { error: "SettlementDisputeNotLower" };
    if (this.counter < capped(batch.acknowledged, flow))
      return { error: "SettlementDisputeBelowAcknowledgement" };
    if (!this.bondOk) return { error: "SettlementWrongDisputeBond" };
    return {
      error: "ok",
      apply: () => {
        const extra = this.counter - batch.settled;
        batch.status = Status.Disputed;
        batch.counter = this.counter;
        batch.challengeEnds = m.now + m.challengeWindow;
        batch.bond = BOND;
        batch.settled = this.counter;
        m.bondsPosted += BOND;
        post(m, flow, extra);
      },
    };
  }
  send(_m: Model, w: World) {
    return w.settlement
      .connect(w.members[this.sender(w)])
      .dispute(w.agreementIds[this.a], this.f, this.e, this.counter, ethers.ZeroHash, {
        value: this.bondOk ? BOND : BOND - 1n,
        gasLimit: 1_000_000,
      });
  }
  toString() {
    return `dispute(${key(this.a, this.f, this.e)}, counter=${this.counter}, bondOk=${this.bondOk}, byRecipient=${this.byRecipient})`;
  }
}

class Finalise extends BatchStep {
  constructor(a: number, f: number, e: number, pick: number | null) {
    super(a, f, e, pick, Status.Claimed);
  }
  predict(m: Model, w: World) {
    const batch = this.batch(m);
    if (m.paused) return { error: "EnforcedPause" };
    if (!batch || batch.status !== Status.Claimed) return { error: "SettlementUnexpectedBatchStatus" };
    if (m.now < batch.challengeEnds) return { error: "SettlementChallengeWindowOpen" };
    const flow = this.flow(w);
    if (m.members[flow.toIndex].leftAt !== 0n) return { error: "SettlementPartyLeft" };
    return {
      error: "ok",
      apply: () => {
        const extra = capped(batch.count, flow) - batch.settled;
        batch.status = Status.Finalised;
        batch.settled = capped(batch.count, flow);
        post(m, flow, extra);
      },
    };
  }
  send(_m: Model, w: World) {
    return w.settlement
      .connect(w.outsider)
      .finalise(w.agreementIds[this.a], this.f, this.e, { gasLimit: 1_000_000 });
  }
  toString() {
    return `finalise(${key(this.a, this.f, this.e)})`;
  }
}

/** Who answers a dispute: the referrer, the independent auditor, carol (an AUDITOR and a member), or an outsider. */
type Resolver = "referrer" | "auditor" | "carol" | "outsider";

class Resolve extends BatchStep {
  constructor(
    a: number,
    f: number,
    e: number,
    pick: number | null,
    /** The acknowledgement shown: the recipient's disputed count plus `offset` (0 is refused). */
    readonly offset: bigint,
    readonly resolver: Resolver,
    readonly forged: boolean,
  ) {
    super(a, f, e, pick, Status.Disputed);
  }
  ackCount = 0n;
  aim(m: Model, w: World) {
    super.aim(m, w);
    this.ackCount = (this.batch(m)?.counter ?? 0n) + this.offset;
  }
  caller(w: World) {
    if (this.resolver === "referrer") return w.members[this.flow(w)?.fromIndex ?? 0];
    if (this.resolver === "auditor") return w.auditor;
    if (this.resolver === "carol") return w.members[2];
    return w.outsider;
  }
  predict(m: Model, w: World) {
    if (m.paused) return { error: "EnforcedPause" };
    const batch = this.batch(m);
    if (!batch || batch.status !== Status.Disputed) return { error: "SettlementUnexpectedBatchStatus" };
    const flow = this.flow(w);
    if (this.resolver === "outsider") return { error: "SettlementNotResolver" };
    // carol is an AUDITOR; as the referrer she resolves as such, as the recipient she may not.
    if (this.resolver === "carol" && flow.fromIndex !== 2 && flow.toIndex === 2) {
      return { error: "SettlementAuditorIsParty" };
    }
    if (this.ackCount <= batch.counter) return { error: "SettlementAcknowledgementNotAboveDispute" };
    if (this.forged || !hasSigner(m, flow.toIndex)) return { error: "SettlementInvalidAcknowledgement" };
    return {
      error: "ok",
      apply: () => {
        const resolved = min(this.ackCount, capped(batch.count, flow));
        m.bonds[flow.fromIndex] += batch.bond;
        batch.bond = 0n;
        batch.status = Status.Resolved;
        batch.shownAck = max(batch.shownAck, this.ackCount);
        const extra = resolved - batch.settled;
        batch.settled = resolved;
        post(m, flow, extra);
      },
    };
  }
  async send(_m: Model, w: World) {
    const ack = await ackOf(w, this.a, this.f, this.e, this.ackCount, this.forged);
    return w.settlement
      .connect(this.caller(w))
      .resolve(w.agreementIds[this.a], this.f, this.e, ack, { gasLimit: 1_000_000 });
  }
  toString() {
    return `resolve(${key(this.a, this.f, this.e)}, ack=${this.ackCount}, by=${this.resolver}, forged=${this.forged})`;
  }
}

class UpholdDispute extends BatchStep {
  constructor(a: number, f: number, e: number, pick: number | null) {
    super(a, f, e, pick, Status.Disputed);
  }
  predict(m: Model, w: World) {
    if (m.paused) return { error: "EnforcedPause" };
    const batch = this.batch(m);
    if (!batch || batch.status !== Status.Disputed) return { error: "SettlementUnexpectedBatchStatus" };
    if (m.now < batch.challengeEnds) return { error: "SettlementAnswerWindowOpen" };
    const flow = this.flow(w);
    return {
      error: "ok",
      apply: () => {
        m.bonds[flow.toIndex] += batch.bond;
        batch.bond = 0n;
        batch.status = Status.Resolved;
      },
    };
  }
  send(_m: Model, w: World) {
    return w.settlement
      .connect(w.outsider)
      .upholdDispute(w.agreementIds[this.a], this.f, this.e, { gasLimit: 1_000_000 });
  }
  toString() {
    return `upholdDispute(${key(this.a, this.f, this.e)})`;
  }
}

class WithdrawBond extends Step {
  constructor(readonly member: number) {
    super();
  }
  predict(m: Model) {
    if (m.bonds[this.member] === 0n) return { error: "SettlementNothingToWithdraw" };
    return {
      error: "ok",
      apply: () => {
        m.bondsWithdrawn += m.bonds[this.member];
        m.bonds[this.member] = 0n;
      },
    };
  }
  send(_m: Model, w: World) {
    return w.settlement.connect(w.members[this.member]).withdrawBond({ gasLimit: 1_000_000 });
  }
  toString() {
    return `withdrawBond(${this.member})`;
  }
}

type MemberChange = "suspend" | "reinstate" | "expel" | "exit";

/** A membership change through the Consortium (the governor's, or the member's own exit). */
class ChangeMembership extends Step {
  constructor(
    readonly member: number,
    readonly change: MemberChange,
  ) {
    super();
  }
  predict(m: Model) {
    const record = m.members[this.member];
    const allowed =
      this.change === "suspend"
        ? record.status === Member.Admitted
        : this.change === "reinstate"
          ? record.status === Member.Suspended
          : record.status !== Member.Exited;
    if (!allowed) return { error: "ConsortiumInvalidMemberTransition" };
    return {
      error: "ok",
      apply: () => {
        if (this.change === "suspend") {
          record.status = Member.Suspended;
          record.suspensions.push({ start: m.now, end: null });
        } else if (this.change === "reinstate") {
          record.status = Member.Admitted;
          record.suspensions[record.suspensions.length - 1].end = m.now;
        } else {
          // A suspension under way stays open.
          record.status = Member.Exited;
          record.leftAt = m.now;
        }
      },
    };
  }
  send(_m: Model, w: World) {
    const address = w.members[this.member].address;
    const governor = w.consortium.connect(w.governor);
    const reason = ethers.id("model");
    if (this.change === "suspend") return governor.suspend(address, reason, { gasLimit: 1_000_000 });
    if (this.change === "reinstate") return governor.reinstate(address, { gasLimit: 1_000_000 });
    if (this.change === "expel") return governor.expel(address, reason, { gasLimit: 1_000_000 });
    return w.consortium.connect(w.members[this.member]).exit({ gasLimit: 1_000_000 });
  }
  toString() {
    return `${this.change}(${this.member})`;
  }
}

class SetChallengeWindow extends Step {
  constructor(readonly window: bigint) {
    super();
  }
  predict(m: Model) {
    if (this.window === 0n) return { error: "SettlementInvalidParameter" };
    return { error: "ok", apply: () => (m.challengeWindow = this.window) };
  }
  send(_m: Model, w: World) {
    return w.settlement.connect(w.governor).setChallengeWindow(this.window, { gasLimit: 1_000_000 });
  }
  toString() {
    return `setChallengeWindow(${this.window})`;
  }
}

class SetSubmissionWindow extends Step {
  constructor(readonly window: bigint) {
    super();
  }
  predict(m: Model) {
    if (this.window === 0n) return { error: "SettlementInvalidParameter" };
    return { error: "ok", apply: () => m.submissionWindows.push({ from: m.now, window: this.window }) };
  }
  send(_m: Model, w: World) {
    return w.settlement.connect(w.governor).setSubmissionWindow(this.window, { gasLimit: 1_000_000 });
  }
  toString() {
    return `setSubmissionWindow(${this.window})`;
  }
}

class Transfer extends Step {
  constructor(
    readonly from: number,
    readonly to: number,
    readonly amount: bigint,
  ) {
    super();
  }
  predict(m: Model) {
    const ledger = new ModelLedger(m);
    // `to` = 3 is the outsider, not a member.
    if (m.members[this.from].status !== Member.Admitted) return { error: "ConsortiumInactiveMember" };
    if (this.to === 3 || m.members[this.to].status !== Member.Admitted)
      return { error: "ConsortiumInactiveMember" };
    if (this.amount === 0n || this.from === this.to) return { error: "CreditLedgerInvalidTransfer" };
    if (ledger.owed(this.from) > 0n) return { error: "CreditLedgerArrearsOutstanding" };
    if (ledger.headroom(this.from) < this.amount) return { error: "CreditLedgerInsufficientCredit" };
    return {
      error: "ok",
      apply: () => {
        ledger.move(this.from, this.to, this.amount);
        ledger.clear(this.to);
      },
    };
  }
  send(_m: Model, w: World) {
    return w.ledger
      .connect(w.members[this.from])
      .transfer(signerAt(w, this.to).address, this.amount, { gasLimit: 1_000_000 });
  }
  toString() {
    return `transfer(${this.from}→${this.to}, ${this.amount})`;
  }
}

class SetLimit extends Step {
  constructor(
    readonly member: number,
    readonly limit: bigint,
  ) {
    super();
  }
  predict(m: Model) {
    return {
      error: "ok",
      apply: () => {
        m.limits[this.member] = this.limit;
        new ModelLedger(m).clear(this.member);
      },
    };
  }
  send(_m: Model, w: World) {
    return w.ledger.connect(w.governor).setCreditLimit(w.members[this.member].address, this.limit);
  }
  toString() {
    return `setLimit(${this.member}, ${this.limit})`;
  }
}

class ClearArrears extends Step {
  constructor(readonly member: number) {
    super();
  }
  predict(m: Model) {
    return { error: "ok", apply: () => new ModelLedger(m).clear(this.member) };
  }
  send(_m: Model, w: World) {
    return w.ledger.connect(w.outsider).clearArrears(w.members[this.member].address);
  }
  toString() {
    return `clearArrears(${this.member})`;
  }
}

class TogglePause implements Cmd {
  check() {
    return true;
  }
  async run(m: Model, w: World) {
    const pausing = !m.paused;
    const toggle = () =>
      pausing ? w.settlement.connect(w.governor).pause() : w.settlement.connect(w.governor).unpause();
    await atNextSecond(m);
    expect(await outcome(w, toggle)).to.equal("ok");
    m.paused = pausing;
    if (pausing) m.pauses.push({ start: m.now, end: null });
    else m.pauses[m.pauses.length - 1].end = m.now;
    // Doing it twice is refused with the matching error.
    await atNextSecond(m);
    expect(await outcome(w, toggle)).to.equal(pausing ? "EnforcedPause" : "ExpectedPause");
    m.lastKey = undefined;
    await checkInvariants(m, w);
  }
  toString() {
    return "togglePause()";
  }
}

class AdvanceTime implements Cmd {
  constructor(readonly seconds: bigint) {}
  check() {
    return true;
  }
  async run(m: Model) {
    m.now += this.seconds;
  }
  toString() {
    return `advance(${this.seconds}s)`;
  }
}

// ------------------------------------------------------------------ arbitraries

const agreementIndex = fc.integer({ min: 0, max: 1 });
/** Agreement 0 has 2 flows, agreement 1 has 3: flow 2 of agreement 0 exercises the unknown flow. */
const anyFlow = fc.integer({ min: 0, max: 2 });
const validFlow = (a: number, f: number) => (a === 0 ? f % 2 : f);
/**
 * Epochs 0…5 settle: 0…2 ended before the sequence (2 wholly in carol's suspension), 3…5 end
 * during it (and can lie wholly in a suspension); epoch 6 (= EPOCHS) never settles and is drawn
 * one time in eight.
 */
const epochIndex = fc
  .integer({ min: 0, max: 7 })
  .map((x) => (x < 7 ? [0, 1, 1, 2, 3, 3, 4][x] : Number(EPOCHS)));
const smallCount = fc.bigInt({ min: 0n, max: 8n });
const positiveCount = fc.bigInt({ min: 1n, max: 8n });
const member = fc.integer({ min: 0, max: 2 });
/** Mostly aim at a live batch; sometimes at an arbitrary key, to exercise the status errors. */
const pick = fc.option(fc.nat(), { freq: 6 });
/** True with probability `p`. */
const weighted = (p: number) => fc.integer({ min: 0, max: 11 }).map((x) => x < p * 12);
const batchKey = fc.tuple(agreementIndex, anyFlow, epochIndex);
/** Two epochs, mostly among those that have ended (for `commitMany`, whose batches must all pass). */
const endedEpochs = fc.tuple(fc.constantFrom(0, 1, 1, 2, 3), fc.constantFrom(0, 1, 1, 2, 3));
const liveKey = batchKey.map(([a, f, e]) => [a, validFlow(a, f), e] as const);
/** A claim: count, and an acknowledgement below it (0 = none) one time in two, or at/above it rarely. */
const claimArb = fc
  .tuple(liveKey, positiveCount, fc.integer({ min: 0, max: 11 }), weighted(1 / 12), weighted(11 / 12))
  .map(([[a, f, e], count, ackPick, forged, byReferrer]) => {
    const ack = ackPick < 5 ? 0n : ackPick < 10 ? BigInt(ackPick - 4) % count : count + BigInt(ackPick % 2);
    return new Claim(a, f, e, count, ack, forged, byReferrer);
  });
const disputeArb = fc
  .tuple(
    liveKey,
    pick,
    fc.constantFrom<CounterKind>("between", "between", "between", "between", "over", "below"),
    fc.integer({ min: 0, max: 999 }),
    weighted(11 / 12),
    weighted(11 / 12),
  )
  .map(
    ([[a, f, e], p, kind, spread, ok, byRecipient]) => new Dispute(a, f, e, p, kind, spread, ok, byRecipient),
  );
const resolveArb = fc
  .tuple(
    liveKey,
    pick,
    fc.bigInt({ min: 0n, max: 5n }),
    fc.constantFrom<Resolver>("referrer", "referrer", "auditor", "auditor", "carol", "outsider"),
    weighted(1 / 12),
  )
  .map(([[a, f, e], p, o, by, forged]) => new Resolve(a, f, e, p, o, by, forged));
const upholdArb = fc.tuple(liveKey, pick).map(([[a, f, e], p]) => new UpholdDispute(a, f, e, p));
const finaliseArb = fc.tuple(liveKey, pick).map(([[a, f, e], p]) => new Finalise(a, f, e, p));

/** The flows of each flow's referrer ([agreement, flow]), for `commitMany`. */
const SAME_REFERRER: Record<string, [number, number][]> = {
  "0:0": [
    [0, 0],
    [1, 0],
  ],
  "1:0": [
    [0, 0],
    [1, 0],
  ],
  "0:1": [
    [0, 1],
    [1, 1],
  ],
  "1:1": [
    [0, 1],
    [1, 1],
  ],
  "1:2": [[1, 2]],
};

const commands = [
  // Submissions weigh more than the rest: they create the batches everything else acts on.
  liveKey.chain(([a, f, e]) => positiveCount.map((c) => new Commit(a, f, e, c, false, true))),
  fc
    .tuple(batchKey, smallCount, weighted(1 / 4), weighted(5 / 6))
    .map(([[a, f, e], c, forged, byReferrer]) => new Commit(a, f, e, c, forged, byReferrer)),
  fc
    .tuple(liveKey, positiveCount, liveKey, positiveCount, fc.nat(), weighted(5 / 6), endedEpochs)
    .map(([[a, f], c, [a2, f2], c2, n, same, [e, e2]]) => {
      // Mostly a second flow of the same referrer: one transaction, one sender.
      const mine = SAME_REFERRER[`${a}:${f}`];
      const [a3, f3] = same ? mine[n % mine.length] : [a2, f2];
      return new CommitMany([
        [a, f, e, c],
        [a3, f3, e2, c2],
      ]);
    }),
  claimArb,
  claimArb,
  claimArb,
  // carol's flows in epoch 2 (wholly in her suspension) and epoch 3 (in the next one, if any).
  fc
    .tuple(fc.constantFrom(1, 2), fc.constantFrom(2, 3), positiveCount, fc.boolean())
    .map(([f, e, count, acked]) => new Claim(1, f, e, count, acked ? count - 1n : 0n, false, true)),
  fc.tuple(batchKey, smallCount).map(([[a, f, e], c]) => new Claim(a, f, e, c, 0n, false, true)),
  // The dispute path twice over: it needs a claim, a dispute and an answer in one sequence.
  disputeArb,
  disputeArb,
  finaliseArb,
  resolveArb,
  resolveArb,
  upholdArb,
  upholdArb,
  member.map((m) => new WithdrawBond(m)),
  fc
    .tuple(
      member,
      fc.constantFrom<MemberChange>("suspend", "suspend", "reinstate", "reinstate", "expel", "exit"),
    )
    .map(([m, change]) => new ChangeMembership(m, change)),
  // Mostly carol: suspending her again (and reinstating her after an epoch ended inside that
  // suspension) decides whether her epochs 3… settle.
  fc
    .tuple(fc.constantFrom(0, 1, 2, 2, 2), fc.constantFrom<MemberChange>("suspend", "reinstate", "reinstate"))
    .map(([m, change]) => new ChangeMembership(m, change)),
  fc.constantFrom(0n, 20n, 50n, 200n).map((w) => new SetChallengeWindow(w)),
  fc.constantFrom(0n, 30n, 100n, 400n, 900n).map((w) => new SetSubmissionWindow(w)),
  fc
    .tuple(member, fc.integer({ min: 0, max: 3 }), fc.bigInt({ min: 0n, max: 30n }))
    .map(([from, to, amount]) => new Transfer(from, to, amount)),
  fc.tuple(member, fc.bigInt({ min: 0n, max: 40n })).map(([m, l]) => new SetLimit(m, l)),
  member.map((m) => new ClearArrears(m)),
  fc.constant(new TogglePause()),
  fc.constantFrom(10n, 60n, 100n, 150n).map((seconds) => new AdvanceTime(seconds)),
  fc.constantFrom(10n, 60n).map((seconds) => new AdvanceTime(seconds)),
];

// ------------------------------------------------------------------ the test

async function deployWorld(): Promise<World> {
  const registry = await deployRegistry();
  const { governor, auditor, alice, bob, carol, outsider } = registry;
  const consortium = registry.consortium as unknown as Contract;
  const agreements = registry.agreementBook as unknown as Contract;
  // carol is an AUDITOR as well as a member: independent on agreement 0, a party on agreement 1.
  await consortium.connect(governor).grantRole(AUDITOR_ROLE, carol.address);
  const ledger = (await ethers.deployContract("CreditLedger", [
    await consortium.getAddress(),
  ])) as unknown as Contract;
  const settlement = (await ethers.deployContract("Settlement", [
    await consortium.getAddress(),
    await agreements.getAddress(),
    await ledger.getAddress(),
    CHALLENGE,
    SUBMISSION,
    BOND,
  ])) as unknown as Contract;
  const deployedAt = BigInt(await time.latest());
  const settlementAddress = await settlement.getAddress();
  await ledger.connect(governor).setSettlement(settlementAddress);
  const members = [alice, bob, carol];
  for (const [i, m] of members.entries())
    await ledger.connect(governor).setCreditLimit(m.address, INITIAL_LIMITS[i]);

  const flow = (fromIndex: number, toIndex: number, capPerEpoch: bigint, rate: bigint): ModelFlow => ({
    from: members[fromIndex].address,
    to: members[toIndex].address,
    segments: 1n,
    capPerEpoch,
    rate,
    fromIndex,
    toIndex,
  });
  const flows = [
    [flow(0, 1, 5n, 3n), flow(1, 0, 4n, 2n)],
    [flow(0, 1, 3n, 5n), flow(1, 2, 3n, 1n), flow(2, 0, 3n, 4n)],
  ];
  const parties = [
    [0, 1],
    [0, 1, 2],
  ];
  const agreementIds: bigint[] = [];
  const starts: bigint[] = [];
  for (const [i, indexes] of parties.entries()) {
    const strip = flows[i].map(({ from, to, segments, capPerEpoch, rate }) => ({
      from,
      to,
      segments,
      capPerEpoch,
      rate,
    }));
    const { agreementId, start } = await createActiveAgreement(
      agreements,
      indexes.map((p) => members[p]),
      strip,
      { epochLength: EPOCH_LENGTH, epochs: EPOCHS },
    );
    agreementIds.push(agreementId);
    starts.push(start);
    expect(await agreements.epochEnd(agreementId, 0)).to.equal(start + EPOCH_LENGTH);
  }
  // Each sequence starts when epoch 2 of both agreements has ended: epochs 0…2 are open for
  // batches, epochs 3…5 end during sequences, epoch 6 never settles.
  // carol is suspended from within epoch 1 until epoch 2 of both agreements has ended, when each
  // sequence starts: epoch 2 of her flows lies wholly in a closed suspension and never settles,
  // epochs 0 and 1 (and 3… unless she is suspended again) do.
  const latest = max(starts[0], starts[1]);
  await time.increaseTo(latest + EPOCH_LENGTH + EPOCH_LENGTH / 2n);
  await consortium.connect(governor).suspend(carol.address, ethers.id("model"));
  const suspendedAt = BigInt(await time.latest());
  await time.setNextBlockTimestamp(latest + 3n * EPOCH_LENGTH);
  await consortium.connect(governor).reinstate(carol.address);
  const carolSuspension = { start: suspendedAt, end: BigInt(await time.latest()) };
  // Open claims in the snapshot, so that disputes, finalisations and resolutions have targets from
  // the first command on (the model starts from the same claims: see `initialModel`).
  const claimedAt: bigint[] = [];
  const partial = { settlement, settlementAddress, members, agreementIds, flows } as unknown as World;
  for (const [a, f, e, count, acked] of INITIAL_CLAIMS) {
    const fl = flows[a][f];
    const ack = acked === 0n ? NO_ACK : await ackOf(partial, a, f, e, acked);
    await settlement
      .connect(members[fl.fromIndex])
      .claim(agreementIds[a], f, e, count, rootOf(a, f, e, count), ack);
    claimedAt.push(BigInt(await time.latest()));
  }
  for (const [i, counter] of INITIAL_DISPUTES) {
    const [a, f, e] = INITIAL_CLAIMS[i];
    await settlement
      .connect(members[flows[a][f].toIndex])
      .dispute(agreementIds[a], f, e, counter, ethers.ZeroHash, { value: BOND });
    claimedAt.push(BigInt(await time.latest()));
  }
  const startTime = BigInt(await time.latest());
  const snapshot: string = await ethers.provider.send("evm_snapshot", []);
  return {
    settlement,
    ledger,
    consortium,
    settlementAddress,
    members,
    outsider,
    governor,
    auditor,
    agreementIds,
    parties,
    starts,
    flows,
    snapshot,
    startTime,
    claimedAt,
    deployedAt,
    carolSuspension,
  };
}

/** The model of the snapshot: the initial claims with their acknowledged parts settled. */
function initialModel(w: World): Model {
  const m: Model = {
    now: w.startTime,
    paused: false,
    pauses: [],
    challengeWindow: CHALLENGE,
    submissionWindows: [{ from: w.deployedAt, window: SUBMISSION }],
    members: w.members.map((_, i) => ({
      status: Member.Admitted,
      leftAt: 0n,
      suspensions: i === 2 ? [{ ...w.carolSuspension }] : [],
    })),
    balances: [0n, 0n, 0n],
    limits: [...INITIAL_LIMITS],
    arrears: [[], [], []],
    bonds: [0n, 0n, 0n],
    bondsPosted: 0n,
    bondsWithdrawn: 0n,
    batches: new Map(),
    paidAtOnce: 0n,
    arrearsRecorded: 0n,
    arrearsCleared: 0n,
  };
  for (const [i, [a, f, e, count, acked]] of INITIAL_CLAIMS.entries()) {
    const flow = w.flows[a][f];
    const settled = capped(acked, flow);
    m.batches.set(key(a, f, e), {
      status: Status.Claimed,
      count,
      settled,
      challengeEnds: w.claimedAt[i] + CHALLENGE,
      acknowledged: acked,
      counter: 0n,
      bond: 0n,
      shownAck: acked,
    });
    post(m, flow, settled);
  }
  for (const [j, [i, counter]] of INITIAL_DISPUTES.entries()) {
    const [a, f, e] = INITIAL_CLAIMS[i];
    const flow = w.flows[a][f];
    const batch = m.batches.get(key(a, f, e)) as ModelBatch;
    const extra = counter - batch.settled;
    Object.assign(batch, {
      status: Status.Disputed,
      counter,
      settled: counter,
      bond: BOND,
      challengeEnds: w.claimedAt[INITIAL_CLAIMS.length + j] + CHALLENGE,
    });
    m.bondsPosted += BOND;
    post(m, flow, extra);
  }
  return m;
}

describe("Settlement and CreditLedger: stateful model", () => {
  let world: World;

  before(async () => {
    world = await deployWorld();
  });

  after(() => {
    if (process.env.FLOWPACT_MODEL_STATS)
      console.log(
        [...OUTCOMES]
          .sort()
          .map(([k, n]) => `${k} ${n}`)
          .join("\n"),
      );
  });

  it(`agrees with the model and keeps every invariant over ${RUNS} random sequences`, async function () {
    // A few minutes at most on two busy cores, several times that under coverage; scales with RUNS.
    this.timeout(RUNS * 5_000);
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: MAX_COMMANDS, size: "max" }), async (cmds) => {
        await ethers.provider.send("evm_revert", [world.snapshot]);
        world.snapshot = await ethers.provider.send("evm_snapshot", []);
        const model = initialModel(world);
        await checkInvariants(model, world);
        await fc.asyncModelRun(() => ({ model, real: world }), cmds);
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
  });
});
