// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAgreementTerms} from "./IAgreementTerms.sol";
import {AgreementStatus, Flow} from "../types/AgreementTypes.sol";
import {AgreementSchedule} from "../types/AgreementSchedule.sol";

/// @title The agreement book: proposals, acceptances and terminations of traffic agreements.
/// @notice A MATCHER, or one of the parties, proposes 2–4 distinct active members and the flows
/// between them (a cycle A→B→C→A is a normal case). The agreement becomes Active when every party
/// has accepted, by transaction or by an EIP-712 signature of its signer relayed by anyone.
///
/// Terms hash: `keccak256(abi.encode(address[] parties, Flow[] flows, AgreementSchedule schedule))`.
///
/// EIP-712: domain `{name: "FlowPact Agreements", version: "1", chainId, verifyingContract: this}`,
/// type `Acceptance(uint256 agreementId,bytes32 termsHash,address party)`. The agreement id is
/// unique per contract and the domain binds chain and contract, so an acceptance cannot be
/// replayed on another agreement (even with identical terms), chain or deployment; the party it
/// names keeps one key that signs for several members (e.g. behind their ERC-1271 wallets) from
/// having one signature accept for all of them.
///
/// Departures: when a party is expelled or exits the consortium, the agreement ends at once,
/// without notice: only epochs that ended by the departure settle ({settleableEpochs}), anyone
/// may record the termination ({terminateOnDeparture}), and {terminate} is immediate.
interface IAgreementBook is IAgreementTerms {
    /// @notice A proposal, with everything an indexer needs to rebuild it.
    event AgreementProposed(
        uint256 indexed agreementId,
        address indexed proposer,
        bytes32 termsHash,
        address[] parties,
        Flow[] flows,
        AgreementSchedule schedule,
        uint64 proposalExpiry
    );

    /// @notice `party` accepted (`bySignature`: through a relayed EIP-712 signature).
    event AgreementAccepted(uint256 indexed agreementId, address indexed party, bool bySignature);

    /// @notice Every party accepted; the agreement is Active.
    event AgreementActivated(uint256 indexed agreementId);

    /// @notice `party` rejected the proposal; it is final.
    event AgreementRejected(uint256 indexed agreementId, address indexed party);

    /// @notice The proposal passed its expiry without every acceptance.
    event AgreementExpired(uint256 indexed agreementId);

    /// @notice `by` terminated the agreement: epochs `0 … terminationEpoch - 1` still settle;
    /// the last one ends at `effectiveAt`.
    event AgreementTerminated(
        uint256 indexed agreementId,
        address indexed by,
        uint64 terminationEpoch,
        uint64 effectiveAt
    );

    /// @notice No agreement `agreementId` exists.
    error AgreementBookUnknownAgreement(uint256 agreementId);

    /// @notice `flowIndex` is not a flow of `agreementId`.
    error AgreementUnknownFlow(uint256 agreementId, uint256 flowIndex);

    /// @notice `account` is neither a MATCHER nor one of the proposed parties.
    error AgreementBookUnauthorizedProposer(address account);

    /// @notice An agreement has 2 to 4 parties, not `count`.
    error AgreementBookInvalidPartyCount(uint256 count);

    /// @notice `party` appears more than once.
    error AgreementBookDuplicateParty(address party);

    /// @notice An agreement has 1 to 12 flows, not `count`.
    error AgreementBookInvalidFlowCount(uint256 count);

    /// @notice Flow `flowIndex` could owe `capPerEpoch * rate` credits in one epoch, more than the
    /// credit ledger posts at once (`type(int128).max`): lower the cap or the rate.
    error AgreementBookFlowValueTooLarge(uint256 flowIndex, uint64 capPerEpoch, uint128 rate);

    /// @notice Flow `flowIndex` starts or ends at `account`, which is not a party.
    error AgreementBookFlowEndpointNotParty(uint256 flowIndex, address account);

    /// @notice Flow `flowIndex` goes from `party` to itself.
    error AgreementBookSelfFlow(uint256 flowIndex, address party);

    /// @notice Flow `flowIndex` names no segment.
    error AgreementBookEmptyFlowSegments(uint256 flowIndex);

    /// @notice Flow `flowIndex` has a zero cap per epoch.
    error AgreementBookZeroFlowCap(uint256 flowIndex);

    /// @notice `party` takes part in no flow.
    error AgreementBookIdleParty(address party);

    /// @notice The schedule is not `start < end`, `epochLength > 0`, `end - start` a whole
    /// number of epochs.
    error AgreementBookInvalidSchedule(uint64 start, uint64 end, uint64 epochLength);

    /// @notice The proposal expiry `proposalExpiry` is not after the block time `nowTime`.
    error AgreementBookProposalExpiryInPast(uint64 proposalExpiry, uint256 nowTime);

    /// @notice The agreement would start at `start`, before its proposal expires at
    /// `proposalExpiry`: no epoch may begin before every party could have accepted.
    error AgreementBookStartsBeforeProposalExpiry(uint64 start, uint64 proposalExpiry);

