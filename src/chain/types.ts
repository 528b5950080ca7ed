import type { Address, Hex } from "viem";

/** Solidity enums as their names, in declaration order (the index is the on-chain value). */
export const MEMBER_STATUSES = ["none", "applied", "admitted", "suspended", "exited"] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];
export const AGREEMENT_STATUSES = [
  "none",
  "proposed",
  "active",
  "rejected",
  "expired",
  "terminated",
] as const;
export type AgreementStatus = (typeof AGREEMENT_STATUSES)[number];
export const BATCH_STATUSES = ["none", "committed", "claimed", "disputed", "finalised", "resolved"] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const AUDIT_VERDICTS = ["none", "clean", "anomalies", "fraud"] as const;
export type AuditVerdict = (typeof AUDIT_VERDICTS)[number];

/** `MemberProfile` of MemberTypes.sol. */
export interface MemberProfile {
  industry: number;
  segments: bigint;
  uri: string;
  contentHash: Hex;
  signer: Address;
}

/** `OfferTerms` of OfferTypes.sol. */
export interface OfferTerms {
  supplySegments: bigint;
  capacityPerEpoch: bigint;
  minRate: bigint;
  demandSegments: bigint;
  volumePerEpoch: bigint;
  maxRate: bigint;
  excludedIndustries: bigint;
  expiry: bigint;
}

/** `Flow` of AgreementTypes.sol. */
export interface Flow {
  from: Address;
  to: Address;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

/** `AgreementSchedule` of AgreementSchedule.sol. */
export interface AgreementSchedule {
  start: bigint;
  end: bigint;
  epochLength: bigint;
  noticeEpochs: bigint;
}

export const ROLE_NAMES = ["GOVERNOR_ROLE", "MATCHER_ROLE", "AUDITOR_ROLE"] as const;
export type RoleName = (typeof ROLE_NAMES)[number];
