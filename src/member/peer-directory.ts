import type { Address, PublicClient } from "viem";
import { consortiumAbi } from "../abi/contracts";

/** What a node needs of another member's on-chain profile (`Consortium.profileOf`). */
export interface PeerProfile {
  industry: number;
  /** The profile's `uri`: the base URL of the member's node. */
  uri: string;
}

/**
 * Where other members' nodes are. A member publishes its node's base URL as the `uri` of its
 * on-chain profile (`MemberProfile.uri`, set with `flowpact member apply --uri` or a profile
 * update), so any node, the matching daemon and the auditor find it from the chain alone.
 */
export interface PeerDirectory {
  /** The member's node base URL (no trailing slash), or undefined when its profile has no http(s) URI. */
  nodeUrl(member: Address): Promise<string | undefined>;
  /** The member's profile, or undefined for an address that never applied. */
  profile(member: Address): Promise<PeerProfile | undefined>;
}

/**
 * The node base URL a profile `uri` names: an absolute http(s) URL, without query, fragment or
 * trailing slash (a path is kept: a node may live under a prefix). Undefined for anything else
 * (an ipfs: document, an empty string), so a member without a node is "unknown", not an error.
 *
 * @example
 * nodeUrlOfProfileUri("https://node.bank.example/flowpact/") // "https://node.bank.example/flowpact"
 */
export function nodeUrlOfProfileUri(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return undefined;
  if (url.username || url.password) return undefined;
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

export interface ChainPeerDirectoryOptions {
  publicClient: PublicClient;
  consortium: Address;
  /** How long a profile stays cached, in ms: a member that moves its node is found within it. */
  ttlMs?: number;
  /** Clock in ms, for tests. */
  now?: () => number;
}

/**
 * Peers resolved through `Consortium.profileOf`, cached for `ttlMs` (default 30 s); concurrent
 * look-ups of one member share one RPC read.
 *
 * @example
 * const peers = createChainPeerDirectory({ publicClient, consortium: deployment.contracts.Consortium });
 * const url = await peers.nodeUrl(recipient); // "https://node.insurer.example"
 */
export function createChainPeerDirectory({
  publicClient,
  consortium,
  ttlMs = 30_000,
  now = Date.now,
}: ChainPeerDirectoryOptions): PeerDirectory {
  const cache = new Map<string, { at: number; profile: Promise<PeerProfile | undefined> }>();
  const profile = (member: Address): Promise<PeerProfile | undefined> => {
    const key = member.toLowerCase();
    const hit = cache.get(key);
    if (hit && now() - hit.at <= ttlMs) return hit.profile;
    const read = (async () => {
      const p = (await publicClient.readContract({
        address: consortium,
        abi: consortiumAbi,
        functionName: "profileOf",
        args: [member],
      } as never)) as { industry: number; uri: string; signer: Address };
      // A profile that was never written reads as zeros.
      if (Number(p.industry) === 0 && p.uri === "") return undefined;
      return { industry: Number(p.industry), uri: p.uri };
    })();
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { at: now(), profile: read });
    // A failed read is not cached: the next look-up asks the chain again.
    read.catch(() => cache.delete(key));
    return read;
  };
  return {
    profile,
    async nodeUrl(member) {
      const p = await profile(member);
      return p && nodeUrlOfProfileUri(p.uri);
    },
  };
}
