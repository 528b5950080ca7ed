/**
 * Receipts library: the receipt of one referral, its Merkle leaf, the batch tree and its proofs
 * (interchangeable with `@openzeppelin/merkle-tree` and OpenZeppelin's `MerkleProof`), and the
 * EIP-712 batch co-signature the Settlement contract checks.
 */
export * from "./batch-signature";
export * from "./errors";
export * from "./keccak";
export * from "./leaf";
export * from "./merkle-tree";
export * from "./receipt";
export * from "./receipt-tree";
