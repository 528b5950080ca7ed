import type { Logger } from "pino";
import type { Queryable } from "../store/driver";
import { openConfirmedIntents, setIntentOutcome } from "./journal";

/**
 * Follows the daemon's own proposals through the store: records each one's latest status in the
 * journal and returns how many became Active since the last look (the acceptance count).
 */
export async function followProposals(
  db: Queryable,
  log: Logger,
): Promise<{ activated: number; closed: number }> {
  let activated = 0;
  let closed = 0;
  for (const intent of await openConfirmedIntents(db)) {
    const [row] = await db.query<{ status: string; accepted_by: string[] }>(
      "SELECT status, accepted_by FROM agreements WHERE agreement_id = $1",
      [intent.agreementId],
    );
    if (!row || row.status === intent.outcome) continue;
    await setIntentOutcome(db, intent.id, row.status);
    const agreementId = intent.agreementId?.toString();
    if (row.status === "active") {
      activated++;
      log.info({ agreementId, acceptedBy: row.accepted_by }, "agreement accepted by every party: active");
    } else if (row.status !== "proposed") {
      closed++;
      log.info({ agreementId, status: row.status }, "proposal closed");
    }
  }
  return { activated, closed };
}
