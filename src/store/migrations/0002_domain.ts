import type { Migration } from "./migration";

/**
 * The domain as the chain's events describe it. Addresses are lower-case hex; amounts and ids
 * are numeric(78,0) (uint256 fits); `updated_block` is the block of the last change to the row.
 */
export const migration0002: Migration = {
  id: 2,
  name: "domain",
  sql: `
    CREATE TABLE members (
      address text PRIMARY KEY,
      signer text,
      industry integer,
      status text NOT NULL,
      metadata text,
      credit_limit numeric(78,0),
      joined_block bigint NOT NULL,
      updated_block bigint NOT NULL
    );

    CREATE TABLE offers (
      offer_id numeric(78,0) PRIMARY KEY,
      member text NOT NULL,
      kind text NOT NULL,
      segments numeric(78,0) NOT NULL,
      volume numeric(78,0) NOT NULL,
      rate numeric(78,0) NOT NULL,
      refused_industries numeric(78,0) NOT NULL,
      expires_at bigint NOT NULL,
      status text NOT NULL,
      posted_block bigint NOT NULL,
      updated_block bigint NOT NULL
    );
    CREATE INDEX offers_by_member ON offers (member);

    CREATE TABLE agreements (
      agreement_id numeric(78,0) PRIMARY KEY,
      proposer text NOT NULL,
      parties jsonb NOT NULL,
      accepted_by jsonb NOT NULL,
      terms_hash text,
      start_time bigint,
      end_time bigint,
      epoch_length bigint,
      status text NOT NULL,
      end_epoch bigint,
      proposed_block bigint NOT NULL,
      updated_block bigint NOT NULL
    );

    CREATE TABLE flows (
      agreement_id numeric(78,0) NOT NULL,
      flow_index integer NOT NULL,
      from_member text NOT NULL,
      to_member text NOT NULL,
      segments numeric(78,0) NOT NULL,
      cap_per_epoch numeric(78,0) NOT NULL,
      rate numeric(78,0) NOT NULL,
      PRIMARY KEY (agreement_id, flow_index)
    );
    CREATE INDEX flows_by_from ON flows (from_member);
    CREATE INDEX flows_by_to ON flows (to_member);

    CREATE TABLE batches (
      agreement_id numeric(78,0) NOT NULL,
      flow_index integer NOT NULL,
      epoch bigint NOT NULL,
      count numeric(78,0) NOT NULL,
      root text NOT NULL,
      cosigned boolean NOT NULL,
      status text NOT NULL,
      submitted_by text,
      settled_count numeric(78,0),
      amount numeric(78,0),
      challenge_ends bigint,
      submitted_block bigint NOT NULL,
      updated_block bigint NOT NULL,
      PRIMARY KEY (agreement_id, flow_index, epoch)
    );

    CREATE TABLE disputes (
      agreement_id numeric(78,0) NOT NULL,
      flow_index integer NOT NULL,
      epoch bigint NOT NULL,
      disputer text NOT NULL,
      count numeric(78,0) NOT NULL,
      root text,
      bond numeric(78,0),
      status text NOT NULL,
      resolved_count numeric(78,0),
      resolved_by text,
      opened_block bigint NOT NULL,
      updated_block bigint NOT NULL,
      PRIMARY KEY (agreement_id, flow_index, epoch)
    );

    -- One row per posting event, in chain order.
    CREATE TABLE credit_postings (
      block_number bigint NOT NULL,
      log_index integer NOT NULL,
      tx_hash text NOT NULL,
      kind text NOT NULL,
      payer text NOT NULL,
      payee text NOT NULL,
      amount numeric(78,0) NOT NULL,
      arrears numeric(78,0) NOT NULL DEFAULT 0,
      agreement_id numeric(78,0),
      flow_index integer,
      epoch bigint,
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX credit_postings_by_payer ON credit_postings (payer);
    CREATE INDEX credit_postings_by_payee ON credit_postings (payee);

    CREATE TABLE balances (
      member text PRIMARY KEY,
      balance numeric(78,0) NOT NULL,
      arrears numeric(78,0) NOT NULL,
      credit_limit numeric(78,0),
      updated_block bigint NOT NULL
    );

    CREATE TABLE attestations (
      block_number bigint NOT NULL,
      log_index integer NOT NULL,
      auditor text NOT NULL,
      report_hash text NOT NULL,
      from_block bigint,
      to_block bigint,
      uri text,
      PRIMARY KEY (block_number, log_index)
    );
  `,
};
