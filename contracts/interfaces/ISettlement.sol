// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AgreementStatus} from "../types/AgreementTypes.sol";

/// @title FlowPact settlement of agreement flows, one batch per (agreement, flow, epoch).
/// @notice After an epoch ends, the flow's referrer (`flow.from`) submits one batch: the number of
/// referrals and the Merkle root of their receipts. Co-signed by the recipient (`flow.to`, through
/// `consortium.signerOf(flow.to)`, EOA or ERC-1271) with the EIP-712 `Batch` type, it is final at
/// once (`commit`). Without a co-signature (`claim`) it waits a challenge window, during which the
/// recipient may `dispute` with its own count and root and a bond in native ETH: the undisputed
/// part (the recipient's count) settles at once, the rest waits for an AUDITOR's `resolve`, which
/// also decides who gets the bond. Undisputed claims `finalise` after the window (anyone may call).
///
/// Each settlement posts `count * rate` credits from the recipient to the referrer in the credit
/// ledger; counts above the flow's cap settle at the cap. Batches are accepted from the epoch's
/// end to the end of the submission window after it, for epochs below `settleableEpochs`, while the
/// agreement is Active or Terminated. The GOVERNOR can pause submissions, finalisation and
/// resolution; disputes stay open during a pause so that a pause cannot eat a challenge window.
///
/// Event order for indexers: a transition's own event (`BatchCommitted`, `BatchClaimed`,
/// `BatchDisputed`, `BatchFinalised`, `DisputeResolved`) comes first, then, for each payment,
/// `BatchSettled` followed by the ledger's events for that posting.
interface ISettlement {
    /// @notice Where a batch is in its life. `Committed`, `Finalised` and `Resolved` are final.
    enum BatchStatus {
        None,
        Committed,
        Claimed,
        Disputed,
        Finalised,
        Resolved
    }

    /// @notice An auditor's verdict on a block range.
    enum AuditVerdict {
        None,
        Clean,
        Anomalies,
        Fraud
    }

    /// @notice A batch as stored. `count` is what the referrer submitted; `settledCount` what has
    /// been paid so far (capped); `counterCount`/`counterRoot` the recipient's dispute.
    struct Batch {
        BatchStatus status;
        uint64 count;
        uint64 settledCount;
        uint64 challengeEnds;
        bytes32 root;
        uint64 counterCount;
        uint128 bond;
        bytes32 counterRoot;
    }

    /// @notice A co-signed batch was committed and is final.
    event BatchCommitted(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        uint64 count,
        bytes32 root,
        address referrer,
        address recipient
    );

    /// @notice A batch was claimed without co-signature; it can be disputed until `challengeEnds`.
    event BatchClaimed(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        uint64 count,
        bytes32 root,
        uint64 challengeEnds
    );

    /// @notice The recipient disputed a claim with its own count and root, posting `bond` wei.
    event BatchDisputed(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        uint64 counterCount,
        bytes32 counterRoot,
        uint256 bond
    );

    /// @notice An undisputed claim became final after its challenge window.
    event BatchFinalised(uint256 indexed agreementId, uint256 indexed flow, uint64 indexed epoch);

    /// @notice An auditor resolved a dispute: `resolvedCount` referrals are owed in total;
    /// `disputeUpheld` says whether the bond returns to the recipient (else it goes to the referrer).
    event DisputeResolved(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        uint64 resolvedCount,
        bool disputeUpheld,
        address auditor
    );

    /// @notice `count` referrals of the batch were paid: `amount = count * rate` credits posted
    /// from `payer` (the recipient) to `payee` (the referrer). Sum over a batch = what it owes.
    event BatchSettled(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        address payer,
        address payee,
        uint64 count,
        uint256 amount
    );

    /// @notice A dispute bond of `amount` wei became withdrawable by `account`.
    event BondCredited(address indexed account, uint256 amount);

    /// @notice `account` withdrew `amount` wei of bonds.
    event BondWithdrawn(address indexed account, uint256 amount);

    /// @notice An auditor recorded an attestation of a report over blocks `[fromBlock, toBlock]`.
    event AttestationRecorded(
        uint256 indexed attestationId,
        address indexed auditor,
        bytes32 reportHash,
        AuditVerdict verdict,
        uint64 fromBlock,
        uint64 toBlock
    );

    /// @notice The GOVERNOR changed the challenge window (seconds).
    event ChallengeWindowSet(uint64 previousWindow, uint64 newWindow);

    /// @notice The GOVERNOR changed the submission window after an epoch's end (seconds).
    event SubmissionWindowSet(uint64 previousWindow, uint64 newWindow);

    /// @notice The GOVERNOR changed the dispute bond (wei).
    event DisputeBondSet(uint256 previousBond, uint256 newBond);

    /// @notice A batch for this (agreement, flow, epoch) already exists: one batch each, ever.
    error SettlementBatchAlreadySubmitted(uint256 agreementId, uint256 flow, uint64 epoch, BatchStatus status);

    /// @notice The agreement is neither Active nor Terminated.
    error SettlementAgreementNotSettleable(uint256 agreementId, AgreementStatus status);

    /// @notice The agreement has no flow at index `flow` (it has `flowCount`).
    error SettlementUnknownFlow(uint256 agreementId, uint256 flow, uint256 flowCount);

    /// @notice `epoch` is not below the agreement's `settleableEpochs`.
    error SettlementEpochNotSettleable(uint256 agreementId, uint64 epoch, uint64 settleableEpochs);

    /// @notice The epoch ends at `epochEnd`; batches are accepted only from then on.
    error SettlementEpochNotEnded(uint256 agreementId, uint64 epoch, uint64 epochEnd);

    /// @notice The submission window for the epoch closed at `deadline`.
    error SettlementSubmissionClosed(uint256 agreementId, uint64 epoch, uint64 deadline);

