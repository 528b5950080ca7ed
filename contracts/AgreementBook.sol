// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {ConsortiumGated} from "./access/ConsortiumGated.sol";
import {IAgreementBook} from "./interfaces/IAgreementBook.sol";
import {IAgreementTerms} from "./interfaces/IAgreementTerms.sol";
import {IConsortiumRoles} from "./interfaces/IConsortiumRoles.sol";
import {AgreementStatus, Flow} from "./types/AgreementTypes.sol";
import {AgreementSchedule} from "./types/AgreementSchedule.sol";

/// @title FlowPact agreement book.
/// @notice Invariant: an agreement is Active only after every one of its parties accepted the
/// exact terms whose hash was fixed at proposal; its terms never change afterwards, and once it
/// leaves Proposed it never returns. Each status change happens in one hook that emits its event.
/// No epoch that ends after a party left the consortium ever counts as settleable.
contract AgreementBook is ConsortiumGated, EIP712, IAgreementBook {
    bytes32 private constant _ACCEPTANCE_TYPEHASH =
        keccak256("Acceptance(uint256 agreementId,bytes32 termsHash,address party)");
    uint256 private constant _MIN_PARTIES = 2;
    uint256 private constant _MAX_PARTIES = 4;
    /// @dev Every ordered pair of 4 parties is 12 flows; more would only duplicate pairs.
    uint256 private constant _MAX_FLOWS = 12;

    struct Agreement {
        AgreementStatus status;
        address proposer;
        uint64 proposalExpiry;
        /// @dev Epochs that can settle once Terminated (see {settleableEpochs}).
        uint64 terminationEpoch;
        /// @dev Bit i set when `parties[i]` accepted.
        uint8 acceptedMask;
        bytes32 termsHash;
        AgreementSchedule schedule;
        address[] parties;
        Flow[] flows;
    }

    mapping(uint256 agreementId => Agreement) private _agreements;
    uint256 private _agreementCount;

    constructor(IConsortiumRoles consortium_) ConsortiumGated(consortium_) EIP712("FlowPact Agreements", "1") {}

    // ---------------------------------------------------------------- proposals

    /// @inheritdoc IAgreementBook
    function propose(
        address[] calldata parties_,
        Flow[] calldata flows_,
        AgreementSchedule calldata schedule_,
        uint64 proposalExpiry
    ) external returns (uint256 agreementId) {
        _checkProposer(msg.sender, parties_);
        _validateParties(parties_);
        _validateFlows(parties_, flows_);
        _validateSchedule(schedule_, proposalExpiry);

        agreementId = ++_agreementCount;
        Agreement storage agreement = _agreements[agreementId];
        agreement.status = AgreementStatus.Proposed;
        agreement.proposer = msg.sender;
        agreement.proposalExpiry = proposalExpiry;
        agreement.schedule = schedule_;
        agreement.parties = parties_;
        for (uint256 i = 0; i < flows_.length; ++i) {
            agreement.flows.push(flows_[i]);
        }
        bytes32 hash = keccak256(abi.encode(parties_, flows_, schedule_));
        agreement.termsHash = hash;
        emit AgreementProposed(agreementId, msg.sender, hash, parties_, flows_, schedule_, proposalExpiry);
    }

    /// @inheritdoc IAgreementBook
    function accept(uint256 agreementId) external {
        Agreement storage agreement = _openProposal(agreementId);
        uint256 index = _partyIndex(agreementId, agreement, msg.sender);
        _accept(agreementId, agreement, index, false);
        _activateIfComplete(agreementId, agreement);
    }

    /// @inheritdoc IAgreementBook
    function acceptWithSignatures(uint256 agreementId, bytes[] calldata signatures) external {
        Agreement storage agreement = _openProposal(agreementId);
        uint256 partyCount = agreement.parties.length;
        if (signatures.length != partyCount) {
            revert AgreementBookSignatureCountMismatch(agreementId, partyCount, signatures.length);
        }
        bytes32 hash = agreement.termsHash;
        for (uint256 i = 0; i < partyCount; ++i) {
            // A party that already accepted (possibly by a copy of this very signature relayed
            // ahead of this call) is skipped, so nobody can make a relayer's batch fail.
            if (signatures[i].length == 0 || agreement.acceptedMask & (1 << i) != 0) continue;
            address party = agreement.parties[i];
            bytes32 digest = _acceptanceDigest(agreementId, hash, party);
            address signer = _consortium().signerOf(party);
            if (signer == address(0) || !SignatureChecker.isValidSignatureNow(signer, digest, signatures[i])) {
                revert AgreementBookInvalidSignature(agreementId, party, signer);
            }
            _accept(agreementId, agreement, i, true);
        }
        _activateIfComplete(agreementId, agreement);
    }

    /// @inheritdoc IAgreementBook
    function reject(uint256 agreementId) external {
        Agreement storage agreement = _openProposal(agreementId);
        _partyIndex(agreementId, agreement, msg.sender);
        agreement.status = AgreementStatus.Rejected;
        emit AgreementRejected(agreementId, msg.sender);
    }

    /// @inheritdoc IAgreementBook
    function markExpired(uint256 agreementId) external {
        Agreement storage agreement = _agreementWithStatus(agreementId, AgreementStatus.Proposed);
        if (block.timestamp < agreement.proposalExpiry) {
            revert AgreementBookProposalNotExpired(agreementId, agreement.proposalExpiry);
        }
        agreement.status = AgreementStatus.Expired;
        emit AgreementExpired(agreementId);
    }

    /// @inheritdoc IAgreementBook
    function terminate(uint256 agreementId) external {
        Agreement storage agreement = _agreementWithStatus(agreementId, AgreementStatus.Active);
        if (!_isParty(agreement, msg.sender)) {
            // Not a party: only the consortium's governor may end someone else's agreement.
            _checkConsortiumRole(_consortium().GOVERNOR_ROLE(), msg.sender);
        }
        AgreementSchedule storage s = agreement.schedule;
        if (block.timestamp >= s.end) revert AgreementBookAlreadyEnded(agreementId, s.end);
        uint64 totalEpochs = _totalEpochs(s);
        // The epoch under way finishes (none is under way before the start), then the notice runs.
        uint256 lastEpochUnderWay = block.timestamp < s.start ? 0 : (block.timestamp - s.start) / s.epochLength + 1;
        uint256 epochs = lastEpochUnderWay + s.noticeEpochs;
        uint64 terminationEpoch = epochs < totalEpochs ? uint64(epochs) : totalEpochs;
        // After a party left there is no notice: the agreement ends with the last epoch that
        // ended by the departure (never later than the notice, as the departure is past).
        uint64 beforeDeparture = _epochsBeforeDeparture(agreement);
        if (beforeDeparture < terminationEpoch) terminationEpoch = beforeDeparture;
        _terminate(agreementId, agreement, terminationEpoch);
    }

    /// @inheritdoc IAgreementBook
    function terminateOnDeparture(uint256 agreementId) external {
        Agreement storage agreement = _agreementWithStatus(agreementId, AgreementStatus.Active);
        uint64 beforeDeparture = _epochsBeforeDeparture(agreement);
        if (beforeDeparture >= _totalEpochs(agreement.schedule)) revert AgreementBookNoDeparture(agreementId);
        _terminate(agreementId, agreement, beforeDeparture);
    }

    // ---------------------------------------------------------------- IAgreementTerms views

    /// @inheritdoc IAgreementTerms
    /// @dev A proposal past its expiry reads as Expired even before {markExpired} records it.
    function agreementStatus(uint256 agreementId) public view returns (AgreementStatus) {
        Agreement storage agreement = _agreements[agreementId];
        if (agreement.status == AgreementStatus.Proposed && block.timestamp >= agreement.proposalExpiry) {
            return AgreementStatus.Expired;
        }
        return agreement.status;
    }

    /// @inheritdoc IAgreementTerms
    function flowCount(uint256 agreementId) external view returns (uint256) {
        return _agreements[agreementId].flows.length;
    }

    /// @inheritdoc IAgreementTerms
    function flowAt(uint256 agreementId, uint256 flowIndex) external view returns (Flow memory) {
        Flow[] storage flows_ = _agreements[agreementId].flows;
        if (flowIndex >= flows_.length) revert AgreementUnknownFlow(agreementId, flowIndex);
        return flows_[flowIndex];
    }

    /// @inheritdoc IAgreementTerms
    function epochEnd(uint256 agreementId, uint64 epoch) external view returns (uint64) {
        AgreementSchedule storage s = _agreements[agreementId].schedule;
        return s.start + (epoch + 1) * s.epochLength;
    }

    /// @inheritdoc IAgreementTerms
    /// @dev Reads every party's {IConsortiumRoles-leftAt}: a departure counts at once, before
    /// anyone records it with {terminateOnDeparture}.
    function settleableEpochs(uint256 agreementId) public view returns (uint64) {
        Agreement storage agreement = _agreements[agreementId];
        uint64 epochs;
        if (agreement.status == AgreementStatus.Active) {
            epochs = _totalEpochs(agreement.schedule);
        } else if (agreement.status == AgreementStatus.Terminated) {
            epochs = agreement.terminationEpoch;
        } else {
            return 0;
        }
        uint64 beforeDeparture = _epochsBeforeDeparture(agreement);
        return beforeDeparture < epochs ? beforeDeparture : epochs;
    }

    /// @inheritdoc IAgreementTerms
    function settlementTerms(
        uint256 agreementId,
        uint256 flowIndex,
        uint64 epoch
    )
        external
        view
        returns (
            AgreementStatus status_,
            uint256 flowCount_,
            uint64 settleableEpochs_,
            uint64 epochStart,
            uint64 epochEnd_,
            Flow memory flow
        )
    {
        status_ = agreementStatus(agreementId);
        flowCount_ = _agreements[agreementId].flows.length;
        settleableEpochs_ = settleableEpochs(agreementId);
        AgreementSchedule storage s = _agreements[agreementId].schedule;
        // In 256 bits: an epoch far beyond the schedule must not overflow (it is refused as not
        // settleable by the caller); such bounds are clamped to type(uint64).max.
        uint256 start = uint256(s.start) + uint256(epoch) * s.epochLength;
        uint256 end = start + s.epochLength;
        epochStart = start > type(uint64).max ? type(uint64).max : uint64(start);
        epochEnd_ = end > type(uint64).max ? type(uint64).max : uint64(end);
        if (flowIndex < flowCount_) flow = _agreements[agreementId].flows[flowIndex];
    }

    // ---------------------------------------------------------------- other views

    /// @inheritdoc IAgreementBook
    function currentEpoch(uint256 agreementId) external view returns (uint64) {
        AgreementSchedule storage s = _existing(agreementId).schedule;
        if (block.timestamp < s.start) revert AgreementBookNotStarted(agreementId, s.start);
        return uint64((block.timestamp - s.start) / s.epochLength);
    }

    /// @inheritdoc IAgreementBook
    function status(uint256 agreementId) external view returns (AgreementStatus) {
        return agreementStatus(agreementId);
    }

    /// @inheritdoc IAgreementBook
    function flows(uint256 agreementId) external view returns (Flow[] memory) {
        return _existing(agreementId).flows;
    }

    /// @inheritdoc IAgreementBook
    function parties(uint256 agreementId) external view returns (address[] memory) {
        return _existing(agreementId).parties;
    }

    /// @inheritdoc IAgreementBook
    function schedule(
        uint256 agreementId
    ) external view returns (AgreementSchedule memory schedule_, uint64 proposalExpiry) {
        Agreement storage agreement = _existing(agreementId);
        return (agreement.schedule, agreement.proposalExpiry);
    }

    /// @inheritdoc IAgreementBook
    function termsHash(uint256 agreementId) external view returns (bytes32) {
        return _existing(agreementId).termsHash;
    }

    /// @inheritdoc IAgreementBook
    function proposer(uint256 agreementId) external view returns (address) {
        return _existing(agreementId).proposer;
    }

    /// @inheritdoc IAgreementBook
    function hasAccepted(uint256 agreementId, address party) external view returns (bool) {
        Agreement storage agreement = _existing(agreementId);
        uint256 index = _partyIndex(agreementId, agreement, party);
        return agreement.acceptedMask & (1 << index) != 0;
    }

    /// @inheritdoc IAgreementBook
    function acceptanceDigest(uint256 agreementId, address party) external view returns (bytes32) {
        Agreement storage agreement = _existing(agreementId);
        _partyIndex(agreementId, agreement, party);
        return _acceptanceDigest(agreementId, agreement.termsHash, party);
    }

    /// @inheritdoc IAgreementBook
    function agreementCount() external view returns (uint256) {
        return _agreementCount;
    }

    // ---------------------------------------------------------------- transitions

    /// @dev Records the acceptance of `parties[index]` and emits {AgreementAccepted}.
    function _accept(uint256 agreementId, Agreement storage agreement, uint256 index, bool bySignature) private {
        address party = agreement.parties[index];
        uint8 bit = uint8(1 << index);
        if (agreement.acceptedMask & bit != 0) revert AgreementBookAlreadyAccepted(agreementId, party);
        _checkActiveMember(party);
        agreement.acceptedMask |= bit;
        emit AgreementAccepted(agreementId, party, bySignature);
    }

    /// @dev Active → Terminated: epochs `0 … terminationEpoch - 1` still settle; emits
    /// {AgreementTerminated} with the end of the last of them.
    function _terminate(uint256 agreementId, Agreement storage agreement, uint64 terminationEpoch) private {
        agreement.terminationEpoch = terminationEpoch;
        agreement.status = AgreementStatus.Terminated;
        AgreementSchedule storage s = agreement.schedule;
        emit AgreementTerminated(agreementId, msg.sender, terminationEpoch, s.start + terminationEpoch * s.epochLength);
    }

    /// @dev Proposed → Active once every party accepted; emits {AgreementActivated}. Every party
    /// must still be active then: one suspended after accepting blocks the activation.
    function _activateIfComplete(uint256 agreementId, Agreement storage agreement) private {
        address[] storage parties_ = agreement.parties;
        if (agreement.acceptedMask != (1 << parties_.length) - 1) return;
        for (uint256 i = 0; i < parties_.length; ++i) {
            _checkActiveMember(parties_[i]);
        }
        agreement.status = AgreementStatus.Active;
        emit AgreementActivated(agreementId);
    }

    // ---------------------------------------------------------------- checks

    function _existing(uint256 agreementId) private view returns (Agreement storage agreement) {
        agreement = _agreements[agreementId];
        if (agreement.status == AgreementStatus.None) revert AgreementBookUnknownAgreement(agreementId);
    }

    function _agreementWithStatus(
        uint256 agreementId,
        AgreementStatus expected
    ) private view returns (Agreement storage agreement) {
        agreement = _existing(agreementId);
        if (agreement.status != expected) {
            revert AgreementBookUnexpectedStatus(agreementId, agreement.status, expected);
        }
    }

    /// @dev A Proposed agreement whose acceptance window is still open.
    function _openProposal(uint256 agreementId) private view returns (Agreement storage agreement) {
        agreement = _agreementWithStatus(agreementId, AgreementStatus.Proposed);
        if (block.timestamp >= agreement.proposalExpiry) {
            revert AgreementBookProposalExpired(agreementId, agreement.proposalExpiry);
        }
    }

    function _partyIndex(
        uint256 agreementId,
        Agreement storage agreement,
        address account
    ) private view returns (uint256) {
        address[] storage parties_ = agreement.parties;
        for (uint256 i = 0; i < parties_.length; ++i) {
            if (parties_[i] == account) return i;
        }
        revert AgreementBookNotParty(agreementId, account);
    }

    function _isParty(Agreement storage agreement, address account) private view returns (bool) {
        address[] storage parties_ = agreement.parties;
        for (uint256 i = 0; i < parties_.length; ++i) {
            if (parties_[i] == account) return true;
        }
        return false;
    }

    function _checkProposer(address account, address[] calldata parties_) private view {
        if (_consortium().hasRole(_consortium().MATCHER_ROLE(), account)) return;
        for (uint256 i = 0; i < parties_.length; ++i) {
            if (parties_[i] == account) return;
        }
        revert AgreementBookUnauthorizedProposer(account);
    }

    function _validateParties(address[] calldata parties_) private view {
        uint256 count = parties_.length;
        if (count < _MIN_PARTIES || count > _MAX_PARTIES) revert AgreementBookInvalidPartyCount(count);
        for (uint256 i = 0; i < count; ++i) {
            for (uint256 j = 0; j < i; ++j) {
                if (parties_[i] == parties_[j]) revert AgreementBookDuplicateParty(parties_[i]);
            }
            _checkActiveMember(parties_[i]);
        }
    }

    function _validateFlows(address[] calldata parties_, Flow[] calldata flows_) private pure {
        uint256 count = flows_.length;
        if (count == 0 || count > _MAX_FLOWS) revert AgreementBookInvalidFlowCount(count);
        uint256 touched; // bit i set when parties_[i] is an endpoint of some flow
        for (uint256 i = 0; i < count; ++i) {
            Flow calldata flow = flows_[i];
            if (flow.from == flow.to) revert AgreementBookSelfFlow(i, flow.from);
            touched |= _endpointBit(i, parties_, flow.from) | _endpointBit(i, parties_, flow.to);
            if (flow.segments == 0) revert AgreementBookEmptyFlowSegments(i);
            if (flow.capPerEpoch == 0) revert AgreementBookZeroFlowCap(i);
            // A full epoch must be postable: the ledger takes at most type(int128).max per posting.
            if (uint256(flow.capPerEpoch) * flow.rate > uint256(uint128(type(int128).max))) {
                revert AgreementBookFlowValueTooLarge(i, flow.capPerEpoch, flow.rate);
            }
        }
        for (uint256 i = 0; i < parties_.length; ++i) {
            if (touched & (1 << i) == 0) revert AgreementBookIdleParty(parties_[i]);
        }
    }

    function _endpointBit(
        uint256 flowIndex,
        address[] calldata parties_,
        address account
    ) private pure returns (uint256) {
        for (uint256 i = 0; i < parties_.length; ++i) {
            if (parties_[i] == account) return 1 << i;
        }
        revert AgreementBookFlowEndpointNotParty(flowIndex, account);
    }

    function _validateSchedule(AgreementSchedule calldata s, uint64 proposalExpiry) private view {
        if (s.epochLength == 0 || s.end <= s.start || (s.end - s.start) % s.epochLength != 0) {
            revert AgreementBookInvalidSchedule(s.start, s.end, s.epochLength);
        }
        if (proposalExpiry <= block.timestamp) {
            revert AgreementBookProposalExpiryInPast(proposalExpiry, block.timestamp);
        }
        if (s.start < proposalExpiry) revert AgreementBookStartsBeforeProposalExpiry(s.start, proposalExpiry);
    }

    function _acceptanceDigest(uint256 agreementId, bytes32 hash, address party) private view returns (bytes32) {
        return _hashTypedDataV4(keccak256(abi.encode(_ACCEPTANCE_TYPEHASH, agreementId, hash, party)));
    }

    // ---------------------------------------------------------------- schedule

    function _totalEpochs(AgreementSchedule storage s) private view returns (uint64) {
        return (s.end - s.start) / s.epochLength;
    }

    /// @dev How many epochs ended by the earliest departure (expulsion or exit) of a party:
    /// `type(uint64).max` while no party has left, 0 when one left before the start.
    function _epochsBeforeDeparture(Agreement storage agreement) private view returns (uint64) {
        address[] storage parties_ = agreement.parties;
        uint64 earliest = type(uint64).max;
        for (uint256 i = 0; i < parties_.length; ++i) {
            uint64 left = _consortium().leftAt(parties_[i]);
            if (left != 0 && left < earliest) earliest = left;
        }
        if (earliest == type(uint64).max) return earliest;
        AgreementSchedule storage s = agreement.schedule;
        return earliest <= s.start ? 0 : (earliest - s.start) / s.epochLength;
    }
}
