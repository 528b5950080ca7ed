// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAgreementTerms} from "../interfaces/IAgreementTerms.sol";
import {AgreementStatus, Flow} from "../types/AgreementTypes.sol";

/// @title Test double of the agreement views, for settlement unit tests that need states the
/// real AgreementBook reaches only slowly. Settlement's own suites run against the real book.
contract MockAgreementTerms is IAgreementTerms {
    error MockAgreementUnknownFlow(uint256 agreementId, uint256 flowIndex);

    struct Terms {
        AgreementStatus status;
        uint64 start;
        uint64 epochLength;
        uint64 settleable;
        Flow[] flows;
    }

    mapping(uint256 agreementId => Terms) private _terms;

    function setAgreement(
        uint256 agreementId,
        AgreementStatus status,
        uint64 start,
        uint64 epochLength,
        uint64 settleable,
        Flow[] calldata flows
    ) external {
        Terms storage terms = _terms[agreementId];
        terms.status = status;
        terms.start = start;
        terms.epochLength = epochLength;
        terms.settleable = settleable;
        delete terms.flows;
        for (uint256 i = 0; i < flows.length; ++i) terms.flows.push(flows[i]);
    }

    function setStatus(uint256 agreementId, AgreementStatus status, uint64 settleable) external {
        _terms[agreementId].status = status;
        _terms[agreementId].settleable = settleable;
    }

    function agreementStatus(uint256 agreementId) external view returns (AgreementStatus) {
        return _terms[agreementId].status;
    }

    function flowCount(uint256 agreementId) external view returns (uint256) {
        return _terms[agreementId].flows.length;
    }

    function flowAt(uint256 agreementId, uint256 flowIndex) external view returns (Flow memory) {
        Terms storage terms = _terms[agreementId];
        if (flowIndex >= terms.flows.length) revert MockAgreementUnknownFlow(agreementId, flowIndex);
        return terms.flows[flowIndex];
    }

    function epochEnd(uint256 agreementId, uint64 epoch) external view returns (uint64) {
        Terms storage terms = _terms[agreementId];
        return terms.start + (epoch + 1) * terms.epochLength;
    }

    function settleableEpochs(uint256 agreementId) external view returns (uint64) {
        return _terms[agreementId].settleable;
    }
}
