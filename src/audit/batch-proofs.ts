import { randomBytes } from "node:crypto";
import type { Hex, LocalAccount } from "viem";
import { verifyReceiptProof } from "../receipts/receipt-tree";
import type { AuditedBatch } from "./model";
import {
  MAX_PROOF_INDICES,
  type ProofRequestDomain,
  type ProofResponseBody,
  signProofRequest,
} from "./proof-request";

export interface BatchProofRequestOptions {
  /** The AUDITOR key that signs the request. */
  auditor: LocalAccount;
  domain: ProofRequestDomain;
  /** Base URL of the batch's referrer's node (no trailing slash). */
  url: string;
  timeoutMs: number;
  /** Unix seconds (the request expires 300 s after it). */
  now: () => bigint;
}

/** A receipt the node proved into the batch's on-chain root. */
export interface ProvenReceipt {
  index: number;
  clickId: Hex;
}

/** What the referrer's node made of one signed proof request. */
export type BatchProofAnswer =
  | { kind: "unreachable"; error: string }
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
 * opinion of its root is checked, not trusted.
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
    let response: Response;
    try {
      response = await fetch(`${options.url}/audit/proofs`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      return { kind: "unreachable", error: (error as Error).message };
    }
    if (!response.ok) {
      const answer = (await response.text().catch(() => "")).slice(0, 200);
      return { kind: "refused", status: response.status, answer };
    }
    let answer: ProofResponseBody;
    try {
      answer = (await response.json()) as ProofResponseBody;
    } catch {
      answer = { proofs: [] } as unknown as ProofResponseBody;
    }
    if (typeof answer.root === "string" && answer.root.toLowerCase() !== batch.root.toLowerCase())
      problems.push(`the node's root ${answer.root} is not the root ${batch.root} committed on chain`);
    const byIndex = new Map((Array.isArray(answer.proofs) ? answer.proofs : []).map((p) => [p.index, p]));
    for (const index of chunk) {
      const proof = byIndex.get(index);
      if (!proof || typeof proof.clickId !== "string" || !Array.isArray(proof.proof)) {
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
