import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Address, Hex, LocalAccount } from "viem";
import type { StoreDriver } from "../store/driver";
import {
  ACKNOWLEDGEMENT_PATH,
  acknowledgeOwnArrivals,
  isRecipientAcknowledgement,
  type SignedAcknowledgement,
  storeAcknowledgement,
} from "./acknowledgements";
import { type AgreementDirectory, epochEndOf } from "./agreements";
import {
  ForbiddenPeerError,
  InvalidRequestError,
  MemberNodeError,
  NotRecipientError,
  UnknownAgreementError,
} from "./errors";
import type { ExposureGuard } from "./exposure";
import { recordBatch } from "./flow-batch";
import type { PeerAuthenticator } from "./peer-auth";

/** The epoch may still receive arrivals (tokens live `tokenTtl` past its end): ask again later. */
export class EpochStillOpenError extends MemberNodeError {
  override name = "EpochStillOpenError";
  constructor(
    readonly epoch: bigint,
    readonly closesAt: bigint,
  ) {
    super(
      `epoch ${epoch} still accepts arrivals until ${closesAt}: ask for the co-signature after that`,
      425,
      "epoch_open",
    );
  }
}

export interface PeerRoutesOptions {
  member: Address;
  account: LocalAccount;
  chainId: number;
  settlement: Address;
  agreements: AgreementDirectory;
  driver: StoreDriver;
  auth: PeerAuthenticator;
  tokenTtl: bigint;
  now: () => bigint;
  /** The key that signs for a member (`consortium.signerOf`): checks acknowledgements. */
  signerOf: (member: Address) => Promise<Address | undefined>;
  /** This member's exposure as a referrer: acknowledgements received catch it up. */
  exposure?: ExposureGuard;
}

const UINT = /^(0|[1-9][0-9]{0,77})$/;

/** A decimal string field of a peer request, parsed. */
function uintField(body: Record<string, unknown>, field: string): bigint {
  const value = body[field];
  if (typeof value !== "string" || !UINT.test(value))
    throw new InvalidRequestError(`${field} must be a decimal string`);
  return BigInt(value);
}

/**
 * Node-to-node endpoints, every one authenticated by the caller's on-chain signer:
 * - `POST /v1/peer/cosign` `{ agreementId, flow, epoch, count, root }` (from the flow's referrer,
 *   once the epoch and its tokens are over): the recipient answers with its final acknowledgement —
 *   its own count and root, signed — whatever the referrer counted (`matches` says whether they
 *   agree). The co-signature is simply the last acknowledgement.
 * - `POST /v1/peer/acknowledgements` `{ agreementId, flow, epoch, count, root, signature }` (from
 *   the flow's recipient, every few seconds while the epoch runs): the referrer keeps the highest
 *   acknowledgement, signed by the recipient's registered key, and its exposure catches up.
 *
 * (The auditors' proof API is `POST /audit/proofs`, src/member/audit-proofs.ts.)
 */
export function registerPeerRoutes(app: FastifyInstance, options: PeerRoutesOptions): void {
  const member = options.member.toLowerCase() as Address;
  const authenticate = (request: FastifyRequest) =>
    options.auth.authenticate({
      method: request.method,
      url: request.url,
      headers: request.headers,
      rawBody: (request as FastifyRequest & { rawBody?: string }).rawBody ?? "",
    });

  app.post(ACKNOWLEDGEMENT_PATH, async (request, reply) => {
    const sender = await authenticate(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const agreementId = uintField(body, "agreementId");
    const flow = Number(uintField(body, "flow"));
    const epoch = uintField(body, "epoch");
    const count = uintField(body, "count");
    if (epoch >= 2n ** 64n || count >= 2n ** 64n) throw new InvalidRequestError("epoch and count are uint64");
    if (typeof body.root !== "string" || !/^0x[0-9a-f]{64}$/.test(body.root))
      throw new InvalidRequestError("root must be 32 bytes of lower-case hex");
    if (typeof body.signature !== "string" || !/^0x[0-9a-fA-F]{130}$/.test(body.signature))
      throw new InvalidRequestError("signature must be a 65-byte hex signature");
    const terms = await options.agreements.get(agreementId);
    const flowTerms = terms?.flows[flow];
    if (!terms || !flowTerms) throw new UnknownAgreementError(agreementId, flow);
    if (flowTerms.from !== member) throw new ForbiddenPeerError(`${member} is not the referrer of this flow`);
    if (flowTerms.to !== sender) throw new ForbiddenPeerError(`${sender} is not the recipient of this flow`);
    const acknowledgement: SignedAcknowledgement = {
      agreementId,
      flow,
      epoch,
      count,
      root: body.root as Hex,
      signature: body.signature as Hex,
    };
    const valid = await isRecipientAcknowledgement({
      recipient: flowTerms.to,
      signer: await options.signerOf(flowTerms.to),
      chainId: options.chainId,
      settlement: options.settlement,
      acknowledgement,
    });
    if (!valid)
      throw new ForbiddenPeerError("the acknowledgement is not signed by the recipient's registered key");
    const t = options.now();
    const raised = await storeAcknowledgement(options.driver, { tenant: member, acknowledgement, now: t });
    options.exposure?.acknowledged({ agreementId, flow, epoch }, count, t);
    return reply.code(200).send({ stored: raised });
  });

  app.post("/v1/peer/cosign", async (request, reply) => {
    const sender = await authenticate(request);
    const body = (request.body ?? {}) as Record<string, unknown>;
    for (const field of ["agreementId", "flow", "epoch", "count"])
      if (typeof body[field] !== "string" || !UINT.test(body[field] as string))
        throw new InvalidRequestError(`${field} must be a decimal string`);
    if (typeof body.root !== "string" || !/^0x[0-9a-f]{64}$/.test(body.root))
      throw new InvalidRequestError("root must be 32 bytes of lower-case hex");
    const agreementId = BigInt(body.agreementId as string);
    const flow = Number(body.flow);
    const epoch = BigInt(body.epoch as string);
    const count = BigInt(body.count as string);
    const root = body.root as Hex;
    const terms = await options.agreements.get(agreementId);
    const flowTerms = terms?.flows[flow];
    if (!terms || !flowTerms) throw new UnknownAgreementError(agreementId, flow);
    if (flowTerms.to !== member) throw new NotRecipientError(agreementId, flow);
    if (flowTerms.from !== sender) throw new ForbiddenPeerError(`${sender} is not the referrer of this flow`);
    const closesAt = epochEndOf(terms, epoch) + options.tokenTtl;
    const t = options.now();
    if (t < closesAt) throw new EpochStillOpenError(epoch, closesAt);
    const { batch: own, acknowledgement } = await acknowledgeOwnArrivals({
      member,
      account: options.account,
      chainId: options.chainId,
      settlement: options.settlement,
      driver: options.driver,
      key: { agreementId, flow, epoch },
    });
    const matches = BigInt(own.count) === count && own.root === root;
    await recordBatch(options.driver, {
      tenant: member,
      role: "recipient",
      batch: own,
      status: matches ? "cosigned" : "acknowledged",
      coSignature: acknowledgement.signature,
      detail: matches ? undefined : `referrer counted ${count} (root ${root})`,
      now: t,
    });
    return reply.code(200).send({
      count: acknowledgement.count.toString(),
      root: acknowledgement.root,
      signature: acknowledgement.signature,
      matches,
    });
  });
}
