import type { Address, Hash, Hex } from "viem";
import type { AgreementSchedule, BatchStatus, Flow } from "../chain/types";

/** An agreement as replayed from its events. */
export interface AuditedAgreement {
  agreementId: bigint;
  proposer: Address;
  termsHash: Hex;
  parties: Address[];
  flows: Flow[];
  schedule: AgreementSchedule;
  proposalExpiry: bigint;
  status: "proposed" | "active" | "rejected" | "expired" | "terminated";
  accepted: Address[];
  /** Epochs that can settle after a termination. */
  terminationEpoch?: bigint;
  proposedIn: Hash;
  /** Credits settled over all its flows. */
  settledCredits: bigint;
}

/** A batch as replayed from its events. */
export interface AuditedBatch {
  agreementId: bigint;
  flow: bigint;
  epoch: bigint;
  referrer: Address;
  recipient: Address;
  cap: bigint;
  rate: bigint;
  segments: bigint;
  status: Exclude<BatchStatus, "none">;
  /** What the referrer submitted (may exceed the cap). */
  count: bigint;
  root: Hex;
  /** Referrals paid so far (capped), and the credits they posted. */
  settledCount: bigint;
  settledCredits: bigint;
  challengeEnds?: bigint;
  counterCount?: bigint;
  /** The recipient-acknowledged part of a claim (settled at once). */
  acknowledgedCount?: bigint;
  counterRoot?: Hex;
  resolvedCount?: bigint;
  disputeUpheld?: boolean;
  submittedAt: bigint;
  submittedBlock: bigint;
  transactions: Hash[];
}

/** Balances of every member after a block in which balances changed (replayed). */
export interface BalancePoint {
  blockNumber: bigint;
  timestamp: bigint;
  balances: Record<Address, bigint>;
}

/** What the verifier rebuilt: the input of the anomaly detectors, proof checks and reports. */
export interface AuditModel {
  agreements: AuditedAgreement[];
  batches: AuditedBatch[];
  /** Every member seen, with its signer key at the end of the range. */
  members: { member: Address; status: string; signer?: Address; industry?: number }[];
  balanceTimeline: BalancePoint[];
  finalBalances: Record<Address, bigint>;
  arrears: { payer: Address; creditor: Address; owed: bigint }[];
  /** Highest demand rate each member published in an offer (for "maximal rate" judgements). */
  offeredMaxRates: Record<Address, bigint>;
  counts: {
    events: number;
    agreements: number;
    batches: number;
    settlements: number;
    transfers: number;
    attestations: number;
  };
}

export const batchKey = (agreementId: bigint, flow: bigint, epoch: bigint): string =>
  `${agreementId}/${flow}/${epoch}`;
