import { createHash } from "node:crypto";
import { type Address, type Hex, hashTypedData, type LocalAccount, recoverTypedDataAddress } from "viem";
import { UnauthenticatedPeerError } from "./errors";
import type { MemberRegistry } from "./members";

/** Headers of a signed node-to-node request. */
export const PEER_HEADERS = {
  member: "x-flowpact-member",
  time: "x-flowpact-time",
  signature: "x-flowpact-signature",
} as const;

/** `NodeRequest(address member,string method,string path,uint64 time,bytes32 bodyHash)`. */
const nodeRequestTypes = {
  NodeRequest: [
    { name: "member", type: "address" },
    { name: "method", type: "string" },
    { name: "path", type: "string" },
    { name: "time", type: "uint64" },
    { name: "bodyHash", type: "bytes32" },
  ],
} as const;

/** Half the secp256k1 group order: a canonical signature's `s` is at most this (EIP-2). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;

/**
 * Why a 65-byte signature is not in the one canonical form viem's `signTypedData` produces (low
 * `s`, `v` 27 or 28), or undefined when it is. Each signed message has exactly one canonical
 * signature, so its twins (`n - s` with the other `v`; `v` as a raw 0/1) cannot pass as new.
 */
export function nonCanonicalReason(signature: Hex): string | undefined {
  const s = BigInt(`0x${signature.slice(66, 130)}`);
  const v = Number.parseInt(signature.slice(130, 132), 16);
  if (s === 0n || s > HALF_N) return "its s is not in the lower half of the curve order (EIP-2)";
  if (v !== 27 && v !== 28) return `its v is ${v}, not 27 or 28`;
  return undefined;
}

/** Where node requests are valid: one chain, one Consortium (whose registry says who signs). */
export interface PeerDomain {
  chainId: number;
  consortium: Address;
}

function typedData(
  domain: PeerDomain,
  member: Address,
  method: string,
  path: string,
  time: bigint,
  body: string,
) {
  return {
    domain: {
      name: "FlowPact Node",
      version: "1",
      chainId: domain.chainId,
      verifyingContract: domain.consortium,
    },
    types: nodeRequestTypes,
    primaryType: "NodeRequest" as const,
    message: {
      member,
      method: method.toUpperCase(),
      path,
      time,
      bodyHash: `0x${createHash("sha256").update(body).digest("hex")}` as Hex,
    },
  };
}

/**
 * Headers that authenticate a request from `member` (signed with its on-chain signer key): the
 * signature covers the method, path with query, the time and a hash of the exact body bytes.
 *
 * @example
 * const body = JSON.stringify(batch);
 * const headers = await signPeerRequest({ account, member, domain, method: "POST", path: "/v1/peer/cosign", body });
 */
export async function signPeerRequest({
  account,
  member,
  domain,
  method,
  path,
  body = "",
  time = BigInt(Math.floor(Date.now() / 1000)),
}: {
  account: LocalAccount;
  member: Address;
  domain: PeerDomain;
  method: string;
  path: string;
  body?: string;
  time?: bigint;
}): Promise<Record<string, string>> {
  const signature = await account.signTypedData(typedData(domain, member, method, path, time, body));
  return {
    [PEER_HEADERS.member]: member,
    [PEER_HEADERS.time]: time.toString(),
    [PEER_HEADERS.signature]: signature,
  };
}

export interface PeerAuthenticator {
  /**
   * The authenticated caller, or throws UnauthenticatedPeerError. `as: "member"` (default): an
   * active member signing with its on-chain signer; `as: "auditor"`: an account holding the
   * AUDITOR role signing with its own key; `as: "matcher"`: an account holding the MATCHER role
   * signing with its own key.
   */
  authenticate(
    request: {
      method: string;
      url: string;
      headers: Record<string, string | string[] | undefined>;
      rawBody: string;
    },
    as?: "member" | "auditor" | "matcher",
  ): Promise<Address>;
}

/**
 * Checks node requests against the on-chain registry: the signer must be
 * `Consortium.signerOf(member)` (and the member active), the time within `maxSkew` seconds of
 * ours, the signature canonical, and the request unseen: replay is keyed by the signer and the
 * EIP-712 digest, not the signature bytes, so a captured request cannot be replayed within its
 * window (in any encoding of its signature), and is stale after it. A replay is refused before
 * the registry is asked anything.
 */
export function createPeerAuthenticator({
  domain,
  members,
  maxSkew = 60n,
  now = () => BigInt(Math.floor(Date.now() / 1000)),
}: {
  domain: PeerDomain;
  members: MemberRegistry;
  maxSkew?: bigint;
  now?: () => bigint;
}): PeerAuthenticator {
  const seen = new Map<string, bigint>();
  return {
    async authenticate({ method, url, headers, rawBody }, as = "member") {
      const header = (name: string) => {
        const value = headers[name];
        return typeof value === "string" ? value : undefined;
      };
      const member = header(PEER_HEADERS.member);
      const time = header(PEER_HEADERS.time);
      const signature = header(PEER_HEADERS.signature);
      if (!member || !time || !signature) throw new UnauthenticatedPeerError("missing x-flowpact-* headers");
      if (!/^0x[0-9a-fA-F]{40}$/.test(member)) throw new UnauthenticatedPeerError("member is not an address");
      if (!/^[0-9]{1,19}$/.test(time)) throw new UnauthenticatedPeerError("time is not unix seconds");
      if (!/^0x[0-9a-fA-F]{130}$/.test(signature))
        throw new UnauthenticatedPeerError("signature is not 65 bytes");
      const t = now();
      const sent = BigInt(time);
      if (sent > t + maxSkew || sent < t - maxSkew)
        throw new UnauthenticatedPeerError(`request time ${sent} is more than ${maxSkew} s from ours (${t})`);
      const canonical = nonCanonicalReason(signature as Hex);
      if (canonical) throw new UnauthenticatedPeerError(`signature is not canonical: ${canonical}`);
      const request = typedData(domain, member as Address, method, url, sent, rawBody);
      let signer: Address;
      try {
        signer = await recoverTypedDataAddress({ ...request, signature: signature as Hex });
      } catch {
        throw new UnauthenticatedPeerError("signature does not recover");
      }
      const key = `${signer.toLowerCase()}:${hashTypedData(request)}`;
      if (seen.has(key)) throw new UnauthenticatedPeerError("request replayed");
      for (const [k, at] of seen) if (at < t - maxSkew) seen.delete(k);
      // Held while the registry is asked, so a concurrent copy is a replay too; released if refused.
      seen.set(key, sent);
      try {
        if (as === "auditor" || as === "matcher") {
          // The signer must be the account itself: checked before any chain read.
          const holdsRole =
            signer.toLowerCase() === member.toLowerCase() &&
            (await (as === "auditor"
              ? members.isAuditor(member as Address)
              : members.isMatcher(member as Address)));
          if (!holdsRole)
            throw new UnauthenticatedPeerError(
              `not signed by ${member}, or ${member} does not hold the ${as.toUpperCase()} role`,
            );
        } else {
          const registered = await members.signerOf(member as Address);
          if (
            !registered ||
            registered !== signer.toLowerCase() ||
            !(await members.isActiveMember(member as Address))
          )
            throw new UnauthenticatedPeerError(
              `not signed by the on-chain signer of active member ${member}`,
            );
        }
      } catch (error) {
        seen.delete(key);
        throw error;
      }
      return member.toLowerCase() as Address;
    },
  };
}
