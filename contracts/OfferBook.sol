// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ConsortiumGated} from "./access/ConsortiumGated.sol";
import {IConsortium} from "./interfaces/IConsortium.sol";
import {IOfferBook} from "./interfaces/IOfferBook.sol";
import {MemberStatus} from "./types/MemberTypes.sol";
import {OfferSide, OfferTerms} from "./types/OfferTypes.sol";

/// @title FlowPact offer book.
/// @notice Invariant: every stored offer has a non-zero owner and valid terms (at least one
/// complete side, min rate ≤ max rate when both sides exist, expiry in the future when written).
contract OfferBook is ConsortiumGated, IOfferBook {
    struct StoredOffer {
        address owner;
        OfferTerms terms;
    }

    mapping(uint256 offerId => StoredOffer) private _offers;
    uint256 private _offerCount;

    constructor(IConsortium consortium_) ConsortiumGated(consortium_) {}

    /// @inheritdoc IOfferBook
    function postOffer(OfferTerms calldata terms) external onlyActiveMember returns (uint256 offerId) {
        _validate(terms);
        offerId = ++_offerCount;
        _offers[offerId] = StoredOffer(msg.sender, terms);
        emit OfferPosted(offerId, msg.sender, terms);
    }

    /// @inheritdoc IOfferBook
    function updateOffer(uint256 offerId, OfferTerms calldata terms) external onlyActiveMember {
        _checkOwner(offerId, msg.sender);
        _validate(terms);
        _offers[offerId].terms = terms;
        emit OfferUpdated(offerId, msg.sender, terms);
    }

    /// @inheritdoc IOfferBook
    function withdrawOffer(uint256 offerId) external {
        _checkOwner(offerId, msg.sender);
        delete _offers[offerId];
        emit OfferWithdrawn(offerId, msg.sender);
    }

    /// @inheritdoc IOfferBook
    function offer(uint256 offerId) external view returns (address owner, OfferTerms memory terms) {
        StoredOffer storage stored = _offers[offerId];
        if (stored.owner == address(0)) revert OfferBookUnknownOffer(offerId);
        return (stored.owner, stored.terms);
    }

    /// @inheritdoc IOfferBook
    function isOfferLive(uint256 offerId) external view returns (bool) {
        StoredOffer storage stored = _offers[offerId];
        return
            stored.owner != address(0) &&
            block.timestamp < stored.terms.expiry &&
            _consortium().isActiveMember(stored.owner);
    }

    /// @inheritdoc IOfferBook
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    /// @dev Tells a suspended member apart from a non-member, so the member knows it must be
    /// reinstated rather than admitted.
    function _checkActiveMember(address account) internal view override {
        if (IConsortium(address(_consortium())).memberStatus(account) == MemberStatus.Suspended) {
            revert OfferBookSuspendedMember(account);
        }
        super._checkActiveMember(account);
    }

    function _checkOwner(uint256 offerId, address account) private view {
        address owner = _offers[offerId].owner;
        if (owner == address(0)) revert OfferBookUnknownOffer(offerId);
        if (owner != account) revert OfferBookNotOfferOwner(offerId, account, owner);
    }

    function _validate(OfferTerms calldata terms) private view {
        bool supplies = _validateSide(OfferSide.Supply, terms.supplySegments, terms.capacityPerEpoch);
        bool demands = _validateSide(OfferSide.Demand, terms.demandSegments, terms.volumePerEpoch);
        if (!supplies && !demands) revert OfferBookEmptyOffer();
        // Both sides are priced in the same credits: a member asking more for the traffic it sends
        // than it pays for the traffic it receives posts an offer no reciprocal match can clear.
        if (supplies && demands && terms.minRate > terms.maxRate) {
            revert OfferBookMinRateAboveMaxRate(terms.minRate, terms.maxRate);
        }
        if (terms.expiry <= block.timestamp) revert OfferBookExpiryInPast(terms.expiry, block.timestamp);
    }

    /// @dev Returns whether the side is present; reverts when it is half-filled.
    function _validateSide(OfferSide side, uint256 segments, uint64 quantity) private pure returns (bool) {
        if (segments == 0 && quantity == 0) return false;
        if (segments == 0) revert OfferBookEmptySegments(side);
        if (quantity == 0) revert OfferBookZeroCapacity(side);
        return true;
    }
}
