import { encodeAbiParameters, type Hex, keccak256 } from "viem";
import { InvalidReceiptError } from "./errors";
import type { Keccak256Hasher } from "./keccak";
import type { Receipt } from "./receipt";

/**
 * The ABI types of a receipt leaf, in `@openzeppelin/merkle-tree`'s notation:
 * `StandardMerkleTree.of(receipts.map(receiptLeafValues), receiptLeafEncoding)` builds the same tree.
 */
export const receiptLeafEncoding = ["uint256", "uint256", "uint64", "bytes32"] as const;

/** Bytes of `abi.encode(uint256, uint256, uint64, bytes32)`: four 32-byte words. */
export const RECEIPT_ENCODED_BYTES = 128;

const UINT64_MAX = (1n << 64n) - 1n;
const UINT256_MAX = (1n << 256n) - 1n;

/**
 * The receipt as the value array OpenZeppelin's StandardMerkleTree takes (flow as bigint: OZ
 * refuses JavaScript numbers as leaf values).
 *
 * @example
 * StandardMerkleTree.of(receipts.map(receiptLeafValues), [...receiptLeafEncoding]);
 */
export function receiptLeafValues(receipt: Receipt): [bigint, bigint, bigint, Hex] {
  return [receipt.agreementId, BigInt(receipt.flow), receipt.epoch, receipt.clickId];
}

/**
 * The leaf of one receipt, as OpenZeppelin's StandardMerkleTree and a Solidity verifier compute it:
 * `keccak256(bytes.concat(keccak256(abi.encode(agreementId, flow, epoch, clickId))))`. Hashing twice
 * keeps a leaf from ever being a valid inner node (second-preimage defence).
 *
 * @example
 * const leaf = receiptLeafHash({ agreementId: 1n, flow: 0, epoch: 3n, clickId: randomClickId() });
 */
export function receiptLeafHash(receipt: Receipt): Hex {
  assertReceipt(receipt, 0);
  const encoded = encodeAbiParameters(
    [{ type: "uint256" }, { type: "uint256" }, { type: "uint64" }, { type: "bytes32" }],
    receiptLeafValues(receipt),
  );
  return keccak256(keccak256(encoded));
}

/**
 * Throws InvalidReceiptError unless every field fits its ABI type. `index` names it in the error.
 *
 * @example
 * assertReceipt({ agreementId: 1n, flow: 0, epoch: 1n << 64n, clickId }, 0); // throws: epoch is not a uint64
 */
export function assertReceipt(receipt: Receipt, index: number): void {
  assertUint(receipt.agreementId, UINT256_MAX, index, "agreementId", "a uint256 bigint");
  const flow = receipt.flow;
  if (typeof flow === "number") {
    if (!Number.isSafeInteger(flow) || flow < 0)
      throw new InvalidReceiptError(index, "flow", flow, "a non-negative safe integer");
  } else assertUint(flow, UINT256_MAX, index, "flow", "a uint256 (number or bigint)");
  assertUint(receipt.epoch, UINT64_MAX, index, "epoch", "a uint64 bigint");
  const clickId = receipt.clickId;
  if (typeof clickId !== "string" || clickId.length !== 66 || !/^0x[0-9a-fA-F]{64}$/.test(clickId))
    throw new InvalidReceiptError(index, "clickId", clickId, "0x-prefixed 32-byte hex");
}

function assertUint(
  value: unknown,
  max: bigint,
  index: number,
  field: "agreementId" | "flow" | "epoch",
  expected: string,
): void {
  if (typeof value !== "bigint" || value < 0n || value > max)
    throw new InvalidReceiptError(index, field, value, expected);
}

/**
 * Leaf hashes of `receipts`, in input order, as one flat buffer (leaf i at bytes [32i, 32i+32)).
 * The hot path of tree building: receipts of one batch share agreement, flow and epoch, so the
 * first three words are encoded once per change and only the click id is parsed per receipt.
 *
 * @example
 * const leaves = hashReceiptLeaves(receipts, await keccak256Hasher());
 */
export function hashReceiptLeaves(
  receipts: readonly Receipt[],
  keccak: Keccak256Hasher,
  onProgress?: (hashed: number, total: number) => void,
): Uint8Array {
  const leaves = new Uint8Array(receipts.length * 32);
  const encoded = Buffer.alloc(RECEIPT_ENCODED_BYTES);
  const view = new DataView(encoded.buffer, encoded.byteOffset, RECEIPT_ENCODED_BYTES);
  let agreementId: bigint | undefined;
  let flow: number | bigint | undefined;
  let epoch: bigint | undefined;
  for (let i = 0; i < receipts.length; i++) {
    const receipt = receipts[i];
    if (receipt.agreementId !== agreementId || receipt.flow !== flow || receipt.epoch !== epoch) {
      assertReceipt(receipt, i);
      writeUint256(view, 0, receipt.agreementId);
      writeUint256(view, 32, BigInt(receipt.flow));
      writeUint256(view, 64, receipt.epoch);
      ({ agreementId, flow, epoch } = receipt);
    }
    writeBytes32(encoded, 96, receipt.clickId, i);
    keccak.doubleHashInto(encoded, leaves, i * 32);
    if (onProgress && (i & 0xffff) === 0xffff) onProgress(i + 1, receipts.length);
  }
  return leaves;
}

function writeUint256(view: DataView, offset: number, value: bigint): void {
  for (let word = 3; word >= 0; word--) {
    view.setBigUint64(offset + word * 8, value & 0xffffffffffffffffn);
    value >>= 64n;
  }
}

/**
 * Parses the click id straight into the encoding buffer: Node's native hex decoder, no array per
 * receipt. It stops at the first character that is not hex, so fewer than 32 bytes means invalid.
 */
function writeBytes32(target: Buffer, offset: number, hex: string, index: number): void {
  if (
    typeof hex !== "string" ||
    hex.length !== 66 ||
    hex.charCodeAt(0) !== 48 || // "0"
    hex.charCodeAt(1) !== 120 || // "x"
    target.write(hex.slice(2), offset, 32, "hex") !== 32
  )
    throw new InvalidReceiptError(index, "clickId", hex, "0x-prefixed 32-byte hex");
}
