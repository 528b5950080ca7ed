// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The FlowPact mutual-credit ledger (the model of WIR and Sardex).
/// @notice Every member holds a signed balance; credits are created by the payer going negative,
/// never minted, so the balances of all members always sum to zero. The GOVERNOR gives each
/// member a credit limit: a balance may not fall below `-limit`.
///
/// Settlement postings are never dropped. The part of a posting that the payer's headroom cannot
/// cover becomes arrears owed by the payer to the payee. Arrears are kept per creditor and
/// creditors are served FIFO, in the order in which they first became owed (later arrears to a
/// creditor already waiting join its place in the queue). A payer with arrears cannot spend:
/// whatever headroom it gains goes to its creditors first, at once when it earns (a settlement or
/// a transfer received) or when its limit is raised, and whenever anyone calls `clearArrears`.
/// Credits received by a creditor from arrears clearing do not in turn clear that creditor's own
/// arrears in the same call (a cycle of arrears could otherwise ping-pong without bound); they
/// clear at its next earning or `clearArrears` call.
///
/// Credit limits, transfers and postings are at most `type(int128).max` (2^127 - 1) credits;
/// larger ones revert with `CreditLedgerAmountTooLarge`.
interface ICreditLedger {
    /// @notice Credits moved from `from` to `to`. Emitted for every balance change, and the only
    /// event that changes balances: an indexer can rebuild all balances from it alone.
    event CreditsMoved(address indexed from, address indexed to, uint256 amount);

    /// @notice The GOVERNOR changed `member`'s credit limit.
    event CreditLimitSet(address indexed member, uint256 previousLimit, uint256 newLimit);

    /// @notice The settlement contract was wired to the ledger (once, by the GOVERNOR).
    event SettlementContractSet(address indexed settlement);

    /// @notice Settlement posted `amount` owed by `payer` to `payee`: `paid` moved at once and
    /// `deferred` was recorded as arrears (the `CreditsMoved` and `ArrearsRecorded` just before).
    event SettlementPosted(
        address indexed payer,
        address indexed payee,
        uint256 amount,
        uint256 paid,
        uint256 deferred
    );

    /// @notice `payer` now owes `creditor` `amount` more in arrears, `owed` in total.
    event ArrearsRecorded(address indexed payer, address indexed creditor, uint256 amount, uint256 owed);

    /// @notice `amount` of `payer`'s arrears to `creditor` was paid (see the `CreditsMoved` emitted
    /// just before); `owed` remains.
    event ArrearsCleared(address indexed payer, address indexed creditor, uint256 amount, uint256 owed);

    /// @notice Only the settlement contract may post settlements; `caller` is not it.
    error CreditLedgerUnauthorizedSettlement(address caller);

    /// @notice The settlement contract is already wired (it is set once).
    error CreditLedgerSettlementAlreadySet(address settlement);

    /// @notice The settlement address is the zero address.
    error CreditLedgerZeroSettlement();

    /// @notice A transfer or posting of zero credits, or between an account and itself.
    error CreditLedgerInvalidTransfer(address from, address to, uint256 amount);

    /// @notice `member` cannot spend `needed`: its balance would fall below `-limit`.
    error CreditLedgerInsufficientCredit(address member, int256 balance, uint256 limit, uint256 needed);

    /// @notice `member` owes `owed` in arrears and may not spend until they are cleared.
    error CreditLedgerArrearsOutstanding(address member, uint256 owed);

    /// @notice A credit limit, transfer or posting above `type(int128).max` (2^127 - 1), the
    /// ledger's largest amount. The cap keeps every balance, headroom and arrears total far inside
    /// int256 and uint256, however many postings a member receives: no amount can freeze an
    /// account by overflowing it.
    error CreditLedgerAmountTooLarge(uint256 amount);

    /// @notice Spends `amount` (at most `type(int128).max`) of the caller's credits with any active
    /// member `to`. Both must be active members; the caller must owe no arrears and stay within
    /// its limit. Clears `to`'s arrears first from what it receives.
    function transfer(address to, uint256 amount) external;

    /// @notice Sets `member`'s credit limit (GOVERNOR only), at most `type(int128).max`. Lowering
    /// it below the current debt is allowed (the member then cannot spend); raising it pays
    /// `member`'s arrears from the new headroom at once.
    function setCreditLimit(address member, uint256 limit) external;

    /// @notice Wires the settlement contract, the only caller of `postSettlement` (GOVERNOR, once).
    function setSettlement(address settlement) external;

    /// @notice Posts a settlement of `amount` (at most `type(int128).max`) owed by `payer` to
    /// `payee` (settlement contract only).
    /// Pays what `payer`'s headroom allows, records the rest as arrears; never reverts for lack of
    /// credit. Clears `payee`'s own arrears first from what it receives.
    /// @return paid The part moved at once.
    /// @return deferred The part recorded as arrears.
    function postSettlement(
        address payer,
        address payee,
        uint256 amount
    ) external returns (uint256 paid, uint256 deferred);

    /// @notice Pays `payer`'s arrears, FIFO by creditor, from its current headroom. Anyone may call.
    /// Costs gas per creditor paid, whatever the payer's history of arrears.
    /// @return cleared The amount paid to creditors.
    function clearArrears(address payer) external returns (uint256 cleared);

    /// @notice `member`'s signed balance.
    function balanceOf(address member) external view returns (int256);

    /// @notice `member`'s credit limit: its balance may not fall below `-limit` by its own spending.
    function creditLimitOf(address member) external view returns (uint256);

    /// @notice What `member` can spend now: `balance + limit` (0 when negative or with arrears).
    function availableCredit(address member) external view returns (uint256);

    /// @notice Total arrears owed by `payer`.
    function arrearsOf(address payer) external view returns (uint256);

    /// @notice Arrears owed by `payer` to `creditor`.
    function arrearsOwed(address payer, address creditor) external view returns (uint256);

    /// @notice `payer`'s creditors still owed, in the FIFO order in which they will be paid.
    function arrearsCreditors(address payer) external view returns (address[] memory);

    /// @notice Arrears owed across all members.
    function totalArrears() external view returns (uint256);

    /// @notice The settlement contract allowed to post (zero until wired).
    function settlement() external view returns (address);
}
