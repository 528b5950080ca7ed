// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ICreditLedger} from "../interfaces/ICreditLedger.sol";

/// @title Test stand-in for Settlement: posts to a CreditLedger, many postings per transaction.
/// @notice Wired as a ledger's settlement contract in tests that need thousands of postings (the
/// arrears queue over 10,000 epochs). Anyone may call it: for tests only, never deployed.
contract CreditLedgerPoster {
    ICreditLedger private immutable _LEDGER;

    constructor(ICreditLedger ledger) {
        _LEDGER = ledger;
    }

    /// @notice One posting, as Settlement makes it.
    function post(address payer, address payee, uint256 amount) external returns (uint256 paid, uint256 deferred) {
        return _LEDGER.postSettlement(payer, payee, amount);
    }

    /// @notice Epochs `first` to `first + count - 1` of a payer that owes `amount` each epoch to
    /// `creditors[epoch % 2]` and is then paid `amount` by `earner`.
    function alternate(
        address payer,
        address earner,
        address[2] calldata creditors,
        uint256 first,
        uint256 count,
        uint256 amount
    ) external {
        for (uint256 epoch = first; epoch < first + count; ++epoch) {
            _LEDGER.postSettlement(payer, creditors[epoch % 2], amount);
            _LEDGER.postSettlement(earner, payer, amount);
        }
    }
}
