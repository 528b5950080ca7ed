import { z } from "zod";
import { bytes32, signature65, uint64String, uintString } from "./wire";

/**
 * `POST <recipient node>/v1/peer/cosign`, signed by the flow's referrer (src/member/peer-auth.ts),
 * once the epoch and its tokens are over: the recipient answers with its final acknowledgement —
 * its own count and root, signed — whatever the referrer counted. The co-signature is the last
 * acknowledgement.
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

/** The recipient's signed running state of one flow's epoch (EIP-712 `Acknowledgement`). */
const acknowledgementFields = {
  count: uint64String,
  root: bytes32,
  signature: signature65,
};

/** 200: the recipient's acknowledgement; `matches` says whether it equals the referrer's batch. */
export const cosignAnswerSchema = z.object({ ...acknowledgementFields, matches: z.boolean() });
export type CosignAnswer = z.infer<typeof cosignAnswerSchema>;

/**
 * `POST <referrer node>/v1/peer/acknowledgements`, signed by the flow's recipient, every few
 * seconds while the epoch runs: the referrer keeps the highest one signed by the recipient's key.
 */
export const ACKNOWLEDGEMENT_PATH = "/v1/peer/acknowledgements";

export const acknowledgementMessageSchema = z.object({
  agreementId: uintString,
  flow: uintString,
  epoch: uint64String,
  ...acknowledgementFields,
});
export type AcknowledgementMessage = z.infer<typeof acknowledgementMessageSchema>;

/** 200: whether the acknowledgement raised the highest the referrer holds. */
export const acknowledgementAnswerSchema = z.object({ stored: z.boolean() });
