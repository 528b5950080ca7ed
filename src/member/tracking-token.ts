import {
  createHmac,
  diffieHellman,
  hkdfSync,
  type KeyObject,
  sign,
  timingSafeEqual,
  verify,
} from "node:crypto";
import type { Address, Hex, LocalAccount } from "viem";
import { ExpiredTokenError, MalformedTokenError, TamperedTokenError } from "./errors";
import type { MemberRegistry } from "./members";
import type { PeerSessionKeys } from "./peer-session-keys";
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
 * Binary layout, then base64url (both versions are 254 bytes):
 *   version 2 (signed): version u8 | cert.notAfter u64 | cert.sessionKey 32 | cert.signature 65 |
 *     agreementId u256 | flow u32 | epoch u64 | clickId 32 | expiry u64 | P-256 signature r ‖ s 64
 *   version 3 (MAC): version u8 | cert.notAfter u64 | cert.sessionKey 32 | cert.signature 65 |
 *     recipient's sessionKey 32 | agreementId u256 | flow u32 | epoch u64 | clickId 32 | expiry u64 |
 *     HMAC-SHA256 tag 32
 * What is signed or MACed is a domain tag, chain id, AgreementBook address and every field (for
 * version 3 also the recipient's session key), so a token never verifies for another chain,
 * deployment, agreement, flow, epoch, click or recipient.
 *
 * Why two versions: only the flow's recipient ever checks a token, so it need not be publicly
 * verifiable. The MAC key of version 3 is what the referrer's and the recipient's certified
 * session keys agree on (ECDH P-256, then HKDF-SHA256 bound to the deployment and both keys):
 * nobody else can make or check it, and an HMAC costs about 1 µs where an ECDSA signature costs
 * 35 µs (a third of a redirect's CPU). The referrer uses it once it holds the recipient's
 * certificate (`GET /v1/session-key` on the recipient's node, checked against its on-chain
 * signer); until then it signs (version 2), which any recipient can check.
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
  version: typeof SIGNED_VERSION | typeof MAC_VERSION;
  certificate: Omit<SessionKeyCertificate, "member">;
  /** Version 3: the recipient's session key the MAC key was agreed with. */
  recipientKey?: Hex;
  /** The ECDSA signature (version 2) or the HMAC tag (version 3). */
  signature: Buffer;
}

/** Version 2: signed by a P-256 session key (version 1 had Ed25519 ones). */
const SIGNED_VERSION = 2;
/** Version 3: MACed with the key the referrer's and recipient's session keys agree on. */
const MAC_VERSION = 3;
const TOKEN_BYTES = 1 + 8 + 32 + 65 + 32 + 4 + 8 + 32 + 8 + 64;
/** Length of the base64url text of a token (no padding). */
export const TRACKING_TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);
const TOKEN_ALPHABET = /^[A-Za-z0-9_-]+$/;
const SIGNED_OFFSET = 1 + 8 + 32 + 65;
const DOMAIN_TAG = Buffer.from("FlowPact tracking token v2\0");
const MAC_DOMAIN_TAG = Buffer.from("FlowPact tracking token v3\0");
const MAC_KEY_SALT = Buffer.from("FlowPact tracking MAC key v3");
/** Where a version-3 token's fields start (after the recipient's key). */
const MAC_BODY_OFFSET = SIGNED_OFFSET + 32;
const TAG_BYTES = 32;
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

/**
 * The bytes the session key signs (version 2: domain tag ‖ chain id ‖ AgreementBook ‖ token
 * fields) or the MAC covers (version 3: the same with the v3 tag, and the recipient's key before
 * the fields). One buffer per issuer or verifier, the prefix written once: signing and verifying
 * are synchronous, so the body is written into it right before each use (no allocation on the
 * hot path).
 */
function signedMessageBuffer(
  domain: TrackingDomain,
  version: typeof SIGNED_VERSION | typeof MAC_VERSION = SIGNED_VERSION,
): { message: Buffer; body: Buffer; recipientKey: Buffer } {
  const tag = version === MAC_VERSION ? MAC_DOMAIN_TAG : DOMAIN_TAG;
  const extra = version === MAC_VERSION ? 32 : 0;
  const message = Buffer.alloc(tag.length + 8 + 20 + extra + BODY_BYTES);
  tag.copy(message, 0);
  message.writeBigUInt64BE(BigInt(domain.chainId), tag.length);
  message.write(domain.agreementBook.slice(2), tag.length + 8, 20, "hex");
  const at = tag.length + 8 + 20;
  return { message, recipientKey: message.subarray(at, at + extra), body: message.subarray(at + extra) };
}

