import type { Address, Hex } from "viem";
import { z } from "zod";

/**
 * The value types every FlowPact message is built from. Peers are parsed with these, never cast:
 * a value outside its ABI range, or a string of the wrong shape or length, fails the message.
 */

/** A uint256 as a decimal string without leading zeros (what a JSON body carries for a bigint). */
export const uintString = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, "a decimal uint256");

/** A uint64 as a decimal string. */
export const uint64String = z
  .string()
  .regex(/^(0|[1-9][0-9]{0,19})$/, "a decimal uint64")
  // Checks run even after the regex failed: test the digits again before BigInt can throw.
  .refine((s) => /^[0-9]{1,20}$/.test(s) && BigInt(s) < 1n << 64n, "a decimal uint64");

/** 32 bytes of lower-case hex: Merkle roots, proof siblings, click ids. */
export const bytes32 = z
  .string()
  .regex(/^0x[0-9a-f]{64}$/, "32 bytes of lower-case hex")
  .transform((s) => s as Hex);

/** 32 bytes of hex, either case (nonces, session keys). */
export const bytes32AnyCase = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, "32 bytes of hex")
  .transform((s) => s as Hex);

/** A 65-byte ECDSA signature (r ‖ s ‖ v). */
export const signature65 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{130}$/, "a 65-byte signature")
  .transform((s) => s as Hex);

/** A 20-byte address, either case. */
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "an address")
  .transform((s) => s as Address);

/**
 * The JSON error body every member node answers a refused request with (`{ error, code, message }`,
 * src/member/errors.ts). Only `code` is read from a peer: a short machine-readable word.
 */
export const peerErrorSchema = z.object({
  error: z.string().max(100).optional(),
  code: z
    .string()
    .regex(/^[a-z0-9_]{1,64}$/)
    .optional(),
  message: z.string().optional(),
});
export type PeerError = z.infer<typeof peerErrorSchema>;

/**
 * The `code` of a peer's error body when it is one, else undefined: a node's free text never
 * reaches a report or a log line (it could carry anything, of any length).
 */
export function peerErrorCode(body: unknown): string | undefined {
  const parsed = peerErrorSchema.safeParse(body);
  return parsed.success ? parsed.data.code : undefined;
}
