import { shortAddress } from "./dom";

/** The mark beside a name another member also shows. */
export const DUPLICATE_MARK = "⚠";

/**
 * How the dashboard names a member everywhere: its chosen name with its short address, since
 * names are free text and two members may show the same one (then marked ⚠, as the API's
 * `duplicateName` says). A member without a name is its short address alone.
 *
 * @example
 * memberLabel({ address: "0x12ab…", name: "Northbank", duplicateName: true }) // "⚠ Northbank (0x12ab…9f3c)"
 */
export function memberLabel(member: { address: string; name: string; duplicateName?: boolean }): string {
  const short = shortAddress(member.address);
  const mark = member.duplicateName ? `${DUPLICATE_MARK} ` : "";
  return member.name === short ? `${mark}${short}` : `${mark}${member.name} (${short})`;
}

/** The tooltip of the duplicate mark. */
export const DUPLICATE_TITLE = "Another member shows the same name: tell them apart by their address";