    /// @notice A batch must count at least one referral.
    error SettlementEmptyBatch(uint256 agreementId, uint256 flow, uint64 epoch);

    /// @notice Only the flow's referrer `referrer` may submit its batches; `caller` is not it.
    error SettlementNotReferrer(address caller, address referrer);

    /// @notice Only the flow's recipient `recipient` may dispute its batches; `caller` is not it.
    error SettlementNotRecipient(address caller, address recipient);

    /// @notice The co-signature is not a valid EIP-712 `Batch` signature by `signer`, the key of
    /// the recipient `recipient` (zero when the recipient has no key).
    error SettlementInvalidCoSignature(address recipient, address signer);

    /// @notice The batch is `status`, not the `expected` status for this call.
    error SettlementUnexpectedBatchStatus(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        BatchStatus status,
        BatchStatus expected
    );

    /// @notice The challenge window closed at `challengeEnds`.
    error SettlementChallengeWindowClosed(uint256 agreementId, uint256 flow, uint64 epoch, uint64 challengeEnds);

    /// @notice The challenge window is still open until `challengeEnds`.
    error SettlementChallengeWindowOpen(uint256 agreementId, uint256 flow, uint64 epoch, uint64 challengeEnds);

    /// @notice A dispute must name fewer referrals (`counterCount`) than the claim pays (`claimed`).
    error SettlementDisputeNotLower(uint64 counterCount, uint64 claimed);

    /// @notice A dispute must post exactly the bond: `sent` wei were sent, `required` are needed.
    error SettlementWrongDisputeBond(uint256 sent, uint256 required);

    /// @notice A resolution must lie between the recipient's count and the claim's paid count.
    error SettlementResolutionOutOfRange(uint64 resolvedCount, uint64 counterCount, uint64 claimed);

    /// @notice The auditor `auditor` is a party to the flow and may not resolve its dispute.
    error SettlementAuditorIsParty(address auditor);

    /// @notice No bond is withdrawable by `account`.
    error SettlementNothingToWithdraw(address account);

    /// @notice Sending `amount` wei to `account` failed.
    error SettlementBondTransferFailed(address account, uint256 amount);

    /// @notice An attestation needs a verdict and a block range `fromBlock <= toBlock <= current`.
    error SettlementInvalidAttestation(AuditVerdict verdict, uint64 fromBlock, uint64 toBlock);

    /// @notice A window of zero seconds or longer than a year, or a bond too large to store.
    error SettlementInvalidParameter(uint256 value);

    /// @notice Commits a batch co-signed by the flow's recipient; final at once. Caller: `flow.from`.
    /// @param recipientSignature EIP-712 signature of
    /// `Batch(agreementId, flow, epoch, count, root)` by `consortium.signerOf(flow.to)`.
    function commit(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        bytes calldata recipientSignature
    ) external;

    /// @notice Claims a batch without co-signature, opening the challenge window. Caller: `flow.from`.
    function claim(uint256 agreementId, uint256 flow, uint64 epoch, uint64 count, bytes32 root) external;

    /// @notice Disputes a claim during its window with the recipient's own count and root; send
    /// exactly `disputeBond()` wei. Settles `counterCount` at once. Caller: `flow.to`.
    function dispute(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 counterCount,
        bytes32 counterRoot
    ) external payable;

    /// @notice Finalises an undisputed claim after its window, paying it in full. Anyone may call.
    function finalise(uint256 agreementId, uint256 flow, uint64 epoch) external;

    /// @notice Resolves a dispute (AUDITOR, not a party): `resolvedCount` referrals are owed in
    /// total, between the recipient's count and the claim's; pays the difference, and credits the
    /// bond to the recipient if `disputeUpheld`, else to the referrer.
    function resolve(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 resolvedCount,
        bool disputeUpheld
    ) external;

    /// @notice Withdraws the caller's bonds (returned or won).
    function withdrawBond() external;

    /// @notice Records an auditor's attestation of a report (AUDITOR).
    /// @return attestationId The attestation's number, from 1.
    function attest(
        bytes32 reportHash,
        AuditVerdict verdict,
        uint64 fromBlock,
        uint64 toBlock
    ) external returns (uint256 attestationId);

    /// @notice Sets the challenge window in seconds, 1 to 365 days (GOVERNOR).
    function setChallengeWindow(uint64 window) external;

    /// @notice Sets the submission window after an epoch's end in seconds, 1 to 365 days (GOVERNOR).
    function setSubmissionWindow(uint64 window) external;

    /// @notice Sets the dispute bond in wei (GOVERNOR).
    function setDisputeBond(uint256 bond) external;

    /// @notice Pauses commits, claims, finalisation and resolution (GOVERNOR).
    function pause() external;

    /// @notice Lifts a pause (GOVERNOR).
    function unpause() external;

    /// @notice The stored batch for (agreementId, flow, epoch).
    function batchOf(uint256 agreementId, uint256 flow, uint64 epoch) external view returns (Batch memory);

    /// @notice The EIP-712 digest the recipient signs for this batch.
    function batchDigest(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root
    ) external view returns (bytes32);

    /// @notice Wei withdrawable by `account`.
    function bondBalanceOf(address account) external view returns (uint256);

    /// @notice Attestations recorded so far.
    function attestationCount() external view returns (uint256);

    /// @notice Challenge window in seconds.
    function challengeWindow() external view returns (uint64);

    /// @notice Submission window after an epoch's end in seconds.
    function submissionWindow() external view returns (uint64);

    /// @notice Dispute bond in wei.
    function disputeBond() external view returns (uint256);

    /// @notice The agreement book, the credit ledger and the consortium this contract uses.
    function contracts() external view returns (address agreements, address ledger, address consortium);
}
