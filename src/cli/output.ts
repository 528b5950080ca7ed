import Table from "cli-table3";

/** JSON with bigints as decimal strings (what `--json` prints). */
export const toJsonText = (value: unknown): string =>
  JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);

/** Prints `value` as JSON with `--json`, otherwise what `human` renders. */
export function emit(json: boolean, value: unknown, human: () => string): void {
  process.stdout.write(`${json ? toJsonText(value) : human()}\n`);
}

/** A table with a header row. */
export function table(head: string[], rows: (string | number | bigint)[][]): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  for (const row of rows) t.push(row.map((cell) => String(cell)));
  return t.toString();
}

/** A two-column key/value table (for `show`). */
export function details(entries: [string, string | number | bigint | undefined][]): string {
  const t = new Table({ style: { head: [], border: [] } });
  for (const [key, value] of entries) t.push({ [key]: value === undefined ? "" : String(value) });
  return t.toString();
}

/** The last second a JS Date can show (year 275760); chain times (uint64) reach far beyond it. */
const MAX_DATE_SECONDS = 8_640_000_000_000n;
const MAX_UINT64 = 2n ** 64n - 1n;

/**
 * Seconds since the epoch as an ISO date (UTC, no milliseconds); a chain time past what a date
 * can show as its raw number, and 2^64−1 (the largest uint64, an offer that never lapses) as "never".
 */
export function isoTime(seconds: bigint | number): string {
  const s = BigInt(seconds);
  if (s === MAX_UINT64) return "never";
  if (s > MAX_DATE_SECONDS || s < -MAX_DATE_SECONDS) return `${s} (unix seconds)`;
  return new Date(Number(s) * 1000).toISOString().replace(".000Z", "Z");
}

/** `0x1234…abcd`: addresses stay recognisable in narrow tables. */
export const shortAddress = (address: string): string => `${address.slice(0, 6)}…${address.slice(-4)}`;
