import type { Migration } from "./migration";

/**
 * Every chain value typed uint64 in the ABI (src/abi/contracts.ts) in a column that holds its
 * whole range: `bigint` stops at 2^63−1, and one offer expiring at 2^64−1 (valid on chain) used
 * to halt the indexer. numeric(20,0) holds 0 … 2^64−1 exactly; the drivers read it back as a JS
 * `bigint` like any integer column. uint128/uint256 values were numeric(78,0) from the start.
 * `ALTER … TYPE` rebuilds the primary keys and indexes over these columns in place.
 *
 * Domain: OfferBook `expiry`; AgreementBook schedule (`start`, `end`, `epochLength`,
 * `noticeEpochs`), `proposalExpiry`, `terminationEpoch`, `effectiveAt`; Settlement `epoch`,
 * `count`, `challengeEnds`, settled counts (capped at the count), `counterCount`,
 * `resolvedCount`, attestation `fromBlock`/`toBlock`. A member node's own records keep the
 * epochs and counts of the batches it builds or co-signs, which a peer chooses.
 */
export const migration0030: Migration = {
  id: 30,
  name: "uint64",
  sql: `
    ALTER TABLE offers ALTER COLUMN expiry TYPE numeric(20,0);

    ALTER TABLE agreements
      ALTER COLUMN start_time TYPE numeric(20,0),
      ALTER COLUMN end_time TYPE numeric(20,0),
      ALTER COLUMN epoch_length TYPE numeric(20,0),
      ALTER COLUMN notice_epochs TYPE numeric(20,0),
      ALTER COLUMN proposal_expiry TYPE numeric(20,0),
      ALTER COLUMN termination_epoch TYPE numeric(20,0),
      ALTER COLUMN termination_effective_at TYPE numeric(20,0);

    ALTER TABLE batches
      ALTER COLUMN epoch TYPE numeric(20,0),
      ALTER COLUMN count TYPE numeric(20,0),
      ALTER COLUMN challenge_ends TYPE numeric(20,0),
      ALTER COLUMN settled_count TYPE numeric(20,0);

    ALTER TABLE disputes
      ALTER COLUMN epoch TYPE numeric(20,0),
      ALTER COLUMN counter_count TYPE numeric(20,0),
      ALTER COLUMN resolved_count TYPE numeric(20,0);

    ALTER TABLE attestations
      ALTER COLUMN from_block TYPE numeric(20,0),
      ALTER COLUMN to_block TYPE numeric(20,0);

    ALTER TABLE member_clicks ALTER COLUMN epoch TYPE numeric(20,0);
    ALTER TABLE member_arrivals ALTER COLUMN epoch TYPE numeric(20,0);
    ALTER TABLE member_batches
      ALTER COLUMN epoch TYPE numeric(20,0),
      ALTER COLUMN count TYPE numeric(20,0)
  `,
};
