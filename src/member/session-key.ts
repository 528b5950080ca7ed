import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from "viem";

/** EIP-712 domain name of tracking-key certificates (verifyingContract: the AgreementBook). */
export const trackingDomainName = "FlowPact Tracking";
/** Version 2: session keys are ECDSA P-256 (version 1 certified Ed25519 keys). */
export const trackingDomainVersion = "2";

/** `TrackingKey(address member,bytes32 sessionKey,uint64 notAfter)`. */
export const trackingKeyTypes = {
  TrackingKey: [
    { name: "member", type: "address" },
    { name: "sessionKey", type: "bytes32" },
    { name: "notAfter", type: "uint64" },
  ],
} as const;

/**
 * A short-lived ECDSA P-256 key that signs tracking tokens, certified by the member's on-chain
 * signer key (EIP-712, bound to chain id and AgreementBook). Why a delegated key: a secp256k1
 * signature per click costs ~2 ms of JavaScript or generic OpenSSL on a loaded core, which would
 * cap a node at a few hundred redirects per second. P-256 has OpenSSL's constant-time assembly
 * implementation: a signature and a verification cost about 70% of Ed25519's in OpenSSL (the
 * verification, on every arrival, is the costliest step of the recipient's hot path). The
 * certificate (checked once, then cached) keeps every token traceable to the member's registered
 * key.
 */
export interface SessionKeyCertificate {
  member: Address;
  /**
   * The session public key: the 32-byte x coordinate of a P-256 point whose y is even (keys are
   * drawn until it is), i.e. the SEC1 compressed point 0x02 ‖ x.
   */
  sessionKey: Hex;
  /** Unix seconds after which tokens signed by this key are refused. */
  notAfter: bigint;
  /** The member signer's EIP-712 signature of TrackingKey. */
  signature: Hex;
}

export interface SessionKey {
  certificate: SessionKeyCertificate;
  privateKey: KeyObject;
}

export interface TrackingDomain {
  chainId: number;
  /** AgreementBook of this deployment: tokens of another deployment do not verify here. */
  agreementBook: Address;
}

function typedData(domain: TrackingDomain, member: Address, sessionKey: Hex, notAfter: bigint) {
  return {
    domain: {
      name: trackingDomainName,
      version: trackingDomainVersion,
      chainId: domain.chainId,
      verifyingContract: domain.agreementBook,
    },
    types: trackingKeyTypes,
    primaryType: "TrackingKey" as const,
    message: { member, sessionKey, notAfter },
  };
}

/**
 * Draws a new P-256 session key (with an even y, so its x alone names it) and has `account` (the
 * member's signer) certify it until `notAfter`.
 *
 * @example
 * const key = await createSessionKey({ account, member, domain: { chainId, agreementBook }, notAfter: now + 86_400n });
 */
export async function createSessionKey({
  account,
  member,
  domain,
  notAfter,
}: {
  account: LocalAccount;
  member: Address;
  domain: TrackingDomain;
  notAfter: bigint;
}): Promise<SessionKey> {
  for (;;) {
    const { privateKey, publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    const { x, y } = publicKey.export({ format: "jwk" });
    // Half the keys have an odd y: draw again (two tries on average, once a day).
    if ((Buffer.from(y as string, "base64url")[31] & 1) !== 0) continue;
    const sessionKey = `0x${Buffer.from(x as string, "base64url").toString("hex")}` as Hex;
    const signature = await account.signTypedData(typedData(domain, member, sessionKey, notAfter));
    return { certificate: { member, sessionKey, notAfter, signature }, privateKey };
  }
}

/**
 * The address whose key certified `certificate` (compare it with `Consortium.signerOf(member)`).
 * Throws when the signature cannot be recovered.
 */
export function recoverSessionKeySigner(
  domain: TrackingDomain,
  certificate: SessionKeyCertificate,
): Promise<Address> {
  return recoverTypedDataAddress({
    ...typedData(domain, certificate.member, certificate.sessionKey, certificate.notAfter),
    signature: certificate.signature,
  });
}

/** SubjectPublicKeyInfo DER of a P-256 key up to its point (then 0x02 ‖ x, compressed). */
const P256_SPKI_PREFIX = Buffer.from("3039301306072a8648ce3d020106082a8648ce3d030107032200", "hex");

/** The P-256 public key object for a session key (x coordinate, even y). Throws off the curve. */
export function sessionPublicKey(sessionKey: Hex): KeyObject {
  const point = Buffer.from(`02${sessionKey.slice(2)}`, "hex");
  if (point.length !== 33) throw new RangeError("a session key is 32 bytes");
  return createPublicKey({ key: Buffer.concat([P256_SPKI_PREFIX, point]), format: "der", type: "spki" });
}

/** How tokens are signed and verified with a session key: ECDSA P-256 over SHA-256, r ‖ s. */
export const SESSION_SIGNATURE = { algorithm: "sha256", dsaEncoding: "ieee-p1363" } as const;
