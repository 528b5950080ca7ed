/**
 * Input and output types of the matching engine. They mirror what the chain holds so that the
 * daemon can build an instance from indexed state and turn proposals into `AgreementBook`
 * proposals without translation: members are account addresses, segments and excluded industries
 * are uint256 bitmaps (bigint), flows have the fields of the Solidity `Flow` struct.
 */

/** A consortium member as the engine sees it (from `Consortium.profileOf` and `CreditLedger`). */
export interface MatchingMember {
  /** Account address (the member's identity on chain). */
  readonly id: string;
  /** Catalogue industry code (uint16 on chain). */
  readonly industry: number;
  /** `CreditLedger.balanceOf`: signed, the sum over all members is zero. */
  readonly creditBalance: bigint;
  /** `CreditLedger.creditLimitOf`: how far below zero the balance may go. */
  readonly creditLimit: bigint;
  /** Overrides the engine's default `maxPartners` for this member. */
  readonly maxPartners?: number;
}

/** Audience a member can send: referrals per epoch in `segments`, each at no less than `minRate`. */
export interface SupplyOffer {
  readonly id: string;
  readonly member: string;
  /** Catalogue bitmap of segments (bit i = segment i). */
  readonly segments: bigint;
  /** Referrals per epoch the member can send under this offer. */
  readonly capacity: number;
  /** Minimum credits per referral. */
  readonly minRate: number;
  /** Bitmap of industry codes (bit = code) this offer refuses to trade with. */
  readonly excludedIndustries: bigint;
}

/** Audience a member wants: up to `volume` referrals per epoch in `segments`, at most `maxRate`. */
export interface DemandOffer {
  readonly id: string;
  readonly member: string;
  readonly segments: bigint;
  readonly volume: number;
  /** Maximum credits per referral the member pays. */
  readonly maxRate: number;
  readonly excludedIndustries: bigint;
}

/** One flow of the Solidity `Flow` struct (AgreementTypes.sol), with bigints where it has uints. */
export interface AgreementFlow {
  readonly from: string;
  readonly to: string;
  readonly segments: bigint;
  readonly capPerEpoch: bigint;
  readonly rate: bigint;
}

/**
 * An agreement that is pending or active on chain. Its flows already use capacity, demand and
 * credit, its parties are already partners, and the engine never proposes a new agreement between
 * two of its parties (so it cannot propose one equivalent to it).
 */
export interface ExistingAgreement {
  readonly id: string;
  readonly parties: readonly string[];
  readonly flows: readonly AgreementFlow[];
}

/**
 * Settled history for one directed pair and one segment: `referrals` settled referrals of which
 * `conversions` converted (as reported back by the recipient). Drives conversion estimates.
 */
export interface SettledHistory {
  readonly from: string;
  readonly to: string;
  /** Segment bit number. */
  readonly segment: number;
  readonly referrals: number;
  readonly conversions: number;
}

export interface MatchingInstance {
  readonly members: readonly MatchingMember[];
  readonly supply: readonly SupplyOffer[];
  readonly demand: readonly DemandOffer[];
  readonly agreements: readonly ExistingAgreement[];
  readonly history: readonly SettledHistory[];
}

export interface MatchingConfig {
  /** At most this many partners (distinct counterparties) per member, existing ones included. */
  readonly maxPartners: number;
  /** Minimum referrals per epoch between two partners of a new agreement (both directions). */
  readonly minAgreementSize: number;
  /**
   * Credit headroom (limit + balance) is spread over this many epochs: a member's expected net
   * credit change per epoch must stay above -(headroom / creditHorizonEpochs).
   */
  readonly creditHorizonEpochs: number;
  /** Industries that treat each other as competitors (never trade), as pairs of codes. */
  readonly competingIndustries: ReadonlyArray<readonly [number, number]>;
  /** Whether two members of the same industry compete (default true). */
  readonly sameIndustryCompetes: boolean;
  /** Beta prior of conversion: mean and strength (pseudo-referrals) at each pooling level. */
  readonly conversionPrior: { readonly mean: number; readonly strength: number };
  /** Instances with at most this many candidate pairs are solved as one exact MIP. */
  readonly exactMaxPairs: number;
  /**
   * Instances with more candidate pairs skip the LP with pair variables (too slow to solve) and
   * use the pair search: pairs chosen by pricing, flows by an LP over the chosen pairs.
   */
  readonly pairSearchMinPairs: number;
  /** Wall-clock limit for the whole solve (seconds); the result may then depend on speed. */
  readonly timeLimitSeconds: number;
  /** Relative MIP gap at which HiGHS stops (0 = prove optimality). */
  readonly mipRelativeGap: number;
}

export type SolveStatus =
  /** Exact MIP solved to optimality (within `mipRelativeGap`). */
  | "optimal"
  /** Feasible solution with a proven bound, stopped at a work or time limit. */
  | "feasible"
  /** Nothing to match. */
  | "empty";

export interface SolutionReport {
  readonly method: "exact-mip" | "column-generation" | "pair-search" | "greedy";
  readonly status: SolveStatus;
  /** Total expected surplus per epoch of the proposed flows. */
  readonly objective: number;
  /** Value of the LP relaxation of the full model, or a proven upper bound on it. */
  readonly lpBound: number;
  /** Best proven upper bound on the optimum (the LP bound, or HiGHS' MIP dual bound if lower). */
  readonly bound: number;
  /** (bound - objective) / bound; 0 when bound is 0. */
  readonly gap: number;
  /** Objective of the greedy baseline on the same instance (the engine computes it as a start). */
  readonly greedyObjective: number;
  readonly solveSeconds: number;
  readonly candidateEdges: number;
  readonly candidatePairs: number;
  /** Pairs in the model HiGHS solved (all of them for the exact MIP). */
  readonly modelPairs: number;
  readonly notes: readonly string[];
}

/** A proposed agreement: 2–4 parties, flows ready for `AgreementBook.propose`. */
export interface ProposedAgreement {
  readonly kind: "pair" | "cycle3" | "cycle4" | "one-way";
  /** Parties in flow order (for a cycle: a → b → c → a). */
  readonly parties: readonly string[];
  readonly flows: readonly AgreementFlow[];
  /** Expected surplus per epoch of these flows. */
  readonly surplus: number;
}

export interface MatchingResult {
  readonly proposals: readonly ProposedAgreement[];
  readonly report: SolutionReport;
}

export const DEFAULT_MATCHING_CONFIG: MatchingConfig = {
  maxPartners: 6,
  minAgreementSize: 10,
  creditHorizonEpochs: 4,
  competingIndustries: [],
  sameIndustryCompetes: true,
  conversionPrior: { mean: 0.05, strength: 20 },
  exactMaxPairs: 4_000,
  pairSearchMinPairs: 10_000_000,
  timeLimitSeconds: 120,
  mipRelativeGap: 0,
};
