import type { Address, Hex, LocalAccount } from "viem";
import { createOutboundClient, type OutboundClient, OutboundError, parseAnswer } from "../net";
import { COSIGN_PATH, type CosignRequest, cosignAnswerSchema } from "../protocol/cosign";
import { peerErrorCode } from "../protocol/wire";
import type { StoreDriver } from "../store/driver";
import { highestAcknowledgement, type SignedAcknowledgement } from "./acknowledgements";
import { type AgreementDirectory, epochEndOf } from "./agreements";
import { claimBatch } from "./chain/claim-batch";
import { commitBatch } from "./chain/commit-batch";
import type { SettlementClient } from "./chain/settlement-client";
import { buildFlowBatch, type FlowBatch, recordBatch, SUBMITTED_BATCH_STATUSES_SQL } from "./flow-batch";
import { type PeerDomain, signPeerRequest } from "./peer-auth";

/** What happened to one flow's batch when the referrer closed its epoch. */
export type EpochCloseOutcome =
  | { type: "committed"; batch: FlowBatch; txHash: Hex; acknowledged: bigint }
  | { type: "claimed"; batch: FlowBatch; txHash: Hex; reason: string; acknowledged: bigint }
  | { type: "refused"; batch: FlowBatch; reason: string; expected?: { count: string; root: Hex } }
  | { type: "waiting"; batch: Pick<FlowBatch, "agreementId" | "flow" | "epoch">; until: bigint }
  | { type: "failed"; batch: Pick<FlowBatch, "agreementId" | "flow" | "epoch">; reason: string };

export interface CloseEpochsParameters {
  member: Address;
  account: LocalAccount;
  driver: StoreDriver;
  agreements: AgreementDirectory;
  settlement: SettlementClient;
  peerDomain: PeerDomain;
  /** Base URL of a member's node (where its `/v1/peer/*` endpoints are), e.g. from its on-chain profile. */
  peerUrl: (member: Address) => string | undefined | Promise<string | undefined>;
  /** How recipients' nodes are reached (address policy, caps, timeouts); default: public addresses only. */
  outbound?: OutboundClient;
  /** Tokens live this long: an epoch is closed only once its last token has expired. */
  tokenTtl: bigint;
  /** Seconds after the epoch's end after which an unco-signed batch is claimed instead. */
  claimAfter: bigint;
  now: () => bigint;
}

/**
 * One pass of the referrer's epoch close (`--once` style: call it on a timer or from a test).
 * For every (agreement, flow, epoch) with clicks and no final batch yet, once the epoch and its
 * tokens are over: build the batch from the durable clicks and ask the recipient's node for its
 * final acknowledgement (authenticated request; the co-signature is the last acknowledgement).
 * Evidence is the recipient's signature: the referrer commits at the highest acknowledgement it
 * holds when it covers its clicks (or the recipient acknowledged more); when the acknowledgements
 * fall short of its clicks and the claim deadline has passed, it claims its clicks above the highest
 * acknowledgement — that part settles at once, the excess only if the recipient lets it pass.
 */
export async function closeEpochs(p: CloseEpochsParameters): Promise<EpochCloseOutcome[]> {
  const tenant = p.member.toLowerCase();
  // The distinct (agreement, flow, epoch) of this tenant's clicks by a skip scan of the
  // member_clicks_by_batch index: one index probe per batch instead of reading every click (a
  // DISTINCT over the clicks costs a full pass over millions of rows, every pass of the loop,
  // and starved the tracking endpoints as the table grew). The probe compares the whole index
  // key as a row so it starts right after the previous batch; the tenant is checked outside.
  const open = await p.driver.query<{ agreement_id: bigint; flow: number; epoch: bigint }>(
    `WITH RECURSIVE batches AS (
       (SELECT c.agreement_id, c.flow, c.epoch FROM member_clicks c WHERE c.tenant = $1
        ORDER BY c.tenant, c.agreement_id, c.flow, c.epoch LIMIT 1)
       UNION ALL
       SELECT n.agreement_id, n.flow, n.epoch FROM batches p, LATERAL (
         SELECT c.tenant, c.agreement_id, c.flow, c.epoch FROM member_clicks c
         WHERE (c.tenant, c.agreement_id, c.flow, c.epoch) > ($1, p.agreement_id, p.flow, p.epoch)
         ORDER BY c.tenant, c.agreement_id, c.flow, c.epoch LIMIT 1) n
       WHERE n.tenant = $1
     )
     SELECT o.agreement_id, o.flow, o.epoch FROM batches o
     WHERE NOT EXISTS (
       SELECT 1 FROM member_batches b WHERE b.tenant = $1 AND b.role = 'referrer'
         AND b.agreement_id = o.agreement_id AND b.flow = o.flow AND b.epoch = o.epoch
         AND b.status IN ${SUBMITTED_BATCH_STATUSES_SQL})
     ORDER BY 1, 2, 3`,
    [tenant],
  );
  const outcomes: EpochCloseOutcome[] = [];
  for (const row of open) {
    const key = { agreementId: BigInt(row.agreement_id), flow: Number(row.flow), epoch: BigInt(row.epoch) };
    try {
      outcomes.push(await closeOne(p, tenant, key));
    } catch (error) {
      outcomes.push({ type: "failed", batch: key, reason: (error as Error).message.split("\n")[0] });
    }
  }
  return outcomes;
}

