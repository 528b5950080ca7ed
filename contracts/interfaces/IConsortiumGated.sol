// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The errors of every contract that checks roles and membership through the consortium.
interface IConsortiumGated {
    /// @notice `account` lacks `neededRole` in the consortium.
    error ConsortiumUnauthorizedAccount(address account, bytes32 neededRole);

    /// @notice `account` is not an active member (never admitted, suspended or exited).
    error ConsortiumInactiveMember(address account);

    /// @notice The consortium address given to the constructor is the zero address.
    error ConsortiumZeroAddress();
}
