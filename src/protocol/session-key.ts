import { z } from "zod";
import { address, bytes32AnyCase, signature65, uint64String } from "./wire";

/** `GET <node>/v1/session-key`: the member's current session key certificate (public, no auth). */
export const SESSION_KEY_PATH = "/v1/session-key";

/**
 * The certificate on the wire (src/member/session-key.ts `SessionKeyCertificate`, `notAfter` as a
 * decimal string). What the node serves and what a referrer's node parses.
 */
export const sessionKeyCertificateSchema = z.object({
  member: address,
  sessionKey: bytes32AnyCase,
  notAfter: uint64String,
  signature: signature65,
});
export type SessionKeyCertificateBody = z.infer<typeof sessionKeyCertificateSchema>;
