export { type RunDaemonOptions, runDaemon, runTick, type TickSummary } from "./daemon";
export { areEquivalent, type EquivalenceTerms, equivalenceKey } from "./equivalence";
export { DaemonNotMatcherError, ProposalStuckError } from "./errors";
export { buildInstance, loadOpenAgreements } from "./instance";
export { type Intent, preparedIntents, recordIntent } from "./journal";
export { findProposalsByTermsHash } from "./proposalTx";
export { reconcileIntents, resolveIntent } from "./reconcile";
export { type AgreementEpochReport, reportEpochs } from "./settlement";
export { agreementTermsHash } from "./terms";
