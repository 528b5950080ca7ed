import type { Migration } from "./migration";

/**
 * The indexer's own bookkeeping: progress, recent block hashes (reorg detection), the raw event
 * archive, and the undo log that makes rolling back to a fork point exact.
 */
export const migration0001: Migration = {
  id: 1,
  name: "indexer",
  sql: `
    CREATE TABLE indexer_progress (
      id text PRIMARY KEY,
      chain_id bigint NOT NULL,
      start_block bigint NOT NULL,
      -- Last block whose changes are fully stored (start_block - 1 before the first one).
      indexed_block bigint NOT NULL,
      indexed_hash text,
      event_count bigint NOT NULL DEFAULT 0
    );

    -- Hashes of the blocks still young enough to be reorganised away (and the last checkpoint).
    CREATE TABLE blocks (
      number bigint PRIMARY KEY,
      hash text NOT NULL,
      parent_hash text NOT NULL
    );

    -- Every FlowPact event exactly once: (block_number, log_index) is the event's identity.
    CREATE TABLE events (
      block_number bigint NOT NULL,
      log_index integer NOT NULL,
      block_hash text NOT NULL,
      tx_hash text NOT NULL,
      contract text NOT NULL,
      name text NOT NULL,
      args jsonb NOT NULL,
      PRIMARY KEY (block_number, log_index)
    );
    CREATE INDEX events_by_name ON events (contract, name);

    -- Row images taken before an unfinalized block changed them; replayed backwards on a reorg.
    CREATE TABLE undo_log (
      id bigserial PRIMARY KEY,
      block_number bigint NOT NULL,
      table_name text NOT NULL,
      key jsonb NOT NULL,
      prior jsonb
    );
    CREATE INDEX undo_log_by_block ON undo_log (block_number);
  `,
};
