// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsortiumGated} from "../access/ConsortiumGated.sol";
import {IConsortiumRoles} from "../interfaces/IConsortiumRoles.sol";

/// @notice Exposes the ConsortiumGated modifiers so their checks can be tested on their own.
contract ConsortiumGatedHarness is ConsortiumGated {
    event Called(address caller);

    constructor(IConsortiumRoles consortium_) ConsortiumGated(consortium_) {}

    function auditorOnly() external onlyConsortiumRole(_consortium().AUDITOR_ROLE()) {
        emit Called(msg.sender);
    }

    function activeMemberOnly() external onlyActiveMember {
        emit Called(msg.sender);
    }

    function consortium() external view returns (IConsortiumRoles) {
        return _consortium();
    }
}
