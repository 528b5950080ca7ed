import type { Migration } from "./migration";

/**
 * The domain as the contracts' events describe it. Addresses are lower-case hex, hashes 0x hex;
 * ids, amounts and bitmaps are numeric(78,0) (a uint256 fits); `updated_block` is the block of the
 * row's last change. Status names are the Solidity enum names in lower case.
 */
export const migration0002: Migration = {
  id: 2,
  name: "domain",
  sql: `
    CREATE TABLE members (
      address text PRIMARY KEY,
      status text NOT NULL,
      industry integer NOT NULL,
      segments numeric(78,0) NOT NULL,
      uri text NOT NULL,
      content_hash text NOT NULL,
      signer text NOT NULL,
      -- The governor's reason (bytes32) for the last decline, suspension or expulsion.
      status_reason text,
      applied_block bigint NOT NULL,
      updated_block bigint NOT NULL
    );

    CREATE TABLE offers (
      offer_id numeric(78,0) PRIMARY KEY,
      owner text NOT NULL,
      supply_segments numeric(78,0) NOT NULL,
      capacity_per_epoch numeric(78,0) NOT NULL,
      min_rate numeric(78,0) NOT NULL,
      demand_segments numeric(78,0) NOT NULL,
      volume_per_epoch numeric(78,0) NOT NULL,
      max_rate numeric(78,0) NOT NULL,
      excluded_industries numeric(78,0) NOT NULL,
      expiry bigint NOT NULL,
      withdrawn boolean NOT NULL,
      posted_block bigint NOT NULL,
      updated_block bigint NOT NULL
    );
    CREATE INDEX offers_by_owner ON offers (owner);

    CREATE TABLE agreements (
      agreement_id numeric(78,0) PRIMARY KEY,
      proposer text NOT NULL,
      terms_hash text NOT NULL,
      parties jsonb NOT NULL,
      accepted_by jsonb NOT NULL,
      start_time bigint NOT NULL,
      end_time bigint NOT NULL,
      epoch_length bigint NOT NULL,
      notice_epochs bigint NOT NULL,
      proposal_expiry bigint NOT NULL,
      status text NOT NULL,
      rejected_by text,
      terminated_by text,
      termination_epoch bigint,
      termination_effective_at bigint,
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
      status text NOT NULL,
      count bigint NOT NULL,
      root text NOT NULL,
      cosigned boolean NOT NULL,
      challenge_ends bigint,
      settled_count bigint,
      amount numeric(78,0),
      payer text,
      payee text,
      submitted_block bigint NOT NULL,
      updated_block bigint NOT NULL,
      PRIMARY KEY (agreement_id, flow_index, epoch)
    );

    CREATE TABLE disputes (
      agreement_id numeric(78,0) NOT NULL,
      flow_index integer NOT NULL,
      epoch bigint NOT NULL,
      counter_count bigint NOT NULL,
      counter_root text NOT NULL,
      bond numeric(78,0) NOT NULL,
      status text NOT NULL,
      resolved_count bigint,
      dispute_upheld boolean,
      auditor text,
      opened_block bigint NOT NULL,
      updated_block bigint NOT NULL,
      PRIMARY KEY (agreement_id, flow_index, epoch)
    );

    -- One row per credit-ledger posting event, in chain order: kind is moved, settlement,
    -- arrears-recorded or arrears-cleared.
    CREATE TABLE credit_postings (
      block_number bigint NOT NULL,
      log_index integer NOT NULL,
      tx_hash text NOT NULL,
      kind text NOT NULL,
      payer text NOT NULL,
      payee text NOT NULL,
      amount numeric(78,0) NOT NULL,
      paid numeric(78,0),
      deferred numeric(78,0),
      owed numeric(78,0),
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX credit_postings_by_payer ON credit_postings (payer);
    CREATE INDEX credit_postings_by_payee ON credit_postings (payee);

    -- Signed balances (their sum is zero), arrears owed as payer, the governor's credit limit.
    CREATE TABLE balances (
      member text PRIMARY KEY,
      balance numeric(78,0) NOT NULL,
      arrears numeric(78,0) NOT NULL,
      credit_limit numeric(78,0) NOT NULL,
      updated_block bigint NOT NULL
    );

    CREATE TABLE arrears (
      payer text NOT NULL,
      creditor text NOT NULL,
      owed numeric(78,0) NOT NULL,
      updated_block bigint NOT NULL,
      PRIMARY KEY (payer, creditor)
    );

    CREATE TABLE bonds (
      account text PRIMARY KEY,
      balance numeric(78,0) NOT NULL,
      updated_block bigint NOT NULL
    );

    CREATE TABLE attestations (
      attestation_id numeric(78,0) PRIMARY KEY,
      auditor text NOT NULL,
      report_hash text NOT NULL,
      verdict text NOT NULL,
      from_block bigint NOT NULL,
      to_block bigint NOT NULL,
      block_number bigint NOT NULL,
      tx_hash text NOT NULL
    );
  `,
};
