// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice When an agreement runs. Epoch `e` covers `[start + e * epochLength, start + (e + 1) *
/// epochLength)`; `end - start` is a whole number of epochs. A party that terminates gives
/// `noticeEpochs` whole epochs of notice after the current one.
struct AgreementSchedule {
    uint64 start;
    uint64 end;
    uint64 epochLength;
    uint64 noticeEpochs;
}
