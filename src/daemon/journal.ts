import type { Hex } from "viem";
import type { Queryable } from "../store/driver";

export type IntentState = "prepared" | "confirmed" | "failed";

/** One row of `daemon_intents` (migration 0020). */
export interface Intent {
  readonly id: bigint;
  readonly kind: "propose";
  readonly state: IntentState;
  readonly equivalenceKey: string;
  readonly termsHash: Hex;
  readonly sender: string;
  readonly nonce: bigint;
  readonly txHash: Hex;
  readonly rawTx: Hex;
  readonly agreementId: bigint | null;
  readonly outcome: string | null;
}

interface IntentRow {
  id: bigint;
  kind: "propose";
  state: IntentState;
  equivalence_key: string;
  terms_hash: Hex;
  sender: string;
  nonce: bigint;
  tx_hash: Hex;
  raw_tx: Hex;
  agreement_id: bigint | null;
  outcome: string | null;
}

const toIntent = (r: IntentRow): Intent => ({
  id: BigInt(r.id),
  kind: r.kind,
  state: r.state,
  equivalenceKey: r.equivalence_key,
  termsHash: r.terms_hash,
  sender: r.sender,
  nonce: BigInt(r.nonce),
  txHash: r.tx_hash,
  rawTx: r.raw_tx,
  agreementId: r.agreement_id === null ? null : BigInt(r.agreement_id),
  outcome: r.outcome,
});

export interface NewIntent {
  readonly equivalenceKey: string;
  readonly termsHash: Hex;
  readonly sender: string;
  readonly nonce: bigint;
  readonly txHash: Hex;
  readonly rawTx: Hex;
  readonly terms: unknown;
}

/** Records a signed proposal before it is broadcast (the write-ahead step). */
export async function recordIntent(db: Queryable, intent: NewIntent): Promise<Intent> {
  const [row] = await db.query<IntentRow>(
    `INSERT INTO daemon_intents (kind, state, equivalence_key, terms_hash, sender, nonce, tx_hash, raw_tx, terms)
     VALUES ('propose', 'prepared', $1, $2, $3, $4, $5, $6, $7) RETURNING *`,
    [
      intent.equivalenceKey,
      intent.termsHash,
      intent.sender.toLowerCase(),
      intent.nonce,
      intent.txHash,
      intent.rawTx,
      JSON.stringify(intent.terms),
    ],
  );
  return toIntent(row);
}

export async function confirmIntent(db: Queryable, id: bigint, agreementId: bigint): Promise<void> {
  await db.query(
    "UPDATE daemon_intents SET state = 'confirmed', agreement_id = $2, outcome = 'proposed', updated_at = now() WHERE id = $1",
    [id, agreementId],
  );
}

export async function failIntent(db: Queryable, id: bigint, failure: string): Promise<void> {
  await db.query(
    "UPDATE daemon_intents SET state = 'failed', failure = $2, updated_at = now() WHERE id = $1",
    [id, failure],
  );
}

export async function setIntentOutcome(db: Queryable, id: bigint, outcome: string): Promise<void> {
  await db.query("UPDATE daemon_intents SET outcome = $2, updated_at = now() WHERE id = $1", [id, outcome]);
}

/** Intents whose transaction may still be in flight: reconcile them before deciding anything new. */
export async function preparedIntents(db: Queryable): Promise<Intent[]> {
  const rows = await db.query<IntentRow>("SELECT * FROM daemon_intents WHERE state = 'prepared' ORDER BY id");
  return rows.map(toIntent);
}

/** Confirmed proposals whose last observed outcome is still open (proposed or active). */
export async function openConfirmedIntents(db: Queryable): Promise<Intent[]> {
  const rows = await db.query<IntentRow>(
    "SELECT * FROM daemon_intents WHERE state = 'confirmed' AND outcome IN ('proposed', 'active') ORDER BY id",
  );
  return rows.map(toIntent);
}

/** Every intent with its terms, for building the instance and the equivalence check. */
export async function intentTerms(db: Queryable): Promise<Array<Intent & { terms: unknown }>> {
  const rows = await db.query<IntentRow & { terms: unknown }>(
    "SELECT * FROM daemon_intents WHERE state IN ('prepared', 'confirmed') ORDER BY id",
  );
  return rows.map((r) => ({ ...toIntent(r), terms: r.terms }));
}
