// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Gas baseline: the naive design that records every referral on chain, one by one.
/// @notice What FlowPact's Merkle batches replace: one transaction per referral, each storing the
/// click id (to refuse duplicates), counting it for its (agreement, flow, epoch) and emitting an
/// event. Used only by `scripts/bench/settlement-gas.ts`.
contract NaiveReferralLog {
    error NaiveReferralAlreadyRecorded(bytes32 clickId);

    event ReferralRecorded(uint256 indexed agreementId, uint256 indexed flow, uint64 indexed epoch, bytes32 clickId);

    mapping(bytes32 clickId => bool) private _recorded;
    mapping(uint256 agreementId => mapping(uint256 flow => mapping(uint64 epoch => uint64))) private _counts;

    function record(uint256 agreementId, uint256 flow, uint64 epoch, bytes32 clickId) external {
        if (_recorded[clickId]) revert NaiveReferralAlreadyRecorded(clickId);
        _recorded[clickId] = true;
        ++_counts[agreementId][flow][epoch];
        emit ReferralRecorded(agreementId, flow, epoch, clickId);
    }

    function countOf(uint256 agreementId, uint256 flow, uint64 epoch) external view returns (uint64) {
        return _counts[agreementId][flow][epoch];
    }
}
