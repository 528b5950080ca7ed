import { endianness } from "node:os";
import { bytesToHex, concat, type Hex, keccak256 } from "viem";
import {
  DuplicateProofIndexError,
  EmptyReceiptTreeError,
  MalformedMultiProofError,
  ReceiptIndexOutOfRangeError,
} from "./errors";
import type { Keccak256Hasher } from "./keccak";

/**
 * A Merkle tree laid out exactly like `@openzeppelin/merkle-tree` (so roots and proofs are
 * interchangeable with it and with OpenZeppelin's `MerkleProof`):
 * - leaves are sorted by hash (ascending, ties by input position: OZ's stable sort);
 * - the tree is a complete binary tree in one array: node i has children 2i+1 and 2i+2, the root
 *   is node 0, and the k-th sorted leaf is node `2n-2-k` (OZ fills leaves from the end);
 * - an inner node is keccak256 of its two children sorted (smaller first), as `MerkleProof` expects.
 * All 2n-1 nodes live in one flat buffer of 32-byte words: 64 MB for a million leaves.
 */
export type MerkleTree = {
  /** Number of leaves. */
  readonly length: number;
  readonly root: Hex;
  /** The nodes, 32 bytes each, node i at [32i, 32i+32). Read-only by contract. */
  readonly nodes: Uint8Array;
  /** Node index of the leaf given at input position `leafIndex`. */
  nodeIndexOf(leafIndex: number): number;
  /** The leaf given at input position `leafIndex`. */
  leafAt(leafIndex: number): Hex;
  /** Sibling hashes from the leaf up to the root, as `MerkleProof.verify` takes them. */
  getProof(leafIndex: number): Hex[];
  /** A multiproof of several leaves, as `MerkleProof.multiProofVerify` takes it. */
  getMultiProof(leafIndices: readonly number[]): MerkleMultiProof;
};

export type MerkleMultiProof = {
  /** Input positions of the proven leaves, in the order `leaves` must be passed to the verifier. */
  leafIndices: number[];
  leaves: Hex[];
  proof: Hex[];
  proofFlags: boolean[];
};

export type BuildMerkleTreeParameters = {
  /** Leaf hashes, leaf i at bytes [32i, 32i+32). */
  leaves: Uint8Array;
  keccak: Keccak256Hasher;
  /** Sorted leaf order when the caller already has it (see sortedLeafOrder). */
  order?: Uint32Array;
  /** Called now and then while inner nodes are hashed (for progress bars). */
  onProgress?: (hashed: number, total: number) => void;
};

/**
 * Builds the tree over already hashed leaves.
 *
 * @example
 * const tree = buildMerkleTree({ leaves: hashReceiptLeaves(receipts, keccak), keccak });
 * tree.root; // same as StandardMerkleTree.of(values, receiptLeafEncoding).root
 */
export function buildMerkleTree({
  leaves,
  keccak,
  order,
  onProgress,
}: BuildMerkleTreeParameters): MerkleTree {
  const length = leaves.length / 32;
  if (length === 0) throw new EmptyReceiptTreeError();
  order ??= sortedLeafOrder(leaves);
  const nodeCount = 2 * length - 1;
  const nodes = new Uint8Array(nodeCount * 32);
  const nodeOfLeaf = new Uint32Array(length);
  for (let k = 0; k < length; k++) {
    const leaf = order[k];
    const node = nodeCount - 1 - k;
    nodeOfLeaf[leaf] = node;
    nodes.set(leaves.subarray(leaf * 32, leaf * 32 + 32), node * 32);
  }
  keccak.hashInnerNodes(nodes, length, onProgress);
  const word = (node: number): Hex => bytesToHex(nodes.subarray(node * 32, node * 32 + 32));
  const checkLeaf = (leafIndex: number): number => {
    if (!Number.isInteger(leafIndex) || leafIndex < 0 || leafIndex >= length)
      throw new ReceiptIndexOutOfRangeError(leafIndex, length);
    return nodeOfLeaf[leafIndex];
  };
  const leafOfNode = (node: number): number => order[nodeCount - 1 - node];

  return {
    length,
    root: word(0),
    nodes,
    nodeIndexOf: checkLeaf,
    leafAt: (leafIndex) => word(checkLeaf(leafIndex)),
    getProof(leafIndex) {
      const proof: Hex[] = [];
      for (let node = checkLeaf(leafIndex); node > 0; node = (node - 1) >> 1) {
        proof.push(word(node % 2 === 1 ? node + 1 : node - 1));
      }
      return proof;
    },
    getMultiProof(leafIndices) {
      // OpenZeppelin's algorithm (core.getMultiProof), with a moving head instead of shift().
      const queue = leafIndices.map(checkLeaf).sort((a, b) => b - a);
      for (let p = 1; p < queue.length; p++)
        if (queue[p] === queue[p - 1]) throw new DuplicateProofIndexError(leafOfNode(queue[p]));
      const provenNodes = queue.slice();
      const proof: Hex[] = [];
      const proofFlags: boolean[] = [];
      let head = 0;
      while (head < queue.length && queue[head] > 0) {
        const node = queue[head++];
        const sibling = node % 2 === 1 ? node + 1 : node - 1;
        if (head < queue.length && queue[head] === sibling) {
          proofFlags.push(true);
          head++;
        } else {
          proofFlags.push(false);
          proof.push(word(sibling));
        }
        queue.push((node - 1) >> 1);
      }
      if (leafIndices.length === 0) proof.push(word(0));
      return {
        leafIndices: provenNodes.map(leafOfNode),
        leaves: provenNodes.map(word),
        proof,
        proofFlags,
      };
    },
  };
}

