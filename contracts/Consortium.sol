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

    mapping(address member => MemberStatus) private _status;
    mapping(address member => MemberProfile) private _profile;
    uint256 private _activeMembers;
    mapping(address member => uint64) private _leftAt;
    mapping(address member => SuspensionPeriod[]) private _suspensions;

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
        MemberStatus status = _status[msg.sender];
        if (status == MemberStatus.None || status == MemberStatus.Exited) {
            revert ConsortiumProfileNotEditable(msg.sender, status);
        }
        _setProfile(msg.sender, profile);
    }

    /// @inheritdoc IConsortium
    function exit() external {
        MemberStatus from = _status[msg.sender] == MemberStatus.Suspended
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
        MemberStatus from = _status[member] == MemberStatus.Suspended
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
        return _status[member] == MemberStatus.Admitted;
    }

    /// @inheritdoc IConsortiumRoles
    /// @dev A suspended member's signer still counts: suspension stops new trade, not the
    /// settlement of traffic already delivered under its agreements.
    function signerOf(address member) external view returns (address) {
        MemberStatus status = _status[member];
        if (status == MemberStatus.Admitted || status == MemberStatus.Suspended) {
            return _profile[member].signer;
        }
        return address(0);
    }

    /// @inheritdoc IConsortiumRoles
    function leftAt(address member) external view returns (uint64) {
        return _leftAt[member];
    }

    /// @inheritdoc IConsortiumRoles
    /// @dev O(1) when the interval lies in or after the latest suspension start (settling recent
    /// epochs), O(log n) in the number of suspensions otherwise.
    function suspendedThroughout(address member, uint64 from, uint64 to) external view returns (bool) {
        if (to < from) return false;
        SuspensionPeriod[] storage periods = _suspensions[member];
        uint256 count = periods.length;
        if (count == 0) return false;
        // Periods are disjoint and in time order, so only the last one to start at or before
        // `from` can hold the interval: find the first that starts after `from`.
        uint256 index = count;
        if (periods[count - 1].start > from) {
            uint256 low = 0;
            uint256 high = count - 1;
            while (low < high) {
                uint256 mid = (low + high) / 2;
                if (periods[mid].start > from) high = mid;
                else low = mid + 1;
            }
            if (low == 0) return false;
            index = low;
        }
        uint64 end = periods[index - 1].end;
        return end == 0 || to <= end;
    }

    /// @inheritdoc IConsortium
    function suspensionsOf(address member) external view returns (SuspensionPeriod[] memory) {
        return _suspensions[member];
    }

    /// @inheritdoc IConsortium
    function memberStatus(address member) external view returns (MemberStatus) {
        return _status[member];
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
        MemberStatus current = _status[member];
        if (current != from) revert ConsortiumInvalidMemberTransition(member, current, to);
        _status[member] = to;
        // The count moves by one only when a member enters or leaves Admitted; it never goes
        // below zero because leaving Admitted requires having entered it.
        if (to == MemberStatus.Admitted) {
            ++_activeMembers;
        } else if (from == MemberStatus.Admitted) {
            --_activeMembers;
        }
        uint64 nowTime = uint64(block.timestamp);
        if (to == MemberStatus.Suspended) {
            _suspensions[member].push(SuspensionPeriod({start: nowTime, end: 0}));
        } else if (to == MemberStatus.Admitted && from == MemberStatus.Suspended) {
            // Suspended implies a period was opened, and only the latest can be open.
            SuspensionPeriod[] storage periods = _suspensions[member];
            periods[periods.length - 1].end = nowTime;
        } else if (to == MemberStatus.Exited) {
            _leftAt[member] = nowTime;
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
