import { isIP } from "node:net";

/**
 * What an IP address is, for deciding whether a member-published URL may be fetched:
 * - `public`: globally routable unicast; always allowed.
 * - `loopback`, `private` (RFC 1918, CGNAT 100.64/10, ULA fc00::/7, NAT64 local-use), `link-local`
 *   (169.254/16, fe80::/10): allowed only with `allowPrivateNetworks` (the local demo, tests).
 * - `metadata` (169.254.169.254, fd00:ec2::254: cloud instance metadata, which hands out
 *   credentials), `unspecified`, `multicast`, `reserved` (documentation, benchmarking, 240/4,
 *   Teredo, deprecated site-local, anything outside 2000::/3 …): never allowed, except through an
 *   explicit `allowedNetworks` entry.
 */
export type AddressCategory =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

/** Categories `allowPrivateNetworks` lets through (never metadata, multicast, unspecified or reserved). */
export const PRIVATE_NETWORK_CATEGORIES: ReadonlySet<AddressCategory> = new Set([
  "loopback",
  "private",
  "link-local",
]);

/** An IPv4 address as a 32-bit unsigned integer (dotted quad only: the URL parser normalises the rest). */
function ipv4Number(ip: string): number {
  const parts = ip.split(".").map(Number);
  return ((parts[0] << 24) | (parts[1] << 16) | (parts[2] << 8) | parts[3]) >>> 0;
}

function inV4(n: number, base: string, prefix: number): boolean {
  if (prefix === 0) return true;
  const mask = (0xffffffff << (32 - prefix)) >>> 0;
  return (n & mask) >>> 0 === (ipv4Number(base) & mask) >>> 0;
}

function classifyIPv4(ip: string): AddressCategory {
  const n = ipv4Number(ip);
  if (n === ipv4Number("169.254.169.254")) return "metadata";
  if (inV4(n, "0.0.0.0", 8)) return "unspecified";
  if (inV4(n, "127.0.0.0", 8)) return "loopback";
  if (inV4(n, "10.0.0.0", 8) || inV4(n, "172.16.0.0", 12) || inV4(n, "192.168.0.0", 16)) return "private";
  if (inV4(n, "100.64.0.0", 10)) return "private";
  if (inV4(n, "169.254.0.0", 16)) return "link-local";
  if (inV4(n, "224.0.0.0", 4)) return "multicast";
  if (
    inV4(n, "240.0.0.0", 4) || // reserved, and 255.255.255.255 broadcast
    inV4(n, "192.0.0.0", 24) || // IETF protocol assignments
    inV4(n, "192.0.2.0", 24) ||
    inV4(n, "198.51.100.0", 24) ||
    inV4(n, "203.0.113.0", 24) || // documentation
    inV4(n, "198.18.0.0", 15) || // benchmarking
    inV4(n, "192.88.99.0", 24) // 6to4 relay anycast
  )
    return "reserved";
  return "public";
}

/** The 16 bytes of an IPv6 address (`::`, an embedded dotted quad and a zone id allowed). */
export function ipv6Bytes(ip: string): Uint8Array {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  let text = bare;
  const tail: number[] = [];
  const quad = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (quad) {
    const n = ipv4Number(quad[1]);
    tail.push((n >>> 16) & 0xffff, n & 0xffff);
    text = text.slice(0, -quad[1].length);
    if (text.endsWith(":") && !text.endsWith("::")) text = text.slice(0, -1);
  }
  const groups = (s: string) => (s === "" ? [] : s.split(":").map((g) => Number.parseInt(g, 16)));
  let words: number[];
  const gap = text.indexOf("::");
  if (gap >= 0) {
    const head = groups(text.slice(0, gap));
    const rest = groups(text.slice(gap + 2));
    const fill = 8 - head.length - rest.length - tail.length;
    words = [...head, ...Array(Math.max(0, fill)).fill(0), ...rest, ...tail];
  } else words = [...groups(text), ...tail];
  const bytes = new Uint8Array(16);
  words.slice(0, 8).forEach((w, i) => {
    bytes[2 * i] = (w >> 8) & 0xff;
    bytes[2 * i + 1] = w & 0xff;
  });
  return bytes;
}

function startsWith(bytes: Uint8Array, prefix: number[], bits: number): boolean {
  for (let bit = 0; bit < bits; bit += 8) {
    const i = bit / 8;
    const take = Math.min(8, bits - bit);
    const mask = (0xff << (8 - take)) & 0xff;
    if ((bytes[i] & mask) !== ((prefix[i] ?? 0) & mask)) return false;
  }
  return true;
}

function embeddedIPv4(bytes: Uint8Array, at: number): string {
  return `${bytes[at]}.${bytes[at + 1]}.${bytes[at + 2]}.${bytes[at + 3]}`;
}

