import { InvalidArgumentError } from "commander";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { INDUSTRIES, parseIndustry } from "../catalogue/industries";
import { parseSegments } from "../catalogue/segments";

/**
 * Argument parsers for commander. Each turns one flag or argument into a typed value or throws
 * commander's `InvalidArgumentError` with a sentence saying what is expected: commander prints it
 * as one line and the CLI exits with code 2 before touching the chain.
 */

const invalid = (message: string): never => {
  throw new InvalidArgumentError(message);
};

/** A 0x address (any case; a mixed-case address must carry a valid EIP-55 checksum). */
export function parseAddress(value: string): Address {
  if (!isAddress(value, { strict: false })) invalid("not an address: expected 0x followed by 40 hex digits");
  if (/[a-f]/.test(value) && /[A-F]/.test(value) && !isAddress(value, { strict: true }))
    invalid("address checksum is wrong: check the address or write it in lower case");
  return getAddress(value);
}

/** A whole, non-negative number (credits, referrals, rates, ids) as a bigint. */
export function parseAmount(value: string): bigint {
  const trimmed = value.trim().replace(/_/g, "");
  if (/^-/.test(trimmed)) invalid("must not be negative: give a whole number ≥ 0");
  if (!/^\d+$/.test(trimmed)) invalid("must be a whole number (digits only, no decimals or units)");
  const amount = BigInt(trimmed);
  if (amount >= 2n ** 256n) invalid("is larger than a uint256");
  return amount;
}

/** Like `parseAmount`, but zero is refused (ids, capacities). */
export function parsePositive(value: string): bigint {
  const amount = parseAmount(value);
  if (amount === 0n) invalid("must be at least 1");
  return amount;
}

/** The ledger's largest credit limit, transfer or posting: `type(int128).max` (`CreditLedgerAmountTooLarge` above). */
export const MAX_CREDITS = 2n ** 127n - 1n;

/** Whole credits for the ledger (a limit): 0 up to `MAX_CREDITS`. */
export function parseCredits(value: string): bigint {
  const amount = parseAmount(value);
  if (amount > MAX_CREDITS)
    invalid(`is more than the ledger allows: at most ${MAX_CREDITS} (2^127 - 1) credits`);
  return amount;
}

/** Like `parseCredits`, but zero is refused (a transfer). */
export function parsePositiveCredits(value: string): bigint {
  const amount = parseCredits(value);
  if (amount === 0n) invalid("must be at least 1");
  return amount;
}

/** An agreement or offer id. */
export const parseId = parsePositive;

/** Segments by name or bit number, comma-separated: "families,students" or "1,2". */
export function parseSegmentList(value: string): bigint {
  try {
    return parseSegments(value);
  } catch (error) {
    return invalid((error as Error).message);
  }
}

/** One industry by name ("banking") or code ("1"). */
export function parseIndustryCode(value: string): number {
  try {
    return parseIndustry(value).code;
  } catch (error) {
    return invalid((error as Error).message);
  }
}

/** Industries by name or code, comma-separated, as the on-chain bitmap (bit = code). */
export function parseIndustryList(value: string): bigint {
  const parts = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) invalid(`give industry names, e.g. ${INDUSTRIES[0].name},${INDUSTRIES[1].name}`);
  return parts.reduce((bitmap, part) => bitmap | (1n << BigInt(parseIndustryCode(part))), 0n);
}

const UNIT_SECONDS: Record<string, bigint> = { s: 1n, m: 60n, h: 3_600n, d: 86_400n, w: 604_800n };

/** A duration: "3600" (seconds), "90s", "15m", "12h", "7d", "2w". */
export function parseDuration(value: string): bigint {
  const match = /^(\d+)([smhdw]?)$/.exec(value.trim());
  if (!match) return invalid('must be a duration such as "3600", "15m", "12h", "7d" or "2w"');
  const seconds = BigInt(match[1]) * UNIT_SECONDS[match[2] || "s"];
  if (seconds === 0n) invalid("must be longer than zero");
  return seconds;
}

/** A point in time: "+7d" (from the chain's latest block), a unix timestamp, or an ISO date. */
export type TimeSpec = { relative: bigint } | { absolute: bigint };

export function parseTime(value: string): TimeSpec {
  const trimmed = value.trim();
  if (trimmed.startsWith("+")) return { relative: parseDuration(trimmed.slice(1)) };
  if (/^\d+$/.test(trimmed)) return { absolute: BigInt(trimmed) };
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms))
    return invalid('must be "+<duration>" (e.g. "+7d"), a unix timestamp or an ISO date (2027-01-31T00:00Z)');
  return { absolute: BigInt(Math.floor(ms / 1000)) };
}

export const resolveTime = (spec: TimeSpec, now: bigint): bigint =>
  "relative" in spec ? now + spec.relative : spec.absolute;

/** 32 bytes of hex (a content hash). */
export function parseBytes32(value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) invalid("must be 0x followed by 64 hex digits");
  return value.toLowerCase() as Hex;
}

/** A reason recorded on chain: at most 32 bytes of text. */
export function parseReason(value: string): string {
  if (Buffer.byteLength(value, "utf8") > 32 && !/^0x[0-9a-fA-F]{64}$/.test(value))
    invalid("is longer than 32 bytes: shorten it");
  return value;
}

/** An http(s) URL (profile and landing pages). */
export function parseUrl(value: string): string {
  try {
    const url = new URL(value);
    if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error();
    return value;
  } catch {
    return invalid("must be an http:// or https:// URL");
  }
}

/** Collects a repeatable option into an array, parsing each value. */
export const collect =
  <T>(parse: (value: string) => T) =>
  (value: string, previous: T[] | undefined): T[] => [...(previous ?? []), parse(value)];

export interface FlowSpec {
  from: Address;
  to: Address;
  segments: bigint;
  capPerEpoch: bigint;
  rate: bigint;
}

/**
 * One flow of an agreement: `<from>:<to>:<segments>:<capPerEpoch>:<rate>`, where from/to are
 * addresses and segments a comma list, e.g. `0xA…:0xB…:families,students:500:3`.
 */
export function parseFlow(value: string): FlowSpec {
  const parts = value.split(":");
  if (parts.length !== 5)
    invalid("a flow is <from>:<to>:<segments>:<capPerEpoch>:<rate>, e.g. 0xA…:0xB…:families:500:3");
  const [from, to, segments, cap, rate] = parts;
  const field = <T>(name: string, parse: (v: string) => T, v: string): T => {
    try {
      return parse(v);
    } catch (error) {
      return invalid(`flow ${name} ${(error as Error).message}`);
    }
  };
  return {
    from: field("from", parseAddress, from),
    to: field("to", parseAddress, to),
    segments: field("segments", parseSegmentList, segments),
    capPerEpoch: field("capPerEpoch", parsePositive, cap),
    rate: field("rate", parseAmount, rate),
  };
}
