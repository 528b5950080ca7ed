// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The consortium views that every other FlowPact contract relies on.
/// @notice The Consortium contract is the one place where roles and membership live.
interface IConsortiumRoles {
    /// @notice `keccak256("GOVERNOR_ROLE")`: admits and suspends members, sets limits, pauses.
    function GOVERNOR_ROLE() external view returns (bytes32);

    /// @notice `keccak256("MATCHER_ROLE")`: the matching daemon; proposes agreements.
    function MATCHER_ROLE() external view returns (bytes32);

    /// @notice `keccak256("AUDITOR_ROLE")`: resolves disputes and records attestations.
    function AUDITOR_ROLE() external view returns (bytes32);

    /// @notice Whether `account` holds `role` (OpenZeppelin AccessControl semantics).
    function hasRole(bytes32 role, address account) external view returns (bool);

    /// @notice Whether `member` is admitted and not suspended or exited.
    function isActiveMember(address member) external view returns (bool);

    /// @notice The key that signs for `member` (an EOA or an ERC-1271 contract wallet);
    /// `address(0)` when `member` is not admitted.
    function signerOf(address member) external view returns (address);

    /// @notice The key of `member`'s profile whatever its status now (zero for no profile): what
    /// checks a signature the member made while it was a member, such as an acknowledgement of an
    /// epoch that ended before it left (settlement stops later epochs by `leftAt`).
    function recordedSignerOf(address member) external view returns (address);

    /// @notice When `member` was expelled or exited (block timestamp), 0 while it has not left.
    function leftAt(address member) external view returns (uint64);

    /// @notice Whether the interval [from, to) lies wholly inside one suspension of `member`
    /// (a suspension still running extends to the end of time).
    /// @dev A suspension covers `[suspension time, reinstatement time)`: an interval from the
    /// suspension's block time up to the reinstatement's lies inside it. False when `to < from`.
    function suspendedThroughout(address member, uint64 from, uint64 to) external view returns (bool);
}
