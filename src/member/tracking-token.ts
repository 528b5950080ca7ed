import { type KeyObject, sign, verify } from "node:crypto";
import type { Address, Hex, LocalAccount } from "viem";
import { ExpiredTokenError, MalformedTokenError, TamperedTokenError } from "./errors";
import type { MemberRegistry } from "./members";
import {
  createSessionKey,
  recoverSessionKeySigner,
  SESSION_SIGNATURE,
  type SessionKey,
  type SessionKeyCertificate,
  sessionPublicKey,
  type TrackingDomain,
} from "./session-key";

/**
 * A tracking token: what the referrer's node hands the browser with the redirect, and what the
 * recipient's node checks before it records an arrival. Single-use by click id.
 *
 * Binary layout (version 2), then base64url:
 *   version u8 | cert.notAfter u64 | cert.sessionKey 32 | cert.signature 65 |
 *   agreementId u256 | flow u32 | epoch u64 | clickId 32 | expiry u64 | P-256 signature r ‖ s 64
 * The session key's ECDSA signature (SHA-256) covers a domain tag, chain id, AgreementBook address and every field, so
 * a token never verifies for another chain, deployment, agreement, flow, epoch or click.
 */
export interface TrackingTokenFields {
  agreementId: bigint;
  flow: number;
  epoch: bigint;
  /** 32 random bytes, 0x hex. */
  clickId: Hex;
  /** Unix seconds after which the token is refused. */
  expiry: bigint;
}

export interface DecodedTrackingToken extends TrackingTokenFields {
  certificate: Omit<SessionKeyCertificate, "member">;
  signature: Buffer;
}

/** Version 2: P-256 session keys (version 1 had Ed25519 ones). */
const VERSION = 2;
const TOKEN_BYTES = 1 + 8 + 32 + 65 + 32 + 4 + 8 + 32 + 8 + 64;
/** Length of the base64url text of a token (no padding). */
export const TRACKING_TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);
const TOKEN_ALPHABET = /^[A-Za-z0-9_-]+$/;
const SIGNED_OFFSET = 1 + 8 + 32 + 65;
const DOMAIN_TAG = Buffer.from("FlowPact tracking token v2\0");
const MAX_UINT256 = (1n << 256n) - 1n;
const MAX_UINT64 = (1n << 64n) - 1n;

function writeUint256(buffer: Buffer, value: bigint, offset: number): void {
  buffer.writeBigUInt64BE((value >> 192n) & MAX_UINT64, offset);
  buffer.writeBigUInt64BE((value >> 128n) & MAX_UINT64, offset + 8);
  buffer.writeBigUInt64BE((value >> 64n) & MAX_UINT64, offset + 16);
  buffer.writeBigUInt64BE(value & MAX_UINT64, offset + 24);
}

function readUint256(buffer: Buffer, offset: number): bigint {
  return (
    (buffer.readBigUInt64BE(offset) << 192n) |
    (buffer.readBigUInt64BE(offset + 8) << 128n) |
    (buffer.readBigUInt64BE(offset + 16) << 64n) |
    buffer.readBigUInt64BE(offset + 24)
  );
}

const BODY_BYTES = 32 + 4 + 8 + 32 + 8;
const PREFIX_BYTES = DOMAIN_TAG.length + 8 + 20;

/**
 * The bytes the session key signs: domain tag ‖ chain id ‖ AgreementBook ‖ token fields. One
 * buffer per issuer or verifier, the prefix written once: signing and verifying are synchronous,
 * so the body is written into it right before each use (no allocation on the hot path).
 */
function signedMessageBuffer(domain: TrackingDomain): { message: Buffer; body: Buffer } {
  const message = Buffer.alloc(PREFIX_BYTES + BODY_BYTES);
  DOMAIN_TAG.copy(message, 0);
  message.writeBigUInt64BE(BigInt(domain.chainId), DOMAIN_TAG.length);
  message.write(domain.agreementBook.slice(2), DOMAIN_TAG.length + 8, 20, "hex");
  return { message, body: message.subarray(PREFIX_BYTES) };
}

