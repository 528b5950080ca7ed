/**
 * Errors of the member node. Every error a client can cause carries the HTTP status it maps to
 * (always 4xx) and a machine-readable `code`, so the tracking server answers with a JSON body
 * `{ error, code, message }` and never a 5xx for a bad request.
 */
export class MemberNodeError extends Error {
  override name = "MemberNodeError";
  /** The message without the advice, for logs and JSON answers. */
  readonly shortMessage: string;

  constructor(
    shortMessage: string,
    readonly statusCode: number,
    readonly code: string,
    options: { advice?: string; cause?: unknown } = {},
  ) {
    super(options.advice ? `${shortMessage}\n${options.advice}` : shortMessage, { cause: options.cause });
    this.shortMessage = shortMessage;
  }
}

/** The token is not a FlowPact tracking token at all (wrong length, alphabet or version). */
export class MalformedTokenError extends MemberNodeError {
  override name = "MalformedTokenError";
  constructor(reason: string) {
    super(`tracking token is malformed: ${reason}`, 400, "token_malformed", {
      advice: "Pass the `fpt` parameter of the landing URL unchanged.",
    });
  }
}

/**
 * A signature in the token does not verify: the token was altered, or was issued for another
 * chain or AgreementBook deployment (both are bound into what is signed), or by a key the
 * referrer does not hold on chain.
 */
export class TamperedTokenError extends MemberNodeError {
  override name = "TamperedTokenError";
  constructor(reason: string) {
    super(`tracking token signature is invalid: ${reason}`, 401, "token_tampered", {
      advice: "The token was altered or issued for another deployment; follow the tracking link again.",
    });
  }
}

/** The token's expiry has passed. */
export class ExpiredTokenError extends MemberNodeError {
  override name = "ExpiredTokenError";
  constructor(
    readonly expiry: bigint,
    readonly now: bigint,
  ) {
    super(`tracking token expired at ${expiry} (now ${now})`, 410, "token_expired", {
      advice: "Follow the tracking link again for a fresh token.",
    });
  }
}

/** The token's click was already recorded: tokens are single-use. */
export class ReplayedTokenError extends MemberNodeError {
  override name = "ReplayedTokenError";
  constructor(readonly clickId: string) {
    super(`tracking token for click ${clickId} was already used`, 409, "token_replayed");
  }
}

/** The token is valid but for another agreement or flow than the endpoint it was sent to. */
export class CrossAgreementTokenError extends MemberNodeError {
  override name = "CrossAgreementTokenError";
  constructor(
    readonly token: { agreementId: bigint; flow: number },
    readonly endpoint: { agreementId: bigint; flow: number },
  ) {
    super(
      `tracking token is for agreement ${token.agreementId} flow ${token.flow}, not agreement ${endpoint.agreementId} flow ${endpoint.flow}`,
      409,
      "token_cross_agreement",
      { advice: "Send the token to the arrival endpoint of the agreement and flow it was issued for." },
    );
  }
}

/** The token's flow does not send traffic to this member. */
export class NotRecipientError extends MemberNodeError {
  override name = "NotRecipientError";
  constructor(
    readonly agreementId: bigint,
    readonly flow: number,
  ) {
    super(`this member is not the recipient of agreement ${agreementId} flow ${flow}`, 403, "not_recipient");
  }
}

/** This member is not the referrer of the flow whose tracking link was followed. */
export class NotReferrerError extends MemberNodeError {
  override name = "NotReferrerError";
  constructor(
    readonly agreementId: bigint,
    readonly flow: number,
  ) {
    super(`this member is not the referrer of agreement ${agreementId} flow ${flow}`, 404, "not_referrer");
  }
}

/** No such agreement or flow on chain. */
export class UnknownAgreementError extends MemberNodeError {
  override name = "UnknownAgreementError";
  constructor(
    readonly agreementId: bigint,
    readonly flow?: number,
  ) {
    super(
      flow === undefined
        ? `agreement ${agreementId} does not exist`
        : `agreement ${agreementId} has no flow ${flow}`,
      404,
      "unknown_agreement",
    );
  }
}

/** The agreement exists but is not Active, or the time is outside its schedule. */
export class AgreementNotRunningError extends MemberNodeError {
  override name = "AgreementNotRunningError";
  constructor(
    readonly agreementId: bigint,
    reason: string,
  ) {
    super(`agreement ${agreementId} is not running: ${reason}`, 409, "agreement_not_running");
  }
}

/** A request parameter is not of the expected form. */
export class InvalidRequestError extends MemberNodeError {
  override name = "InvalidRequestError";
  constructor(reason: string) {
    super(`invalid request: ${reason}`, 400, "invalid_request");
  }
}

/** Too many requests from one source in the current window. */
export class RateLimitedError extends MemberNodeError {
  override name = "RateLimitedError";
  constructor() {
    super("too many requests: try again in a minute", 429, "rate_limited");
  }
}

/** A conversion names a click that never arrived here. */
export class UnknownArrivalError extends MemberNodeError {
  override name = "UnknownArrivalError";
  constructor(readonly clickId: string) {
    super(`no arrival recorded for click ${clickId}`, 404, "unknown_arrival");
  }
}

/** The conversion of this click was already recorded. */
export class DuplicateConversionError extends MemberNodeError {
  override name = "DuplicateConversionError";
  constructor(readonly clickId: string) {
    super(`conversion of click ${clickId} was already recorded`, 409, "conversion_replayed");
  }
}

/** A node-to-node request is not signed, badly signed, stale, or by a key the chain does not know. */
export class UnauthenticatedPeerError extends MemberNodeError {
  override name = "UnauthenticatedPeerError";
  constructor(reason: string) {
    super(`node request is not authenticated: ${reason}`, 401, "peer_unauthenticated", {
      advice: "Sign node requests with the member's on-chain signer key (see src/member/peer-auth.ts).",
    });
  }
}

/** An authenticated peer asked for something its role does not allow. */
export class ForbiddenPeerError extends MemberNodeError {
  override name = "ForbiddenPeerError";
  constructor(reason: string) {
    super(`node request is forbidden: ${reason}`, 403, "peer_forbidden");
  }
}

/** The store could not make the receipts durable; nothing was acknowledged. */
export class JournalUnavailableError extends MemberNodeError {
  override name = "JournalUnavailableError";
  constructor(cause: unknown) {
    super("receipt journal is unavailable: the receipt was not recorded", 503, "journal_unavailable", {
      advice: "Retry; check the node's store (disk space, database connection).",
      cause,
    });
  }
}
