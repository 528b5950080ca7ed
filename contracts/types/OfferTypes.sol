// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The two sides of an offer, named in errors.
enum OfferSide {
    Supply,
    Demand
}

/// @notice What a member offers and wants. A side is absent when both its segments and its
/// quantity are zero; at least one side must be present.
/// @param supplySegments Audience segments the member can send (catalogue bitmap).
/// @param capacityPerEpoch Referrals per epoch it can send.
/// @param minRate The lowest rate (credits per referral) at which it sends.
/// @param demandSegments Audience segments it wants to receive (catalogue bitmap).
/// @param volumePerEpoch Referrals per epoch it wants to receive.
/// @param maxRate The highest rate it pays per referral received.
/// @param excludedIndustries Industries it refuses to trade with (bit `code` set = excluded).
/// @param expiry Timestamp after which the offer no longer counts.
struct OfferTerms {
    uint256 supplySegments;
    uint64 capacityPerEpoch;
    uint128 minRate;
    uint256 demandSegments;
    uint64 volumePerEpoch;
    uint128 maxRate;
    uint256 excludedIndustries;
    uint64 expiry;
}