/** Writes the signed token fields (the token's bytes from SIGNED_OFFSET) at `offset`. */
function writeBody(buffer: Buffer, fields: TrackingTokenFields, offset: number): void {
  writeUint256(buffer, fields.agreementId, offset);
  buffer.writeUInt32BE(fields.flow, offset + 32);
  buffer.writeBigUInt64BE(fields.epoch, offset + 36);
  buffer.write(fields.clickId.slice(2), offset + 44, 32, "hex");
  buffer.writeBigUInt64BE(fields.expiry, offset + 76);
}

function checkFields(fields: TrackingTokenFields): void {
  if (fields.agreementId < 0n || fields.agreementId > MAX_UINT256)
    throw new RangeError("agreementId out of uint256");
  if (!Number.isInteger(fields.flow) || fields.flow < 0 || fields.flow > 0xffffffff)
    throw new RangeError("flow out of uint32");
  if (fields.epoch < 0n || fields.epoch > MAX_UINT64) throw new RangeError("epoch out of uint64");
  if (fields.expiry < 0n || fields.expiry > MAX_UINT64) throw new RangeError("expiry out of uint64");
  if (!/^0x[0-9a-fA-F]{64}$/.test(fields.clickId)) throw new RangeError("clickId is not 32 bytes of hex");
}

/**
 * Signs tokens for one member. Holds the current session key and renews it (a new certificate
 * signed by the member's key) before it expires.
 */
export interface TrackingTokenIssuer {
  readonly member: Address;
  /** A signed token for one click. Synchronous: it runs on the redirect's hot path. */
  issue(fields: TrackingTokenFields): string;
  /** Renews the session key when less than a quarter of its lifetime is left. */
  renewIfDue(): Promise<void>;
}

export interface CreateTrackingTokenIssuerParameters {
  /** The member's signer key (Consortium.signerOf(member)). */
  account: LocalAccount;
  /** The member's account address (the flow's `from`). */
  member: Address;
  domain: TrackingDomain;
  /** Lifetime of each session key in seconds (default one day). */
  sessionKeyLifetime?: bigint;
  /** Clock in unix seconds. */
  now?: () => bigint;
}

/**
 * @example
 * const issuer = await createTrackingTokenIssuer({ account, member, domain: { chainId, agreementBook } });
 * const token = issuer.issue({ agreementId: 1n, flow: 0, epoch: 3n, clickId, expiry: now + 600n });
 */
export async function createTrackingTokenIssuer({
  account,
  member,
  domain,
  sessionKeyLifetime = 86_400n,
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: CreateTrackingTokenIssuerParameters): Promise<TrackingTokenIssuer> {
  const normalizedMember = member.toLowerCase() as Address;
  const fresh = () =>
    createSessionKey({ account, member: normalizedMember, domain, notAfter: now() + sessionKeyLifetime });
  let key: SessionKey = await fresh();
  let header = certificateHeader(key);
  let renewing: Promise<void> | undefined;
  const signed = signedMessageBuffer(domain);
  return {
    member: normalizedMember,
    issue(fields) {
      checkFields(fields);
      const token = Buffer.allocUnsafe(TOKEN_BYTES);
      header.copy(token, 0);
      writeBody(signed.body, fields, 0);
      signed.body.copy(token, SIGNED_OFFSET);
      sign(SESSION_SIGNATURE.algorithm, signed.message, {
        key: key.privateKey,
        dsaEncoding: SESSION_SIGNATURE.dsaEncoding,
      }).copy(token, SIGNED_OFFSET + BODY_BYTES);
      return token.toString("base64url");
    },
    renewIfDue() {
      if (key.certificate.notAfter - now() > sessionKeyLifetime / 4n) return Promise.resolve();
      renewing ??= fresh()
        .then((next) => {
          key = next;
          header = certificateHeader(next);
        })
        .finally(() => {
          renewing = undefined;
        });
      return renewing;
    },
  };
}

function certificateHeader({ certificate }: SessionKey): Buffer {
  const header = Buffer.allocUnsafe(SIGNED_OFFSET);
  header.writeUInt8(VERSION, 0);
  header.writeBigUInt64BE(certificate.notAfter, 1);
  Buffer.from(certificate.sessionKey.slice(2), "hex").copy(header, 9);
  Buffer.from(certificate.signature.slice(2), "hex").copy(header, 41);
  return header;
}

/**
 * Parses a token without checking any signature. Throws MalformedTokenError for anything that is
 * not a version-2 token.
 */
export function decodeTrackingToken(token: unknown): DecodedTrackingToken {
  if (typeof token !== "string") throw new MalformedTokenError("not a string");
  if (token.length !== TRACKING_TOKEN_LENGTH)
    throw new MalformedTokenError(`length is not ${TRACKING_TOKEN_LENGTH}`);
  if (!TOKEN_ALPHABET.test(token)) throw new MalformedTokenError("not base64url");
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length !== TOKEN_BYTES) throw new MalformedTokenError("wrong byte length");
  if (bytes.readUInt8(0) !== VERSION) throw new MalformedTokenError(`unknown version ${bytes.readUInt8(0)}`);
  let o = SIGNED_OFFSET;
  const agreementId = readUint256(bytes, o);
  o += 32;
  const flow = bytes.readUInt32BE(o);
  o += 4;
  const epoch = bytes.readBigUInt64BE(o);
  o += 8;
  const clickId = `0x${bytes.toString("hex", o, o + 32)}` as Hex;
  o += 32;
  const expiry = bytes.readBigUInt64BE(o);
  o += 8;
  return {
    agreementId,
    flow,
    epoch,
    clickId,
    expiry,
    certificate: {
      notAfter: bytes.readBigUInt64BE(1),
      sessionKey: `0x${bytes.toString("hex", 9, 41)}` as Hex,
      signature: `0x${bytes.toString("hex", 41, 106)}` as Hex,
    },
    signature: bytes.subarray(o, o + 64),
  };
}

