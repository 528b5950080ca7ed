import type { FastifyInstance, FastifyRequest } from "fastify";
import type { Address, Hex, LocalAccount } from "viem";
import { type BatchMismatch, COSIGN_PATH, type CosignAnswer, cosignRequestSchema } from "../protocol/cosign";
import { signBatch } from "../receipts";
import type { StoreDriver } from "../store/driver";
import { type AgreementDirectory, epochEndOf } from "./agreements";
import {
  ForbiddenPeerError,
  InvalidRequestError,
  MemberNodeError,
  NotRecipientError,
  UnknownAgreementError,
} from "./errors";
import { buildFlowBatch, recordBatch } from "./flow-batch";
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

/** The referrer's batch differs from the recipient's own arrival records. */
export class BatchMismatchError extends MemberNodeError {
  override name = "BatchMismatchError";
  constructor(
    readonly expected: { count: number; root: Hex },
    readonly received: { count: bigint; root: Hex },
  ) {
    super(
      `batch does not match the recipient's arrivals: ${received.count} receipts (root ${received.root}) asked, ${expected.count} recorded (root ${expected.root})`,
      409,
      "batch_mismatch",
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
}

/**
 * Node-to-node endpoints, every one authenticated by the caller's on-chain signer:
 * - `POST /v1/peer/cosign` `{ agreementId, flow, epoch, count, root }` (from the flow's referrer;
 *   src/protocol/cosign.ts: the body is parsed with `cosignRequestSchema`): the recipient
 *   co-signs `Batch(...)` only when count and root equal its own arrival records (200
 *   `CosignAnswer`); otherwise 409 `batch_mismatch` (`BatchMismatch`) with `expected` (its count
 *   and root) and `difference`.
 *
 * (The auditors' proof API is `POST /audit/proofs`, src/member/audit-proofs.ts.)
 */
export function registerPeerRoutes(app: FastifyInstance, options: PeerRoutesOptions): void {
  const member = options.member.toLowerCase() as Address;
  app.post(COSIGN_PATH, async (request, reply) => {
    const sender = await options.auth.authenticate({
      method: request.method,
      url: request.url,
      headers: request.headers,
      rawBody: (request as FastifyRequest & { rawBody?: string }).rawBody ?? "",
    });
    const parsed = cosignRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) {
      const field = String(parsed.error.issues[0]?.path[0] ?? "body");
      throw new InvalidRequestError(
        field === "root" ? "root must be 32 bytes of lower-case hex" : `${field} must be a decimal string`,
      );
    }
    const body = parsed.data;
    const agreementId = BigInt(body.agreementId);
    const flow = Number(body.flow);
    const epoch = BigInt(body.epoch);
    const count = BigInt(body.count);
    const root: Hex = body.root;
    const terms = await options.agreements.get(agreementId);
    const flowTerms = terms?.flows[flow];
    if (!terms || !flowTerms) throw new UnknownAgreementError(agreementId, flow);
    if (flowTerms.to !== member) throw new NotRecipientError(agreementId, flow);
    if (flowTerms.from !== sender) throw new ForbiddenPeerError(`${sender} is not the referrer of this flow`);
    const closesAt = epochEndOf(terms, epoch) + options.tokenTtl;
    const t = options.now();
    if (t < closesAt) throw new EpochStillOpenError(epoch, closesAt);
    const own = await buildFlowBatch(options.driver, {
      tenant: member,
      source: "arrivals",
      agreementId,
      flow,
      epoch,
    });
    if (BigInt(own.count) !== count || own.root !== root) {
      await recordBatch(options.driver, {
        tenant: member,
        role: "recipient",
        batch: own,
        status: "refused",
        detail: `asked ${count} (root ${root})`,
        now: t,
      });
      const error = new BatchMismatchError({ count: own.count, root: own.root }, { count, root });
      const mismatch: BatchMismatch = {
        error: error.name,
        code: error.code,
        message: error.shortMessage,
        expected: { count: own.count.toString(), root: own.root },
        difference: (BigInt(own.count) - count).toString(),
      };
      return reply.code(409).send(mismatch);
    }
    const batch = { agreementId, flow, epoch, count, root };
    const signature = await signBatch(options.account, {
      chainId: options.chainId,
      settlement: options.settlement,
      batch,
    });
    await recordBatch(options.driver, {
      tenant: member,
      role: "recipient",
      batch: own,
      status: "cosigned",
      coSignature: signature,
      now: t,
    });
    const answer: CosignAnswer = { signature };
    return reply.code(200).send(answer);
  });
}
