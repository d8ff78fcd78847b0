/**
 * The value conversions of Elastic's ingest processors, as the SentinelOne pipeline uses them
 * (`convert` to long / string / ip, `date` with ISO8601 then epoch_millis, the quote-trimming
 * and command-line splitting scripts). Each returns `undefined`-or-value plus a failure flag
 * where the processor can fail, because a failed processor makes Elastic mark the document
 * `event.kind: pipeline_error`.
 */
import type { Scalar } from "./raw.ts";

export const FAILED: unique symbol = Symbol("conversion failed");
export type Failed = typeof FAILED;

/** Java's `Object.toString()` of a parsed JSON scalar (integers print without a fraction). */
function javaString(v: Scalar): string {
  return typeof v === "string" ? v : String(v);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** `convert` type long of one scalar: decimal (Long.parseLong) or 0x-hex (Long.decode). */
function longOf(v: Scalar): number | Failed {
  if (typeof v === "number") return Number.isSafeInteger(v) ? v : FAILED;
  if (typeof v === "boolean") return FAILED;
  const s = v;
  let big: bigint;
  if (/^[+-]?\d+$/.test(s)) big = BigInt(s);
  else if (/^-?0[xX][0-9a-fA-F]+$/.test(s)) big = s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
  else return FAILED;
  if (big < LONG_MIN || big > LONG_MAX) return FAILED;
  // Beyond 2^53 a JS number cannot hold the long exactly; such a pid or port is not real data.
  const n = Number(big);
  return Number.isSafeInteger(n) ? n : FAILED;
}

/** `convert` to long (lists element-wise); undefined for absent, FAILED when Elastic's would fail. */
export function toLong(v: Scalar | Scalar[] | undefined): number | number[] | undefined | Failed {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) return longOf(v);
  const out: number[] = [];
  for (const x of v) {
    const n = longOf(x);
    if (n === FAILED) return FAILED;
    out.push(n);
  }
  return out;
}

/** `convert` to string (lists element-wise). */
export function toStr(v: Scalar | Scalar[] | undefined): string | string[] | undefined {
  if (v === undefined) return undefined;
  return Array.isArray(v) ? v.map(javaString) : javaString(v);
}

