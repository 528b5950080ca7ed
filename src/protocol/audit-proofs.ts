import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from "viem";
import { z } from "zod";
import { address, bytes32, bytes32AnyCase, signature65, uint64String, uintString } from "./wire";

/**
 * The auditor ↔ member-node proof protocol (what a member node's proof API must serve).
 *
 * `POST <node>/audit/proofs`, `content-type: application/json`, body:
 * ```json
 * { "request": { "agreementId": "1", "flow": "0", "epoch": "3", "indices": [0, 7, 9],
 *                "auditor": "0x…", "nonce": "0x…(32 bytes)", "expiresAt": "1763782000" },
 *   "signature": "0x…" }
 * ```
 * `signature` is the auditor's EIP-712 signature of `ProofRequest` under the domain
 * `{ name: "FlowPact Audit", version: "1", chainId, verifyingContract: <Settlement> }`: bound to
 * one chain and deployment, one batch, a nonce and an expiry, so it cannot be replayed elsewhere.
 * The node answers only when the recovered signer equals `auditor` and holds AUDITOR_ROLE in the
 * Consortium (else 401/403), and the request has not expired.
 *
 * `indices` are positions `0 ≤ i < count` in the list of receipts the referrer built the batch's
 * tree from (the auditor draws them at random, so the node cannot choose what it shows). Answer 200:
 * ```json
 * { "agreementId": "1", "flow": "0", "epoch": "3", "count": 10, "root": "0x…",
 *   "proofs": [ { "index": 0, "clickId": "0x…", "proof": ["0x…", …] }, … ] }
 * ```
 * one entry per requested index, each an OpenZeppelin `MerkleProof` of the receipt leaf
 * `[agreementId, flow, epoch, clickId]` (StandardMerkleTree encoding). 404 when the node has no
 * such batch. The auditor checks every proof against the root committed on chain.
 */
export const AUDIT_PROOFS_PATH = "/audit/proofs";

/** Positions one request may ask for (a node refuses more with 400): larger sets take several requests. */
export const MAX_PROOF_INDICES = 1_000;

/** Siblings in one proof: a tree of 2^64 receipts is deeper than any batch can be. */
export const MAX_PROOF_DEPTH = 64;

/**
 * The largest well-formed answer: `MAX_PROOF_INDICES` proofs of `MAX_PROOF_DEPTH` siblings
 * (69 bytes each as JSON) plus each entry's index and click id. A proof answer may be this large
 * (a 1,000-receipt chunk of a 2^17-receipt batch is ~1.3 MB); anything larger is not one.
 */
export const MAX_PROOF_ANSWER_BYTES = MAX_PROOF_INDICES * (MAX_PROOF_DEPTH * 69 + 120) + 1_024;

const index = z.number().int().min(0).max(0xffffffff);

/** The JSON body of a proof request (bigints as decimal strings). */
export const proofRequestBodySchema = z.object({
  request: z.object({
    agreementId: uintString,
    flow: uintString,
    epoch: uint64String,
    indices: z.array(index).max(MAX_PROOF_INDICES),
    auditor: address,
    nonce: bytes32AnyCase,
    expiresAt: uint64String,
  }),
  signature: signature65,
});
export type ProofRequestBody = z.input<typeof proofRequestBodySchema>;

/** One receipt's proof in a node's answer. */
export const receiptProofAnswerSchema = z.object({
  index,
  clickId: bytes32,
  proof: z.array(bytes32).max(MAX_PROOF_DEPTH),
});
export type ReceiptProofAnswer = z.infer<typeof receiptProofAnswerSchema>;

/** A node's answer to a proof request. */
export const proofResponseBodySchema = z.object({
  agreementId: uintString,
  flow: uintString,
  epoch: uint64String,
  count: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  root: bytes32,
  proofs: z.array(receiptProofAnswerSchema).max(MAX_PROOF_INDICES),
});
export type ProofResponseBody = z.infer<typeof proofResponseBodySchema>;

export interface ProofRequest {
  agreementId: bigint;
  flow: bigint;
  epoch: bigint;
  indices: number[];
  auditor: Address;
  nonce: Hex;
  expiresAt: bigint;
}

/** Where proof requests are valid: one chain, one Settlement deployment. */
export interface ProofRequestDomain {
  chainId: number;
  settlement: Address;
}

export const proofRequestTypes = {
  ProofRequest: [
    { name: "agreementId", type: "uint256" },
    { name: "flow", type: "uint256" },
    { name: "epoch", type: "uint64" },
    { name: "indices", type: "uint32[]" },
    { name: "auditor", type: "address" },
    { name: "nonce", type: "bytes32" },
    { name: "expiresAt", type: "uint64" },
  ],
} as const;

function typedData(domain: ProofRequestDomain, request: ProofRequest) {
  return {
    domain: {
      name: "FlowPact Audit",
      version: "1",
      chainId: domain.chainId,
      verifyingContract: domain.settlement,
    },
    types: proofRequestTypes,
    primaryType: "ProofRequest" as const,
    message: request,
  };
}

/**
 * Signs a proof request as the auditor and returns the JSON body to POST.
 *
 * @example
 * const body = await signProofRequest(auditorKey, { chainId, settlement }, request);
 */
export async function signProofRequest(
  auditor: LocalAccount,
  domain: ProofRequestDomain,
  request: ProofRequest,
): Promise<ProofRequestBody> {
  const signature = await auditor.signTypedData(typedData(domain, request));
  return {
    request: {
      agreementId: request.agreementId.toString(),
      flow: request.flow.toString(),
      epoch: request.epoch.toString(),
      indices: request.indices,
      auditor: request.auditor,
      nonce: request.nonce,
      expiresAt: request.expiresAt.toString(),
    },
    signature,
  };
}

/** Why a node must refuse a proof request. */
export type ProofRequestRejection = "malformed" | "expired" | "wrong-signer" | "not-auditor";

/**
 * The node side: parses a proof request body (`proofRequestBodySchema`), checks its signature,
 * expiry and the signer's AUDITOR role, and returns the request or why it must be refused.
 * `isAuditor` asks the Consortium (`hasRole`).
 *
 * @example
 * const checked = await verifyProofRequest(body, { chainId, settlement, now, isAuditor: members.isAuditor });
 * if (!checked.ok) return reply.code(checked.reason === "not-auditor" ? 403 : 401).send();
 */
export async function verifyProofRequest(
  body: unknown,
  options: ProofRequestDomain & { now: bigint; isAuditor: (account: Address) => Promise<boolean> },
): Promise<{ ok: true; request: ProofRequest } | { ok: false; reason: ProofRequestRejection }> {
  const parsed = proofRequestBodySchema.safeParse(body);
  if (!parsed.success) return { ok: false, reason: "malformed" };
  const b = parsed.data;
  const request: ProofRequest = {
    agreementId: BigInt(b.request.agreementId),
    flow: BigInt(b.request.flow),
    epoch: BigInt(b.request.epoch),
    indices: b.request.indices,
    auditor: b.request.auditor,
    nonce: b.request.nonce,
    expiresAt: BigInt(b.request.expiresAt),
  };
  if (request.expiresAt <= options.now) return { ok: false, reason: "expired" };
  let signer: Address;
  try {
    signer = await recoverTypedDataAddress({ ...typedData(options, request), signature: b.signature });
  } catch {
    return { ok: false, reason: "wrong-signer" };
  }
  if (signer.toLowerCase() !== request.auditor.toLowerCase()) return { ok: false, reason: "wrong-signer" };
  if (!(await options.isAuditor(signer))) return { ok: false, reason: "not-auditor" };
  return { ok: true, request };
}
