import type { Hex } from "viem";
import { settlementAbi } from "../../abi/contracts";
import type { SettlementClient } from "./settlement-client";

/** `ISettlement.BatchStatus`, by index. */
export const BATCH_STATUS_NAMES = [
  "none",
  "committed",
  "claimed",
  "disputed",
  "finalised",
  "resolved",
] as const;
export type BatchStatusName = (typeof BATCH_STATUS_NAMES)[number];

export interface OnChainBatch {
  status: BatchStatusName;
  count: bigint;
  settledCount: bigint;
  /** Unix seconds: end of a claim's challenge window, then of a dispute's answer window; 0 for a commit. */
  challengeEnds: bigint;
  /** Zero for a committed batch (its root is in BatchCommitted). */
  root: Hex;
  /** The recipient-acknowledged part of a claim. */
  acknowledgedCount: bigint;
  /** The recipient's count in a dispute. */
  counterCount: bigint;
}

/**
 * Reads one batch as Settlement stores it (`Settlement.batchOf`).
 *
 * @example
 * const batch = await readBatch(client, { agreementId: 1n, flow: 0, epoch: 3n });
 * if (batch.status === "claimed" && batch.challengeEnds <= now) ...
 */
export async function readBatch(
  client: Pick<SettlementClient, "publicClient" | "settlement">,
  { agreementId, flow, epoch }: { agreementId: bigint; flow: number; epoch: bigint },
): Promise<OnChainBatch> {
  const b = (await client.publicClient.readContract({
    address: client.settlement,
    abi: settlementAbi,
    functionName: "batchOf",
    args: [agreementId, BigInt(flow), epoch],
  } as never)) as {
    status: number;
    count: bigint;
    settledCount: bigint;
    challengeEnds: bigint;
    root: Hex;
    acknowledgedCount: bigint;
    counterCount: bigint;
  };
  return {
    status: BATCH_STATUS_NAMES[Number(b.status)] ?? "none",
    count: BigInt(b.count),
    settledCount: BigInt(b.settledCount),
    challengeEnds: BigInt(b.challengeEnds),
    root: b.root,
    acknowledgedCount: BigInt(b.acknowledgedCount),
    counterCount: BigInt(b.counterCount),
  };
}
