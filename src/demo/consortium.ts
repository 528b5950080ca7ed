import { type Address, keccak256, toHex } from "viem";
import type { MemberProfile, OfferTerms } from "../chain/types";
import { DEFAULT_MATCHING_CONFIG, generateDemoConsortium } from "../matching";
import type { MatchingInstance } from "../matching/types";
import type { AutoAcceptPolicy } from "../member/auto-accept";

/** One institution of the demo consortium, bound to one of the demo's member keys. */
export interface DemoInstitution {
  /** Account address, lower-case (as the store holds it). */
  address: Address;
  name: string;
  industry: number;
  creditLimit: bigint;
  /** What it applies for membership with. */
  profile: MemberProfile;
  /** What it publishes: each supply offer, then each demand offer, as separate offers. */
  offers: OfferTerms[];
  /** What its node accepts without a human: the terms its own offers already state. */
  policy: AutoAcceptPolicy;
}

export interface DemoConsortium {
  institutions: DemoInstitution[];
  /** The generator's matching instance with its ids replaced by the institutions' addresses. */
  instance: MatchingInstance;
}

const slug = (name: string) => name.toLowerCase().replace(/[^a-z0-9]+/g, "-");

const NO_OFFER: Omit<OfferTerms, "excludedIndustries" | "expiry"> = {
  supplySegments: 0n,
  capacityPerEpoch: 0n,
  minRate: 0n,
  demandSegments: 0n,
  volumePerEpoch: 0n,
  maxRate: 0n,
};

/** Industry codes set in an excluded-industries bitmap (bit = code). */
function industriesOf(bitmap: bigint): number[] {
  const codes: number[] = [];
  for (let code = 0; bitmap >> BigInt(code) > 0n; code++) if ((bitmap >> BigInt(code)) & 1n) codes.push(code);
  return codes;
}

/**
 * The demo consortium, one description for every place that builds it: the 30 named institutions
 * of the matching generator (seed 1), the i-th bound to `accounts[i]`, with the profile each
 * applies with, its credit limit, its offers and its node's auto-accept policy.
 * `bootstrapConsortium` puts it on a chain; the API and dashboard tests write the same members and
 * offers into a store as the indexer would (test/service/api/consortium-state.ts).
 *
 * Supply and demand are separate offers (a member may ask more per referral than it pays).
 * The policy accepts what the member's own offers already allow (rates between its minimum ask
 * and its maximum bid, caps within its largest offer, the engine's partner limit, no industry all
 * its offers exclude), so the proposals the matching engine makes from these offers pass it.
 */
export function demoConsortium(
  accounts: readonly { address: Address }[],
  { offerExpiry, seed = 1 }: { offerExpiry: bigint; seed?: number },
): DemoConsortium {
  const { instance, names } = generateDemoConsortium(seed);
  if (accounts.length < instance.members.length)
    throw new Error(`the demo consortium has ${instance.members.length} members: pass as many accounts`);
  const idOf = new Map(instance.members.map((m, i) => [m.id, accounts[i].address.toLowerCase() as Address]));
  const id = (generated: string) => idOf.get(generated) as Address;
  const remapped: MatchingInstance = {
    // Balances start at zero on a fresh ledger: the generator's random history is not replayed.
    members: instance.members.map((m) => ({ ...m, id: id(m.id), creditBalance: 0n })),
    supply: instance.supply.map((o) => ({ ...o, member: id(o.member) })),
    demand: instance.demand.map((o) => ({ ...o, member: id(o.member) })),
    agreements: [],
    history: instance.history.map((h) => ({ ...h, from: id(h.from), to: id(h.to) })),
  };
  const institutions = instance.members.map((m, i): DemoInstitution => {
    const name = names.get(m.id) ?? m.id;
    const supply = instance.supply.filter((o) => o.member === m.id);
    const demand = instance.demand.filter((o) => o.member === m.id);
    const supplySegments = supply.reduce((acc, o) => acc | o.segments, 0n);
    const demandSegments = demand.reduce((acc, o) => acc | o.segments, 0n);
    // Industries refused under every one of its offers (the engine applies each offer's own).
    const offered = [...supply, ...demand];
    const excluded = offered.reduce((acc, o) => acc & o.excludedIndustries, offered.length > 0 ? -1n : 0n);
    const offers: OfferTerms[] = [
      ...supply.map((o) => ({
        ...NO_OFFER,
        supplySegments: o.segments,
        capacityPerEpoch: BigInt(o.capacity),
        minRate: BigInt(o.minRate),
        excludedIndustries: o.excludedIndustries,
        expiry: offerExpiry,
      })),
      ...demand.map((o) => ({
        ...NO_OFFER,
        demandSegments: o.segments,
        volumePerEpoch: BigInt(o.volume),
        maxRate: BigInt(o.maxRate),
        excludedIndustries: o.excludedIndustries,
        expiry: offerExpiry,
      })),
    ];
    const largest = BigInt(Math.max(0, ...supply.map((o) => o.capacity), ...demand.map((o) => o.volume)));
    return {
      address: id(m.id),
      name,
      industry: m.industry,
      creditLimit: m.creditLimit,
      profile: {
        industry: m.industry,
        segments: supplySegments | demandSegments || 1n,
        // The profile uri is the member's node base URL (src/member/peer-directory.ts); the demo's
        // nodes run on 127.0.0.1 and find each other directly, so this one only names the member.
        uri: `https://${slug(name)}.example`,
        contentHash: keccak256(toHex(name)),
        signer: accounts[i].address,
      },
      offers,
      policy: {
        minRate: supply.length > 0 ? BigInt(Math.min(...supply.map((o) => o.minRate))) : 0n,
        maxRate: BigInt(Math.max(0, ...demand.map((o) => o.maxRate))),
        maxCapPerEpoch: largest,
        maxPartners: m.maxPartners ?? DEFAULT_MATCHING_CONFIG.maxPartners,
        refusedIndustries: industriesOf(excluded),
      },
    };
  });
  return { institutions, instance: remapped };
}