function classifyIPv6(ip: string): AddressCategory {
  const b = ipv6Bytes(ip);
  const zero = (from: number, to: number) => b.slice(from, to).every((x) => x === 0);
  if (zero(0, 16)) return "unspecified";
  if (zero(0, 15) && b[15] === 1) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-translated ::ffff:0:a.b.c.d, IPv4-compatible ::a.b.c.d and
  // NAT64 64:ff9b::a.b.c.d reach the IPv4 address they embed: judged as that address.
  if (zero(0, 10) && b[10] === 0xff && b[11] === 0xff) return classifyIPv4(embeddedIPv4(b, 12));
  if (zero(0, 8) && b[8] === 0xff && b[9] === 0xff && zero(10, 12)) return classifyIPv4(embeddedIPv4(b, 12));
  if (zero(0, 12)) return classifyIPv4(embeddedIPv4(b, 12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b], 32) && zero(4, 12)) return classifyIPv4(embeddedIPv4(b, 12));
  if (startsWith(b, [0x00, 0x64, 0xff, 0x9b, 0x00, 0x01], 48)) return "private"; // NAT64 local use
  // 6to4 2002:a.b.c.d::/48 tunnels to the IPv4 address it embeds.
  if (startsWith(b, [0x20, 0x02], 16)) return classifyIPv4(embeddedIPv4(b, 2));
  if (ipv6Equal(b, "fd00:ec2::254")) return "metadata";
  if (startsWith(b, [0xff], 8)) return "multicast";
  if (startsWith(b, [0xfe, 0x80], 10)) return "link-local";
  if (startsWith(b, [0xfe, 0xc0], 10)) return "reserved"; // deprecated site-local
  if (startsWith(b, [0xfc], 7)) return "private"; // unique local fc00::/7
  if (startsWith(b, [0x20, 0x01, 0x0d, 0xb8], 32)) return "reserved"; // documentation
  if (startsWith(b, [0x20, 0x01, 0x00, 0x00], 32)) return "reserved"; // Teredo
  if (startsWith(b, [0x20, 0x01, 0x00], 23)) return "reserved"; // IETF protocol assignments 2001::/23
  if (!startsWith(b, [0x20], 3)) return "reserved"; // only 2000::/3 is global unicast
  return "public";
}

function ipv6Equal(bytes: Uint8Array, other: string): boolean {
  const o = ipv6Bytes(other);
  return bytes.every((x, i) => x === o[i]);
}

/**
 * The category of an IP address literal (IPv4 dotted quad or IPv6, brackets and zone id allowed).
 * Anything that is not an IP address is `reserved`, so an unparsable answer is never fetched.
 *
 * @example
 * classifyAddress("::ffff:127.0.0.1") // "loopback"
 * classifyAddress("169.254.169.254")  // "metadata"
 * classifyAddress("93.184.215.14")    // "public"
 */
export function classifyAddress(ip: string): AddressCategory {
  const bare = ip.replace(/^\[|\]$/g, "").replace(/%.*$/, "");
  const family = isIP(bare);
  if (family === 4) return classifyIPv4(bare);
  if (family === 6) return classifyIPv6(bare);
  return "reserved";
}

/** An IPv4 CIDR, an IPv6 CIDR or a single address, e.g. "10.20.0.0/16", "fd12::/64", "10.0.0.7". */
export interface NetworkRange {
  family: 4 | 6;
  bytes: Uint8Array;
  prefix: number;
}

/** Parses `10.0.0.0/8`, `fd00::/8` or a bare address; throws a RangeError for anything else. */
export function parseNetworkRange(cidr: string): NetworkRange {
  const [address, prefixText] = cidr.trim().split("/", 2);
  const family = isIP(address);
  if (family === 0) throw new RangeError(`${cidr} is not an IP address or CIDR range`);
  const max = family === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText ?? String(max)) || prefix > max)
    throw new RangeError(`${cidr}: the prefix length must be 0–${max}`);
  return { family: family === 4 ? 4 : 6, bytes: addressBytes(address), prefix };
}

function addressBytes(ip: string): Uint8Array {
  if (isIP(ip) === 4) {
    const n = ipv4Number(ip);
    return new Uint8Array([n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff]);
  }
  return ipv6Bytes(ip);
}

/** Whether `ip` lies in `range` (an IPv4-mapped IPv6 address is matched as its IPv4 address). */
export function inNetworkRange(ip: string, range: NetworkRange): boolean {
  let bytes = addressBytes(ip);
  if (bytes.length === 16 && range.family === 4 && bytes.slice(0, 10).every((x) => x === 0)) {
    if (bytes[10] === 0xff && bytes[11] === 0xff) bytes = bytes.slice(12);
  }
  if (bytes.length !== range.bytes.length) return false;
  return startsWith(bytes, [...range.bytes], range.prefix);
}
