import { z } from "zod";
import { bytes32, peerErrorSchema, signature65, uintString } from "./wire";

/**
 * `POST <recipient node>/v1/peer/cosign`, signed by the flow's referrer (src/member/peer-auth.ts):
 * the recipient co-signs the batch when count and root equal its own arrival records.
 */
export const COSIGN_PATH = "/v1/peer/cosign";

export const cosignRequestSchema = z.object({
  agreementId: uintString,
  flow: uintString,
  epoch: uintString,
  count: uintString,
  root: bytes32,
});
export type CosignRequest = z.infer<typeof cosignRequestSchema>;

/** 200: the recipient's EIP-712 `Batch` signature. */
export const cosignAnswerSchema = z.object({ signature: signature65 });
export type CosignAnswer = z.infer<typeof cosignAnswerSchema>;

/** 409 `batch_mismatch`: the recipient's own count and root, and how far the referrer's differ. */
export const batchMismatchSchema = peerErrorSchema.extend({
  expected: z.object({ count: uintString, root: bytes32 }),
  difference: z.string().regex(/^-?[0-9]{1,78}$/),
});
export type BatchMismatch = z.infer<typeof batchMismatchSchema>;
