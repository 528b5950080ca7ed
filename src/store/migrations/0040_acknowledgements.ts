import type { Migration } from "./migration";

/**
 * The recipients' acknowledgements a referrer's node holds: per (agreement, flow, epoch), the
 * highest signed running count and root its recipient sent (EIP-712 `Acknowledgement`). What the
 * referrer settles with, and what answers a dispute below it. Counts are uint64 (numeric(20,0)).
 */
export const migration0040: Migration = {
  id: 40,
  name: "acknowledgements",
  sql: `
    CREATE TABLE member_acknowledgements (
      tenant text NOT NULL,
      agreement_id numeric(78,0) NOT NULL,
      flow integer NOT NULL,
      epoch numeric(20,0) NOT NULL,
      count numeric(20,0) NOT NULL,
      root text NOT NULL,
      signature text NOT NULL,
      received_at bigint NOT NULL,
      PRIMARY KEY (tenant, agreement_id, flow, epoch)
    );
  `,
};
