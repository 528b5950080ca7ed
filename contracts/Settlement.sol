// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsortiumGated} from "./access/ConsortiumGated.sol";
import {IAgreementTerms} from "./interfaces/IAgreementTerms.sol";
import {IConsortiumRoles} from "./interfaces/IConsortiumRoles.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";
import {ISettlement} from "./interfaces/ISettlement.sol";
import {AgreementStatus, Flow} from "./types/AgreementTypes.sol";

/// @title FlowPact settlement: batches settled on the recipient's acknowledgements, paid in
/// mutual credit.
/// @notice Invariants: each (agreement, flow, epoch) has at most one batch; the credits it posts
/// (`settledCount * rate`, all through `_settle`) never exceed `min(count, cap) * rate`; and
/// nothing above the recipient's signed count settles unless the recipient let the claim pass
/// unchallenged (its signature, or its silence during the challenge window, is the only evidence).
contract Settlement is ISettlement, ConsortiumGated, EIP712, Pausable {
    bytes32 private constant _GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    bytes32 private constant _AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @dev Longest challenge or submission window: a year keeps every deadline far from 2^64.
    uint64 private constant _MAX_WINDOW = 365 days;

    /// @dev Fixed by the protocol; the TypeScript receipts library signs exactly this type. It
    /// names the signer's role (the recipient) and is bound to chain id and this contract by the
    /// EIP-712 domain.
    bytes32 private constant _ACKNOWLEDGEMENT_TYPEHASH =
        keccak256(
            "Acknowledgement(address recipient,uint256 agreementId,uint256 flow,uint64 epoch,uint64 count,bytes32 root)"
        );

    /// @dev A submission-window change: epochs that end at or after `effectiveFrom` use `window`.
    struct WindowChange {
        uint64 effectiveFrom;
        uint64 window;
    }

    /// @dev A pause `[start, end)` and the total paused time before it (`end` 0 while running).
    struct PauseRecord {
        uint64 start;
        uint64 end;
        uint64 pausedBefore;
    }

    /// @dev What the checks of a new batch found: the flow's terms and the epoch's bounds.
    struct Submission {
        Flow terms;
        uint64 epochStart;
        uint64 epochEnd;
    }

    IAgreementTerms private immutable _AGREEMENTS;
    ICreditLedger private immutable _LEDGER;

    mapping(uint256 agreementId => mapping(uint256 flow => mapping(uint64 epoch => Batch))) private _batches;
    mapping(address account => uint256) private _bondBalances;
    uint256 private _attestationCount;
    uint64 private _challengeWindow;
    uint256 private _disputeBond;
    WindowChange[] private _submissionWindows;
    PauseRecord[] private _pauses;

    constructor(
        IConsortiumRoles consortium_,
        IAgreementTerms agreements_,
        ICreditLedger ledger_,
        uint64 challengeWindow_,
        uint64 submissionWindow_,
        uint256 disputeBond_
    ) ConsortiumGated(consortium_) EIP712("FlowPact Settlement", "2") {
        if (address(agreements_) == address(0)) revert SettlementInvalidParameter(0);
        if (address(ledger_) == address(0)) revert SettlementInvalidParameter(0);
        _AGREEMENTS = agreements_;
        _LEDGER = ledger_;
        _setChallengeWindow(challengeWindow_);
        _setSubmissionWindow(submissionWindow_);
        _setDisputeBond(disputeBond_);
    }

    /// @inheritdoc ISettlement
    function commit(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        bytes calldata recipientSignature
    ) external whenNotPaused {
        _commit(agreementId, flow, epoch, count, root, recipientSignature);
    }

    /// @inheritdoc ISettlement
    function commitMany(SignedBatch[] calldata batches) external whenNotPaused {
        for (uint256 i = 0; i < batches.length; ++i) {
            SignedBatch calldata b = batches[i];
            _commit(
                b.agreementId,
                b.flow,
                b.epoch,
                b.acknowledgement.count,
                b.acknowledgement.root,
                b.acknowledgement.signature
            );
        }
    }

    /// @inheritdoc ISettlement
    function claim(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        Acknowledgement calldata acknowledgement
    ) external whenNotPaused {
        Submission memory s = _checkSubmission(agreementId, flow, epoch, count);
        // A recipient that left cannot dispute: nothing above its signature may be claimed from it.
        _checkStillMember(s.terms.to);
        uint64 acknowledged = acknowledgement.count;
        if (count <= acknowledged) revert SettlementClaimNotAboveAcknowledgement(count, acknowledged);
        if (acknowledged != 0) {
            _checkAcknowledgement(agreementId, flow, epoch, s.terms.to, acknowledgement);
        }
        Batch storage batch = _batches[agreementId][flow][epoch];
        uint64 challengeEnds = uint64(block.timestamp) + _challengeWindow;
        batch.status = BatchStatus.Claimed;
        batch.count = count;
        batch.root = root;
        batch.challengeEnds = challengeEnds;
        batch.acknowledgedCount = acknowledged;
        emit BatchClaimed(agreementId, flow, epoch, count, root, challengeEnds, acknowledged);
        _settle(agreementId, flow, epoch, s.terms, batch, _capped(acknowledged, s.terms));
    }

    /// @inheritdoc ISettlement
    /// @dev Not paused: a pause must not run out a recipient's challenge window.
    function dispute(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 counterCount,
        bytes32 counterRoot
    ) external payable {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Claimed);
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        if (msg.sender != terms.to) revert SettlementNotRecipient(msg.sender, terms.to);
        _checkStillMember(msg.sender);
        if (block.timestamp >= batch.challengeEnds) {
            revert SettlementChallengeWindowClosed(agreementId, flow, epoch, batch.challengeEnds);
        }
        uint64 claimed = _capped(batch.count, terms);
        if (counterCount >= claimed) revert SettlementDisputeNotLower(counterCount, claimed);
        uint64 acknowledged = _capped(batch.acknowledgedCount, terms);
        if (counterCount < acknowledged) revert SettlementDisputeBelowAcknowledgement(counterCount, acknowledged);
        if (msg.value != _disputeBond) revert SettlementWrongDisputeBond(msg.value, _disputeBond);
        batch.status = BatchStatus.Disputed;
        batch.counterCount = counterCount;
        batch.counterRoot = counterRoot;
        // The answer window: the referrer (or an auditor) may show a higher acknowledgement until then.
        batch.challengeEnds = uint64(block.timestamp) + _challengeWindow;
        // Fits: the bond is capped at type(uint128).max when set.
        batch.bond = uint128(msg.value);
        emit BatchDisputed(agreementId, flow, epoch, counterCount, counterRoot, msg.value);
        // Cannot underflow: counterCount >= acknowledged was checked above.
        unchecked {
            _settle(agreementId, flow, epoch, terms, batch, counterCount - acknowledged);
        }
    }

    /// @inheritdoc ISettlement
    function finalise(uint256 agreementId, uint256 flow, uint64 epoch) external whenNotPaused {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Claimed);
        if (block.timestamp < batch.challengeEnds) {
            revert SettlementChallengeWindowOpen(agreementId, flow, epoch, batch.challengeEnds);
        }
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        // A recipient that left while the claim was open could no longer dispute it: its silence
        // is not consent, so the unacknowledged excess never settles.
        _checkStillMember(terms.to);
        batch.status = BatchStatus.Finalised;
        emit BatchFinalised(agreementId, flow, epoch);
        // Cannot underflow: the acknowledged count is below the claimed count (checked in claim).
        unchecked {
            _settle(
                agreementId,
                flow,
                epoch,
                terms,
                batch,
                _capped(batch.count, terms) - _capped(batch.acknowledgedCount, terms)
            );
        }
    }

    /// @inheritdoc ISettlement
    function resolve(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        Acknowledgement calldata acknowledgement
    ) external whenNotPaused {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Disputed);
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        _checkResolver(terms);
        uint64 counterCount = batch.counterCount;
        if (acknowledgement.count <= counterCount) {
            revert SettlementAcknowledgementNotAboveDispute(acknowledgement.count, counterCount);
        }
        _checkAcknowledgement(agreementId, flow, epoch, terms.to, acknowledgement);
        uint64 claimed = _capped(batch.count, terms);
        uint64 resolvedCount = acknowledgement.count < claimed ? acknowledgement.count : claimed;
        uint256 bond = batch.bond;
        batch.status = BatchStatus.Resolved;
        batch.bond = 0;
        emit DisputeResolved(agreementId, flow, epoch, resolvedCount, false, msg.sender);
        if (bond != 0) _creditBond(terms.from, bond);
        // Cannot underflow: counterCount < claimed (checked in dispute) and counterCount < the
        // acknowledged count, so counterCount < resolvedCount.
        unchecked {
            _settle(agreementId, flow, epoch, terms, batch, resolvedCount - counterCount);
        }
    }

    /// @inheritdoc ISettlement
    function upholdDispute(uint256 agreementId, uint256 flow, uint64 epoch) external whenNotPaused {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Disputed);
        if (block.timestamp < batch.challengeEnds) {
            revert SettlementAnswerWindowOpen(agreementId, flow, epoch, batch.challengeEnds);
        }
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        uint256 bond = batch.bond;
        batch.status = BatchStatus.Resolved;
        batch.bond = 0;
        emit DisputeResolved(agreementId, flow, epoch, batch.counterCount, true, msg.sender);
        if (bond != 0) _creditBond(terms.to, bond);
    }

    /// @inheritdoc ISettlement
    function withdrawBond() external {
        uint256 amount = _bondBalances[msg.sender];
        if (amount == 0) revert SettlementNothingToWithdraw(msg.sender);
        // Effects before the call: a reentrant receiver finds nothing left to withdraw.
        _bondBalances[msg.sender] = 0;
        emit BondWithdrawn(msg.sender, amount);
        (bool sent, ) = msg.sender.call{value: amount}("");
        if (!sent) revert SettlementBondTransferFailed(msg.sender, amount);
    }

    /// @inheritdoc ISettlement
    function attest(
        bytes32 reportHash,
        AuditVerdict verdict,
        uint64 fromBlock,
        uint64 toBlock
    ) external onlyConsortiumRole(_AUDITOR_ROLE) returns (uint256 attestationId) {
        if (verdict == AuditVerdict.None || fromBlock > toBlock || toBlock > block.number) {
            revert SettlementInvalidAttestation(verdict, fromBlock, toBlock);
        }
        attestationId = ++_attestationCount;
        emit AttestationRecorded(attestationId, msg.sender, reportHash, verdict, fromBlock, toBlock);
    }

    /// @inheritdoc ISettlement
    function setChallengeWindow(uint64 window) external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _setChallengeWindow(window);
    }

    /// @inheritdoc ISettlement
    function setSubmissionWindow(uint64 window) external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _setSubmissionWindow(window);
    }

    /// @inheritdoc ISettlement
    function setDisputeBond(uint256 bond) external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _setDisputeBond(bond);
    }

    /// @inheritdoc ISettlement
    function pause() external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _pause();
        uint256 n = _pauses.length;
        uint64 pausedBefore = 0;
        if (n != 0) {
            PauseRecord storage last = _pauses[n - 1];
            pausedBefore = last.pausedBefore + (last.end - last.start);
        }
        _pauses.push(PauseRecord({start: uint64(block.timestamp), end: 0, pausedBefore: pausedBefore}));
    }

    /// @inheritdoc ISettlement
    function unpause() external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _unpause();
        _pauses[_pauses.length - 1].end = uint64(block.timestamp);
    }

    /// @inheritdoc ISettlement
    function batchOf(uint256 agreementId, uint256 flow, uint64 epoch) external view returns (Batch memory) {
        return _batches[agreementId][flow][epoch];
    }

    /// @inheritdoc ISettlement
    function bondBalanceOf(address account) external view returns (uint256) {
        return _bondBalances[account];
    }

    /// @inheritdoc ISettlement
    function attestationCount() external view returns (uint256) {
        return _attestationCount;
    }

    /// @inheritdoc ISettlement
    function challengeWindow() external view returns (uint64) {
        return _challengeWindow;
    }

    /// @inheritdoc ISettlement
    function submissionWindow() external view returns (uint64) {
        return _submissionWindows[_submissionWindows.length - 1].window;
    }

    /// @inheritdoc ISettlement
    function submissionDeadline(uint256 agreementId, uint64 epoch) external view returns (uint256) {
        (, , , , uint64 epochEnd, ) = _AGREEMENTS.settlementTerms(agreementId, 0, epoch);
        return _submissionDeadline(epochEnd);
    }

    /// @inheritdoc ISettlement
    function disputeBond() external view returns (uint256) {
        return _disputeBond;
    }

    /// @inheritdoc ISettlement
    function contracts() external view returns (address agreements, address ledger, address consortium) {
        return (address(_AGREEMENTS), address(_LEDGER), address(_consortium()));
    }

    /// @inheritdoc ISettlement
    function acknowledgementDigest(
        address recipient,
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root
    ) public view returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(abi.encode(_ACKNOWLEDGEMENT_TYPEHASH, recipient, agreementId, flow, epoch, count, root))
            );
    }

    /// @dev Settles an acknowledged batch in full (capped): the body of {commit} and {commitMany}.
    function _commit(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root,
        bytes calldata recipientSignature
    ) private {
        Submission memory s = _checkSubmission(agreementId, flow, epoch, count);
        _checkSignature(agreementId, flow, epoch, s.terms.to, count, root, recipientSignature);
        Batch storage batch = _batches[agreementId][flow][epoch];
        uint64 settled = _capped(count, s.terms);
        // One slot: status and counts. The root is in the event.
        batch.status = BatchStatus.Committed;
        batch.count = count;
        emit BatchCommitted(agreementId, flow, epoch, count, root, s.terms.from, s.terms.to);
        _settle(agreementId, flow, epoch, s.terms, batch, settled);
    }

    /// @dev The one place a batch pays: adds `count` to what it has settled and posts
    /// `count * rate` from the recipient to the referrer. Callers keep the running total within
    /// `min(count, cap)`. No overflow: count < 2^64 and rate < 2^128.
    function _settle(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        Flow memory terms,
        Batch storage batch,
        uint64 count
    ) private {
        if (count == 0) return;
        batch.settledCount += count;
        uint256 amount = uint256(count) * terms.rate;
        emit BatchSettled(agreementId, flow, epoch, terms.to, terms.from, count, amount);
        if (amount != 0) _LEDGER.postSettlement(terms.to, terms.from, amount);
    }

    /// @dev Every check a new batch passes, in the order of its errors; returns the flow's terms
    /// and the epoch's bounds.
    function _checkSubmission(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count
    ) private view returns (Submission memory s) {
        AgreementStatus status;
        uint256 flowCount;
        uint64 settleable;
        (status, flowCount, settleable, s.epochStart, s.epochEnd, s.terms) = _AGREEMENTS.settlementTerms(
            agreementId,
            flow,
            epoch
        );
        if (status != AgreementStatus.Active && status != AgreementStatus.Terminated) {
            revert SettlementAgreementNotSettleable(agreementId, status);
        }
        if (flow >= flowCount) revert SettlementUnknownFlow(agreementId, flow, flowCount);
        if (msg.sender != s.terms.from) revert SettlementNotReferrer(msg.sender, s.terms.from);
        if (count == 0) revert SettlementEmptyBatch(agreementId, flow, epoch);
        // Membership first: a departure also ends the agreement's settleable epochs, and the
        // party's own error says why.
        _checkMembership(s.terms.from, s.epochStart, s.epochEnd);
        _checkMembership(s.terms.to, s.epochStart, s.epochEnd);
        if (epoch >= settleable) revert SettlementEpochNotSettleable(agreementId, epoch, settleable);
        if (block.timestamp < s.epochEnd) revert SettlementEpochNotEnded(agreementId, epoch, s.epochEnd);
        uint256 deadline = _submissionDeadline(s.epochEnd);
        if (block.timestamp > deadline) revert SettlementSubmissionClosed(agreementId, epoch, uint64(deadline));
        BatchStatus existing = _batches[agreementId][flow][epoch].status;
        if (existing != BatchStatus.None) revert SettlementBatchAlreadySubmitted(agreementId, flow, epoch, existing);
    }

    /// @dev A party that left before the epoch ended, or was suspended throughout it, stops it
    /// from settling.
    function _checkMembership(address party, uint64 epochStart, uint64 epochEnd) private view {
        IConsortiumRoles consortium = _consortium();
        uint64 leftAt = consortium.leftAt(party);
        if (leftAt != 0 && leftAt < epochEnd) revert SettlementPartyLeft(party, leftAt, epochEnd);
        if (consortium.suspendedThroughout(party, epochStart, epochEnd)) {
            revert SettlementPartySuspended(party, epochStart, epochEnd);
        }
    }

    /// @dev Reverts when `member` has left the consortium (expelled or exited).
    function _checkStillMember(address member) private view {
        uint64 leftAt = _consortium().leftAt(member);
        if (leftAt != 0) revert SettlementPartyLeft(member, leftAt, uint64(block.timestamp));
    }

    /// @dev The resolver of a dispute: the referrer, or an AUDITOR that is neither party nor the
    /// registered signer of either.
    function _checkResolver(Flow memory terms) private view {
        if (msg.sender == terms.from) return;
        IConsortiumRoles consortium = _consortium();
        if (!consortium.hasRole(_AUDITOR_ROLE, msg.sender)) revert SettlementNotResolver(msg.sender);
        if (
            msg.sender == terms.to ||
            msg.sender == consortium.signerOf(terms.from) ||
            msg.sender == consortium.signerOf(terms.to)
        ) revert SettlementAuditorIsParty(msg.sender);
    }

    function _checkAcknowledgement(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        address recipient,
        Acknowledgement calldata acknowledgement
    ) private view {
        _checkSignature(
            agreementId,
            flow,
            epoch,
            recipient,
            acknowledgement.count,
            acknowledgement.root,
            acknowledgement.signature
        );
    }

    /// @dev Reverts unless `signature` is the recipient's `Acknowledgement` of (count, root). The
    /// signer is looked up now: a member that rotated its key signs with the new one; a member that
    /// left keeps its last key for the epochs it earned before it left.
    function _checkSignature(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        address recipient,
        uint64 count,
        bytes32 root,
        bytes calldata signature
    ) private view {
        address signer = _consortium().recordedSignerOf(recipient);
        bytes32 digest = acknowledgementDigest(recipient, agreementId, flow, epoch, count, root);
        if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, signature)) {
            revert SettlementInvalidAcknowledgement(recipient, signer);
        }
    }

    /// @dev The epoch's end, plus the window in force when it ended, plus the time paused since.
    function _submissionDeadline(uint64 epochEnd) private view returns (uint256) {
        return uint256(epochEnd) + _windowAt(epochEnd) + _pausedSince(epochEnd);
    }

    /// @dev The submission window for an epoch ending at `epochEnd`: the last change in force then.
    function _windowAt(uint64 epochEnd) private view returns (uint64) {
        uint256 i = _submissionWindows.length;
        // Newest first: almost every epoch ends after the latest change.
        while (i > 1 && _submissionWindows[i - 1].effectiveFrom > epochEnd) --i;
        return _submissionWindows[i - 1].window;
    }

    /// @dev Seconds the contract has been paused since `t` (up to now).
    function _pausedSince(uint64 t) private view returns (uint256 paused) {
        uint256 i = _pauses.length;
        // Newest first, back to the first pause that ended before `t`.
        while (i != 0) {
            PauseRecord storage p = _pauses[i - 1];
            uint64 end = p.end == 0 ? uint64(block.timestamp) : p.end;
            if (end <= t) break;
            paused += end - (p.start > t ? p.start : t);
            --i;
        }
    }

    function _expectStatus(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        Batch storage batch,
        BatchStatus expected
    ) private view {
        if (batch.status != expected) {
            revert SettlementUnexpectedBatchStatus(agreementId, flow, epoch, batch.status, expected);
        }
    }

    function _creditBond(address account, uint256 amount) private {
        _bondBalances[account] += amount;
        emit BondCredited(account, amount);
    }

    function _setChallengeWindow(uint64 window) private {
        if (window == 0 || window > _MAX_WINDOW) revert SettlementInvalidParameter(window);
        uint64 previous = _challengeWindow;
        _challengeWindow = window;
        emit ChallengeWindowSet(previous, window);
    }

    function _setSubmissionWindow(uint64 window) private {
        if (window == 0 || window > _MAX_WINDOW) revert SettlementInvalidParameter(window);
        uint256 n = _submissionWindows.length;
        uint64 previous = n == 0 ? 0 : _submissionWindows[n - 1].window;
        uint64 effectiveFrom = uint64(block.timestamp);
        if (n != 0 && _submissionWindows[n - 1].effectiveFrom == effectiveFrom) {
            _submissionWindows[n - 1].window = window;
        } else {
            _submissionWindows.push(WindowChange({effectiveFrom: effectiveFrom, window: window}));
        }
        emit SubmissionWindowSet(previous, window, effectiveFrom);
    }

    function _setDisputeBond(uint256 bond) private {
        if (bond > type(uint128).max) revert SettlementInvalidParameter(bond);
        uint256 previous = _disputeBond;
        _disputeBond = bond;
        emit DisputeBondSet(previous, bond);
    }

    /// @dev Counts above the flow's cap settle at the cap.
    function _capped(uint64 count, Flow memory terms) private pure returns (uint64) {
        return count < terms.capPerEpoch ? count : terms.capPerEpoch;
    }
}
