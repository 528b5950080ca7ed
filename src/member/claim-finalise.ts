import type { Address, Hex } from "viem";
import type { StoreDriver } from "../store/driver";
import { highestAcknowledgement } from "./acknowledgements";
import { finaliseBatch } from "./chain/finalise-batch";
import { readBatch } from "./chain/read-batch";
import { resolveDispute } from "./chain/resolve-dispute";
import type { SettlementClient } from "./chain/settlement-client";
import { recordBatch } from "./flow-batch";

/** What became of one claim this member filed as referrer. */
export type ClaimFollowOutcome =
  | { type: "finalised"; agreementId: bigint; flow: number; epoch: bigint; txHash: Hex }
  | { type: "waiting"; agreementId: bigint; flow: number; epoch: bigint; until: bigint }
  | { type: "disputed"; agreementId: bigint; flow: number; epoch: bigint }
  | { type: "answered"; agreementId: bigint; flow: number; epoch: bigint; acknowledged: bigint; txHash: Hex }
  | { type: "settled-elsewhere"; agreementId: bigint; flow: number; epoch: bigint; status: string }
  | { type: "failed"; agreementId: bigint; flow: number; epoch: bigint; reason: string };

/**
 * One pass over the claims this member filed as referrer (`member_batches` status `claimed`):
 * an undisputed claim whose challenge window has passed is finalised on chain (Settlement lets
 * anyone call `finalise`; the referrer is the one who is owed, so it does not wait for the
 * matcher); a disputed one is answered with the recipient's acknowledgement above the disputed
 * count when this node holds one (`resolve`: settles up to it, bond to the referrer), else it stays
 * followed until the recipient's count is upheld; one finalised or resolved by someone else is
 * recorded as such.
 */
export async function followClaims(p: {
  member: Address;
  driver: StoreDriver;
  settlement: SettlementClient;
  now: () => bigint;
}): Promise<ClaimFollowOutcome[]> {
  const tenant = p.member.toLowerCase();
  const rows = await p.driver.query<{
    agreement_id: bigint;
    flow: number;
    epoch: bigint;
    count: bigint;
    root: string;
    status: string;
  }>(
    `SELECT agreement_id, flow, epoch, count, root, status FROM member_batches
     WHERE tenant = $1 AND role = 'referrer' AND status IN ('claimed', 'disputed')
     ORDER BY agreement_id, flow, epoch`,
    [tenant],
  );
  const outcomes: ClaimFollowOutcome[] = [];
  for (const row of rows) {
    const key = { agreementId: BigInt(row.agreement_id), flow: Number(row.flow), epoch: BigInt(row.epoch) };
    const record = (status: string, extra: { txHash?: string; detail?: string } = {}) =>
      recordBatch(p.driver, {
        tenant,
        role: "referrer",
        batch: { ...key, count: Number(row.count), root: row.root as Hex },
        status,
        now: p.now(),
        ...extra,
      });
    try {
      const onChain = await readBatch(p.settlement, key);
      if (onChain.status === "claimed") {
        const t = p.now();
        if (t < onChain.challengeEnds) {
          outcomes.push({ type: "waiting", ...key, until: onChain.challengeEnds });
          continue;
        }
        const txHash = await finaliseBatch(p.settlement, key);
        await record("finalised", { txHash, detail: "undisputed claim finalised" });
        outcomes.push({ type: "finalised", ...key, txHash });
      } else if (onChain.status === "disputed") {
        const held = await highestAcknowledgement(p.driver, { tenant, ...key });
        if (held && held.count > onChain.counterCount && p.now() < onChain.challengeEnds) {
          const txHash = await resolveDispute(p.settlement, { acknowledgement: held });
          await record("resolved", {
            txHash,
            detail: `dispute answered with the recipient's acknowledgement of ${held.count}`,
          });
          outcomes.push({ type: "answered", ...key, acknowledged: held.count, txHash });
          continue;
        }
        if (row.status !== "disputed")
          await record("disputed", {
            detail: `disputed by the recipient at ${onChain.counterCount}; no acknowledgement above it is held`,
          });
        outcomes.push({ type: "disputed", ...key });
      } else {
        await record(onChain.status, { detail: `${onChain.status} on chain` });
        outcomes.push({ type: "settled-elsewhere", ...key, status: onChain.status });
      }
    } catch (error) {
      outcomes.push({ type: "failed", ...key, reason: (error as Error).message.split("\n")[0] });
    }
  }
  return outcomes;
}