    /// @notice `account` is not a party of `agreementId`.
    error AgreementBookNotParty(uint256 agreementId, address account);

    /// @notice `agreementId` is `status`, not `expected`.
    error AgreementBookUnexpectedStatus(uint256 agreementId, AgreementStatus status, AgreementStatus expected);

    /// @notice The proposal `agreementId` expired at `proposalExpiry`.
    error AgreementBookProposalExpired(uint256 agreementId, uint64 proposalExpiry);

    /// @notice The proposal `agreementId` is still open until `proposalExpiry`.
    error AgreementBookProposalNotExpired(uint256 agreementId, uint64 proposalExpiry);

    /// @notice `party` already accepted `agreementId`.
    error AgreementBookAlreadyAccepted(uint256 agreementId, address party);

    /// @notice `signatures` must hold one entry per party (`expected`), not `given`.
    error AgreementBookSignatureCountMismatch(uint256 agreementId, uint256 expected, uint256 given);

    /// @notice The signature for `party` is not a valid acceptance by its signer `signer`.
    error AgreementBookInvalidSignature(uint256 agreementId, address party, address signer);

    /// @notice `agreementId` ended at `end`; there is nothing left to terminate.
    error AgreementBookAlreadyEnded(uint256 agreementId, uint64 end);

    /// @notice `agreementId` starts at `start`; it has no current epoch yet.
    error AgreementBookNotStarted(uint256 agreementId, uint64 start);

    /// @notice No party of `agreementId` left the consortium before the agreement's last epoch
    /// ended: there is no departure to terminate it for.
    error AgreementBookNoDeparture(uint256 agreementId);

    /// @notice MATCHER or a party among `parties`: proposes an agreement open for acceptance
    /// until `proposalExpiry`; returns its id (ids start at 1). A proposing party does not
    /// accept implicitly.
    function propose(
        address[] calldata parties,
        Flow[] calldata flows,
        AgreementSchedule calldata schedule,
        uint64 proposalExpiry
    ) external returns (uint256 agreementId);

    /// @notice Party, active member: accepts an open proposal.
    function accept(uint256 agreementId) external;

    /// @notice Anyone: relays EIP-712 acceptances, `signatures[i]` for `parties(agreementId)[i]`;
    /// an empty entry skips that party (it accepts otherwise), and so does a party that already
    /// accepted (its entry is not checked and no second {AgreementAccepted} is emitted), so a
    /// signature relayed ahead of the batch cannot make it fail. Each other signature is checked
    /// against `signerOf(party)` with SignatureChecker (EOA or ERC-1271) over
    /// {acceptanceDigest}`(agreementId, party)`.
    function acceptWithSignatures(uint256 agreementId, bytes[] calldata signatures) external;

    /// @notice Party: rejects an open proposal; the proposal is final.
    function reject(uint256 agreementId) external;

    /// @notice Anyone: records that an open proposal passed its expiry.
    function markExpired(uint256 agreementId) external;

    /// @notice Party or GOVERNOR: terminates an Active agreement. The current epoch (none before
    /// the start) and `noticeEpochs` more still settle, never beyond the end. Once a party has
    /// left the consortium the termination is immediate: only the epochs that ended by the
    /// departure settle.
    function terminate(uint256 agreementId) external;

    /// @notice Anyone: terminates an Active agreement one of whose parties was expelled or exited
    /// before its end, at once and without notice: epochs that ended by the earliest departure
    /// still settle (the event's `terminationEpoch`), none after. Reverts with
    /// {AgreementBookNoDeparture} while no party has left (or one left only after the end).
    function terminateOnDeparture(uint256 agreementId) external;

    /// @notice Epoch that contains the current block time (may exceed the last epoch after the
    /// end); reverts before the start.
    function currentEpoch(uint256 agreementId) external view returns (uint64);

    /// @notice Alias of {agreementStatus}.
    function status(uint256 agreementId) external view returns (AgreementStatus);

    /// @notice Every flow of the agreement, in index order.
    function flows(uint256 agreementId) external view returns (Flow[] memory);

    /// @notice The parties, in proposal order (the order of `acceptWithSignatures`).
    function parties(uint256 agreementId) external view returns (address[] memory);

    /// @notice The schedule and the proposal expiry.
    function schedule(
        uint256 agreementId
    ) external view returns (AgreementSchedule memory schedule_, uint64 proposalExpiry);

    /// @notice The terms hash computed at proposal.
    function termsHash(uint256 agreementId) external view returns (bytes32);

    /// @notice Who proposed the agreement.
    function proposer(uint256 agreementId) external view returns (address);

    /// @notice Whether `party` has accepted `agreementId`.
    function hasAccepted(uint256 agreementId, address party) external view returns (bool);

    /// @notice The EIP-712 digest that `party`'s signer signs to accept `agreementId` for it;
    /// reverts with {AgreementBookNotParty} when `party` is not one.
    function acceptanceDigest(uint256 agreementId, address party) external view returns (bytes32);

    /// @notice The number of agreements ever proposed (the highest id).
    function agreementCount() external view returns (uint256);
}
