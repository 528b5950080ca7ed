import type { KeyObject } from "node:crypto";
import type { Address, Hex } from "viem";
import { createOutboundClient, type OutboundClient, OutboundError, parseAnswer } from "../net";
import { SESSION_KEY_PATH, sessionKeyCertificateSchema } from "../protocol/session-key";
import type { MemberRegistry } from "./members";
import {
  recoverSessionKeySigner,
  type SessionKeyCertificate,
  sessionPublicKey,
  type TrackingDomain,
} from "./session-key";

/** A recipient's session key, certified by its on-chain signer (checked). */
export interface PeerSessionKey {
  member: Address;
  /** x coordinate (even y), as in the certificate. */
  sessionKey: Hex;
  publicKey: KeyObject;
  notAfter: bigint;
}

/**
 * The session keys of the members this node refers to: what MAC tokens (tracking-token.ts,
 * version 3) are keyed with. `get` never waits: it answers from the cache and, when a member's
 * key is unknown or expires within `REFRESH_MARGIN` (members renew theirs a quarter of a day
 * before it expires, so the new one is there by then), asks for it in the background (once at a time, again
 * after `retryAfterSeconds` when that failed), so the redirect's hot path issues a signed token
 * (version 2) until the key is known.
 */
export interface PeerSessionKeys {
  get(member: Address): PeerSessionKey | undefined;
  /** Waits for the member's key (fetching it when needed); undefined when it cannot be had. */
  load(member: Address): Promise<PeerSessionKey | undefined>;
}

/** Seconds before a cached key's expiry from which its member is asked for its next one. */
const REFRESH_MARGIN = 3_600n;

export interface CreatePeerSessionKeysParameters {
  domain: TrackingDomain;
  members: MemberRegistry;
  /** The member's current certificate, from its node (`GET /v1/session-key`); undefined if none. */
  fetchCertificate: (member: Address) => Promise<SessionKeyCertificate | undefined>;
  now: () => bigint;
  retryAfterSeconds?: bigint;
}

/**
 * @example
 * const peerKeys = createPeerSessionKeys({ domain, members, fetchCertificate, now });
 * const bob = await peerKeys.load(bobAddress); // then issuer.issue(fields, bobAddress) MACs for bob
 */
export function createPeerSessionKeys({
  domain,
  members,
  fetchCertificate,
  now,
  retryAfterSeconds = 30n,
}: CreatePeerSessionKeysParameters): PeerSessionKeys {
  const known = new Map<string, PeerSessionKey>();
  const inFlight = new Map<string, Promise<PeerSessionKey | undefined>>();
  const failedAt = new Map<string, bigint>();

  const fetchKey = async (member: string): Promise<PeerSessionKey | undefined> => {
    const certificate = await fetchCertificate(member as Address);
    if (!certificate || certificate.member.toLowerCase() !== member) return undefined;
    if (certificate.notAfter <= now()) return undefined;
    const [signer, registered] = await Promise.all([
      recoverSessionKeySigner(domain, { ...certificate, member: member as Address }),
      members.signerOf(member as Address),
    ]);
    if (signer.toLowerCase() !== registered?.toLowerCase()) return undefined;
    return {
      member: member as Address,
      sessionKey: certificate.sessionKey,
      publicKey: sessionPublicKey(certificate.sessionKey),
      notAfter: certificate.notAfter,
    };
  };

  const load = (member: Address): Promise<PeerSessionKey | undefined> => {
    const m = member.toLowerCase();
    const cached = known.get(m);
    if (cached && cached.notAfter > now() + REFRESH_MARGIN) return Promise.resolve(cached);
    let pending = inFlight.get(m);
    if (!pending) {
      pending = fetchKey(m)
        .catch(() => undefined)
        .then((key) => {
          if (key) known.set(m, key);
          // No key, or the same one again (the member has not renewed yet): ask again only after
          // `retryAfterSeconds`, not on every redirect of the key's last hour.
          if (!key || key.sessionKey === cached?.sessionKey) failedAt.set(m, now());
          else failedAt.delete(m);
          return key ?? (cached && cached.notAfter > now() ? cached : undefined);
        })
        .finally(() => inFlight.delete(m));
      inFlight.set(m, pending);
    }
    return pending;
  };

  return {
    get(member) {
      const m = member.toLowerCase();
      const cached = known.get(m);
      const t = now();
      if (cached && cached.notAfter > t + REFRESH_MARGIN) return cached;
      const failed = failedAt.get(m);
      if (failed === undefined || t - failed >= retryAfterSeconds) load(member).catch(() => {});
      return cached && cached.notAfter > t ? cached : undefined;
    },
    load,
  };
}

/** Used when a caller passes no client: public addresses only. */
const publicOnly = createOutboundClient({ timeoutMs: 5_000 });

/**
 * A member's current session key certificate from its node (`GET <url>/v1/session-key`, parsed
 * with the protocol's `sessionKeyCertificateSchema`), through the outbound client (default: public
 * addresses only); undefined when there is no URL, or the node does not answer one in time.
 *
 * @example
 * const certificate = await fetchSessionKeyCertificate(await peers.nodeUrl(bob), { outbound });
 */
export async function fetchSessionKeyCertificate(
  url: string | undefined,
  options: { outbound?: OutboundClient; timeoutMs?: number } = {},
): Promise<SessionKeyCertificate | undefined> {
  if (!url) return undefined;
  try {
    const answer = await (options.outbound ?? publicOnly).request(
      `${url.replace(/\/$/, "")}${SESSION_KEY_PATH}`,
      {
        timeoutMs: options.timeoutMs ?? 5_000,
      },
    );
    if (answer.status !== 200) return undefined;
    const body = parseAnswer(sessionKeyCertificateSchema, answer.body, "session key certificate");
    return { ...body, notAfter: BigInt(body.notAfter) };
  } catch (error) {
    if (error instanceof OutboundError) return undefined;
    throw error;
  }
}
