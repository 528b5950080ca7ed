// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IConsortiumGated} from "../interfaces/IConsortiumGated.sol";
import {IConsortiumRoles} from "../interfaces/IConsortiumRoles.sol";

/// @title Access checks against the FlowPact consortium.
/// @notice Every FlowPact contract other than the Consortium itself inherits this: the Consortium
/// is the only AccessControl, so roles and membership are checked through it, never copied.
/// Invariant: the consortium a contract answers to is fixed at deployment.
abstract contract ConsortiumGated is IConsortiumGated {
    IConsortiumRoles private immutable _CONSORTIUM;

    /// @dev Restricts a function to holders of `role` in the consortium.
    modifier onlyConsortiumRole(bytes32 role) {
        _checkConsortiumRole(role, msg.sender);
        _;
    }

    /// @dev Restricts a function to active members of the consortium.
    modifier onlyActiveMember() {
        _checkActiveMember(msg.sender);
        _;
    }

    constructor(IConsortiumRoles consortium_) {
        if (address(consortium_) == address(0)) revert ConsortiumZeroAddress();
        _CONSORTIUM = consortium_;
    }

    /// @dev Reverts with {ConsortiumUnauthorizedAccount} unless `account` holds `role`.
    function _checkConsortiumRole(bytes32 role, address account) internal view virtual {
        if (!_CONSORTIUM.hasRole(role, account)) revert ConsortiumUnauthorizedAccount(account, role);
    }

    /// @dev Reverts with {ConsortiumInactiveMember} unless `account` is an active member.
    function _checkActiveMember(address account) internal view virtual {
        if (!_CONSORTIUM.isActiveMember(account)) revert ConsortiumInactiveMember(account);
    }

    /// @dev The consortium this contract answers to.
    function _consortium() internal view returns (IConsortiumRoles) {
        return _CONSORTIUM;
    }
}
