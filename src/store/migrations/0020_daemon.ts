import type { Migration } from "./migration";

/**
 * The daemon's intent journal: one row per transaction the matching daemon decided to send,
 * written (with the signed transaction and its hash) BEFORE it is broadcast, so a daemon killed
 * at any point finds on restart exactly what may be in flight and reconciles it against the chain
 * instead of deciding again. `equivalence_key` is the agreement's parties and flows independent
 * of order (see src/daemon/equivalence.ts); `terms_hash` is what AgreementBook emits.
 */
export const migration0020: Migration = {
  id: 20,
  name: "daemon",
  sql: `
    CREATE TABLE daemon_intents (
      id bigserial PRIMARY KEY,
      kind text NOT NULL,
      -- prepared (signed, maybe broadcast) | confirmed (mined, succeeded) | failed (reverted or dropped)
      state text NOT NULL,
      equivalence_key text NOT NULL,
      terms_hash text NOT NULL,
      sender text NOT NULL,
      nonce bigint NOT NULL,
      tx_hash text NOT NULL UNIQUE,
      raw_tx text NOT NULL,
      terms jsonb NOT NULL,
      agreement_id numeric(78,0),
      -- Last agreement status the daemon observed for it (proposed, active, rejected, expired...).
      outcome text,
      failure text,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX daemon_intents_by_state ON daemon_intents (state);
    CREATE INDEX daemon_intents_by_key ON daemon_intents (equivalence_key)
  `,
};
