/**
 * Receipts library: the receipt of one referral, its Merkle leaf, the batch tree and its proofs
 * (interchangeable with `@openzeppelin/merkle-tree` and OpenZeppelin's `MerkleProof`), and the
 * EIP-712 batch co-signature the Settlement contract checks.
 *
 * Leaf order: leaves are sorted by their hash (ascending), exactly as `StandardMerkleTree.of` does by
 * default, so the root does not depend on the order receipts arrived in and equals OpenZeppelin's
 * for the same set. Proof indices are positions in the receipts array given to buildReceiptTree.
 *
 * @example
 * const tree = await buildReceiptTree({ receipts });
 * const signature = await signBatch(recipientWallet, {
 *   chainId,
 *   settlement,
 *   batch: { agreementId, flow, epoch, count: tree.count, root: tree.root },
 * });
 * verifyReceiptProof({ root: tree.root, receipt: receipts[7], proof: tree.getProof(7) }); // true
 */
export * from "./batch-signature";
export * from "./errors";
export * from "./keccak";
export * from "./leaf";
export * from "./merkle-tree";
export * from "./receipt";
export * from "./receipt-tree";
