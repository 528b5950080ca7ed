import {
  agreementBookAbi,
  consortiumAbi,
  creditLedgerAbi,
  offerBookAbi,
  settlementAbi,
} from "../abi/contracts";

/** The FlowPact contracts by deployment name, with their typed ABIs. */
export const FLOWPACT_ABIS = {
  Consortium: consortiumAbi,
  OfferBook: offerBookAbi,
  AgreementBook: agreementBookAbi,
  CreditLedger: creditLedgerAbi,
  Settlement: settlementAbi,
} as const;

export type FlowPactContractName = keyof typeof FLOWPACT_ABIS;
export const FLOWPACT_CONTRACT_NAMES = Object.keys(FLOWPACT_ABIS) as FlowPactContractName[];

/**
 * Every custom error of every FlowPact contract, deduplicated by signature: a revert that
 * bubbles up from a contract the caller did not call directly (the Consortium behind an
 * OfferBook check, the ledger behind Settlement) still decodes.
 */
export const FLOWPACT_ERRORS_ABI = (() => {
  const seen = new Set<string>();
  const errors = [];
  for (const abi of Object.values(FLOWPACT_ABIS)) {
    for (const item of abi) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${item.inputs.map((i) => i.type).join(",")})`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      errors.push(item);
    }
  }
  return errors;
})();
