import type { Migration } from "./migration";

/**
 * Events the indexer could not apply (a handler threw, or the store refused its row): kept here
 * with the error instead of being retried forever, so one bad event never stalls indexing.
 * `(block_number, log_index)` is the event's identity, as in `events`; `contract`, `name` and
 * `args` are null when the log did not even decode (then `raw` holds it).
 */
export const migration0031: Migration = {
  id: 31,
  name: "quarantine",
  sql: `
    CREATE TABLE quarantined_events (
      block_number bigint NOT NULL,
      log_index integer NOT NULL,
      block_hash text NOT NULL,
      tx_hash text NOT NULL,
      contract text,
      name text,
      args jsonb,
      raw jsonb NOT NULL,
      error text NOT NULL,
      PRIMARY KEY (block_number, log_index)
    )
  `,
};
