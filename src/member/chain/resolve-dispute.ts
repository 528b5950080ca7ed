import type { Hash } from "viem";
import type { SignedAcknowledgement } from "../acknowledgements";
import { type SettlementClient, writeSettlement } from "./settlement-client";

/**
 * Answers a dispute with the recipient's acknowledgement above its disputed count
 * (`Settlement.resolve`): settles up to it, the bond goes to the referrer. Caller: the referrer.
 *
 * @example
 * const hash = await resolveDispute(client, { acknowledgement: highest });
 */
export function resolveDispute(
  client: SettlementClient,
  { acknowledgement: a }: { acknowledgement: SignedAcknowledgement },
): Promise<Hash> {
  return writeSettlement(client, "resolve", [
    a.agreementId,
    BigInt(a.flow),
    a.epoch,
    { count: a.count, root: a.root, signature: a.signature },
  ]);
}

/**
 * Closes a dispute nobody answered before its answer window ended (`Settlement.upholdDispute`):
 * the recipient's count stands and its bond returns. Anyone may call; the recipient's node does.
 *
 * @example
 * const hash = await upholdDispute(client, { agreementId: 1n, flow: 0, epoch: 3n });
 */
export function upholdDispute(
  client: SettlementClient,
  { agreementId, flow, epoch }: { agreementId: bigint; flow: number; epoch: bigint },
): Promise<Hash> {
  return writeSettlement(client, "upholdDispute", [agreementId, BigInt(flow), epoch]);
}
