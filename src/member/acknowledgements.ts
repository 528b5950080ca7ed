import { type Address, type Hex, isAddressEqual, type LocalAccount } from "viem";
import { createOutboundClient, type OutboundClient } from "../net";
import { ACKNOWLEDGEMENT_PATH, type AcknowledgementMessage } from "../protocol/cosign";
import { recoverBatchSigner, signBatch } from "../receipts";
import type { Queryable } from "../store/driver";
import type { AgreementDirectory } from "./agreements";
import { buildFlowBatch, type FlowBatch } from "./flow-batch";
import { type PeerDomain, signPeerRequest } from "./peer-auth";

/** Used when a caller passes no client: public addresses only. */
const publicOnly = createOutboundClient();

/**
 * A recipient's signed running state of one flow's epoch: `count` arrivals with receipts root
 * `root`, signed (EIP-712 `Acknowledgement`, naming the recipient) by the recipient's key. The
 * referrer settles with the highest one it holds; nothing above it settles without the recipient
 * letting a claim pass.
 */
export interface SignedAcknowledgement {
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  count: bigint;
  root: Hex;
  signature: Hex;
}

type FlowKey = Pick<SignedAcknowledgement, "agreementId" | "flow" | "epoch">;

/**
 * Keeps `ack` if it is the highest this referrer holds for its flow's epoch.
 * @returns whether it raised the highest.
 */
export async function storeAcknowledgement(
  db: Queryable,
  {
    tenant,
    acknowledgement: a,
    now,
  }: { tenant: string; acknowledgement: SignedAcknowledgement; now: bigint },
): Promise<boolean> {
  const rows = await db.query<{ count: string }>(
    `INSERT INTO member_acknowledgements (tenant, agreement_id, flow, epoch, count, root, signature, received_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (tenant, agreement_id, flow, epoch) DO UPDATE SET
       count = EXCLUDED.count, root = EXCLUDED.root, signature = EXCLUDED.signature, received_at = EXCLUDED.received_at
     WHERE member_acknowledgements.count < EXCLUDED.count
     RETURNING count`,
    [
      tenant.toLowerCase(),
      a.agreementId.toString(),
      a.flow,
      a.epoch.toString(),
      a.count.toString(),
      a.root,
      a.signature,
      now.toString(),
    ],
  );
  return rows.length > 0;
}

/** The highest acknowledgement this referrer holds for a flow's epoch. */
export async function highestAcknowledgement(
  db: Queryable,
  { tenant, agreementId, flow, epoch }: FlowKey & { tenant: string },
): Promise<SignedAcknowledgement | undefined> {
  const [row] = await db.query<{ count: string; root: string; signature: string }>(
    `SELECT count, root, signature FROM member_acknowledgements
     WHERE tenant = $1 AND agreement_id = $2 AND flow = $3 AND epoch = $4`,
    [tenant.toLowerCase(), agreementId.toString(), flow, epoch.toString()],
  );
  if (!row) return undefined;
  return {
    agreementId,
    flow,
    epoch,
    count: BigInt(row.count),
    root: row.root as Hex,
    signature: row.signature as Hex,
  };
}

/** The recipient's acknowledgement of its own arrivals of a flow's epoch, signed now. */
export async function acknowledgeOwnArrivals(p: {
  member: Address;
  account: LocalAccount;
  chainId: number;
  settlement: Address;
  driver: Queryable;
  key: FlowKey;
}): Promise<{ batch: FlowBatch; acknowledgement: SignedAcknowledgement }> {
  const batch = await buildFlowBatch(p.driver, {
    tenant: p.member.toLowerCase(),
    source: "arrivals",
    ...p.key,
  });
  const signature = await signBatch(p.account, {
    chainId: p.chainId,
    settlement: p.settlement,
    batch: { recipient: p.member, ...p.key, count: BigInt(batch.count), root: batch.root },
  });
  return { batch, acknowledgement: { ...p.key, count: BigInt(batch.count), root: batch.root, signature } };
}

/**
 * Checks that `ack` is `recipient`'s acknowledgement, signed by its registered key (EOA keys; a
 * contract-wallet member's acknowledgements are checked on chain when they are used).
 */
