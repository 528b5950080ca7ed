import type { Address, PublicClient } from "viem";
import { consortiumAbi } from "../abi/contracts";

/**
 * What a member node asks of the consortium registry: whose key speaks for a member, whether it
 * is active, and whether an account holds the AUDITOR or MATCHER role.
 */
export interface MemberRegistry {
  /** The member's signer key (lower-case), or undefined for a non-member. */
  signerOf(member: Address): Promise<Address | undefined>;
  isActiveMember(member: Address): Promise<boolean>;
  isAuditor(account: Address): Promise<boolean>;
  /** Whether the account holds MATCHER_ROLE (the matching daemon, which reads conversion reports). */
  isMatcher(account: Address): Promise<boolean>;
}

const ZERO = "0x0000000000000000000000000000000000000000";

/** A fixed registry (benchmarks): every listed member is active and signs with its own key. */
export function createStaticMemberRegistry({
  signers,
  auditors = [],
  matchers = [],
}: {
  /** member → signer key */
  signers: Record<string, Address>;
  auditors?: Address[];
  matchers?: Address[];
}): MemberRegistry {
  const bySigner = new Map(
    Object.entries(signers).map(([m, s]) => [m.toLowerCase(), s.toLowerCase() as Address]),
  );
  const auditorSet = new Set(auditors.map((a) => a.toLowerCase()));
  const matcherSet = new Set(matchers.map((a) => a.toLowerCase()));
  return {
    signerOf: async (member) => bySigner.get(member.toLowerCase()),
    isActiveMember: async (member) => bySigner.has(member.toLowerCase()),
    isAuditor: async (account) => auditorSet.has(account.toLowerCase()),
    isMatcher: async (account) => matcherSet.has(account.toLowerCase()),
  };
}

export interface ChainMemberRegistryOptions {
  publicClient: PublicClient;
  consortium: Address;
  /** How long an answer stays cached, in ms: a suspension takes effect within it. */
  ttlMs?: number;
  now?: () => number;
}

/**
 * The registry read from the Consortium contract (`signerOf`, `isActiveMember`, `hasRole`),
 * cached for `ttlMs`.
 *
 * @example
 * const members = createChainMemberRegistry({ publicClient, consortium: deployment.contracts.Consortium });
 * const key = await members.signerOf(referrer);
 */
export function createChainMemberRegistry({
  publicClient,
  consortium,
  ttlMs = 10_000,
  now = Date.now,
}: ChainMemberRegistryOptions): MemberRegistry {
  const cache = new Map<string, { value: unknown; at: number }>();
  // Reads in flight by key: when an answer expires under load, the arrivals that ask for it in
  // the meantime share one RPC read instead of each sending its own.
  const inflight = new Map<string, Promise<unknown>>();
  const roles = new Map<string, Promise<`0x${string}`>>();
  const hasRole = (role: "AUDITOR_ROLE" | "MATCHER_ROLE", account: Address) =>
    cached(`${role}:${account.toLowerCase()}`, async () => {
      let id = roles.get(role);
      if (!id) {
        id = read<`0x${string}`>(role, []);
        roles.set(role, id);
      }
      return read<boolean>("hasRole", [await id, account]);
    });
  async function cached<T>(key: string, read: () => Promise<T>): Promise<T> {
    const hit = cache.get(key);
    if (hit && now() - hit.at <= ttlMs) return hit.value as T;
    let pending = inflight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read()
        .then((value) => {
          if (cache.size > 50_000) cache.clear();
          cache.set(key, { value, at: now() });
          return value;
        })
        .finally(() => inflight.delete(key));
      inflight.set(key, pending);
    }
    return pending;
  }
  const read = <T>(functionName: string, args: readonly unknown[]) =>
    publicClient.readContract({
      address: consortium,
      abi: consortiumAbi,
      functionName,
      args,
    } as never) as Promise<T>;
  return {
    signerOf: (member) =>
      cached(`signer:${member.toLowerCase()}`, async () => {
        const signer = await read<Address>("signerOf", [member]);
        return signer === ZERO ? undefined : (signer.toLowerCase() as Address);
      }),
    isActiveMember: (member) =>
      cached(`active:${member.toLowerCase()}`, () => read<boolean>("isActiveMember", [member])),
    isAuditor: (account) => hasRole("AUDITOR_ROLE", account),
    isMatcher: (account) => hasRole("MATCHER_ROLE", account),
  };
}
