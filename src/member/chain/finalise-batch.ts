import type { Hash } from "viem";
import { type SettlementClient, writeSettlement } from "./settlement-client";

/**
 * Finalises an undisputed claim after its challenge window (`Settlement.finalise`), paying it in
 * full. Anyone may call it; a member node calls it for the claims it filed as referrer.
 *
 * @example
 * const hash = await finaliseBatch(client, { agreementId: 1n, flow: 0, epoch: 3n });
 */
export function finaliseBatch(
  client: SettlementClient,
  { agreementId, flow, epoch }: { agreementId: bigint; flow: number; epoch: bigint },
): Promise<Hash> {
  return writeSettlement(client, "finalise", [agreementId, BigInt(flow), epoch]);
}
