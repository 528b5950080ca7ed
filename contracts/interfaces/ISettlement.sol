// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AgreementStatus} from "../types/AgreementTypes.sol";

/// @title FlowPact settlement of agreement flows, one batch per (agreement, flow, epoch).
/// @notice The rule: evidence is the recipient's signature, never the claimant's own data.
///
/// While an epoch runs, the recipient's node (`flow.to`, signing through
/// `consortium.signerOf(flow.to)`, EOA or ERC-1271) acknowledges the arrivals it has made
/// durable: it signs the EIP-712 `Acknowledgement(recipient, agreementId, flow, epoch, count,
/// root)` of that flow's epoch — bound to chain id and this contract by the domain, to the
/// agreement, flow and epoch by the message, naming the recipient — and sends it to the
/// referrer's node. The co-signature at epoch end is simply the last acknowledgement.
///
/// After the epoch ends, the referrer (`flow.from`) settles with the highest acknowledgement it
/// holds:
/// - `commit`: everything up to the acknowledged count is final at once.
/// - `claim`: the acknowledged count settles at once, and only the excess above it is claimed.
///   The excess waits a challenge window, during which the recipient may `dispute` it with its
///   own count (never below a count it signed) and a bond: the recipient's count settles at once.
///   Undisputed, the claim `finalise`s after the window (anyone may call).
/// - A dispute fails when an acknowledgement above the recipient's count is shown (`resolve`, by
///   the referrer or an independent AUDITOR): it settles up to that count and the bond goes to the
///   referrer. A dispute nobody answers with such a signature before its answer deadline is upheld
///   (`upholdDispute`, anyone): the recipient's count stands and the bond returns to it. No one —
///   auditor included — settles on evidence produced by the party that benefits: an unproven
///   excess never settles.
///
/// Each settlement posts `count * rate` credits from the recipient to the referrer in the credit
/// ledger; counts above the flow's cap settle at the cap. Batches are accepted from the epoch's
/// end until the submission window (the one in force when the epoch ended) has run, not counting
/// paused time, for epochs below `settleableEpochs`, while the agreement is Active or Terminated,
/// and only when neither party had left the consortium (expelled or exited) before the epoch
/// ended nor was suspended throughout the epoch. The GOVERNOR can pause submissions,
/// finalisation and resolution; disputes stay open during a pause so that a pause cannot eat a
/// challenge window.
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

    /// @notice A batch as stored. `count` is what the referrer submitted (the acknowledged count
    /// for a commit, the claimed count for a claim); `settledCount` what has been paid so far
    /// (capped); `acknowledgedCount` the recipient-signed part of a claim; `challengeEnds` the end of
    /// a claim's challenge window, then of a dispute's answer window; `counterCount`/`counterRoot`
    /// the recipient's dispute. A committed batch stores only its first slot (status and counts):
    /// its root is in {BatchCommitted}; `root` is stored for claims.
    struct Batch {
        BatchStatus status;
        uint64 count;
        uint64 settledCount;
        uint64 challengeEnds;
        bytes32 root;
        uint64 counterCount;
        uint128 bond;
        uint64 acknowledgedCount;
        bytes32 counterRoot;
    }

    /// @notice The recipient's signed running state of a flow's epoch: `count` arrivals with
    /// receipts Merkle root `root`, signed (EIP-712 `Acknowledgement`) by the recipient's key.
    struct Acknowledgement {
        uint64 count;
        bytes32 root;
        bytes signature;
    }

    /// @notice One acknowledged batch to commit in {commitMany}.
    struct SignedBatch {
        uint256 agreementId;
        uint256 flow;
        uint64 epoch;
        Acknowledgement acknowledgement;
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

    /// @notice A batch was claimed above the recipient's acknowledgement: `acknowledgedCount`
    /// settles at once, the excess up to `count` can be disputed until `challengeEnds`.
    event BatchClaimed(
        uint256 indexed agreementId,
        uint256 indexed flow,
        uint64 indexed epoch,
        uint64 count,
        bytes32 root,
        uint64 challengeEnds,
        uint64 acknowledgedCount
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

    /// @notice A dispute was decided: `resolvedCount` referrals are owed in total; `disputeUpheld`
    /// says whether the bond returns to the recipient (no higher acknowledgement was shown before the
    /// answer deadline) or goes to the referrer (one was shown, by `auditor`: the referrer or an
    /// AUDITOR; for an upheld dispute, whoever closed it).
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

    /// @notice The GOVERNOR changed the submission window after an epoch's end (seconds); it
    /// applies to epochs that end from `effectiveFrom` on (earlier epochs keep theirs).
    event SubmissionWindowSet(uint64 previousWindow, uint64 newWindow, uint64 effectiveFrom);

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

    /// @notice The acknowledgement is not a valid EIP-712 `Acknowledgement` signature by `signer`,
    /// the key of the recipient `recipient` (zero when the recipient has no key).
    error SettlementInvalidAcknowledgement(address recipient, address signer);

    /// @notice A claim must count more than the acknowledgement it carries (`acknowledged`);
    /// settle an acknowledged count with {commit}.
    error SettlementClaimNotAboveAcknowledgement(uint64 count, uint64 acknowledged);

    /// @notice A dispute may not go below what the recipient signed (`acknowledged`).
    error SettlementDisputeBelowAcknowledgement(uint64 counterCount, uint64 acknowledged);

    /// @notice The acknowledgement shown (`count`) is not above the recipient's dispute
    /// (`counterCount`): it proves nothing the dispute denies.
    error SettlementAcknowledgementNotAboveDispute(uint64 count, uint64 counterCount);

    /// @notice The dispute's answer window is still open until `answerEnds`.
    error SettlementAnswerWindowOpen(uint256 agreementId, uint256 flow, uint64 epoch, uint64 answerEnds);

    /// @notice `party` left the consortium (expelled or exited) at `leftAt`, before the epoch ended
    /// at `epochEnd`: it neither bills nor is billed for that epoch, and cannot dispute.
    error SettlementPartyLeft(address party, uint64 leftAt, uint64 epochEnd);

    /// @notice `party` was suspended throughout the epoch: it does not settle.
    error SettlementPartySuspended(address party, uint64 epochStart, uint64 epochEnd);

    /// @notice Only the flow's referrer or an independent AUDITOR may resolve; `caller` is neither.
    error SettlementNotResolver(address caller);

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

    /// @notice The auditor `auditor` is a party to the flow, or a party's registered signer, and
    /// may not resolve its dispute.
    error SettlementAuditorIsParty(address auditor);

    /// @notice No bond is withdrawable by `account`.
    error SettlementNothingToWithdraw(address account);

    /// @notice Sending `amount` wei to `account` failed.
    error SettlementBondTransferFailed(address account, uint256 amount);

    /// @notice An attestation needs a verdict and a block range `fromBlock <= toBlock <= current`.
    error SettlementInvalidAttestation(AuditVerdict verdict, uint64 fromBlock, uint64 toBlock);

    /// @notice A window of zero seconds or longer than a year, or a bond too large to store.
    error SettlementInvalidParameter(uint256 value);

    /// @notice Settles a flow's epoch with the recipient's acknowledgement; final at once.
    /// Caller: `flow.from`.
    /// @param count The acknowledged count (settles capped at the flow's cap).
    /// @param root The acknowledged receipts root.
    /// @param recipientSignature EIP-712 `Acknowledgement(recipient, agreementId, flow, epoch,
    /// count, root)` signed by `consortium.signerOf(flow.to)`.
    function commit(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        bytes calldata recipientSignature
    ) external;

    /// @notice Commits many acknowledged batches in one transaction (each as {commit}; the
    /// caller must be the referrer of every one). Reverts as a whole when one is refused.
    function commitMany(SignedBatch[] calldata batches) external;

    /// @notice Claims `count` referrals above the recipient's acknowledgement: the acknowledged
    /// count settles at once, the excess opens the challenge window. `acknowledgement.count` may be
    /// 0 with an empty signature (nothing acknowledged). Caller: `flow.from`.
    function claim(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        Acknowledgement calldata acknowledgement
    ) external;

    /// @notice Disputes a claim's excess during its window with the recipient's own count (never
    /// below the acknowledged count) and root; send exactly `disputeBond()` wei. Settles
    /// `counterCount` at once and opens the answer window. Caller: `flow.to`, while a member.
    function dispute(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 counterCount,
        bytes32 counterRoot
    ) external payable;

    /// @notice Finalises an undisputed claim after its window, paying it in full; refused when the
    /// recipient has left since (it could no longer dispute). Anyone may call.
    function finalise(uint256 agreementId, uint256 flow, uint64 epoch) external;

    /// @notice Answers a dispute with an acknowledgement above the recipient's count: settles up to
    /// it (capped at the claim) and the bond goes to the referrer. Caller: the flow's referrer, or
    /// an AUDITOR that is neither party nor a party's signer.
    function resolve(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        Acknowledgement calldata acknowledgement
    ) external;

    /// @notice Closes a dispute nobody answered before its answer deadline: the recipient's count
    /// stands and the bond returns to the recipient. Anyone may call.
    function upholdDispute(uint256 agreementId, uint256 flow, uint64 epoch) external;

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

    /// @notice Pauses commits, claims, finalisation and resolution (GOVERNOR). Paused time does
    /// not count against submission deadlines.
    function pause() external;

    /// @notice Lifts a pause (GOVERNOR).
    function unpause() external;

    /// @notice The stored batch for (agreementId, flow, epoch).
    function batchOf(uint256 agreementId, uint256 flow, uint64 epoch) external view returns (Batch memory);

    /// @notice The EIP-712 digest of the recipient's `Acknowledgement` of a flow's epoch.
    function acknowledgementDigest(
        address recipient,
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

    /// @notice Submission window after an epoch's end in seconds, for epochs ending from now on.
    function submissionWindow() external view returns (uint64);

    /// @notice Last moment a batch of `epoch` can be submitted, as of now: the epoch's end plus the
    /// window in force when it ended plus the time paused since (grows while paused).
    function submissionDeadline(uint256 agreementId, uint64 epoch) external view returns (uint256);

    /// @notice Dispute bond in wei.
    function disputeBond() external view returns (uint256);

    /// @notice The agreement book, the credit ledger and the consortium this contract uses.
    function contracts() external view returns (address agreements, address ledger, address consortium);
}