/**
 * The MAC key of version-3 tokens between a referrer's and a recipient's session keys: HKDF-SHA256
 * of their ECDH secret, bound to the deployment and both keys (x coordinates). Either side computes
 * it from its own private key and the other's certified public key.
 */
export function deriveTokenMacKey(
  domain: TrackingDomain,
  ownPrivateKey: KeyObject,
  peerPublicKey: KeyObject,
  referrerKey: Hex,
  recipientKey: Hex,
): Buffer {
  const secret = diffieHellman({ privateKey: ownPrivateKey, publicKey: peerPublicKey });
  const info = Buffer.alloc(8 + 20 + 64);
  info.writeBigUInt64BE(BigInt(domain.chainId), 0);
  info.write(domain.agreementBook.slice(2), 8, 20, "hex");
  info.write(referrerKey.slice(2), 28, 32, "hex");
  info.write(recipientKey.slice(2), 60, 32, "hex");
  return Buffer.from(hkdfSync("sha256", secret, MAC_KEY_SALT, info, 32));
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
  /**
   * A token for one click to `recipient`: MACed for it (version 3) when its session key is known,
   * else signed (version 2). Synchronous: it runs on the redirect's hot path.
   */
  issue(fields: TrackingTokenFields, recipient?: Address): string;
  /** The current session key and, after a renewal, the one before it (tokens in flight). */
  sessionKeys(): readonly SessionKey[];
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
  /** Recipients' certified session keys: with them, tokens are MACed (version 3). */
  peerKeys?: PeerSessionKeys;
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
  peerKeys,
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: CreateTrackingTokenIssuerParameters): Promise<TrackingTokenIssuer> {
  const normalizedMember = member.toLowerCase() as Address;
  const fresh = () =>
    createSessionKey({ account, member: normalizedMember, domain, notAfter: now() + sessionKeyLifetime });
  let key: SessionKey = await fresh();
  let previous: SessionKey | undefined;
  let header = certificateHeader(key, SIGNED_VERSION);
  let macHeader = certificateHeader(key, MAC_VERSION);
  let renewing: Promise<void> | undefined;
  const signed = signedMessageBuffer(domain);
  const maced = signedMessageBuffer(domain, MAC_VERSION);
  /** MAC keys of the current session key, by recipient session key. */
  let macKeys = new Map<Hex, Buffer>();
  const macKeyFor = (peer: { sessionKey: Hex; publicKey: KeyObject }) => {
    let macKey = macKeys.get(peer.sessionKey);
    if (!macKey) {
      macKey = deriveTokenMacKey(
        domain,
        key.privateKey,
        peer.publicKey,
        key.certificate.sessionKey,
        peer.sessionKey,
      );
      if (macKeys.size > 10_000) macKeys.clear();
      macKeys.set(peer.sessionKey, macKey);
    }
    return macKey;
  };
  return {
    member: normalizedMember,
    issue(fields, recipient) {
      checkFields(fields);
      const token = Buffer.allocUnsafe(TOKEN_BYTES);
      const peer = recipient ? peerKeys?.get(recipient) : undefined;
      if (peer) {
        macHeader.copy(token, 0);
        maced.recipientKey.write(peer.sessionKey.slice(2), 0, 32, "hex");
        maced.recipientKey.copy(token, SIGNED_OFFSET);
        writeBody(maced.body, fields, 0);
        maced.body.copy(token, MAC_BODY_OFFSET);
        createHmac("sha256", macKeyFor(peer))
          .update(maced.message)
          .digest()
          .copy(token, MAC_BODY_OFFSET + BODY_BYTES);
        return token.toString("base64url");
      }
      header.copy(token, 0);
      writeBody(signed.body, fields, 0);
      signed.body.copy(token, SIGNED_OFFSET);
      sign(SESSION_SIGNATURE.algorithm, signed.message, {
        key: key.privateKey,
        dsaEncoding: SESSION_SIGNATURE.dsaEncoding,
      }).copy(token, SIGNED_OFFSET + BODY_BYTES);
      return token.toString("base64url");
    },
    sessionKeys: () => (previous ? [key, previous] : [key]),
    renewIfDue() {
      if (key.certificate.notAfter - now() > sessionKeyLifetime / 4n) return Promise.resolve();
      renewing ??= fresh()
        .then((next) => {
          previous = key;
          key = next;
          header = certificateHeader(next, SIGNED_VERSION);
          macHeader = certificateHeader(next, MAC_VERSION);
          macKeys = new Map();
        })
        .finally(() => {
          renewing = undefined;
        });
      return renewing;
    },
  };
}

