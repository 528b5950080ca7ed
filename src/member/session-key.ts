import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { type Address, type Hex, type LocalAccount, recoverTypedDataAddress } from "viem";

/** EIP-712 domain name of tracking-key certificates (verifyingContract: the AgreementBook). */
export const trackingDomainName = "FlowPact Tracking";
export const trackingDomainVersion = "1";

/** `TrackingKey(address member,bytes32 sessionKey,uint64 notAfter)`. */
export const trackingKeyTypes = {
  TrackingKey: [
    { name: "member", type: "address" },
    { name: "sessionKey", type: "bytes32" },
    { name: "notAfter", type: "uint64" },
  ],
} as const;

/**
 * A short-lived Ed25519 key that signs tracking tokens, certified by the member's on-chain signer
 * key (EIP-712, bound to chain id and AgreementBook). Why a delegated key: a secp256k1 signature
 * per click costs ~2 ms of JavaScript or generic OpenSSL on a loaded core, which would cap a node
 * at a few hundred redirects per second; Ed25519 in OpenSSL is ~15x faster, and the certificate
 * (checked once, then cached) keeps every token traceable to the member's registered key.
 */
export interface SessionKeyCertificate {
  member: Address;
  /** Raw 32-byte Ed25519 public key. */
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
 * Draws a new Ed25519 session key and has `account` (the member's signer) certify it until
 * `notAfter`.
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
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = Buffer.from(publicKey.export({ format: "jwk" }).x as string, "base64url");
  const sessionKey = `0x${raw.toString("hex")}` as Hex;
  const signature = await account.signTypedData(typedData(domain, member, sessionKey, notAfter));
  return { certificate: { member, sessionKey, notAfter, signature }, privateKey };
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

/** The Ed25519 public key object for a raw 32-byte key. */
export function sessionPublicKey(sessionKey: Hex): KeyObject {
  return createPublicKey({
    key: { kty: "OKP", crv: "Ed25519", x: Buffer.from(sessionKey.slice(2), "hex").toString("base64url") },
    format: "jwk",
  });
}
