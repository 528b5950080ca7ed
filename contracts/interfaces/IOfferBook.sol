// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OfferSide, OfferTerms} from "../types/OfferTypes.sol";

/// @title The offer book: what each member can send and wants to receive.
/// @notice Active members post, update and withdraw offers; the matching daemon reads them from
/// events. Offers are advisory: agreements, not offers, bind anyone.
interface IOfferBook {
    /// @notice `owner` posted offer `offerId` with `terms`.
    event OfferPosted(uint256 indexed offerId, address indexed owner, OfferTerms terms);

    /// @notice `owner` replaced the terms of offer `offerId` with `terms`.
    event OfferUpdated(uint256 indexed offerId, address indexed owner, OfferTerms terms);

    /// @notice `owner` withdrew offer `offerId`; it no longer exists.
    event OfferWithdrawn(uint256 indexed offerId, address indexed owner);

    /// @notice The offer has neither a supply nor a demand side.
    error OfferBookEmptyOffer();

    /// @notice `side` has a quantity but names no segment.
    error OfferBookEmptySegments(OfferSide side);

    /// @notice `side` names segments but its capacity (supply) or volume (demand) is zero.
    error OfferBookZeroCapacity(OfferSide side);

    /// @notice The supply floor `minRate` exceeds the demand ceiling `maxRate` of the same offer.
    error OfferBookMinRateAboveMaxRate(uint128 minRate, uint128 maxRate);

    /// @notice `expiry` is not after the current block time `nowTime`.
    error OfferBookExpiryInPast(uint64 expiry, uint256 nowTime);

    /// @notice `account` is a suspended member: it may withdraw offers but not post or update them.
    error OfferBookSuspendedMember(address account);

    /// @notice `account` is not the owner `owner` of offer `offerId`.
    error OfferBookNotOfferOwner(uint256 offerId, address account, address owner);

    /// @notice No offer `offerId` exists (never posted, or withdrawn).
    error OfferBookUnknownOffer(uint256 offerId);

    /// @notice Active member: posts a new offer; returns its id (ids start at 1).
    function postOffer(OfferTerms calldata terms) external returns (uint256 offerId);

    /// @notice Active member, owner: replaces the terms of `offerId` (e.g. to extend its expiry).
    function updateOffer(uint256 offerId, OfferTerms calldata terms) external;

    /// @notice Owner (whatever its membership status): withdraws `offerId`.
    function withdrawOffer(uint256 offerId) external;

    /// @notice Owner and terms of `offerId`; reverts with {OfferBookUnknownOffer} if it does not exist.
    function offer(uint256 offerId) external view returns (address owner, OfferTerms memory terms);

    /// @notice Whether `offerId` exists, has not expired and its owner is an active member.
    function isOfferLive(uint256 offerId) external view returns (bool);

    /// @notice The number of offers ever posted (the highest id).
    function offerCount() external view returns (uint256);
}
