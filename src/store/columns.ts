/**
 * The largest value each kind of integer column holds, for bounding what a request or an event
 * may ask of the store before a query (a value past its column is a database error, i.e. a 500).
 */

/** `integer` columns (flow indexes, log indexes): PostgreSQL's int4, 2^31−1. */
export const MAX_INTEGER_COLUMN = 2n ** 31n - 1n;

/** `numeric(20,0)` columns (uint64 chain values: epochs, counts, chain times), 2^64−1. */
export const MAX_UINT64_COLUMN = 2n ** 64n - 1n;

/** `numeric(78,0)` columns (uint256 ids, amounts, bitmaps), 2^256−1 (amounts are signed, ±). */
export const MAX_UINT256_COLUMN = 2n ** 256n - 1n;
