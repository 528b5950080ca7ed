import { InvalidArgumentError } from "commander";
import { type Address, getAddress, type Hex, isAddress } from "viem";
import { agreementBookAbi } from "../abi/contracts";
import { INDUSTRIES, parseIndustry } from "../catalogue/industries";
import { parseSegments } from "../catalogue/segments";
import { UsageError } from "./errors";

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

/** The largest value of a Solidity unsigned type (`"uint64"` → 2^64−1). */
export function maxOfUintType(type: string): bigint {
  const match = /^uint(\d*)$/.exec(type);
  if (!match) throw new TypeError(`not an unsigned integer ABI type: ${type}`);
  return 2n ** BigInt(match[1] || 256) - 1n;
}

/**
 * A parser sized to an ABI field: a whole number from 0 (1 with `positive`) to the largest value
 * of `type` (e.g. `"uint64"`), so a value the contract cannot take is a usage error here, not a
 * failed transaction. Pass the type read from the generated ABI, not a literal, where one exists.
 */
export function parseUintOf(type: string, options: { positive?: boolean } = {}): (value: string) => bigint {
  const max = maxOfUintType(type);
  return (value) => {
    const amount = options.positive ? parsePositive(value) : parseAmount(value);
    if (amount > max) invalid(`is larger than a ${type} allows (at most ${max})`);
    return amount;
  };
}

/** A TCP port: 0 (any free one) to 65535. */
export function parsePort(value: string): number {
  const port = parseAmount(value);
  if (port > 65_535n) invalid("is not a TCP port: give 0 (any free port) to 65535");
  return Number(port);
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

/** Chain times are uint64 unix seconds. */
export const MAX_CHAIN_TIME = maxOfUintType("uint64");

export function parseTime(value: string): TimeSpec {
  const trimmed = value.trim();
  if (trimmed.startsWith("+")) {
    const relative = parseDuration(trimmed.slice(1));
    if (relative > MAX_CHAIN_TIME)
      invalid(`is further ahead than a uint64 time allows (at most ${MAX_CHAIN_TIME} s)`);
    return { relative };
  }
  if (/^\d+$/.test(trimmed)) {
    const absolute = BigInt(trimmed);
    if (absolute > MAX_CHAIN_TIME) invalid(`is later than a uint64 time allows (at most ${MAX_CHAIN_TIME})`);
    return { absolute };
  }
  const ms = Date.parse(trimmed);
  if (Number.isNaN(ms))
    return invalid('must be "+<duration>" (e.g. "+7d"), a unix timestamp or an ISO date (2027-01-31T00:00Z)');
  return { absolute: BigInt(Math.floor(ms / 1000)) };
}

/** The time `spec` names, seen from `now`; a relative time past 2^64−1 is a usage error. */
export function resolveTime(spec: TimeSpec, now: bigint): bigint {
  const time = "relative" in spec ? now + spec.relative : spec.absolute;
  if (time > MAX_CHAIN_TIME)
    throw new UsageError(
      `--expires +${(spec as { relative: bigint }).relative} s from now is past the last uint64 time`,
    );
  return time;
}

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

/** ABI types of an agreement flow's fields (`AgreementBook.propose`'s flows tuple). */
const FLOW_COMPONENTS: Record<string, string> = (() => {
  const propose = agreementBookAbi.find((item) => item.type === "function" && item.name === "propose");
  const flows = propose && "inputs" in propose ? propose.inputs.find((i) => i.name === "flows_") : undefined;
  if (!flows || !("components" in flows)) throw new Error("AgreementBook.propose has no flows tuple");
  return Object.fromEntries(flows.components.map((c) => [c.name, c.type]));
})();

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
    capPerEpoch: field("capPerEpoch", parseUintOf(FLOW_COMPONENTS.capPerEpoch, { positive: true }), cap),
    rate: field("rate", parseUintOf(FLOW_COMPONENTS.rate), rate),
  };
}
