import type { Hex } from "viem";
import { DuplicateReceiptError } from "./errors";
import { keccak256Hasher } from "./keccak";
import { hashReceiptLeaves, receiptLeafHash } from "./leaf";
import {
  buildMerkleTree,
  compareWords,
  type MerkleTree,
  sortedLeafOrder,
  verifyMerkleMultiProof,
  verifyMerkleProof,
} from "./merkle-tree";
import type { Receipt } from "./receipt";

/** The Merkle tree of one batch: the receipts of one (agreement, flow, epoch). */
export type ReceiptTree = {
  /** The batch root, committed on chain with `Batch(agreementId, flow, epoch, count, root)`. */
  readonly root: Hex;
  /** Number of receipts, the batch `count`. */
  readonly count: number;
  readonly receipts: readonly Receipt[];
  /** The underlying tree (node buffer, leaf positions). */
  readonly tree: MerkleTree;
  /** Proof that `receipts[index]` is in the batch; verify with verifyReceiptProof or on chain. */
  getProof(index: number): Hex[];
  /** One proof for several receipts (the auditor's random sample). */
  getMultiProof(indices: readonly number[]): ReceiptMultiProof;
};

export type ReceiptMultiProof = {
  /** The proven receipts, in the order the verifier needs them. */
  receipts: Receipt[];
  /** Their leaf hashes, same order (what `MerkleProof.multiProofVerify` takes as `leaves`). */
  leaves: Hex[];
  proof: Hex[];
  proofFlags: boolean[];
};

export type BuildReceiptTreeParameters = {
  receipts: readonly Receipt[];
  /** Progress of the two long phases, for progress bars. */
  onProgress?: (progress: { phase: "leaves" | "nodes"; done: number; total: number }) => void;
};

/**
 * Builds the batch tree of `receipts`. Same root as
 * `StandardMerkleTree.of(receipts.map(receiptLeafValues), receiptLeafEncoding)` from
 * `@openzeppelin/merkle-tree` (leaves sorted by hash; see MerkleTree). Refuses an empty list
 * (EmptyReceiptTreeError), invalid fields (InvalidReceiptError) and the same click twice
 * (DuplicateReceiptError: a batch's count is its number of leaves, so a duplicate would be paid twice).
 *
 * @example
 * const tree = await buildReceiptTree({ receipts });
 * const batch = { agreementId, flow, epoch, count: tree.count, root: tree.root };
 * const proof = tree.getProof(0);
 */
export async function buildReceiptTree({
  receipts,
  onProgress,
}: BuildReceiptTreeParameters): Promise<ReceiptTree> {
  const keccak = await keccak256Hasher();
  const leaves = hashReceiptLeaves(
    receipts,
    keccak,
    onProgress && ((done, total) => onProgress({ phase: "leaves", done, total })),
  );
  const order = sortedLeafOrder(leaves);
  for (let k = 1; k < order.length; k++) {
    if (compareWords(leaves, order[k - 1] * 32, leaves, order[k] * 32) === 0)
      throw new DuplicateReceiptError(order[k - 1], order[k], receipts[order[k]].clickId);
  }
  const tree = buildMerkleTree({
    leaves,
    keccak,
    order,
    onProgress: onProgress && ((done, total) => onProgress({ phase: "nodes", done, total })),
  });
  return {
    root: tree.root,
    count: receipts.length,
    receipts,
    tree,
    getProof: (index) => tree.getProof(index),
    getMultiProof(indices) {
      const { leafIndices, leaves, proof, proofFlags } = tree.getMultiProof(indices);
      return { receipts: leafIndices.map((i) => receipts[i]), leaves, proof, proofFlags };
    },
  };
}

export type VerifyReceiptProofParameters = { root: Hex; receipt: Receipt; proof: readonly Hex[] };

/**
 * Whether `proof` shows that `receipt` is in the batch with `root` (the check an auditor makes
 * on a receipt a member hands over; `MerkleProof.verify` makes the same one on chain).
 *
 * @example
 * verifyReceiptProof({ root: batch.root, receipt, proof }); // true or false
 */
export function verifyReceiptProof({ root, receipt, proof }: VerifyReceiptProofParameters): boolean {
  return verifyMerkleProof({ root, leaf: receiptLeafHash(receipt), proof });
}

export type VerifyReceiptMultiProofParameters = {
  root: Hex;
  receipts: readonly Receipt[];
  proof: readonly Hex[];
  proofFlags: readonly boolean[];
};

/**
 * Whether a multiproof shows that all `receipts` are in the batch with `root`.
 *
 * @example
 * const sample = tree.getMultiProof([3, 17, 42]);
 * verifyReceiptMultiProof({ root: tree.root, ...sample }); // true
 */
export function verifyReceiptMultiProof({
  root,
  receipts,
  proof,
  proofFlags,
}: VerifyReceiptMultiProofParameters): boolean {
  return verifyMerkleMultiProof({ root, leaves: receipts.map(receiptLeafHash), proof, proofFlags });
}
