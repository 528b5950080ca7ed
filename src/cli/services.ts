/**
 * The chain services the commands call, loaded on first use (`lazy()` below): `flowpact --help`
 * and command-line mistakes then answer without loading viem's actions, the store or the
 * indexer, which keeps every invocation's start-up short.
 */
export { acceptAgreement } from "../chain/actions/acceptAgreement";
export { admitMember } from "../chain/actions/admitMember";
export { applyForMembership } from "../chain/actions/applyForMembership";
export { deployFlowPact } from "../chain/actions/deployFlowPact";
export { exitMembership } from "../chain/actions/exitMembership";
export { getAgreement } from "../chain/actions/getAgreement";
export { getCreditAccount } from "../chain/actions/getCreditAccount";
export { getMember } from "../chain/actions/getMember";
export { getOffer } from "../chain/actions/getOffer";
export { grantRole } from "../chain/actions/grantRole";
export { postOffer } from "../chain/actions/postOffer";
export { proposeAgreement } from "../chain/actions/proposeAgreement";
export { reinstateMember } from "../chain/actions/reinstateMember";
export { rejectAgreement } from "../chain/actions/rejectAgreement";
export { renounceRole } from "../chain/actions/renounceRole";
export { setCreditLimit } from "../chain/actions/setCreditLimit";
export { suspendMember } from "../chain/actions/suspendMember";
export { terminateAgreement } from "../chain/actions/terminateAgreement";
export { transferCredits } from "../chain/actions/transferCredits";
export { updateOffer } from "../chain/actions/updateOffer";
export { withdrawOffer } from "../chain/actions/withdrawOffer";
export { writeDeployment } from "../chain/deployments";
export { listAgreements, listMembers, listOffers } from "./queries";
