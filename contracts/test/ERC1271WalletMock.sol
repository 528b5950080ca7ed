// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

/// @notice Test double of a member's contract wallet: its owner's ECDSA signatures count as the
/// wallet's (ERC-1271), and the owner makes the wallet call other contracts.
contract ERC1271WalletMock is IERC1271 {
    error ERC1271WalletMockNotOwner(address account);

    address private immutable _OWNER;

    constructor(address owner_) {
        _OWNER = owner_;
    }

    /// @notice Calls `target` with `data` as the wallet, bubbling up any revert.
    function execute(address target, bytes calldata data) external returns (bytes memory) {
        if (msg.sender != _OWNER) revert ERC1271WalletMockNotOwner(msg.sender);
        return Address.functionCall(target, data);
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecover(hash, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == _OWNER) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
