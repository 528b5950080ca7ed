import type { FastifyInstance } from "fastify";
import type { Address } from "viem";
import {
  AUDIT_PROOFS_PATH,
  MAX_PROOF_INDICES,
  type ProofResponseBody,
  verifyProofRequest,
} from "../protocol/audit-proofs";
import { MAX_INTEGER_COLUMN, MAX_UINT64_COLUMN, MAX_UINT256_COLUMN } from "../store/columns";
import type { StoreDriver } from "../store/driver";
import { InvalidRequestError, MemberNodeError } from "./errors";
import { buildFlowBatch, SUBMITTED_BATCH_STATUSES_SQL } from "./flow-batch";

/** The proof request is not signed by its `auditor`, or has expired or been used before. */
export class UnauthenticatedAuditorError extends MemberNodeError {
  override name = "UnauthenticatedAuditorError";
  constructor(reason: string) {
    super(`proof request is not authenticated: ${reason}`, 401, "auditor_unauthenticated", {
      advice: "Sign a fresh ProofRequest with the auditor's key (src/protocol/audit-proofs.ts).",
    });
  }
}

/** The signer of a valid proof request does not hold AUDITOR_ROLE in the Consortium. */
export class NotAuditorError extends MemberNodeError {
  override name = "NotAuditorError";
  constructor(readonly account: Address) {
    super(`${account} does not hold the AUDITOR role`, 403, "not_auditor");
  }
}

/** This member submitted no batch for (agreement, flow, epoch) as referrer. */
export class UnknownBatchError extends MemberNodeError {
  override name = "UnknownBatchError";
  constructor(agreementId: bigint, flow: bigint, epoch: bigint) {
    super(
      `this node submitted no batch for agreement ${agreementId} flow ${flow} epoch ${epoch}`,
      404,
      "unknown_batch",
    );
  }
}

export interface AuditProofRouteOptions {
  member: Address;
  chainId: number;
  settlement: Address;
  driver: StoreDriver;
  isAuditor: (account: Address) => Promise<boolean>;
  now: () => bigint;
  /** Longest request lifetime accepted, in seconds (bounds the replay memory; default 3,600). */
  maxLifetime?: bigint;
}

/**
 * The auditor's proof API, exactly the protocol of src/protocol/audit-proofs.ts (the body is
 * parsed with `proofRequestBodySchema`, the answer is a `ProofResponseBody`, the auditor's client
 * parses it with `proofResponseBodySchema`):
 * `POST /audit/proofs` `{ request, signature }`, the EIP-712 `ProofRequest` signed by an account
 * holding AUDITOR_ROLE (domain "FlowPact Audit", bound to chain id, Settlement, a nonce and an
 * expiry). Answers, for each requested position of a batch this member submitted as referrer,
 * the receipt's click id and its Merkle proof, from the clicks in its store in the order the
 * batch's tree was built from (click id order). It serves what it holds even when that no longer
 * matches the root on chain: judging is the auditor's job, and hiding a mismatch would be worse.
 * Positions at or past the node's count are left out (the auditor reports them missing).
 *
 * Refusals: 400 malformed, 401 expired / wrong signer / nonce used before / lifetime too long,
 * 403 signer not an auditor, 404 no such batch.
 */
export function registerAuditProofRoute(app: FastifyInstance, options: AuditProofRouteOptions): void {
  const member = options.member.toLowerCase();
  const maxLifetime = options.maxLifetime ?? 3_600n;
  /** Nonces seen, until their request expires: a captured request cannot be replayed. */
  const seen = new Map<string, bigint>();

  app.post(AUDIT_PROOFS_PATH, async (request): Promise<ProofResponseBody> => {
    const body = request.body as { request?: { indices?: unknown } } | undefined;
    const indices = body?.request?.indices;
    if (Array.isArray(indices) && indices.length > MAX_PROOF_INDICES)
      throw new InvalidRequestError(`at most ${MAX_PROOF_INDICES} indices per request`);
    const t = options.now();
    const checked = await verifyProofRequest(request.body, {
      chainId: options.chainId,
      settlement: options.settlement,
      now: t,
      isAuditor: options.isAuditor,
    });
    if (!checked.ok) {
      if (checked.reason === "malformed")
        throw new InvalidRequestError(
          "the body is not a signed ProofRequest (see src/protocol/audit-proofs.ts)",
        );
      if (checked.reason === "not-auditor")
        throw new NotAuditorError(
          String(body?.request && (body.request as { auditor?: unknown }).auditor) as Address,
        );
      throw new UnauthenticatedAuditorError(
        checked.reason === "expired" ? "expired" : "not signed by `auditor`",
      );
    }
    const { agreementId, flow, epoch, nonce, expiresAt } = checked.request;
    if (expiresAt > t + maxLifetime)
      throw new UnauthenticatedAuditorError(`expiresAt is more than ${maxLifetime} s ahead`);
    const nonceKey = String(nonce).toLowerCase();
    if (seen.has(nonceKey)) throw new UnauthenticatedAuditorError("nonce used before (replay)");
    for (const [k, until] of seen) if (until < t) seen.delete(k);
    seen.set(nonceKey, expiresAt);

    // Past the columns that hold them, they name no batch this node has (and must not reach SQL).
    if (agreementId > MAX_UINT256_COLUMN || flow > MAX_INTEGER_COLUMN || epoch > MAX_UINT64_COLUMN)
      throw new UnknownBatchError(agreementId, flow, epoch);
    const [submitted] = await options.driver.query<{ root: string }>(
      `SELECT root FROM member_batches WHERE tenant = $1 AND role = 'referrer' AND agreement_id = $2
         AND flow = $3 AND epoch = $4 AND status IN ${SUBMITTED_BATCH_STATUSES_SQL}`,
      [member, agreementId.toString(), Number(flow), epoch.toString()],
    );
    if (!submitted) throw new UnknownBatchError(agreementId, flow, epoch);
    const batch = await buildFlowBatch(options.driver, {
      tenant: member,
      source: "clicks",
      agreementId,
      flow: Number(flow),
      epoch,
    });
    const tree = batch.tree;
    return {
      agreementId: agreementId.toString(),
      flow: flow.toString(),
      epoch: epoch.toString(),
      count: batch.count,
      root: batch.root,
      proofs: tree
        ? checked.request.indices
            .filter((index) => index < batch.count)
            .map((index) => ({ index, clickId: tree.receipts[index].clickId, proof: tree.getProof(index) }))
        : [],
    };
  });
}
