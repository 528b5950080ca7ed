import type { ChangeSet } from "../../store/changeSet";
import type { FlowPactEvent } from "../events";
import { type ContractHandlers, lower } from "./handler";

interface BalanceRow extends Record<string, unknown> {
  member: string;
  balance: bigint;
  arrears: bigint;
  credit_limit: bigint;
}

async function updateBalance(
  changes: ChangeSet,
  member: string,
  block: bigint,
  patch: (row: BalanceRow) => Partial<BalanceRow>,
) {
  const current = (await changes.get<BalanceRow>("balances", { member })) ?? {
    member,
    balance: 0n,
    arrears: 0n,
    credit_limit: 0n,
  };
  changes.put("balances", { ...current, ...patch(current), updated_block: block });
}

function posting(
  event: FlowPactEvent,
  kind: string,
  payer: unknown,
  payee: unknown,
  extra: Record<string, unknown> = {},
) {
  return {
    block_number: event.blockNumber,
    log_index: event.logIndex,
    tx_hash: event.txHash,
    kind,
    payer: lower(payer),
    payee: lower(payee),
    amount: event.args.amount as bigint,
    paid: null,
    deferred: null,
    owed: null,
    ...extra,
  };
}

/**
 * The mutual-credit ledger. Every balance change is a `CreditsMoved` (transfers, settlements
 * paid now, arrears cleared later), so balances sum to zero here exactly as on chain.
 */
export const creditLedgerHandlers: ContractHandlers = {
  async CreditsMoved(event, changes) {
    const amount = event.args.amount as bigint;
    await updateBalance(changes, lower(event.args.from), event.blockNumber, (b) => ({
      balance: b.balance - amount,
    }));
    await updateBalance(changes, lower(event.args.to), event.blockNumber, (b) => ({
      balance: b.balance + amount,
    }));
    changes.put("credit_postings", posting(event, "moved", event.args.from, event.args.to));
  },
  async CreditLimitSet(event, changes) {
    await updateBalance(changes, lower(event.args.member), event.blockNumber, () => ({
      credit_limit: event.args.newLimit as bigint,
    }));
  },
  SettlementPosted(event, changes) {
    changes.put(
      "credit_postings",
      posting(event, "settlement", event.args.payer, event.args.payee, {
        paid: event.args.paid,
        deferred: event.args.deferred,
      }),
    );
  },
  async ArrearsRecorded(event, changes) {
    const amount = event.args.amount as bigint;
    await arrears(event, changes, amount);
    changes.put(
      "credit_postings",
      posting(event, "arrears-recorded", event.args.payer, event.args.creditor, { owed: event.args.owed }),
    );
  },
  async ArrearsCleared(event, changes) {
    const amount = event.args.amount as bigint;
    await arrears(event, changes, -amount);
    changes.put(
      "credit_postings",
      posting(event, "arrears-cleared", event.args.payer, event.args.creditor, { owed: event.args.owed }),
    );
  },
};

async function arrears(event: FlowPactEvent, changes: ChangeSet, delta: bigint) {
  const payer = lower(event.args.payer);
  const creditor = lower(event.args.creditor);
  const owed = event.args.owed as bigint;
  if (owed === 0n) changes.remove("arrears", { payer, creditor });
  else changes.put("arrears", { payer, creditor, owed, updated_block: event.blockNumber });
  await updateBalance(changes, payer, event.blockNumber, (b) => ({ arrears: b.arrears + delta }));
}
