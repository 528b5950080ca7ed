import { randomBytes } from "node:crypto";
import type { Hex } from "viem";

/**
 * One referral that arrived: the click `clickId` sent on flow `flow` of agreement `agreementId`
 * during epoch `epoch`. It holds no personal data: the click id is 32 random bytes drawn when the
 * tracking link was followed, so it links to nobody.
 */
export type Receipt = {
  /** AgreementBook id (uint256). */
  agreementId: bigint;
  /** Index of the flow in the agreement (uint256 on chain). */
  flow: number | bigint;
  /** Epoch number of the agreement (uint64 on chain). */
  epoch: bigint;
  /** 32 random bytes, 0x-prefixed hex (bytes32). */
  clickId: Hex;
};

/**
 * A fresh random click id (32 bytes from the operating system's CSPRNG).
 *
 * @example
 * const clickId = randomClickId(); // "0x9f…" (66 characters)
 */
export function randomClickId(): Hex {
  return `0x${randomBytes(32).toString("hex")}`;
}

export type CreateReceiptParameters = Omit<Receipt, "clickId"> & { clickId?: Hex };

/**
 * A receipt for one click; draws a random click id when none is given.
 *
 * @example
 * const receipt = createReceipt({ agreementId: 7n, flow: 0, epoch: 12n });
 */
export function createReceipt({ agreementId, flow, epoch, clickId }: CreateReceiptParameters): Receipt {
  return { agreementId, flow, epoch, clickId: clickId ?? randomClickId() };
}
