import type { Hash, Hex } from "viem";
import type { SignedAcknowledgement } from "../acknowledgements";
import { type SettlementClient, writeSettlement } from "./settlement-client";

/**
 * Claims a batch above the recipient's highest acknowledgement (`Settlement.claim`): the
 * acknowledged count settles at once, the excess opens the challenge window. Caller: the flow's
 * referrer, when the recipient's acknowledgements fall short of the clicks it sent by the deadline.
 *
 * @example
 * const hash = await claimBatch(client, { batch, acknowledgement: highest });
 */
export function claimBatch(
  client: SettlementClient,
  {
    batch,
    acknowledgement,
  }: {
    batch: { agreementId: bigint; flow: number; epoch: bigint; count: number | bigint; root: Hex };
    acknowledgement?: Pick<SignedAcknowledgement, "count" | "root" | "signature">;
  },
): Promise<Hash> {
  return writeSettlement(client, "claim", [
    batch.agreementId,
    BigInt(batch.flow),
    batch.epoch,
    BigInt(batch.count),
    batch.root,
    acknowledgement
      ? { count: acknowledgement.count, root: acknowledgement.root, signature: acknowledgement.signature }
      : { count: 0n, root: `0x${"00".repeat(32)}`, signature: "0x" },
  ]);
}