export async function isRecipientAcknowledgement(p: {
  recipient: Address;
  signer: Address | undefined;
  chainId: number;
  settlement: Address;
  acknowledgement: SignedAcknowledgement;
}): Promise<boolean> {
  if (!p.signer) return false;
  const a = p.acknowledgement;
  try {
    const recovered = await recoverBatchSigner({
      chainId: p.chainId,
      settlement: p.settlement,
      batch: {
        recipient: p.recipient,
        agreementId: a.agreementId,
        flow: a.flow,
        epoch: a.epoch,
        count: a.count,
        root: a.root,
      },
      signature: a.signature,
    });
    return isAddressEqual(recovered, p.signer);
  } catch {
    return false;
  }
}

export type AcknowledgeOutcome =
  | { type: "sent"; acknowledgement: SignedAcknowledgement }
  | { type: "failed"; key: FlowKey; reason: string };

/**
 * The recipient's side: acknowledges arrivals as it makes them durable. The tracking server marks
 * every (agreement, flow, epoch) that received an arrival (`touch`); each pass (`once`, on the
 * settlement loop's clock: every few seconds) signs the running count and root of each marked
 * flow's epoch and sends it to the referrer's node over the authenticated peer channel. A flow whose
 * referrer could not be reached stays marked and is sent again on the next pass.
 *
 * @example
 * const acknowledger = createAcknowledger({ member, account, chainId, settlement, driver, agreements, peerDomain, peerUrl, now });
 * trackingServerOptions.onArrival = acknowledger.touch;
 * await acknowledger.once();
 */
export function createAcknowledger(p: {
  member: Address;
  account: LocalAccount;
  chainId: number;
  settlement: Address;
  driver: Queryable;
  agreements: AgreementDirectory;
  peerDomain: PeerDomain;
  peerUrl: (member: Address) => string | undefined | Promise<string | undefined>;
  now: () => bigint;
  /** How referrers' nodes are reached (address policy, caps, timeouts); default: public addresses only. */
  outbound?: OutboundClient;
}) {
  const marked = new Map<string, FlowKey>();
  const lastSent = new Map<string, bigint>();
  const id = (k: FlowKey) => `${k.agreementId}:${k.flow}:${k.epoch}`;
  return {
    touch(key: FlowKey): void {
      marked.set(id(key), key);
    },
    async once(): Promise<AcknowledgeOutcome[]> {
      const outcomes: AcknowledgeOutcome[] = [];
      for (const [k, key] of [...marked]) {
        marked.delete(k);
        try {
          const terms = await p.agreements.get(key.agreementId);
          const flow = terms?.flows[key.flow];
          if (!flow) continue;
          const { acknowledgement } = await acknowledgeOwnArrivals({ ...p, key });
          if ((lastSent.get(k) ?? -1n) >= acknowledgement.count) continue;
          await sendAcknowledgement(p, flow.from, acknowledgement);
          lastSent.set(k, acknowledgement.count);
          outcomes.push({ type: "sent", acknowledgement });
        } catch (error) {
          marked.set(k, key);
          outcomes.push({ type: "failed", key, reason: (error as Error).message.split("\n")[0] });
        }
      }
      return outcomes;
    },
  };
}

async function sendAcknowledgement(
  p: {
    member: Address;
    account: LocalAccount;
    peerDomain: PeerDomain;
    peerUrl: (member: Address) => string | undefined | Promise<string | undefined>;
    now: () => bigint;
    outbound?: OutboundClient;
  },
  referrer: Address,
  a: SignedAcknowledgement,
): Promise<void> {
  const base = await p.peerUrl(referrer);
  if (!base) throw new Error(`no node URL known for referrer ${referrer}`);
  const message: AcknowledgementMessage = {
    agreementId: a.agreementId.toString(),
    flow: a.flow.toString(),
    epoch: a.epoch.toString(),
    count: a.count.toString(),
    root: a.root,
    signature: a.signature,
  };
  const body = JSON.stringify(message);
  const headers = await signPeerRequest({
    account: p.account,
    member: p.member,
    domain: p.peerDomain,
    method: "POST",
    path: ACKNOWLEDGEMENT_PATH,
    body,
    time: p.now(),
  });
  const answer = await (p.outbound ?? publicOnly).request(`${base}${ACKNOWLEDGEMENT_PATH}`, {
    method: "POST",
    headers: { ...headers, "content-type": "application/json" },
    body,
    timeoutMs: 5_000,
  });
  if (answer.status !== 200) throw new Error(`the referrer's node answered ${answer.status}`);
}