const ISO =
  /^(\d{4,10})-(\d{2})-(\d{2})(?:T(\d{2})(?::(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?)?(Z|[+-]\d{2}(?::?\d{2})?)?$/;

function isoToMs(s: string): number | undefined {
  const m = ISO.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se, frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = h === undefined ? 0 : Number(h);
  const minute = mi === undefined ? 0 : Number(mi);
  const second = se === undefined ? 0 : Number(se);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = frac === undefined ? 0 : Math.floor(Number(`0.${frac}`) * 1000 + 1e-9);
  const t = new Date(0);
  t.setUTCFullYear(year, month - 1, day);
  t.setUTCHours(hour, minute, second, ms);
  if (t.getUTCDate() !== day) return undefined; // 31 April and the like
  let offset = 0;
  if (zone !== undefined && zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const digits = zone.slice(1).replace(":", "");
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return undefined;
    offset = sign * (oh * 60 + om) * 60_000;
  }
  return t.getTime() - offset;
}

const EPOCH_MILLIS = /^-?\d{1,19}(\.\d{1,6})?$/;

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`);
const pad3 = (n: number): string => (n < 10 ? `00${n}` : n < 100 ? `0${n}` : `${n}`);

/** Years 1000-9999 in epoch ms: the range where the arithmetic below equals toISOString(). */
const FAST_MIN_MS = -30610224000000;
const FAST_MAX_MS = 253402300799999;

/**
 * Epoch ms to `yyyy-MM-ddTHH:mm:ss.SSSZ`, as Date.prototype.toISOString() writes it, by civil-date
 * arithmetic (Hinnant's days-to-civil): about 4x cheaper than a Date per call, and a view holds
 * up to five dates.
 */
export function isoFromMs(ms: number): string {
  if (ms < FAST_MIN_MS || ms > FAST_MAX_MS) return new Date(ms).toISOString();
  const days = Math.floor(ms / 86400000);
  let rem = ms - days * 86400000;
  const h = Math.floor(rem / 3600000);
  rem -= h * 3600000;
  const mi = Math.floor(rem / 60000);
  rem -= mi * 60000;
  const sec = Math.floor(rem / 1000);
  const milli = rem - sec * 1000;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const d = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return `${y}-${pad2(m)}-${pad2(d)}T${pad2(h)}:${pad2(mi)}:${pad2(sec)}.${pad3(milli)}Z`;
}

/**
 * The `date` processor with formats [ISO8601, epoch_millis], output as Elastic writes it
 * (UTC, milliseconds, `Z`). ISO8601 needs `yyyy-MM-dd`, so a plain number is always epoch
 * milliseconds. Undefined when absent or "", FAILED when no format parses.
 */
export function toDate(v: unknown): string | undefined | Failed {
  if (v === undefined || v === null || v === "") return undefined;
  if (typeof v !== "string" && typeof v !== "number") return FAILED;
  // A JSON number cannot be ISO8601 (that needs yyyy-MM-dd): epoch milliseconds directly.
  if (typeof v === "number") {
    return Number.isFinite(v) && Math.abs(v) <= 8.64e15 ? isoFromMs(Math.trunc(v)) : FAILED;
  }
  const s = v;
  let ms = isoToMs(s);
  if (ms === undefined && EPOCH_MILLIS.test(s)) ms = Math.trunc(Number(s));
  if (ms === undefined || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return FAILED;
  return isoFromMs(ms);
}

function isIpv4(s: string): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (const p of parts) {
    // Leading zeros are refused (octal or decimal is ambiguous), as Elasticsearch's InetAddresses does.
    if (!/^\d{1,3}$/.test(p) || (p.length > 1 && p.startsWith("0")) || Number(p) > 255) return false;
  }
  return true;
}

function isIpv6(s: string): boolean {
  const pct = s.indexOf("%");
  const addr = pct >= 0 ? s.slice(0, pct) : s;
  if (pct >= 0 && pct === s.length - 1) return false;
  let groups = addr.split(":");
  let extra = 0;
  const last = groups[groups.length - 1]!;
  if (last.includes(".")) {
    if (!isIpv4(last)) return false;
    groups = groups.slice(0, -1);
    groups.push("0", "0");
    extra = 0;
  }
  const dbl = addr.indexOf("::");
  if (dbl !== addr.lastIndexOf("::")) return false;
  if (dbl >= 0) {
    const head = addr.slice(0, dbl);
    const tail = addr.slice(dbl + 2);
    const h = head === "" ? [] : head.split(":");
    let t = tail === "" ? [] : tail.split(":");
    if (t.length > 0 && t[t.length - 1]!.includes(".")) t = [...t.slice(0, -1), "0", "0"];
    for (const g of [...h, ...t]) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
    return h.length + t.length + extra <= 7;
  }
  if (groups.length !== 8) return false;
  for (const g of groups) if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return false;
  return true;
}

/** `convert` type ip: the value is kept as written when it is an IPv4 or IPv6 address. */
export function toIp(v: Scalar | Scalar[] | undefined): string | undefined | Failed {
  if (v === undefined) return undefined;
  if (typeof v !== "string") return FAILED;
  return v.includes(":") ? (isIpv6(v) ? v : FAILED) : isIpv4(v) ? v : FAILED;
}

export function isIp(s: string): boolean {
  return s.includes(":") ? isIpv6(s) : isIpv4(s);
}

/**
 * The pipeline's quote trim of `src.process.parent.cmdline` and `tgt.process.cmdline`: one pair
 * of surrounding double quotes is removed. A lone `"` makes Painless's substring throw.
 */
export function trimQuotes(v: string): string | Failed {
  if (!(v.startsWith('"') && v.endsWith('"'))) return v;
  if (v.length < 2) return FAILED;
  return v.slice(1, -1);
}
