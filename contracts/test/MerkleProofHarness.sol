// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @notice Test-only: exposes OpenZeppelin's MerkleProof so the TypeScript receipts library can be
/// checked against the exact on-chain verifier, including the receipt leaf encoding.
contract MerkleProofHarness {
    /// @notice The receipt leaf as a Solidity verifier computes it (OpenZeppelin StandardMerkleTree
    /// encoding: double keccak of the ABI encoding).
    function receiptLeaf(uint256 agreementId, uint256 flow, uint64 epoch, bytes32 clickId)
        public
        pure
        returns (bytes32)
    {
        return keccak256(bytes.concat(keccak256(abi.encode(agreementId, flow, epoch, clickId))));
    }

    function verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @notice Verifies a receipt from its fields, as an auditing contract would.
    function verifyReceipt(
        bytes32[] calldata proof,
        bytes32 root,
        uint256 agreementId,
        uint256 flow,
        uint64 epoch,
        bytes32 clickId
    ) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, receiptLeaf(agreementId, flow, epoch, clickId));
    }

    function multiProofVerify(
        bytes32[] calldata proof,
        bool[] calldata proofFlags,
        bytes32 root,
        bytes32[] calldata leaves
    ) external pure returns (bool) {
        return MerkleProof.multiProofVerifyCalldata(proof, proofFlags, root, leaves);
    }
}