function certificateHeader({ certificate }: SessionKey, version: number): Buffer {
  const header = Buffer.allocUnsafe(SIGNED_OFFSET);
  header.writeUInt8(version, 0);
  header.writeBigUInt64BE(certificate.notAfter, 1);
  Buffer.from(certificate.sessionKey.slice(2), "hex").copy(header, 9);
  Buffer.from(certificate.signature.slice(2), "hex").copy(header, 41);
  return header;
}

/**
 * Parses a token without checking any signature or MAC. Throws MalformedTokenError for anything
 * that is not a version-2 or version-3 token.
 */
export function decodeTrackingToken(token: unknown): DecodedTrackingToken {
  if (typeof token !== "string") throw new MalformedTokenError("not a string");
  if (token.length !== TRACKING_TOKEN_LENGTH)
    throw new MalformedTokenError(`length is not ${TRACKING_TOKEN_LENGTH}`);
  if (!TOKEN_ALPHABET.test(token)) throw new MalformedTokenError("not base64url");
  const bytes = Buffer.from(token, "base64url");
  if (bytes.length !== TOKEN_BYTES) throw new MalformedTokenError("wrong byte length");
  const version = bytes.readUInt8(0);
  if (version !== SIGNED_VERSION && version !== MAC_VERSION)
    throw new MalformedTokenError(`unknown version ${version}`);
  let o = version === MAC_VERSION ? MAC_BODY_OFFSET : SIGNED_OFFSET;
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
    version,
    agreementId,
    flow,
    epoch,
    clickId,
    expiry,
    ...(version === MAC_VERSION
      ? { recipientKey: `0x${bytes.toString("hex", SIGNED_OFFSET, MAC_BODY_OFFSET)}` as Hex }
      : {}),
    certificate: {
      notAfter: bytes.readBigUInt64BE(1),
      sessionKey: `0x${bytes.toString("hex", 9, 41)}` as Hex,
      signature: `0x${bytes.toString("hex", 41, 106)}` as Hex,
    },
    signature: bytes.subarray(o, o + (version === MAC_VERSION ? TAG_BYTES : 64)),
  };
}

export interface TrackingTokenVerifier {
  /**
   * Checks that `token` was issued by `referrer` (its session key, certified by its on-chain
   * signer) for this deployment and, for a MAC token, for `recipient`; and that it has not
   * expired. Single use is the journal's job.
   */
  verify(token: DecodedTrackingToken, referrer: Address, recipient: Address): Promise<void>;
}

/**
 * @example
 * const verifier = createTrackingTokenVerifier({ domain: { chainId, agreementBook }, members, sessionKeysOf });
 * const decoded = decodeTrackingToken(token);
 * await verifier.verify(decoded, flow.from, flow.to);
 */
export function createTrackingTokenVerifier({
  domain,
  members,
  sessionKeysOf = () => [],
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: {
  domain: TrackingDomain;
  members: MemberRegistry;
  /** The session keys of a recipient this node serves (its issuer's), for MAC tokens. */
  sessionKeysOf?: (recipient: Address) => readonly SessionKey[];
  now?: () => bigint;
}): TrackingTokenVerifier {
  // certificate (member + bytes) → the key that signed it; verifying it once is the slow part.
  const certificates = new Map<string, { signer: Address; publicKey: KeyObject }>();
  // (referrer session key, recipient session key) → MAC key: one ECDH per pair of keys.
  const macKeys = new Map<string, Buffer>();
  const signed = signedMessageBuffer(domain);
  const maced = signedMessageBuffer(domain, MAC_VERSION);
  return {
    async verify(token, referrer, recipient) {
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
      if (token.version === MAC_VERSION) {
        const recipientKey = token.recipientKey as Hex;
        const own = sessionKeysOf(recipient).find(
          (k) => k.certificate.sessionKey.toLowerCase() === recipientKey.toLowerCase(),
        );
        if (!own || own.certificate.notAfter < t)
          throw new TamperedTokenError("the token is keyed for a session key this recipient does not hold");
        const pairKey = `${token.certificate.sessionKey}${recipientKey}`.toLowerCase();
        let macKey = macKeys.get(pairKey);
        if (!macKey) {
          macKey = deriveTokenMacKey(
            domain,
            own.privateKey,
            known.publicKey,
            token.certificate.sessionKey,
            recipientKey,
          );
          if (macKeys.size > 10_000) macKeys.clear();
          macKeys.set(pairKey, macKey);
        }
        maced.recipientKey.write(recipientKey.slice(2), 0, 32, "hex");
        writeBody(maced.body, token, 0);
        const tag = createHmac("sha256", macKey).update(maced.message).digest();
        if (token.signature.length !== TAG_BYTES || !timingSafeEqual(tag, token.signature))
          throw new TamperedTokenError("the token's MAC does not match its fields");
        return;
      }
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
