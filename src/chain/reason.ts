import { type Hex, stringToHex } from "viem";

/** Text longer than a bytes32 reason can hold. */
export class ReasonTooLongError extends Error {
  override name = "ReasonTooLongError";
  constructor(readonly reason: string) {
    super(`reason "${reason}" is longer than 32 bytes: shorten it`);
  }
}

/** A reason as bytes32: a 0x…64-hex value passes through, text is UTF-8 right-padded. */
export function toReason(reason: string | undefined): Hex {
  if (reason === undefined) return `0x${"0".repeat(64)}`;
  if (/^0x[0-9a-fA-F]{64}$/.test(reason)) return reason as Hex;
  if (Buffer.byteLength(reason, "utf8") > 32) throw new ReasonTooLongError(reason);
  return stringToHex(reason, { size: 32 });
}
