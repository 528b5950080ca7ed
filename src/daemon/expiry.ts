import type { Logger } from "pino";
import type { FlowPactClient } from "../chain/clients";
import { writeFlowPact } from "../chain/write";
import type { Queryable } from "../store/driver";

/**
 * Records `markExpired` for proposals past their expiry that the store still shows as proposed,
 * so their parties' capacity and partner slots free up for new proposals. Idempotent: the call
 * is simulated first, and one already expired on chain (by anyone) just reverts in simulation.
 */
export async function expireStaleProposals(
  db: Queryable,
  client: FlowPactClient,
  now: bigint,
  log: Logger,
): Promise<number> {
  const rows = await db.query<{ agreement_id: bigint }>(
    "SELECT agreement_id FROM agreements WHERE status = 'proposed' AND proposal_expiry <= $1 ORDER BY agreement_id",
    [now],
  );
  let expired = 0;
  for (const { agreement_id } of rows) {
    const agreementId = BigInt(agreement_id);
    try {
      const { hash } = await writeFlowPact(client, {
        contract: "AgreementBook",
        functionName: "markExpired",
        args: [agreementId],
      });
      expired++;
      log.info({ agreementId: agreementId.toString(), txHash: hash }, "stale proposal marked expired");
    } catch (error) {
      log.warn(
        { agreementId: agreementId.toString(), err: (error as Error).message },
        "could not mark proposal expired",
      );
    }
  }
  return expired;
}
