// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {DoubleEndedQueue} from "@openzeppelin/contracts/utils/structs/DoubleEndedQueue.sol";
import {ConsortiumGated} from "./access/ConsortiumGated.sol";
import {IConsortiumRoles} from "./interfaces/IConsortiumRoles.sol";
import {ICreditLedger} from "./interfaces/ICreditLedger.sol";

/// @title FlowPact mutual-credit ledger.
/// @notice Invariant: the balances of all members sum to zero, always — every balance change
/// goes through `_move`, which debits exactly what it credits. Second invariant: a member owing
/// arrears cannot spend, and its headroom goes to its creditors (FIFO by creditor) first.
///
/// No balance arithmetic can overflow. Limits, transfers and postings are capped at
/// `_MAX_AMOUNT` (type(int128).max). Debits: a balance only falls by what its headroom allows
/// (`paid <= balance + limit`), so it never goes below minus the largest limit it was given,
/// -(2^127 - 1). Credits: balances sum to zero, so one balance is at most the sum of all debts,
/// at most (2^127 - 1) per debtor; reaching int256.max (2^255 - 1) would take more than 2^128
/// members given limits by the governor (each a transaction), which no chain can carry (at a
/// million transactions a second, 10^25 years). `balance + limit` in `_headroom` and the uint256
/// arrears totals (each posting adds at most 2^127 - 1) are bounded the same way.
contract CreditLedger is ICreditLedger, ConsortiumGated {
    using DoubleEndedQueue for DoubleEndedQueue.Bytes32Deque;

    bytes32 private constant _GOVERNOR_ROLE = keccak256("GOVERNOR_ROLE");
    /// @dev The largest credit limit, transfer or posting: type(int128).max.
    uint256 private constant _MAX_AMOUNT = uint256(uint128(type(int128).max));

    mapping(address member => int256) private _balances;
    mapping(address member => uint256) private _creditLimits;

    /// @dev Arrears owed by a payer to each creditor, the payer's total, and the creditors owed in
    /// FIFO order (a creditor is queued when it becomes owed and popped when paid in full, so the
    /// queue holds exactly the creditors with `_arrears != 0`). The queue is a mapping between
    /// begin and end indices: popping costs the same however many entries came before, where an
    /// array deleted only when empty cost ~2,200 gas per dead entry at that point.
    mapping(address payer => mapping(address creditor => uint256)) private _arrears;
    mapping(address payer => uint256) private _arrearsTotal;
    mapping(address payer => DoubleEndedQueue.Bytes32Deque) private _arrearsQueue;
    uint256 private _totalArrears;

    address private _settlement;

    modifier onlySettlement() {
        if (msg.sender != _settlement) revert CreditLedgerUnauthorizedSettlement(msg.sender);
        _;
    }

    constructor(IConsortiumRoles consortium_) ConsortiumGated(consortium_) {}

    /// @inheritdoc ICreditLedger
    function transfer(address to, uint256 amount) external onlyActiveMember {
        _checkActiveMember(to);
        _checkTransfer(msg.sender, to, amount);
        uint256 owed = _arrearsTotal[msg.sender];
        if (owed != 0) revert CreditLedgerArrearsOutstanding(msg.sender, owed);
        if (_headroom(msg.sender) < amount) {
            revert CreditLedgerInsufficientCredit(msg.sender, _balances[msg.sender], _creditLimits[msg.sender], amount);
        }
        _move(msg.sender, to, amount);
        _clearArrears(to);
    }

    /// @inheritdoc ICreditLedger
    function setCreditLimit(address member, uint256 limit) external onlyConsortiumRole(_GOVERNOR_ROLE) {
        _checkAmount(limit);
        uint256 previous = _creditLimits[member];
        _creditLimits[member] = limit;
        emit CreditLimitSet(member, previous, limit);
        _clearArrears(member);
    }

    /// @inheritdoc ICreditLedger
    function setSettlement(address settlement_) external onlyConsortiumRole(_GOVERNOR_ROLE) {
        if (_settlement != address(0)) revert CreditLedgerSettlementAlreadySet(_settlement);
        if (settlement_ == address(0)) revert CreditLedgerZeroSettlement();
        _settlement = settlement_;
        emit SettlementContractSet(settlement_);
    }

    /// @inheritdoc ICreditLedger
    function postSettlement(
        address payer,
        address payee,
        uint256 amount
    ) external onlySettlement returns (uint256 paid, uint256 deferred) {
        _checkTransfer(payer, payee, amount);
        // Older creditors of the payer come first: its headroom pays them before this posting.
        _clearArrears(payer);
        uint256 room = _headroom(payer);
        paid = amount < room ? amount : room;
        // Cannot underflow: paid <= amount.
        unchecked {
            deferred = amount - paid;
        }
        if (paid != 0) _move(payer, payee, paid);
        if (deferred != 0) _recordArrears(payer, payee, deferred);
        emit SettlementPosted(payer, payee, amount, paid, deferred);
        if (paid != 0) _clearArrears(payee);
    }

    /// @inheritdoc ICreditLedger
    function clearArrears(address payer) external returns (uint256 cleared) {
        return _clearArrears(payer);
    }

    /// @inheritdoc ICreditLedger
    function balanceOf(address member) external view returns (int256) {
        return _balances[member];
    }

    /// @inheritdoc ICreditLedger
    function creditLimitOf(address member) external view returns (uint256) {
        return _creditLimits[member];
    }

    /// @inheritdoc ICreditLedger
    function availableCredit(address member) external view returns (uint256) {
        return _arrearsTotal[member] != 0 ? 0 : _headroom(member);
    }

    /// @inheritdoc ICreditLedger
    function arrearsOf(address payer) external view returns (uint256) {
        return _arrearsTotal[payer];
    }

    /// @inheritdoc ICreditLedger
    function arrearsOwed(address payer, address creditor) external view returns (uint256) {
        return _arrears[payer][creditor];
    }

    /// @inheritdoc ICreditLedger
    function arrearsCreditors(address payer) external view returns (address[] memory creditors) {
        DoubleEndedQueue.Bytes32Deque storage queue = _arrearsQueue[payer];
        uint256 length = queue.length();
        creditors = new address[](length);
        for (uint256 i = 0; i < length; ++i) {
            creditors[i] = _toAddress(queue.pos(i));
        }
    }

    /// @inheritdoc ICreditLedger
    function totalArrears() external view returns (uint256) {
        return _totalArrears;
    }

    /// @inheritdoc ICreditLedger
    function settlement() external view returns (address) {
        return _settlement;
    }

    /// @dev The one place balances change: debits `from` and credits `to` by the same amount, so
    /// the sum of all balances stays zero. Callers check limits; amounts fit int256 (see the
    /// contract's header; the cast is checked all the same).
    function _move(address from, address to, uint256 amount) private {
        int256 signed = SafeCast.toInt256(amount);
        _balances[from] -= signed;
        _balances[to] += signed;
        emit CreditsMoved(from, to, amount);
    }

    /// @dev Adds `amount` to what `payer` owes `creditor`, queuing the creditor if it was not owed.
    function _recordArrears(address payer, address creditor, uint256 amount) private {
        uint256 owed = _arrears[payer][creditor];
        if (owed == 0) _arrearsQueue[payer].pushBack(bytes32(uint256(uint160(creditor))));
        owed += amount;
        _arrears[payer][creditor] = owed;
        _arrearsTotal[payer] += amount;
        _totalArrears += amount;
        emit ArrearsRecorded(payer, creditor, amount, owed);
    }

    /// @dev Pays `payer`'s creditors FIFO from its headroom. The queue holds at most one entry
    /// per creditor, so the loop is bounded by the number of members the payer owes, and each
    /// creditor paid costs the same whatever the queue's history.
    function _clearArrears(address payer) private returns (uint256 cleared) {
        if (_arrearsTotal[payer] == 0) return 0;
        uint256 room = _headroom(payer);
        DoubleEndedQueue.Bytes32Deque storage queue = _arrearsQueue[payer];
        while (room != 0 && !queue.empty()) {
            address creditor = _toAddress(queue.front());
            uint256 owed = _arrears[payer][creditor];
            uint256 pay = owed < room ? owed : room;
            // Cannot underflow: pay <= owed, pay <= room, and pay <= every total that includes owed.
            unchecked {
                owed -= pay;
                room -= pay;
                cleared += pay;
                _arrearsTotal[payer] -= pay;
                _totalArrears -= pay;
            }
            _arrears[payer][creditor] = owed;
            _move(payer, creditor, pay);
            emit ArrearsCleared(payer, creditor, pay, owed);
            if (owed != 0) break;
            queue.popFront();
        }
    }

    /// @dev What `member` may still pay before its balance reaches `-limit` (0 when past it).
    function _headroom(address member) private view returns (uint256) {
        // The cast is exact and the sum cannot overflow: limits are capped at type(int128).max when
        // set, and balances are bounded (see the contract's header).
        int256 room = _balances[member] + int256(_creditLimits[member]);
        return room > 0 ? uint256(room) : 0;
    }

    function _checkTransfer(address from, address to, uint256 amount) private pure {
        if (amount == 0 || from == to) revert CreditLedgerInvalidTransfer(from, to, amount);
        _checkAmount(amount);
    }

    function _checkAmount(uint256 amount) private pure {
        if (amount > _MAX_AMOUNT) revert CreditLedgerAmountTooLarge(amount);
    }

    function _toAddress(bytes32 entry) private pure returns (address) {
        return address(uint160(uint256(entry)));
    }
}
