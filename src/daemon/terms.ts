import type { Address } from "viem";
import type { AgreementSchedule, Flow } from "../chain/types";

/** The full terms of one proposal, as `AgreementBook.propose` takes them. */
export interface ProposalTerms {
  readonly parties: readonly Address[];
  readonly flows: readonly Flow[];
  readonly schedule: AgreementSchedule;
  readonly proposalExpiry: bigint;
}

export { agreementTermsHash } from "../chain/agreementTermsHash";

/** JSON-safe form of the terms (bigints as decimal strings) for the journal. */
export function termsToJson(terms: ProposalTerms): unknown {
  return JSON.parse(JSON.stringify(terms, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
