import { type Address, encodeAbiParameters, type Hex, keccak256 } from "viem";
import type { AgreementSchedule, Flow } from "../chain/types";

/** The full terms of one proposal, as `AgreementBook.propose` takes them. */
export interface ProposalTerms {
  readonly parties: readonly Address[];
  readonly flows: readonly Flow[];
  readonly schedule: AgreementSchedule;
  readonly proposalExpiry: bigint;
}

const FLOW = {
  type: "tuple[]",
  components: [
    { name: "from", type: "address" },
    { name: "to", type: "address" },
    { name: "segments", type: "uint256" },
    { name: "capPerEpoch", type: "uint64" },
    { name: "rate", type: "uint128" },
  ],
} as const;
const SCHEDULE = {
  type: "tuple",
  components: [
    { name: "start", type: "uint64" },
    { name: "end", type: "uint64" },
    { name: "epochLength", type: "uint64" },
    { name: "noticeEpochs", type: "uint64" },
  ],
} as const;

/**
 * The terms hash AgreementBook stores and emits in `AgreementProposed`:
 * `keccak256(abi.encode(parties, flows, schedule))`. Computed before sending so the journal can
 * find the proposal on chain by it after a crash.
 */
export function agreementTermsHash(terms: Pick<ProposalTerms, "parties" | "flows" | "schedule">): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address[]" }, FLOW, SCHEDULE],
      [terms.parties, terms.flows, terms.schedule],
    ),
  );
}

/** JSON-safe form of the terms (bigints as decimal strings) for the journal. */
export function termsToJson(terms: ProposalTerms): unknown {
  return JSON.parse(JSON.stringify(terms, (_k, v) => (typeof v === "bigint" ? v.toString() : v)));
}
