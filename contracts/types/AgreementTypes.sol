// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Life cycle of an agreement. Only `Active` agreements, and `Terminated` ones for the
/// epochs before their termination took effect, can settle.
enum AgreementStatus {
    None,
    Proposed,
    Active,
    Rejected,
    Expired,
    Terminated
}

/// @notice One directed traffic flow of an agreement: `from` refers users in `segments` to `to`,
/// at most `capPerEpoch` referrals per epoch are paid, each at `rate` credits (paid by `to`).
struct Flow {
    address from;
    address to;
    uint256 segments;
    uint64 capPerEpoch;
    uint128 rate;
}
