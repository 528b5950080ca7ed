import type { Migration } from "./migration";

/**
 * A member node's own records. `tenant` is the member's address (lower-case hex): one store can
 * hold several members (multi-tenant mode). Nothing here identifies a person: a click id is 32
 * random bytes drawn per click; there is no IP address, user agent, cookie or user id anywhere.
 * Times are unix seconds.
 */
export const migration0010: Migration = {
  id: 10,
  name: "member",
  sql: `
    -- Clicks this member referred (the referrer's receipts), one per tracking-link redirect.
    CREATE TABLE member_clicks (
      tenant text NOT NULL,
      click_id text NOT NULL,
      agreement_id numeric(78,0) NOT NULL,
      flow integer NOT NULL,
      epoch bigint NOT NULL,
      expires_at bigint NOT NULL,
      PRIMARY KEY (tenant, click_id)
    );
    CREATE INDEX member_clicks_by_batch ON member_clicks (tenant, agreement_id, flow, epoch);

    -- Arrivals this member received (the recipient's receipts). The primary key makes a token
    -- single-use: a second arrival with the same click id is refused.
    CREATE TABLE member_arrivals (
      tenant text NOT NULL,
      click_id text NOT NULL,
      agreement_id numeric(78,0) NOT NULL,
      flow integer NOT NULL,
      epoch bigint NOT NULL,
      arrived_at bigint NOT NULL,
      PRIMARY KEY (tenant, click_id)
    );
    CREATE INDEX member_arrivals_by_batch ON member_arrivals (tenant, agreement_id, flow, epoch);

    -- Conversions of arrivals (at most one per click).
    CREATE TABLE member_conversions (
      tenant text NOT NULL,
      click_id text NOT NULL,
      converted_at bigint NOT NULL,
      PRIMARY KEY (tenant, click_id)
    );

    -- Batches this member built (role 'referrer') or was asked to co-sign (role 'recipient'),
    -- and what became of them.
    CREATE TABLE member_batches (
      tenant text NOT NULL,
      role text NOT NULL,
      agreement_id numeric(78,0) NOT NULL,
      flow integer NOT NULL,
      epoch bigint NOT NULL,
      count bigint NOT NULL,
      root text NOT NULL,
      status text NOT NULL,
      co_signature text,
      tx_hash text,
      detail text,
      updated_at bigint NOT NULL,
      PRIMARY KEY (tenant, role, agreement_id, flow, epoch)
    );
  `,
};
