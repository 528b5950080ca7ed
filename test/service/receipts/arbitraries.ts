import fc from "fast-check";
import { bytesToHex, type Hex } from "viem";
import type { Receipt } from "../../../src/receipts";

/** Fixed seed in CI; FAST_CHECK_SEED / FAST_CHECK_RUNS explore more on demand. */
export const propertyOptions = {
  seed: Number(process.env.FAST_CHECK_SEED ?? 20261122),
  numRuns: Number(process.env.FAST_CHECK_RUNS ?? 60),
};

export const clickIdArbitrary: fc.Arbitrary<Hex> = fc
  .uint8Array({ minLength: 32, maxLength: 32 })
  .map((bytes) => bytesToHex(bytes));

/** Edge values first: 0, the maximum, and small ids as real agreements have. */
const uint256 = fc.oneof(
  fc.constantFrom(0n, (1n << 256n) - 1n),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 0n, max: (1n << 256n) - 1n }),
);
const uint64 = fc.oneof(fc.constantFrom(0n, (1n << 64n) - 1n), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }));

export const receiptArbitrary: fc.Arbitrary<Receipt> = fc.record({
  agreementId: uint256,
  flow: fc.oneof(fc.nat({ max: 7 }), uint256),
  epoch: uint64,
  clickId: clickIdArbitrary,
});

/**
 * Receipts of one batch (same agreement, flow, epoch; distinct clicks), 1 to `maxLength` of them:
 * the shape the library is built for, so sizes 1, 2 and odd sizes all come up.
 */
export function batchReceiptsArbitrary(maxLength: number): fc.Arbitrary<Receipt[]> {
  return fc
    .tuple(receiptArbitrary, fc.uniqueArray(clickIdArbitrary, { minLength: 1, maxLength }))
    .map(([head, clickIds]) => clickIds.map((clickId) => ({ ...head, clickId })));
}

/** Mixed receipts (any agreement, flow, epoch), distinct as whole receipts. */
export function mixedReceiptsArbitrary(maxLength: number): fc.Arbitrary<Receipt[]> {
  return fc.uniqueArray(receiptArbitrary, { minLength: 1, maxLength, selector: (r) => r.clickId });
}
