/**
 * The auditor's proof request: defined with the other node messages in src/protocol/audit-proofs.ts
 * (path, schemas, EIP-712 signing and verification), re-exported here for the audit's callers.
 */
export {
  AUDIT_PROOFS_PATH,
  MAX_PROOF_ANSWER_BYTES,
  MAX_PROOF_DEPTH,
  MAX_PROOF_INDICES,
  type ProofRequest,
  type ProofRequestBody,
  type ProofRequestDomain,
  type ProofRequestRejection,
  type ProofResponseBody,
  proofRequestBodySchema,
  proofRequestTypes,
  proofResponseBodySchema,
  type ReceiptProofAnswer,
  receiptProofAnswerSchema,
  signProofRequest,
  verifyProofRequest,
} from "../protocol/audit-proofs";
