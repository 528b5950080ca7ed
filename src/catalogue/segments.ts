/**
 * The shared catalogue of audience segments. On chain a set of segments is a uint256 bitmap
 * where bit `segment.bit` is set; people use names. Bits are stable: append, never renumber.
 */
export const SEGMENTS = [
  "young-adults",
  "families",
  "students",
  "retirees",
  "high-income",
  "small-business",
  "homeowners",
  "renters",
  "car-owners",
  "frequent-travelers",
  "gamers",
  "online-shoppers",
  "investors",
  "new-parents",
  "job-seekers",
  "pet-owners",
  "health-conscious",
  "movers",
  "urban",
  "rural",
  "video-watchers",
  "learners",
  "luxury-buyers",
  "bargain-hunters",
] as const;

export type SegmentName = (typeof SEGMENTS)[number];

const bitByName = new Map<string, number>(SEGMENTS.map((name, bit) => [name, bit]));

export class UnknownSegmentError extends Error {
  override name = "UnknownSegmentError";
  constructor(readonly input: string) {
    super(
      `unknown segment "${input}": use names from the catalogue (${SEGMENTS.slice(0, 4).join(", ")}, …) or bit numbers 0-255`,
    );
  }
}

/** Parses "families,students" or "1,2" (bit numbers) into a bitmap. Empty input is an error. */
export function parseSegments(input: string): bigint {
  const parts = input
    .split(",")
    .map((p) => p.trim().toLowerCase())
    .filter((p) => p.length > 0);
  if (parts.length === 0) throw new UnknownSegmentError(input);
  let bitmap = 0n;
  for (const part of parts) {
    const bit = /^\d+$/.test(part) ? Number(part) : bitByName.get(part);
    if (bit === undefined || bit > 255) throw new UnknownSegmentError(part);
    bitmap |= 1n << BigInt(bit);
  }
  return bitmap;
}

/** Names of the segments set in a bitmap; bits outside the catalogue show as "#<bit>". */
export function segmentNames(bitmap: bigint): string[] {
  const names: string[] = [];
  for (let bit = 0; bit < 256; bit++) {
    if ((bitmap >> BigInt(bit)) & 1n) names.push(SEGMENTS[bit] ?? `#${bit}`);
  }
  return names;
}

export function segmentsToBitmap(names: readonly SegmentName[]): bigint {
  return names.reduce((bitmap, name) => bitmap | (1n << BigInt(bitByName.get(name)!)), 0n);
}
