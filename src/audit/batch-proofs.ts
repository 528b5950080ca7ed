import { randomBytes } from "node:crypto";
import type { Hex, LocalAccount } from "viem";
import { createOutboundClient, type OutboundClient, OutboundError, parseAnswer } from "../net";
import {
  AUDIT_PROOFS_PATH,
  MAX_PROOF_ANSWER_BYTES,
  MAX_PROOF_INDICES,
  type ProofRequestDomain,
  type ProofResponseBody,
  proofResponseBodySchema,
  signProofRequest,
} from "../protocol/audit-proofs";
import { peerErrorCode } from "../protocol/wire";
import { verifyReceiptProof } from "../receipts/receipt-tree";
import type { AuditedBatch } from "./model";

/** Used when a caller passes no client: public addresses only. */
const publicOnly = createOutboundClient();

export interface BatchProofRequestOptions {
  /** The AUDITOR key that signs the request. */
  auditor: LocalAccount;
  domain: ProofRequestDomain;
  /** Base URL of the batch's referrer's node (no trailing slash). */
  url: string;
  timeoutMs: number;
  /** Unix seconds (the request expires 300 s after it). */
  now: () => bigint;
  /**
   * How member nodes are reached (address policy, body cap, idle timeout); default: public
   * addresses only. The local demo and tests pass one that allows private networks.
   */
  outbound?: OutboundClient;
}

/** A receipt the node proved into the batch's on-chain root. */
export interface ProvenReceipt {
  index: number;
  clickId: Hex;
}

/** What the referrer's node made of one signed proof request. */
export type BatchProofAnswer =
  /** No usable answer: refused address, redirect, timeout, too large, not the protocol's message. */
  | { kind: "unreachable"; error: string }
  /** A 4xx/5xx; `answer` is the node's error `code` when it gave a well-formed one, else "". */
  | { kind: "refused"; status: number; answer: string }
  | {
      kind: "answered";
      /** Receipts whose proof verifies against the root on chain, each click once. */
      proven: ProvenReceipt[];
      /** Why the other requested positions (or the node's root) did not check out. */
      problems: string[];
    };

/**
 * Asks a batch's referrer's node for the receipt proofs at `indices` (one signed ProofRequest per
 * `MAX_PROOF_INDICES` positions) and verifies each against the root committed on chain. A wrong
 * proof, a missing position or a click shown twice is a problem, never a crash; the node's own
 * opinion of its root is checked, not trusted. Only an answer that parses as the protocol's
 * message can be evidence: one that is slow, oversized or malformed is `unreachable`, so a
 * timeout never reads as a wrong proof.
 *
 * @example
 * const answer = await requestBatchProofs(batch, [0, 4, 9], { auditor, domain, url, timeoutMs: 5_000, now });
 * if (answer.kind === "answered") console.log(`${answer.proven.length} receipts proven`);
 */
export async function requestBatchProofs(
  batch: AuditedBatch,
  indices: readonly number[],
  options: BatchProofRequestOptions,
): Promise<BatchProofAnswer> {
  const proven: ProvenReceipt[] = [];
  const problems: string[] = [];
  const clicks = new Set<string>();
  for (let at = 0; at < indices.length; at += MAX_PROOF_INDICES) {
    const chunk = indices.slice(at, at + MAX_PROOF_INDICES);
    const body = await signProofRequest(options.auditor, options.domain, {
      agreementId: batch.agreementId,
      flow: batch.flow,
      epoch: batch.epoch,
      indices: chunk,
      auditor: options.auditor.address,
      nonce: `0x${randomBytes(32).toString("hex")}`,
      expiresAt: options.now() + 300n,
    });
    let answer: ProofResponseBody;
    try {
      const reply = await (options.outbound ?? publicOnly).request(`${options.url}${AUDIT_PROOFS_PATH}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        timeoutMs: options.timeoutMs,
        maxBodyBytes: MAX_PROOF_ANSWER_BYTES,
      });
      if (reply.status !== 200)
        return { kind: "refused", status: reply.status, answer: peerErrorCode(reply.body) ?? "" };
      answer = parseAnswer(proofResponseBodySchema, reply.body, "proof answer");
    } catch (error) {
      if (error instanceof OutboundError) return { kind: "unreachable", error: error.shortMessage };
      throw error;
    }
    if (answer.root !== batch.root.toLowerCase())
      problems.push(`the node's root ${answer.root} is not the root ${batch.root} committed on chain`);
    const byIndex = new Map(answer.proofs.map((p) => [p.index, p]));
    for (const index of chunk) {
      const proof = byIndex.get(index);
      if (!proof) {
        problems.push(`no proof for receipt #${index}`);
        continue;
      }
      const receipt = {
        agreementId: batch.agreementId,
        flow: batch.flow,
        epoch: batch.epoch,
        clickId: proof.clickId,
      };
      let valid = false;
      try {
        valid = verifyReceiptProof({ root: batch.root, receipt, proof: proof.proof });
      } catch {
        valid = false;
      }
      if (!valid) {
        problems.push(`receipt #${index} (click ${proof.clickId}) does not prove into the on-chain root`);
        continue;
      }
      const click = proof.clickId.toLowerCase();
      if (clicks.has(click)) {
        problems.push(`receipt #${index} repeats click ${proof.clickId} already shown for another index`);
        continue;
      }
      clicks.add(click);
      proven.push({ index, clickId: proof.clickId });
    }
  }
  return { kind: "answered", proven, problems };
}
