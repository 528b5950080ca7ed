import type { FlowPactContractName } from "../../chain/contracts";
import { agreementBookHandlers } from "./agreementBook";
import { consortiumHandlers } from "./consortium";
import { creditLedgerHandlers } from "./creditLedger";
import type { ContractHandlers } from "./handler";
import { offerBookHandlers } from "./offerBook";
import { settlementHandlers } from "./settlement";

/** Every FlowPact event handler, by contract. */
export const HANDLERS: Record<FlowPactContractName, ContractHandlers> = {
  Consortium: consortiumHandlers,
  OfferBook: offerBookHandlers,
  AgreementBook: agreementBookHandlers,
  CreditLedger: creditLedgerHandlers,
  Settlement: settlementHandlers,
};
export type { ContractHandlers, EventHandler } from "./handler";