async function closeOne(
  p: CloseEpochsParameters,
  tenant: string,
  key: { agreementId: bigint; flow: number; epoch: bigint },
): Promise<EpochCloseOutcome> {
  const terms = await p.agreements.get(key.agreementId);
  const flow = terms?.flows[key.flow];
  if (!terms || !flow) return { type: "failed", batch: key, reason: "agreement or flow unknown on chain" };
  const end = epochEndOf(terms, key.epoch);
  const t = p.now();
  if (t < end + p.tokenTtl) return { type: "waiting", batch: key, until: end + p.tokenTtl };
  const batch = await buildFlowBatch(p.driver, { tenant, source: "clicks", ...key });
  const deadlinePassed = t >= end + p.claimAfter;
  const answer = await requestCoSignature(p, flow.to, batch);
  // The highest acknowledgement: the recipient's final one, else the last it sent while the epoch ran.
  const held = await highestAcknowledgement(p.driver, { tenant, ...key });
  let best: SignedAcknowledgement | undefined = held;
  if (answer.type === "acknowledged" && (!best || answer.acknowledgement.count >= best.count))
    best = answer.acknowledgement;
  const record = (status: string, extra: { coSignature?: string; txHash?: string; detail?: string }) =>
    recordBatch(p.driver, { tenant, role: "referrer", batch, now: t, status, ...extra });
  if (best && best.count >= BigInt(batch.count)) {
    const txHash = await commitBatch(p.settlement, {
      batch: { ...key, count: best.count, root: best.root },
      recipientSignature: best.signature,
    });
    await record("committed", {
      coSignature: best.signature,
      txHash,
      detail:
        best.root === batch.root ? undefined : `committed at the recipient's acknowledged ${best.count}`,
    });
    return { type: "committed", batch, txHash, acknowledged: best.count };
  }
  const reason =
    answer.type === "refused"
      ? answer.reason
      : `the recipient acknowledged ${best?.count ?? 0n} of ${batch.count} clicks`;
  if (deadlinePassed) {
    const txHash = await claimBatch(p.settlement, { batch, acknowledgement: best });
    await record("claimed", { txHash, detail: reason });
    return { type: "claimed", batch, txHash, reason, acknowledged: best?.count ?? 0n };
  }
  await record("refused", { detail: reason });
  return {
    type: "refused",
    batch,
    reason,
    expected: best ? { count: best.count.toString(), root: best.root } : undefined,
  };
}

type CoSignAnswer =
  | { type: "acknowledged"; acknowledgement: SignedAcknowledgement; matches: boolean }
  | { type: "refused"; reason: string };

/** Used when a caller passes no client: public addresses only. */
const publicOnly = createOutboundClient({ timeoutMs: 30_000 });

/**
 * Asks the recipient's node for its final acknowledgement of the batch's flow and epoch, with a
 * request signed by this member's key, through the outbound client (src/net): the answer is parsed
 * with the protocol's schema (the contract checks the signature when it is used), and the reason
 * of a refusal names the node's error `code` only, never its free text.
 */
export async function requestCoSignature(
  p: Pick<CloseEpochsParameters, "member" | "account" | "peerDomain" | "peerUrl" | "now" | "outbound">,
  recipient: Address,
  batch: Pick<FlowBatch, "agreementId" | "flow" | "epoch" | "count" | "root">,
): Promise<CoSignAnswer> {
  let base: string | undefined;
  try {
    base = await p.peerUrl(recipient);
  } catch (error) {
    return {
      type: "refused",
      reason: `node URL of recipient ${recipient} unknown: ${(error as Error).message}`,
    };
  }
  if (!base) return { type: "refused", reason: `no node URL known for recipient ${recipient}` };
  const request: CosignRequest = {
    agreementId: batch.agreementId.toString(),
    flow: batch.flow.toString(),
    epoch: batch.epoch.toString(),
    count: batch.count.toString(),
    root: batch.root,
  };
  const body = JSON.stringify(request);
  const headers = await signPeerRequest({
    account: p.account,
    member: p.member,
    domain: p.peerDomain,
    method: "POST",
    path: COSIGN_PATH,
    body,
    time: p.now(),
  });
  try {
    const answer = await (p.outbound ?? publicOnly).request(`${base}${COSIGN_PATH}`, {
      method: "POST",
      headers: { ...headers, "content-type": "application/json" },
      body,
      // The recipient rebuilds its own batch before it answers: no byte may move for a while.
      timeoutMs: 30_000,
      idleTimeoutMs: 30_000,
    });
    if (answer.status === 200) {
      const acknowledged = parseAnswer(cosignAnswerSchema, answer.body, "acknowledgement");
      return {
        type: "acknowledged",
        acknowledgement: {
          agreementId: batch.agreementId,
          flow: batch.flow,
          epoch: batch.epoch,
          count: BigInt(acknowledged.count),
          root: acknowledged.root as Hex,
          signature: acknowledged.signature as Hex,
        },
        matches: acknowledged.matches,
      };
    }
    return {
      type: "refused",
      reason: `${answer.status}: ${peerErrorCode(answer.body) ?? "no reason given"}`,
    };
  } catch (error) {
    if (error instanceof OutboundError)
      return { type: "refused", reason: `recipient node unreachable: ${error.shortMessage}` };
    throw error;
  }
}
