// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IConsortiumRoles} from "./IConsortiumRoles.sol";
import {MemberProfile, MemberStatus, SuspensionPeriod} from "../types/MemberTypes.sol";

/// @title The FlowPact consortium: roles and the member registry.
/// @notice An institution applies with its profile; the governor admits, suspends, reinstates or
/// expels it; a member may leave. Only `Admitted` members trade. Events carry the full profile and
/// every status change, so an indexer rebuilds the registry from logs alone. The registry also
/// keeps what settlement asks about the past: when a member left ({leftAt}) and its suspensions
/// ({suspensionsOf}, {suspendedThroughout}).
interface IConsortium is IConsortiumRoles {
    /// @notice `member` moved from `previous` to `next`; `reason` is a governor-supplied hash of a
    /// written reason (zero when none, e.g. for admissions or voluntary exits).
    event MemberStatusChanged(
        address indexed member,
        MemberStatus previous,
        MemberStatus next,
        bytes32 reason
    );

    /// @notice `member`'s profile is now `profile` (emitted on application and on every update).
    event MemberProfileUpdated(address indexed member, MemberProfile profile);

    /// @notice `member` cannot move from `current` to `next` (e.g. admitting an account that
    /// never applied, suspending an exited member, applying twice).
    error ConsortiumInvalidMemberTransition(address member, MemberStatus current, MemberStatus next);

    /// @notice The profile of `member` names no signer.
    error ConsortiumZeroSigner(address member);

    /// @notice `industry` is not a catalogue code in 1..255.
    error ConsortiumInvalidIndustry(uint16 industry);

    /// @notice The profile of `member` reaches no audience segment.
    error ConsortiumEmptyAudience(address member);

    /// @notice `member` (in status `status`) has no profile it may edit: it never applied or exited.
    error ConsortiumProfileNotEditable(address member, MemberStatus status);

    /// @notice The caller applies for membership with `profile`.
    /// @dev Emits {MemberProfileUpdated} then {MemberStatusChanged} (None → Applied).
    function applyForMembership(MemberProfile calldata profile) external;

    /// @notice Replaces the caller's profile (while applied, admitted or suspended).
    function updateProfile(MemberProfile calldata profile) external;

    /// @notice GOVERNOR: admits an applicant (Applied → Admitted).
    function admit(address member) external;

    /// @notice GOVERNOR: declines an application (Applied → None); the account may apply again.
    function decline(address member, bytes32 reason) external;

    /// @notice GOVERNOR: suspends a member (Admitted → Suspended); it cannot trade until reinstated.
    /// Opens a period of {suspensionsOf} at the block time.
    function suspend(address member, bytes32 reason) external;

    /// @notice GOVERNOR: reinstates a suspended member (Suspended → Admitted); closes its latest
    /// suspension period at the block time.
    function reinstate(address member) external;

    /// @notice GOVERNOR: expels an admitted or suspended member (→ Exited, final); {leftAt} records
    /// the block time. A suspension under way stays open.
    function expel(address member, bytes32 reason) external;

    /// @notice The caller, an admitted or suspended member, leaves the consortium (→ Exited, final);
    /// {leftAt} records the block time.
    function exit() external;

    /// @notice Status of `member` (`None` for an unknown account).
    function memberStatus(address member) external view returns (MemberStatus);

    /// @notice Current profile of `member` (all zero for an unknown account).
    function profileOf(address member) external view returns (MemberProfile memory);

    /// @notice Every suspension of `member`, oldest first (`end` 0: still running). Periods are
    /// disjoint and in time order.
    function suspensionsOf(address member) external view returns (SuspensionPeriod[] memory);

    /// @notice Number of members currently `Admitted`.
    function activeMemberCount() external view returns (uint256);
}
