import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import type { AgreementSchedule, Flow } from "./types";

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
export function agreementTermsHash(terms: {
  readonly parties: readonly `0x${string}`[];
  readonly flows: readonly Flow[];
  readonly schedule: AgreementSchedule;
}): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: "address[]" }, FLOW, SCHEDULE],
      [terms.parties, terms.flows, terms.schedule],
    ),
  );
}
