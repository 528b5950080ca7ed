import type { Queryable } from "../driver";
import { addressKey } from "./rows";

export interface StoredBalance {
  member: string;
  balance: bigint;
  arrears: bigint;
  creditLimit: bigint;
  updatedBlock: bigint;
}

export interface StoredPosting {
  blockNumber: bigint;
  logIndex: number;
  txHash: string;
  kind: "moved" | "settlement" | "arrears-recorded" | "arrears-cleared";
  payer: string;
  payee: string;
  amount: bigint;
  paid: bigint | null;
  deferred: bigint | null;
  owed: bigint | null;
}

const toBalance = (r: Record<string, unknown>): StoredBalance => ({
  member: r.member as string,
  balance: r.balance as bigint,
  arrears: r.arrears as bigint,
  creditLimit: r.credit_limit as bigint,
  updatedBlock: r.updated_block as bigint,
});

/** Every member's credit account, highest balance first. */
export async function listBalances(db: Queryable): Promise<StoredBalance[]> {
  return (await db.query("SELECT * FROM balances ORDER BY balance DESC, member")).map(toBalance);
}

/** One member's account; a member never touched by the ledger has a zero account. */
export async function getBalance(db: Queryable, member: string): Promise<StoredBalance> {
  const [row] = await db.query("SELECT * FROM balances WHERE member = $1", [addressKey(member)]);
  return row
    ? toBalance(row)
    : { member: addressKey(member), balance: 0n, arrears: 0n, creditLimit: 0n, updatedBlock: 0n };
}

/** Sum of all balances: zero on a consistent store (the mutual-credit invariant). */
export async function sumOfBalances(db: Queryable): Promise<bigint> {
  const [row] = await db.query<{ sum: bigint }>(
    "SELECT coalesce(sum(balance), 0)::numeric(78,0) AS sum FROM balances",
  );
  return row.sum;
}

/** A member's postings (as payer or payee), newest first. */
export async function listPostings(db: Queryable, member: string, limit = 100): Promise<StoredPosting[]> {
  const rows = await db.query<Record<string, unknown>>(
    `SELECT * FROM credit_postings WHERE payer = $1 OR payee = $1
      ORDER BY block_number DESC, log_index DESC LIMIT $2`,
    [addressKey(member), limit],
  );
  return rows.map((r) => ({
    blockNumber: r.block_number as bigint,
    logIndex: Number(r.log_index),
    txHash: r.tx_hash as string,
    kind: r.kind as StoredPosting["kind"],
    payer: r.payer as string,
    payee: r.payee as string,
    amount: r.amount as bigint,
    paid: r.paid as bigint | null,
    deferred: r.deferred as bigint | null,
    owed: r.owed as bigint | null,
  }));
}
