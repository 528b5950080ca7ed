/**
 * The shared catalogue of industries. On chain an industry is its `code` (uint16); people use
 * the `name`. Codes are stable: add new industries at the end, never renumber.
 */
export const INDUSTRIES = [
  { code: 1, name: "banking", label: "Banking" },
  { code: 2, name: "insurance", label: "Insurance" },
  { code: 3, name: "ecommerce", label: "E-commerce" },
  { code: 4, name: "local-services", label: "Classifieds & local services" },
  { code: 5, name: "content", label: "Short video & content" },
  { code: 6, name: "search", label: "Search" },
  { code: 7, name: "travel", label: "Travel" },
  { code: 8, name: "education", label: "Education" },
  { code: 9, name: "gaming", label: "Gaming" },
  { code: 10, name: "automotive", label: "Automotive" },
  { code: 11, name: "telecom", label: "Telecom" },
  { code: 12, name: "healthcare", label: "Healthcare" },
] as const;

export type Industry = (typeof INDUSTRIES)[number];
export type IndustryName = Industry["name"];

const byName = new Map<string, Industry>(INDUSTRIES.map((i) => [i.name, i]));
const byCode = new Map<number, Industry>(INDUSTRIES.map((i) => [i.code, i]));

export class UnknownIndustryError extends Error {
  override name = "UnknownIndustryError";
  constructor(readonly input: string) {
    super(`unknown industry "${input}": use one of ${INDUSTRIES.map((i) => i.name).join(", ")} or its code`);
  }
}

/** Resolves an industry given by name ("banking") or code ("1"). */
export function parseIndustry(input: string): Industry {
  const trimmed = input.trim().toLowerCase();
  const found = /^\d+$/.test(trimmed) ? byCode.get(Number(trimmed)) : byName.get(trimmed);
  if (!found) throw new UnknownIndustryError(input);
  return found;
}

export function industryByCode(code: number): Industry | undefined {
  return byCode.get(code);
}