/**
 * Input positions of the leaves sorted by hash, ascending, ties by position (a stable sort, as
 * OpenZeppelin's `Array.prototype.sort` is). Sorting a million 32-byte words with a JavaScript
 * comparator is slow, so the first 4 bytes and the position are packed into one 64-bit integer
 * and sorted natively; only runs that share their first 4 bytes are then compared in full.
 *
 * @example
 * const order = sortedLeafOrder(leaves); // order[0] is the input position of the smallest leaf
 */
export function sortedLeafOrder(leaves: Uint8Array): Uint32Array {
  const length = leaves.length / 32;
  const order = new Uint32Array(length);
  if (endianness() !== "LE") {
    for (let i = 0; i < length; i++) order[i] = i;
    return order.sort((a, b) => compareWords(leaves, a * 32, leaves, b * 32) || a - b);
  }
  const keys = new BigUint64Array(length);
  const halves = new Uint32Array(keys.buffer); // little endian: [2k] low half, [2k+1] high half
  for (let i = 0; i < length; i++) {
    const at = i * 32;
    halves[2 * i] = i;
    halves[2 * i + 1] =
      ((leaves[at] << 24) | (leaves[at + 1] << 16) | (leaves[at + 2] << 8) | leaves[at + 3]) >>> 0;
  }
  keys.sort();
  for (let k = 0; k < length; k++) order[k] = halves[2 * k];
  for (let start = 0; start < length; ) {
    let end = start + 1;
    while (end < length && halves[2 * end + 1] === halves[2 * start + 1]) end++;
    if (end - start > 1)
      order.subarray(start, end).sort((a, b) => compareWords(leaves, a * 32, leaves, b * 32) || a - b);
    start = end;
  }
  return order;
}

/**
 * Compares two 32-byte words as big-endian numbers: negative, zero or positive.
 *
 * @example
 * compareWords(leaves, 0, leaves, 32) < 0; // leaf 0 sorts before leaf 1
 */
export function compareWords(a: Uint8Array, aOffset: number, b: Uint8Array, bOffset: number): number {
  for (let j = 0; j < 32; j++) {
    const d = a[aOffset + j] - b[bOffset + j];
    if (d !== 0) return d;
  }
  return 0;
}

/** keccak256 of the two words sorted: OpenZeppelin's `Hashes.commutativeKeccak256`. */
function hashPair(a: Hex, b: Hex): Hex {
  return BigInt(a) <= BigInt(b) ? keccak256(concat([a, b])) : keccak256(concat([b, a]));
}

export type VerifyMerkleProofParameters = { root: Hex; leaf: Hex; proof: readonly Hex[] };

/**
 * Whether `proof` links `leaf` to `root` (what `MerkleProof.verify` computes on chain).
 *
 * @example
 * verifyMerkleProof({ root: tree.root, leaf: tree.leafAt(3), proof: tree.getProof(3) }); // true
 */
export function verifyMerkleProof({ root, leaf, proof }: VerifyMerkleProofParameters): boolean {
  return sameWord(proof.reduce(hashPair, leaf), root);
}

export type VerifyMerkleMultiProofParameters = {
  root: Hex;
  leaves: readonly Hex[];
  proof: readonly Hex[];
  proofFlags: readonly boolean[];
};

/**
 * Whether a multiproof links `leaves` to `root` (what `MerkleProof.multiProofVerify` computes).
 * Throws MalformedMultiProofError when the sizes cannot belong together.
 *
 * @example
 * const { leaves, proof, proofFlags } = tree.getMultiProof([0, 5, 9]);
 * verifyMerkleMultiProof({ root: tree.root, leaves, proof, proofFlags }); // true
 */
export function verifyMerkleMultiProof({
  root,
  leaves,
  proof,
  proofFlags,
}: VerifyMerkleMultiProofParameters): boolean {
  const needed = proofFlags.filter((flag) => !flag).length;
  if (leaves.length + proof.length !== proofFlags.length + 1 || proof.length < needed)
    throw new MalformedMultiProofError(leaves.length, proof.length, proofFlags.length);
  const stack = [...leaves];
  let head = 0;
  let proofHead = 0;
  for (const flag of proofFlags) {
    const a = stack[head++];
    const b = flag ? stack[head++] : proof[proofHead++];
    if (a === undefined || b === undefined)
      throw new MalformedMultiProofError(leaves.length, proof.length, proofFlags.length);
    stack.push(hashPair(a, b));
  }
  // Every leaf and proof node must have been used exactly once, as on chain.
  if (proofFlags.length > 0 && (head !== stack.length - 1 || proofHead !== proof.length))
    throw new MalformedMultiProofError(leaves.length, proof.length, proofFlags.length);
  const computed = proofFlags.length > 0 ? stack[stack.length - 1] : (leaves[0] ?? proof[0]);
  return sameWord(computed, root);
}

function sameWord(a: Hex, b: Hex): boolean {
  return a.length === 66 && b.length === 66 && a.toLowerCase() === b.toLowerCase();
}
