import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Address, Hex, LocalAccount } from "viem";
import type { ZodType } from "zod";
import {
  ACKNOWLEDGEMENT_PATH,
  type AcknowledgementMessage,
  acknowledgementMessageSchema,
  COSIGN_PATH,
  type CosignAnswer,
  type CosignRequest,
  cosignRequestSchema,
} from "../protocol/cosign";
import type { StoreDriver } from "../store/driver";
import {
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

/** A peer request's body, parsed with its protocol schema; the first problem becomes a 400. */
function parseBody<T>(schema: ZodType<T>, body: unknown): T {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidRequestError(`${String(issue?.path[0] ?? "body")}: ${issue?.message ?? "invalid"}`);
}

/**
 * Node-to-node endpoints (paths and schemas in src/protocol/cosign.ts), every one authenticated by
 * the caller's on-chain signer:
 * - `POST /v1/peer/cosign` (from the flow's referrer, once the epoch and its tokens are over): the
 *   recipient answers with its final acknowledgement — its own count and root, signed — whatever
 *   the referrer counted (`matches` says whether they agree). The co-signature is simply the last
 *   acknowledgement; the recipient never signs the referrer's numbers.
 * - `POST /v1/peer/acknowledgements` (from the flow's recipient, every few seconds while the epoch
 *   runs): the referrer keeps the highest acknowledgement signed by the recipient's registered key,
 *   and its exposure on the flow catches up.
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
    const body: AcknowledgementMessage = parseBody(acknowledgementMessageSchema, request.body);
    const agreementId = BigInt(body.agreementId);
    const flow = Number(body.flow);
    const epoch = BigInt(body.epoch);
    const count = BigInt(body.count);
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

  app.post(COSIGN_PATH, async (request, reply) => {
    const sender = await authenticate(request);
    const body: CosignRequest = parseBody(cosignRequestSchema, request.body);
    const agreementId = BigInt(body.agreementId);
    const flow = Number(body.flow);
    const epoch = BigInt(body.epoch);
    const count = BigInt(body.count);
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
    const answer: CosignAnswer = {
      count: acknowledgement.count.toString(),
      root: acknowledgement.root,
      signature: acknowledgement.signature,
      matches,
    };
    return reply.code(200).send(answer);
  });
}
