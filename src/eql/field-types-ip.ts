/**
 * IP addresses as Elasticsearch reads them: `InetAddresses.forString` / `parseCidr`
 * (server/src/main/java/org/elasticsearch/common/network/InetAddresses.java, the hand-written
 * parser of ES 8.x/9.x) and the 16-byte form Lucene's InetAddressPoint indexes, in which an IPv4
 * address is the IPv4-mapped IPv6 address ::ffff:a.b.c.d (so `10.0.0.1` and `::ffff:10.0.0.1` are
 * the same value, and an IPv4 CIDR matches both).
 *
 * Parsing rules kept from ES (all ASCII; anything else is not an address):
 * - IPv4 is exactly four decimal octets 0-255, no leading zeros (`01` is refused, `0` is fine);
 * - IPv6 has 8 hextets, or fewer with one `::`; a hextet is any number of hex digits whose value
 *   fits 16 bits; the last 32 bits may be written as a dotted quad (`::ffff:1.2.3.4`);
 * - a `%scope` suffix is ignored (an empty one is refused), also after an IPv4 address;
 * - ES accumulates digits in a Java int; its wrap-around on absurdly long digit runs is reproduced
 *   so that we accept exactly what it accepts.
 */

import { parseJavaLong } from "./functions/java.ts";

export interface ParsedIp {
  /** the 128-bit value (IPv4 as ::ffff:a.b.c.d). */
  readonly value: bigint;
  /** Java would give an Inet4Address (a plain or an IPv4-mapped address): 4 address bytes. */
  readonly v4: boolean;
}

const MAPPED_PREFIX = 0xffffn << 32n;
const MAPPED_MASK = ~0xffffffffn & ((1n << 128n) - 1n);

/** Byte values of a dotted quad, or null (ES `textToNumericFormatV4` with its int arithmetic). */
function parseV4(s: string, from: number, to: number): number[] | null {
  const bytes: number[] = [];
  let digits = 0; // a Java byte in ES
  let current = 0; // a Java int in ES
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === 46) {
      if (bytes.length >= 3 || digits === 0 || current > 255) return null;
      bytes.push(current & 0xff);
      current = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits !== 0 && current === 0) return null; // a leading zero
      current = (Math.imul(current, 10) + (c - 48)) | 0;
      digits = ((digits + 1) << 24) >> 24;
    } else {
      return null;
    }
  }
  if (bytes.length !== 3 || digits === 0 || current > 255) return null;
  bytes.push(current & 0xff);
  return bytes;
}

const HEX = "0123456789abcdef";

/** ES `textToNumericFormatV6`: the 128-bit value or null. */
function parseV6(s: string): bigint | null {
  const len = s.length;
  if (len < 2) return null;
  if (s.charCodeAt(0) === 58 && s.charCodeAt(1) !== 58) return null;
  if (s.charCodeAt(len - 1) === 58 && s.charCodeAt(len - 2) !== 58) return null;
  const hextets: number[] = [];
  let compressedAt = -1;
  let start = 0;
  let current = 0;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c === 58) {
      if (start === i) {
        if (compressedAt >= 0 && i !== 1) return null; // a second `::`
        compressedAt = hextets.length;
      } else {
        if (hextets.length >= 8 || current > 0xffff) return null;
        hextets.push(current & 0xffff);
        current = 0;
      }
      start = i + 1;
    } else {
      let d: number;
      if (c >= 48 && c <= 57) d = c - 48;
      else if (c >= 97 && c <= 102) d = c - 87;
      else if (c >= 65 && c <= 70) d = c - 55;
      else return null;
      current = (Math.imul(current, 16) + d) | 0;
    }
  }
  if (start < len) {
    if (hextets.length >= 8 || current > 0xffff) return null;
    hextets.push(current & 0xffff);
  }
  let words: number[];
  if (compressedAt >= 0) {
    if (hextets.length >= 8) return null;
    words = [
      ...hextets.slice(0, compressedAt),
      ...new Array<number>(8 - hextets.length).fill(0),
      ...hextets.slice(compressedAt),
    ];
  } else {
    if (hextets.length !== 8) return null;
    words = hextets;
  }
  let v = 0n;
  for (const w of words) v = (v << 16n) | BigInt(w);
  return v;
}

