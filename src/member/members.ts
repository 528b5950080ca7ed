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
  /**
   * How long a "no" stays cached (an address that is not a member, an account without the role),
   * in ms (default 300,000): a stranger repeating requests costs one read per this long. An
   * admission or a role grant takes effect within it.
   */
  unknownTtlMs?: number;
  /** Most "no" answers kept (default 10,000; the oldest go first), apart from the members' own. */
  maxUnknown?: number;
  now?: () => number;
}

/**
 * The registry read from the Consortium contract (`signerOf`, `isActiveMember`, `hasRole`),
 * cached for `ttlMs`; negative answers (no signer, no role) are kept apart, longer
 * (`unknownTtlMs`) and bounded (`maxUnknown`), so strangers neither cost a chain read per request
 * nor push the members' answers out of the cache.
 *
 * @example
 * const members = createChainMemberRegistry({ publicClient, consortium: deployment.contracts.Consortium });
 * const key = await members.signerOf(referrer);
 */
export function createChainMemberRegistry({
  publicClient,
  consortium,
  ttlMs = 10_000,
  unknownTtlMs = 300_000,
  maxUnknown = 10_000,
  now = Date.now,
}: ChainMemberRegistryOptions): MemberRegistry {
  const cache = new Map<string, { value: unknown; at: number }>();
  /** Negative answers by key, oldest first (Map order), with the time they were read. */
  const unknown = new Map<string, number>();
  // Reads in flight by key: when an answer expires under load, the arrivals that ask for it in
  // the meantime share one RPC read instead of each sending its own.
  const inflight = new Map<string, Promise<unknown>>();
  const roles = new Map<string, Promise<`0x${string}`>>();
  const hasRole = (role: "AUDITOR_ROLE" | "MATCHER_ROLE", account: Address) =>
    cached(
      `${role}:${account.toLowerCase()}`,
      async () => {
        let id = roles.get(role);
        if (!id) {
          id = read<`0x${string}`>(role, []);
          roles.set(role, id);
        }
        return read<boolean>("hasRole", [await id, account]);
      },
      { value: false },
    );
  /** `negative` holds the answer that means "not a member / no role" (undefined or false). */
  async function cached<T>(key: string, read: () => Promise<T>, negative?: { value: T }): Promise<T> {
    const no = unknown.get(key);
    if (negative && no !== undefined) {
      if (now() - no <= unknownTtlMs) return negative.value;
      unknown.delete(key);
    }
    const hit = cache.get(key);
    if (hit && now() - hit.at <= ttlMs) return hit.value as T;
    let pending = inflight.get(key) as Promise<T> | undefined;
    if (!pending) {
      pending = read()
        .then((value) => {
          if (negative && value === negative.value) {
            if (unknown.size >= maxUnknown) unknown.delete(unknown.keys().next().value as string);
            unknown.set(key, now());
            return value;
          }
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
      cached(
        `signer:${member.toLowerCase()}`,
        async () => {
          const signer = await read<Address>("signerOf", [member]);
          return signer === ZERO ? undefined : (signer.toLowerCase() as Address);
        },
        { value: undefined },
      ),
    isActiveMember: (member) =>
      cached(`active:${member.toLowerCase()}`, () => read<boolean>("isActiveMember", [member])),
    isAuditor: (account) => hasRole("AUDITOR_ROLE", account),
    isMatcher: (account) => hasRole("MATCHER_ROLE", account),
  };
}
