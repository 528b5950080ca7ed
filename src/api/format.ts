import { industryByCode } from "../catalogue/industries";
import { SEGMENTS } from "../catalogue/segments";

/** A store integer (bigint from the drivers) as a JSON-safe number; block numbers, counts, epochs. */
export const toInt = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

export const toIntOrNull = (value: unknown): number | null =>
  value === null || value === undefined ? null : Number(value);

/**
 * A uint64 value (a count, an epoch, a chain time) or a sum of them, exactly: a JSON number while
 * it is one (|v| ≤ 2^53−1, every value a real consortium produces), its decimal string beyond, where
 * a JSON number would round (an offer expiring at 2^64−1 is valid on chain).
 */
export type ExactInteger = number | string;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export const toExact = (value: unknown): ExactInteger => {
  const v = value === null || value === undefined ? 0n : BigInt(value as bigint | string | number);
  return v <= MAX_SAFE && v >= -MAX_SAFE ? Number(v) : v.toString();
};

export const toExactOrNull = (value: unknown): ExactInteger | null =>
  value === null || value === undefined ? null : toExact(value);

/** Sums exact integers (numbers and decimal strings) exactly. */
export const sumExact = (values: Iterable<ExactInteger>): ExactInteger => {
  let total = 0n;
  for (const v of values) total += BigInt(v);
  return toExact(total);
};

/** A uint256 or signed amount as a decimal string (JSON numbers lose precision past 2^53). */
export const toDecimal = (value: unknown): string =>
  value === null || value === undefined ? "0" : BigInt(value as bigint | string | number).toString();

export const toDecimalOrNull = (value: unknown): string | null =>
  value === null || value === undefined ? null : BigInt(value as bigint | string | number).toString();

/** Addresses are stored lower-case; requests may use any case (EIP-55 checksums included). */
export const normaliseAddress = (address: string): string => address.toLowerCase();

export function industryOf(code: number): { code: number; name: string; label: string } {
  const found = industryByCode(code);
  return found
    ? { code: found.code, name: found.name, label: found.label }
    : { code, name: `industry-${code}`, label: `Industry ${code}` };
}

/** Names of the catalogue segments set in a bitmap (unknown bits as "bit-N"). */
export function segmentNames(bitmap: bigint | string | number): string[] {
  const bits = BigInt(bitmap);
  const names: string[] = [];
  for (let bit = 0; bit < 256 && bits >> BigInt(bit) !== 0n; bit++) {
    if ((bits >> BigInt(bit)) & 1n) names.push(SEGMENTS[bit] ?? `bit-${bit}`);
  }
  return names;
}

/**
 * Characters that reorder or hide text (bidi embeddings, overrides, isolates and marks, the Arabic
 * letter mark) and other control characters: a name holding U+202E can show "Northbank" while
 * being something else. None reaches a client; each becomes U+FFFD, so the tampering shows.
 */
const HIDDEN_CONTROLS = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\p{Cc}]/gu;

/** The marker that replaces a refused character in a member name. */
export const NAME_MARKER = "\ufffd";

/**
 * A member's display name from its profile URI, since the chain stores no name: a
 * `data:application/json,{"name":…}` profile gives its name (bidi and control characters
 * replaced by a visible U+FFFD); an http(s) URI its host's first label
 * ("https://northbank.example/…" → "Northbank", "harbor-savings" → "Harbor Savings"); else the
 * short address.
 */
export function memberName(uri: string | null | undefined, address: string): string {
  const short = `${address.slice(0, 6)}…${address.slice(-4)}`;
  if (!uri) return short;
  if (uri.startsWith("data:application/json")) {
    const comma = uri.indexOf(",");
    try {
      const raw = uri.slice(comma + 1);
      const json = JSON.parse(
        uri.slice(0, comma).endsWith(";base64")
          ? Buffer.from(raw, "base64").toString()
          : decodeURIComponent(raw),
      );
      if (typeof json?.name === "string") {
        const name = json.name.replace(HIDDEN_CONTROLS, NAME_MARKER).trim().slice(0, 80);
        if (name.replaceAll(NAME_MARKER, "").trim() !== "") return name;
      }
    } catch {
      // not a JSON profile: fall through to the short address
    }
    return short;
  }
  try {
    const host = new URL(uri).hostname.replace(/^www\./, "");
    const label = host.split(".")[0];
    if (!label || /^\d+$/.test(label) || label === "localhost") return short;
    return label
      .split(/[-_]/)
      .filter((w) => w.length > 0)
      .map((w) => w[0].toUpperCase() + w.slice(1))
      .join(" ");
  } catch {
    return short;
  }
}

/**
 * What two names must differ in to look different: case, compatibility forms (NFKC: full-width
 * letters, ligatures), spaces and invisible characters (zero-width spaces and joiners, soft
 * hyphens, the replacement marker) do not count.
 */
export function nameLookalikeKey(name: string): string {
  return name
    .normalize("NFKC")
    .toLowerCase()
    .replace(/[\s\u00ad\u200b-\u200d\u2060\ufeff\ufffd]/g, "");
}
