import type { Queryable } from "../store/driver";
import { memberName, nameLookalikeKey } from "./format";

/** How the dashboard names a member. */
export interface MemberDisplayName {
  name: string;
  /**
   * Another member shows the same name (up to case, spacing and invisible characters): names are
   * chosen by the members themselves, so a second "Northbank" may be an impostor. The dashboard
   * marks both and always shows the short address beside the name.
   */
  duplicateName: boolean;
}

/**
 * Every member's display name, by lower-case address, with the duplicates flagged. One query over
 * `members` (address and profile URI), so a route that names a few members still compares them
 * with all.
 *
 * @example
 * const names = await loadDisplayNames(ctx.db);
 * names.get(address)?.duplicateName;
 */
export async function loadDisplayNames(db: Queryable): Promise<Map<string, MemberDisplayName>> {
  const rows = await db.query<{ address: string; uri: string | null }>("SELECT address, uri FROM members");
  const named = rows.map((r) => ({ address: r.address, name: memberName(r.uri, r.address) }));
  const holders = new Map<string, number>();
  for (const m of named) {
    const key = nameLookalikeKey(m.name);
    holders.set(key, (holders.get(key) ?? 0) + 1);
  }
  return new Map(
    named.map((m) => [
      m.address,
      { name: m.name, duplicateName: (holders.get(nameLookalikeKey(m.name)) ?? 0) > 1 },
    ]),
  );
}

/** The display name of one member from `loadDisplayNames`' answer (its short address if unknown). */
export function displayNameOf(names: Map<string, MemberDisplayName>, address: string): MemberDisplayName {
  return names.get(address) ?? { name: memberName(undefined, address), duplicateName: false };
}

/** The JSON schema properties of a display name, for routes that name members. */
export const displayNameProperties = {
  name: { type: "string", description: "Display name from the profile URI (chosen by the member)" },
  duplicateName: {
    type: "boolean",
    description: "Another member shows the same name: tell them apart by address",
  },
} as const;
