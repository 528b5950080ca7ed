import type { Logger } from "pino";
import type { Address } from "viem";
import type { FlowPactClient } from "../chain/clients";
import type { ProposedAgreement } from "../matching/types";
import type { Queryable } from "../store/driver";
import { equivalenceKey } from "./equivalence";
import { confirmIntent, failIntent, recordIntent } from "./journal";
import { broadcast, signProposal } from "./proposalTx";
import { resolveIntent } from "./reconcile";
import { agreementTermsHash, type ProposalTerms, termsToJson } from "./terms";

/** When the agreements the daemon proposes run. */
export interface ProposalSchedule {
  /** Seconds the parties have to accept. The agreement starts when acceptance closes. */
  readonly proposalTtlSeconds: number;
  readonly epochLengthSeconds: number;
  readonly epochs: number;
  readonly noticeEpochs: number;
}

export const DEFAULT_PROPOSAL_SCHEDULE: ProposalSchedule = {
  proposalTtlSeconds: 3 * 86_400,
  epochLengthSeconds: 86_400,
  epochs: 30,
  noticeEpochs: 1,
};

export function proposalTerms(
  proposal: ProposedAgreement,
  now: bigint,
  schedule: ProposalSchedule,
): ProposalTerms {
  const proposalExpiry = now + BigInt(schedule.proposalTtlSeconds);
  const epochLength = BigInt(schedule.epochLengthSeconds);
  return {
    parties: proposal.parties as Address[],
    flows: proposal.flows.map((f) => ({
      from: f.from as Address,
      to: f.to as Address,
      segments: f.segments,
      capPerEpoch: f.capPerEpoch,
      rate: f.rate,
    })),
    schedule: {
      start: proposalExpiry,
      end: proposalExpiry + epochLength * BigInt(schedule.epochs),
      epochLength,
      noticeEpochs: BigInt(schedule.noticeEpochs),
    },
    proposalExpiry,
  };
}

export type ProposalOutcome =
  | { readonly type: "proposed"; readonly agreementId: bigint; readonly txHash: string }
  | { readonly type: "equivalent" }
  | { readonly type: "refused"; readonly reason: string };

/**
 * Proposes one engine proposal unless an equivalent agreement is open (`openKeys`, which holds the
 * store's pending/active agreements and the journal's; updated here). The order is the crash
 * contract: sign → journal (with hash, nonce and raw bytes) → broadcast → wait → confirm. A kill
 * before the journal write leaves nothing sent; a kill after it leaves an intent that
 * `reconcileIntents` finishes on restart without signing anything new.
 */
export async function proposeOne(
  db: Queryable,
  client: FlowPactClient,
  proposal: ProposedAgreement,
  openKeys: Set<string>,
  now: bigint,
  schedule: ProposalSchedule,
  log: Logger,
): Promise<ProposalOutcome> {
  const key = equivalenceKey(proposal);
  if (openKeys.has(key)) return { type: "equivalent" };
  const terms = proposalTerms(proposal, now, schedule);
  const termsHash = agreementTermsHash(terms);
  let signed: Awaited<ReturnType<typeof signProposal>>;
  try {
    signed = await signProposal(client, terms);
  } catch (error) {
    log.warn({ parties: proposal.parties, err: (error as Error).message }, "proposal refused in simulation");
    return { type: "refused", reason: (error as Error).message };
  }
  const intent = await recordIntent(db, {
    equivalenceKey: key,
    termsHash,
    sender: client.walletClient!.account.address,
    nonce: signed.nonce,
    txHash: signed.txHash,
    rawTx: signed.rawTx,
    terms: termsToJson(terms),
  });
  openKeys.add(key);
  log.info(
    {
      intent: intent.id.toString(),
      txHash: signed.txHash,
      termsHash,
      parties: proposal.parties,
      kind: proposal.kind,
    },
    "proposal journaled, sending",
  );
  await broadcast(client, signed.rawTx);
  log.info({ intent: intent.id.toString(), txHash: signed.txHash }, "proposal sent");
  const resolution = await resolveIntent(client, intent);
  if (resolution.type === "failed") {
    await failIntent(db, intent.id, resolution.reason);
    openKeys.delete(key);
    log.warn(
      { intent: intent.id.toString(), txHash: signed.txHash, reason: resolution.reason },
      "proposal failed",
    );
    return { type: "refused", reason: resolution.reason };
  }
  await confirmIntent(db, intent.id, resolution.agreementId);
  log.info(
    { intent: intent.id.toString(), txHash: signed.txHash, agreementId: resolution.agreementId.toString() },
    "agreement proposed",
  );
  return { type: "proposed", agreementId: resolution.agreementId, txHash: signed.txHash };
}
