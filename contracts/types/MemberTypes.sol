// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Life cycle of a consortium member:
/// `None → Applied → Admitted ⇄ Suspended → Exited`, and `Applied → None` when declined.
enum MemberStatus {
    None,
    Applied,
    Admitted,
    Suspended,
    Exited
}

/// @notice What a member publishes about itself.
/// @param industry Catalogue industry code, 1..255 (offers exclude industries by bit in a uint256).
/// @param segments Audience segments the member reaches, as a catalogue bitmap (bit i = segment i).
/// @param uri Where the full profile document lives (https, ipfs, ...).
/// @param contentHash keccak256 of that document, so anyone can check the copy they fetched.
/// @param signer The key whose signatures count for the member: an EOA or an ERC-1271 wallet.
struct MemberProfile {
    uint16 industry;
    uint256 segments;
    string uri;
    bytes32 contentHash;
    address signer;
}

/// @notice One suspension of a member: from `start` (the block time of the suspension) until
/// `end` (the block time of the reinstatement), `[start, end)`; `end` is 0 while it still runs,
/// which includes a member expelled or exited while suspended.
struct SuspensionPeriod {
    uint64 start;
    uint64 end;
}
