// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AgreementStatus, Flow} from "../types/AgreementTypes.sol";

/// @title The agreement views that settlement relies on.
/// @notice Epoch `e` of an agreement covers `[start + e * epochLength, start + (e + 1) * epochLength)`.
interface IAgreementTerms {
    /// @notice The agreement's current status (`None` for an unknown id).
    function agreementStatus(uint256 agreementId) external view returns (AgreementStatus);

    /// @notice Number of flows of the agreement (0 for an unknown id).
    function flowCount(uint256 agreementId) external view returns (uint256);

    /// @notice The flow at `flowIndex`; reverts with `AgreementUnknownFlow` when out of range.
    function flowAt(uint256 agreementId, uint256 flowIndex) external view returns (Flow memory);

    /// @notice Timestamp at which `epoch` ends: `start + (epoch + 1) * epochLength`.
    function epochEnd(uint256 agreementId, uint64 epoch) external view returns (uint64);

    /// @notice How many epochs (0, 1, …, n-1) can ever settle: 0 unless the agreement became
    /// Active; `(end - start) / epochLength` while Active; the termination epoch once terminated;
    /// in every case no more than the epochs that ended by the time a party left the consortium
    /// (expelled or exited): an epoch that ends after a departure never settles.
    function settleableEpochs(uint256 agreementId) external view returns (uint64);

    /// @notice Everything settlement reads about one (agreement, flow, epoch), in one call.
    /// @return status As {agreementStatus}.
    /// @return flowCount_ As {flowCount}.
    /// @return settleableEpochs_ As {settleableEpochs}.
    /// @return epochStart When `epoch` starts: `start + epoch * epochLength`.
    /// @return epochEnd_ When `epoch` ends: `start + (epoch + 1) * epochLength`.
    /// @return flow The flow at `flowIndex`, all zero when `flowIndex >= flowCount_` (no revert:
    /// the caller reports its own error).
    function settlementTerms(
        uint256 agreementId,
        uint256 flowIndex,
        uint64 epoch
    )
        external
        view
        returns (
            AgreementStatus status,
            uint256 flowCount_,
            uint64 settleableEpochs_,
            uint64 epochStart,
            uint64 epochEnd_,
            Flow memory flow
        );
}
