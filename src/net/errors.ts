/**
 * Why a request to a member-published URL produced no usable answer. Every kind means the same
 * thing to a caller — the peer did not answer — and never evidence about what the peer holds:
 * - `invalid-url`: not an absolute http(s) URL without credentials;
 * - `address-refused`: the host is (or resolves to) a loopback, private, link-local, metadata,
 *   multicast or reserved address the client is not allowed to reach;
 * - `redirect-refused`: the peer answered 3xx (redirects are never followed);
 * - `timeout`: no complete answer within the total timeout, or the connection sat idle too long;
 * - `too-large`: the answer is larger than the body cap;
 * - `network`: DNS failure, connection refused or reset;
 * - `invalid-answer`: the body is not JSON, or not the message the protocol schema describes.
 */
export type OutboundErrorKind =
  | "invalid-url"
  | "address-refused"
  | "redirect-refused"
  | "timeout"
  | "too-large"
  | "network"
  | "invalid-answer";

/** A request to another party's node failed; `shortMessage` is ours, never the peer's text. */
export class OutboundError extends Error {
  override name = "OutboundError";
  readonly shortMessage: string;

  constructor(
    readonly kind: OutboundErrorKind,
    shortMessage: string,
    options: { cause?: unknown } = {},
  ) {
    super(shortMessage, options);
    this.shortMessage = shortMessage;
  }
}
