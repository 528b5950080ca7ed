import type { Logger } from "pino";
import type { TransactionReceipt } from "viem";
import type { FlowPactClient } from "../chain/clients";
import type { Queryable } from "../store/driver";
import { ProposalStuckError } from "./errors";
import { confirmIntent, failIntent, type Intent, preparedIntents } from "./journal";
import { broadcast, findProposalsByTermsHash, proposedAgreementId } from "./proposalTx";

export type IntentResolution =
  | { readonly type: "confirmed"; readonly agreementId: bigint; readonly via: "receipt" | "event" }
  | { readonly type: "failed"; readonly reason: string };

/** How long one reconciliation waits for a re-broadcast transaction to be mined. */
const REBROADCAST_WAIT_MS = 30_000;

/**
 * Brings one journaled proposal to a final state, never creating a second transaction for it:
 * 1. a receipt for its hash settles it (success: the agreement id; revert: failed);
 * 2. else an AgreementProposed with its terms hash means it landed (confirmed);
 * 3. else, if the account's mined nonce is past the intent's, that nonce went to another
 *    transaction and this one can never be mined (failed);
 * 4. else the very same signed bytes are broadcast again (same hash: mined at most once).
 */
export async function resolveIntent(client: FlowPactClient, intent: Intent): Promise<IntentResolution> {
  const fromReceipt = (receipt: TransactionReceipt): IntentResolution => {
    if (receipt.status !== "success")
      return { type: "failed", reason: `reverted on chain (tx ${intent.txHash})` };
    const agreementId = proposedAgreementId(client, receipt);
    return agreementId === undefined
      ? { type: "failed", reason: `mined without an AgreementProposed event (tx ${intent.txHash})` }
      : { type: "confirmed", agreementId, via: "receipt" };
  };
  const receipt = await client.publicClient
    .getTransactionReceipt({ hash: intent.txHash })
    .catch(() => undefined);
  if (receipt) return fromReceipt(receipt);
  const [landed] = await findProposalsByTermsHash(client, intent.termsHash);
  if (landed) return { type: "confirmed", agreementId: landed.agreementId, via: "event" };
  const mined = await client.publicClient.getTransactionCount({
    address: intent.sender as `0x${string}`,
    blockTag: "latest",
  });
  if (BigInt(mined) > intent.nonce)
    return { type: "failed", reason: `nonce ${intent.nonce} was used by another transaction; not re-sent` };
  await broadcast(client, intent.rawTx);
  try {
    return fromReceipt(
      await client.publicClient.waitForTransactionReceipt({
        hash: intent.txHash,
        timeout: REBROADCAST_WAIT_MS,
      }),
    );
  } catch (cause) {
    throw new ProposalStuckError(intent.txHash, { cause });
  }
}

/** Reconciles every intent left `prepared` (by a crash, or a send still in flight) with the chain. */
export async function reconcileIntents(
  db: Queryable,
  client: FlowPactClient,
  log: Logger,
): Promise<{ confirmed: number; failed: number }> {
  let confirmed = 0;
  let failed = 0;
  for (const intent of await preparedIntents(db)) {
    const resolution = await resolveIntent(client, intent);
    if (resolution.type === "confirmed") {
      await confirmIntent(db, intent.id, resolution.agreementId);
      confirmed++;
      log.info(
        {
          intent: intent.id,
          txHash: intent.txHash,
          agreementId: resolution.agreementId,
          via: resolution.via,
        },
        "journaled proposal found on chain",
      );
    } else {
      await failIntent(db, intent.id, resolution.reason);
      failed++;
      log.warn(
        { intent: intent.id, txHash: intent.txHash, reason: resolution.reason },
        "journaled proposal failed",
      );
    }
  }
  return { confirmed, failed };
}