export interface TrackingTokenVerifier {
  /**
   * Checks that `token` was issued by `referrer` (its session key, certified by its on-chain
   * signer) for this deployment, and has not expired. Single use is the journal's job.
   */
  verify(token: DecodedTrackingToken, referrer: Address): Promise<void>;
}

/**
 * @example
 * const verifier = createTrackingTokenVerifier({ domain: { chainId, agreementBook }, members });
 * const decoded = decodeTrackingToken(token);
 * await verifier.verify(decoded, flow.from);
 */
export function createTrackingTokenVerifier({
  domain,
  members,
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: {
  domain: TrackingDomain;
  members: MemberRegistry;
  now?: () => bigint;
}): TrackingTokenVerifier {
  // certificate (member + bytes) → the key that signed it; verifying it once is the slow part.
  const certificates = new Map<string, { signer: Address; publicKey: KeyObject }>();
  const signed = signedMessageBuffer(domain);
  return {
    async verify(token, referrer) {
      const t = now();
      if (token.expiry < t) throw new ExpiredTokenError(token.expiry, t);
      if (token.certificate.notAfter < t) throw new ExpiredTokenError(token.certificate.notAfter, t);
      const member = referrer.toLowerCase() as Address;
      const certKey = `${member}${token.certificate.sessionKey}${token.certificate.notAfter}${token.certificate.signature}`;
      let known = certificates.get(certKey);
      if (!known) {
        let signer: Address;
        let publicKey: KeyObject;
        try {
          signer = (
            await recoverSessionKeySigner(domain, { member, ...token.certificate })
          ).toLowerCase() as Address;
          publicKey = sessionPublicKey(token.certificate.sessionKey);
        } catch {
          throw new TamperedTokenError("the session key certificate does not verify");
        }
        known = { signer, publicKey };
        if (certificates.size > 10_000) certificates.clear();
        certificates.set(certKey, known);
      }
      const registered = await members.signerOf(member);
      if (registered !== known.signer)
        throw new TamperedTokenError("the session key is not certified by the referrer's on-chain signer");
      writeBody(signed.body, token, 0);
      if (
        !verify(
          SESSION_SIGNATURE.algorithm,
          signed.message,
          { key: known.publicKey, dsaEncoding: SESSION_SIGNATURE.dsaEncoding },
          token.signature,
        )
      )
        throw new TamperedTokenError("the token signature does not match its fields");
    },
  };
}
