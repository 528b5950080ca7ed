// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title Attack double: an ERC-1271 wallet that, while its signature is being checked, calls back
/// into the contract checking it (e.g. to commit a second batch or claim the same one), ignores
/// whether that worked, and answers with its owner's verdict. The reentry must have no effect.
/// @dev `isValidSignature` is deliberately not `view`: a malicious wallet is free to try a
/// state-changing call; only the caller's use of STATICCALL stops it.
contract ReentrantERC1271Wallet {
    event ReentryAttempted(bool succeeded);

    address private immutable _OWNER;
    address private _target;
    bytes private _reentry;

    constructor(address owner) {
        _OWNER = owner;
    }

    /// @notice Arms the reentry: `isValidSignature` will call `target` with `data`.
    function arm(address target, bytes calldata data) external {
        _target = target;
        _reentry = data;
    }

    function isValidSignature(bytes32 hash, bytes calldata signature) external returns (bytes4) {
        if (_target != address(0)) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool succeeded, ) = _target.call(_reentry);
            // Logging is itself a state change: in a static context this line cannot run either.
            if (succeeded) emit ReentryAttempted(succeeded);
        }
        (address recovered, ECDSA.RecoverError err, ) = ECDSA.tryRecover(hash, signature);
        return err == ECDSA.RecoverError.NoError && recovered == _OWNER ? this.isValidSignature.selector : bytes4(0);
    }
}
