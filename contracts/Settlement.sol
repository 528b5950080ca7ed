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

/// @title FlowPact settlement: co-signed or challengeable Merkle batches, paid in mutual credit.
/// @notice Invariant: each (agreement, flow, epoch) has at most one batch, and the credits it
/// posts (`settledCount * rate`, all through `_settle`) never exceed `min(count, cap) * rate`.
contract Settlement is ISettlement, ConsortiumGated, EIP712, Pausable {
    bytes32 private constant _GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    bytes32 private constant _AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @dev Longest challenge or submission window: a year keeps every deadline far from 2^64.
    uint64 private constant _MAX_WINDOW = 365 days;

    /// @dev Fixed by the protocol; the TypeScript receipts library signs exactly this type.
    bytes32 private constant _BATCH_TYPEHASH =
        keccak256("Batch(uint256 agreementId,uint256 flow,uint64 epoch,uint64 count,bytes32 root)");

    IAgreementTerms private immutable _AGREEMENTS;
    ICreditLedger private immutable _LEDGER;

    mapping(uint256 agreementId => mapping(uint256 flow => mapping(uint64 epoch => Batch))) private _batches;
    mapping(address account => uint256) private _bondBalances;
    uint256 private _attestationCount;
    uint64 private _challengeWindow;
    uint64 private _submissionWindow;
    uint256 private _disputeBond;

    constructor(
        IConsortiumRoles consortium_,
        IAgreementTerms agreements_,
        ICreditLedger ledger_,
        uint64 challengeWindow_,
        uint64 submissionWindow_,
        uint256 disputeBond_
    ) ConsortiumGated(consortium_) EIP712("FlowPact Settlement", "1") {
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
        Flow memory terms = _checkSubmission(agreementId, flow, epoch, count);
        // The signer is looked up now: a member that rotated its key signs with the new one.
        address signer = _consortium().signerOf(terms.to);
        bytes32 digest = batchDigest(agreementId, flow, epoch, count, root);
        if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, recipientSignature)) {
            revert SettlementInvalidCoSignature(terms.to, signer);
        }
        Batch storage batch = _batches[agreementId][flow][epoch];
        batch.status = BatchStatus.Committed;
        batch.count = count;
        batch.root = root;
        emit BatchCommitted(agreementId, flow, epoch, count, root, terms.from, terms.to);
        _settle(agreementId, flow, epoch, terms, batch, _capped(count, terms));
    }

    /// @inheritdoc ISettlement
    function claim(uint256 agreementId, uint256 flow, uint64 epoch, uint64 count, bytes32 root) external whenNotPaused {
        _checkSubmission(agreementId, flow, epoch, count);
        Batch storage batch = _batches[agreementId][flow][epoch];
        uint64 challengeEnds = uint64(block.timestamp) + _challengeWindow;
        batch.status = BatchStatus.Claimed;
        batch.count = count;
        batch.root = root;
        batch.challengeEnds = challengeEnds;
        emit BatchClaimed(agreementId, flow, epoch, count, root, challengeEnds);
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
        if (block.timestamp >= batch.challengeEnds) {
            revert SettlementChallengeWindowClosed(agreementId, flow, epoch, batch.challengeEnds);
        }
        uint64 claimed = _capped(batch.count, terms);
        if (counterCount >= claimed) revert SettlementDisputeNotLower(counterCount, claimed);
        if (msg.value != _disputeBond) revert SettlementWrongDisputeBond(msg.value, _disputeBond);
        batch.status = BatchStatus.Disputed;
        batch.counterCount = counterCount;
        batch.counterRoot = counterRoot;
        // Fits: the bond is capped at type(uint128).max when set.
        batch.bond = uint128(msg.value);
        emit BatchDisputed(agreementId, flow, epoch, counterCount, counterRoot, msg.value);
        _settle(agreementId, flow, epoch, terms, batch, counterCount);
    }

    /// @inheritdoc ISettlement
    function finalise(uint256 agreementId, uint256 flow, uint64 epoch) external whenNotPaused {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Claimed);
        if (block.timestamp < batch.challengeEnds) {
            revert SettlementChallengeWindowOpen(agreementId, flow, epoch, batch.challengeEnds);
        }
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        batch.status = BatchStatus.Finalised;
        emit BatchFinalised(agreementId, flow, epoch);
        _settle(agreementId, flow, epoch, terms, batch, _capped(batch.count, terms));
    }

    /// @inheritdoc ISettlement
    function resolve(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 resolvedCount,
        bool disputeUpheld
    ) external whenNotPaused onlyConsortiumRole(_AUDITOR_ROLE) {
        Batch storage batch = _batches[agreementId][flow][epoch];
        _expectStatus(agreementId, flow, epoch, batch, BatchStatus.Disputed);
        Flow memory terms = _AGREEMENTS.flowAt(agreementId, flow);
        if (msg.sender == terms.from || msg.sender == terms.to) revert SettlementAuditorIsParty(msg.sender);
        uint64 claimed = _capped(batch.count, terms);
        uint64 undisputed = batch.counterCount;
        if (resolvedCount < undisputed || resolvedCount > claimed) {
            revert SettlementResolutionOutOfRange(resolvedCount, undisputed, claimed);
        }
        uint256 bond = batch.bond;
        batch.status = BatchStatus.Resolved;
        batch.bond = 0;
        emit DisputeResolved(agreementId, flow, epoch, resolvedCount, disputeUpheld, msg.sender);
        if (bond != 0) _creditBond(disputeUpheld ? terms.to : terms.from, bond);
        uint64 rest;
        // Cannot underflow: resolvedCount >= undisputed was checked above.
        unchecked {
            rest = resolvedCount - undisputed;
        }
        _settle(agreementId, flow, epoch, terms, batch, rest);
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
    }

    /// @inheritdoc ISettlement
    function unpause() external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _unpause();
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
        return _submissionWindow;
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
    function batchDigest(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count,
        bytes32 root
    ) public view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_BATCH_TYPEHASH, agreementId, flow, epoch, count, root)));
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

    /// @dev Every check a new batch passes, in the order of its errors; returns the flow's terms.
    function _checkSubmission(
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        uint64 count
    ) private view returns (Flow memory terms) {
        AgreementStatus status = _AGREEMENTS.agreementStatus(agreementId);
        if (status != AgreementStatus.Active && status != AgreementStatus.Terminated) {
            revert SettlementAgreementNotSettleable(agreementId, status);
        }
        uint256 flowCount = _AGREEMENTS.flowCount(agreementId);
        if (flow >= flowCount) revert SettlementUnknownFlow(agreementId, flow, flowCount);
        terms = _AGREEMENTS.flowAt(agreementId, flow);
        if (msg.sender != terms.from) revert SettlementNotReferrer(msg.sender, terms.from);
        if (count == 0) revert SettlementEmptyBatch(agreementId, flow, epoch);
        uint64 settleable = _AGREEMENTS.settleableEpochs(agreementId);
        if (epoch >= settleable) revert SettlementEpochNotSettleable(agreementId, epoch, settleable);
        uint64 epochEnd = _AGREEMENTS.epochEnd(agreementId, epoch);
        if (block.timestamp < epochEnd) revert SettlementEpochNotEnded(agreementId, epoch, epochEnd);
        // In 256 bits: epochEnd + window cannot overflow; a deadline past 2^64 never closes.
        uint256 deadline = uint256(epochEnd) + _submissionWindow;
        if (block.timestamp > deadline) revert SettlementSubmissionClosed(agreementId, epoch, uint64(deadline));
        BatchStatus existing = _batches[agreementId][flow][epoch].status;
        if (existing != BatchStatus.None) revert SettlementBatchAlreadySubmitted(agreementId, flow, epoch, existing);
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
        uint64 previous = _submissionWindow;
        _submissionWindow = window;
        emit SubmissionWindowSet(previous, window);
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
