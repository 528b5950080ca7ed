// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IConsortiumRoles} from "./interfaces/IConsortiumRoles.sol";
import {MemberProfile, MemberStatus, SuspensionPeriod} from "./types/MemberTypes.sol";

/// @title FlowPact consortium: the only AccessControl of the protocol, and the member registry.
/// @notice Invariant: a member's status changes only along the life cycle of {MemberStatus}, in
/// {_transition}, which emits {MemberStatusChanged} and keeps the history settlement reads (the
/// departure time, the suspension periods: disjoint, in time order, only the latest open);
/// `activeMemberCount` equals the number of `Admitted` members. The GOVERNOR administers every
/// role, itself included.
contract Consortium is AccessControl, IConsortium {
    /// @inheritdoc IConsortiumRoles
    bytes32 public constant override GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @inheritdoc IConsortiumRoles
    bytes32 public constant override MATCHER_ROLE = keccak256("MATCHER_ROLE");
    /// @inheritdoc IConsortiumRoles
    bytes32 public constant override AUDITOR_ROLE = keccak256("AUDITOR_ROLE");

    /// @dev Industries are bits of a uint256 in offers' exclusion lists, so codes stay below 256.
    uint16 private constant _MAX_INDUSTRY = 255;

    /// @dev One slot per member: its status, when it left, and its latest suspension (the one
    /// settlement asks about nearly always), so that suspending, reinstating and leaving cost no
    /// new storage slot; earlier suspensions are archived in `_pastSuspensions` when a new one starts.
    struct MemberRecord {
        MemberStatus status;
        /// @dev Block time of the expulsion or exit; 0 while the member has not left.
        uint64 leftAt;
        /// @dev Start of the latest suspension; 0 when never suspended.
        uint64 suspendedAt;
        /// @dev End of the latest suspension (its reinstatement); 0 while it runs.
        uint64 reinstatedAt;
        /// @dev How many suspensions before the latest are archived.
        uint32 pastSuspensions;
    }

    mapping(address member => MemberRecord) private _members;
    mapping(address member => mapping(uint256 index => SuspensionPeriod)) private _pastSuspensions;
    mapping(address member => MemberProfile) private _profile;
    uint256 private _activeMembers;

    /// @param governor The first governor (a multisig in production); it can grant every role.
    constructor(address governor) {
        _setRoleAdmin(GOVERNOR_ROLE, GOVERNOR_ROLE);
        _setRoleAdmin(MATCHER_ROLE, GOVERNOR_ROLE);
        _setRoleAdmin(AUDITOR_ROLE, GOVERNOR_ROLE);
        _grantRole(GOVERNOR_ROLE, governor);
    }

    // ---------------------------------------------------------------- member actions

    /// @inheritdoc IConsortium
    function applyForMembership(MemberProfile calldata profile) external {
        _setProfile(msg.sender, profile);
        _transition(msg.sender, MemberStatus.None, MemberStatus.Applied, bytes32(0));
    }

    /// @inheritdoc IConsortium
    function updateProfile(MemberProfile calldata profile) external {
        MemberStatus status = _members[msg.sender].status;
        if (status == MemberStatus.None || status == MemberStatus.Exited) {
            revert ConsortiumProfileNotEditable(msg.sender, status);
        }
        _setProfile(msg.sender, profile);
    }

    /// @inheritdoc IConsortium
    function exit() external {
        MemberStatus from = _members[msg.sender].status == MemberStatus.Suspended
            ? MemberStatus.Suspended
            : MemberStatus.Admitted;
        _transition(msg.sender, from, MemberStatus.Exited, bytes32(0));
    }

    // ---------------------------------------------------------------- governor actions

    /// @inheritdoc IConsortium
    function admit(address member) external onlyRole(GOVERNOR_ROLE) {
        _transition(member, MemberStatus.Applied, MemberStatus.Admitted, bytes32(0));
    }

    /// @inheritdoc IConsortium
    function decline(address member, bytes32 reason) external onlyRole(GOVERNOR_ROLE) {
        _transition(member, MemberStatus.Applied, MemberStatus.None, reason);
        // A declined applicant leaves no profile behind; it may apply again from scratch.
        delete _profile[member];
    }

    /// @inheritdoc IConsortium
    function suspend(address member, bytes32 reason) external onlyRole(GOVERNOR_ROLE) {
        _transition(member, MemberStatus.Admitted, MemberStatus.Suspended, reason);
    }

    /// @inheritdoc IConsortium
    function reinstate(address member) external onlyRole(GOVERNOR_ROLE) {
        _transition(member, MemberStatus.Suspended, MemberStatus.Admitted, bytes32(0));
    }

    /// @inheritdoc IConsortium
    function expel(address member, bytes32 reason) external onlyRole(GOVERNOR_ROLE) {
        MemberStatus from = _members[member].status == MemberStatus.Suspended
            ? MemberStatus.Suspended
            : MemberStatus.Admitted;
        _transition(member, from, MemberStatus.Exited, reason);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IConsortiumRoles
    function hasRole(
        bytes32 role,
        address account
    ) public view override(AccessControl, IConsortiumRoles) returns (bool) {
        return super.hasRole(role, account);
    }

    /// @inheritdoc IConsortiumRoles
    function isActiveMember(address member) external view returns (bool) {
        return _members[member].status == MemberStatus.Admitted;
    }

    /// @inheritdoc IConsortiumRoles
    /// @dev A suspended member's signer still counts: suspension stops new trade, not the
    /// settlement of traffic already delivered under its agreements.
    function signerOf(address member) external view returns (address) {
        MemberStatus status = _members[member].status;
        if (status == MemberStatus.Admitted || status == MemberStatus.Suspended) {
            return _profile[member].signer;
        }
        return address(0);
    }

    /// @inheritdoc IConsortiumRoles
    function recordedSignerOf(address member) external view returns (address) {
        return _profile[member].signer;
    }

    /// @inheritdoc IConsortiumRoles
    function leftAt(address member) external view returns (uint64) {
        return _members[member].leftAt;
    }

    /// @inheritdoc IConsortiumRoles
    /// @dev O(1) when the interval starts in or after the latest suspension (settling recent
    /// epochs), O(log n) in the number of earlier suspensions otherwise.
    function suspendedThroughout(address member, uint64 from, uint64 to) external view returns (bool) {
        if (to < from) return false;
        MemberRecord memory record = _members[member];
        if (record.suspendedAt == 0) return false;
        if (record.suspendedAt <= from) return record.reinstatedAt == 0 || to <= record.reinstatedAt;
        // Periods are disjoint and in time order, so only the last one to start at or before
        // `from` can hold the interval: find the first archived period that starts after `from`.
        mapping(uint256 => SuspensionPeriod) storage past = _pastSuspensions[member];
        uint256 low = 0;
        uint256 high = record.pastSuspensions;
        while (low < high) {
            uint256 mid = (low + high) / 2;
            if (past[mid].start > from) high = mid;
            else low = mid + 1;
        }
        if (low == 0) return false;
        // Archived periods are closed: their end is set.
        return to <= past[low - 1].end;
    }

    /// @inheritdoc IConsortium
    function suspensionsOf(address member) external view returns (SuspensionPeriod[] memory periods) {
        MemberRecord memory record = _members[member];
        if (record.suspendedAt == 0) return periods;
        uint256 archived = record.pastSuspensions;
        periods = new SuspensionPeriod[](archived + 1);
        for (uint256 i = 0; i < archived; ++i) {
            periods[i] = _pastSuspensions[member][i];
        }
        periods[archived] = SuspensionPeriod({start: record.suspendedAt, end: record.reinstatedAt});
    }

    /// @inheritdoc IConsortium
    function memberStatus(address member) external view returns (MemberStatus) {
        return _members[member].status;
    }

    /// @inheritdoc IConsortium
    function profileOf(address member) external view returns (MemberProfile memory) {
        return _profile[member];
    }

    /// @inheritdoc IConsortium
    function activeMemberCount() external view returns (uint256) {
        return _activeMembers;
    }

    // ---------------------------------------------------------------- internal

    /// @dev The one place a member's status changes: checks the expected current status, keeps
    /// the active-member count and the history (suspension periods, departure time) and emits
    /// {MemberStatusChanged}.
    function _transition(address member, MemberStatus from, MemberStatus to, bytes32 reason) private {
        MemberRecord storage record = _members[member];
        MemberStatus current = record.status;
        if (current != from) revert ConsortiumInvalidMemberTransition(member, current, to);
        record.status = to;
        // The count moves by one only when a member enters or leaves Admitted; it never goes
        // below zero because leaving Admitted requires having entered it.
        if (to == MemberStatus.Admitted) {
            ++_activeMembers;
        } else if (from == MemberStatus.Admitted) {
            --_activeMembers;
        }
        uint64 nowTime = uint64(block.timestamp);
        if (to == MemberStatus.Suspended) {
            // Only Admitted → Suspended gets here, so the latest suspension (if any) is closed.
            if (record.suspendedAt != 0) {
                _pastSuspensions[member][record.pastSuspensions] = SuspensionPeriod({
                    start: record.suspendedAt,
                    end: record.reinstatedAt
                });
                ++record.pastSuspensions;
            }
            record.suspendedAt = nowTime;
            record.reinstatedAt = 0;
        } else if (from == MemberStatus.Suspended && to == MemberStatus.Admitted) {
            record.reinstatedAt = nowTime;
        } else if (to == MemberStatus.Exited) {
            record.leftAt = nowTime;
        }
        emit MemberStatusChanged(member, from, to, reason);
    }

    /// @dev Validates and stores `profile` for `member`, then emits {MemberProfileUpdated}.
    function _setProfile(address member, MemberProfile calldata profile) private {
        if (profile.signer == address(0)) revert ConsortiumZeroSigner(member);
        if (profile.industry == 0 || profile.industry > _MAX_INDUSTRY) {
            revert ConsortiumInvalidIndustry(profile.industry);
        }
        if (profile.segments == 0) revert ConsortiumEmptyAudience(member);
        _profile[member] = profile;
        emit MemberProfileUpdated(member, profile);
    }
}