/** `InetAddresses.forString` + `InetAddress.getByAddress`: null where ES says "is not an IP string literal". */
export function parseIpAddress(input: string): ParsedIp | null {
  let length = input.length;
  let lastColon = -1;
  let hasDot = false;
  for (let i = 0; i < length; i++) {
    const c = input.charCodeAt(i);
    if (c >= 0x80) return null;
    if (c === 46) hasDot = true;
    else if (c === 58) {
      if (hasDot) return null;
      lastColon = i;
    } else if (c === 37) {
      if (i === length - 1) return null; // an empty scope id
      length = i;
      break;
    }
  }
  let value: bigint | null;
  if (lastColon >= 0) {
    let text = input.slice(0, length);
    if (hasDot) {
      const quad = parseV4(input, lastColon + 1, length);
      if (!quad) return null;
      const hex = (a: number, b: number): string => HEX[a >> 4]! + HEX[a & 15]! + HEX[b >> 4]! + HEX[b & 15]!;
      text = input.slice(0, lastColon + 1) + hex(quad[0]!, quad[1]!) + ":" + hex(quad[2]!, quad[3]!);
    }
    value = parseV6(text);
    if (value === null) return null;
    // Java turns an IPv4-mapped IPv6 address into an Inet4Address.
    return { value, v4: (value & MAPPED_MASK) === MAPPED_PREFIX };
  }
  if (!hasDot) return null;
  const quad = parseV4(input, 0, length);
  if (!quad) return null;
  value = MAPPED_PREFIX | BigInt(((quad[0]! << 24) | (quad[1]! << 16) | (quad[2]! << 8) | quad[3]!) >>> 0);
  return { value, v4: true };
}

/**
 * An address as the 128-bit value an `ip` field indexes (IPv4 mapped into ::ffff:0:0/96), or null
 * when Elasticsearch would not parse it (the value is then malformed for an `ip` field).
 */
export function parseIp(value: string): bigint | null {
  return parseIpAddress(value)?.value ?? null;
}

/** Order of two parsed addresses, as an `ip` field sorts them (unsigned 16-byte order). */
export function compareIp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface IpRange {
  readonly lower: bigint;
  readonly upper: bigint;
}

/** Java `Integer.parseInt` (optional sign, Character.digit digits, int range); null where it throws. */
function parseJavaInt(s: string): number | null {
  const v = parseJavaLong(s, 10);
  return v === null || v < -2147483648n || v > 2147483647n ? null : Number(v);
}

/**
 * One cidrMatch operand: `addr/prefix` (`InetAddresses.parseCidr`) or a single address. Returns
 * the inclusive range, or the message Elasticsearch fails the query with.
 */
export function parseIpRange(text: string): IpRange | string {
  if (!text.includes("/")) {
    const ip = parseIpAddress(text);
    if (!ip) return `'${text}' is not an IP string literal.`;
    return { lower: ip.value, upper: ip.value };
  }
  // Java's String.split("/") drops trailing empty fields: "10.0.0.0/8/" is two fields, "a//" one.
  const fields = text.split("/");
  while (fields.length > 0 && fields[fields.length - 1] === "") fields.pop();
  if (fields.length !== 2) return `Expected [ip/prefix] but was [${text}]`;
  const addressText = fields[0]!;
  const ip = parseIpAddress(addressText);
  if (!ip) return `'${addressText}' is not an IP string literal.`;
  if (addressText.includes(":") && ip.v4) {
    return `CIDR notation is not allowed with IPv6-mapped IPv4 address [${addressText} as it introduces ambiguity as to whether the prefix length should be interpreted as a v4 prefix length or a v6 prefix length`;
  }
  const prefix = parseJavaInt(fields[1]!);
  if (prefix === null) return `For input string: "${fields[1]}"`;
  const bits = ip.v4 ? 32 : 128;
  if (prefix < 0 || prefix > bits) {
    return `Illegal prefix length [${prefix}] in [${text}]. Must be 0-32 for IPv4 ranges, 0-128 for IPv6 ranges`;
  }
  const hostBits = BigInt(bits - prefix);
  const hostMask = (1n << hostBits) - 1n;
  return { lower: ip.value & ~hostMask, upper: ip.value | hostMask };
}

/**
 * How an `ip` doc value prints (Elasticsearch's DocValueFormat.IP / InetAddresses.toAddrString):
 * dotted quad for IPv4 (and IPv4-mapped) addresses, otherwise RFC 5952: lower-case hex, no
 * leading zeros, the longest run of two or more zero hextets (the leftmost on a tie) as `::`.
 */
export function formatIp(value: bigint): string {
  if ((value & MAPPED_MASK) === MAPPED_PREFIX) {
    const v = Number(value & 0xffffffffn);
    return `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
  }
  const words: number[] = [];
  for (let i = 7; i >= 0; i--) words.push(Number((value >> BigInt(i * 16)) & 0xffffn));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(":");
  if (bestLength < 2) return hex(words);
  return `${hex(words.slice(0, bestStart))}::${hex(words.slice(bestStart + bestLength))}`;
}
