/**
 * JSON escapes and the prefilter. Literals are searched in their canonical JSON spelling (what
 * JSON.stringify writes inside a string). A producer may spell any character otherwise, with
 * `\uXXXX` or `\/`, so a record holding such an escape is rewritten into the canonical spelling
 * before it is searched: every `\uXXXX` and `\/` becomes what JSON.stringify would write for the
 * same character, and everything else is copied. A substring of a decoded value then always
 * occurs, canonically spelt, in the rewritten bytes (JSON.stringify spells a string one code
 * unit - or one surrogate pair - at a time). Records without a backslash, the vast majority,
 * are searched as they are.
 */

const BACKSLASH = 0x5c;
const U = 0x75;
const SLASH = 0x2f;

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

/** Does `buf[start, end)` hold a real `\u` or `\/` escape (not the `u` or `/` after an escaped backslash)? */
export function hasRewritableEscape(buf: Uint8Array, start: number, end: number): boolean {
  // From backslash to backslash with the native indexOf (Windows paths hold many `\\`), within
  // the record only (past its last backslash, an unbounded search would read on into the chunk).
  const r = buf.subarray(start, end);
  const last = r.length - 1;
  for (let i = r.indexOf(BACKSLASH); i >= 0 && i < last; i = r.indexOf(BACKSLASH, i + 2)) {
    const c = r[i + 1]!;
    if (c === U || c === SLASH) return true;
    // `\\`, `\"`, `\n`, ...: the escaped character is skipped (i + 2)
  }
  return false;
}

const HEX = "0123456789abcdef";
const SHORT: Record<number, number> = { 8: 0x62, 9: 0x74, 10: 0x6e, 12: 0x66, 13: 0x72 };

/** Writes JSON.stringify's spelling of the code unit (or code point) `u` at out[o]; returns the new offset. */
function writeCanonical(out: Uint8Array, o: number, u: number): number {
  if (u === 0x22 || u === BACKSLASH) {
    out[o++] = BACKSLASH;
    out[o++] = u;
  } else if (u < 0x20) {
    out[o++] = BACKSLASH;
    const s = SHORT[u];
    if (s !== undefined) out[o++] = s;
    else {
      out[o++] = U;
      out[o++] = 0x30;
      out[o++] = 0x30;
      out[o++] = HEX.charCodeAt(u >> 4);
      out[o++] = HEX.charCodeAt(u & 15);
    }
  } else if (u < 0x80) {
    out[o++] = u;
  } else if (u < 0x800) {
    out[o++] = 0xc0 | (u >> 6);
    out[o++] = 0x80 | (u & 63);
  } else if (u >= 0xd800 && u <= 0xdfff) {
    // A lone surrogate: JSON.stringify writes it as a lower-case escape.
    out[o++] = BACKSLASH;
    out[o++] = U;
    for (let k = 12; k >= 0; k -= 4) out[o++] = HEX.charCodeAt((u >> k) & 15);
  } else if (u < 0x10000) {
    out[o++] = 0xe0 | (u >> 12);
    out[o++] = 0x80 | ((u >> 6) & 63);
    out[o++] = 0x80 | (u & 63);
  } else {
    out[o++] = 0xf0 | (u >> 18);
    out[o++] = 0x80 | ((u >> 12) & 63);
    out[o++] = 0x80 | ((u >> 6) & 63);
    out[o++] = 0x80 | (u & 63);
  }
  return o;
}

function unitAt(buf: Uint8Array, p: number, end: number): number {
  if (p + 6 > end || buf[p] !== BACKSLASH || buf[p + 1] !== U) return -1;
  const h0 = hexValue(buf[p + 2]!);
  const h1 = hexValue(buf[p + 3]!);
  const h2 = hexValue(buf[p + 4]!);
  const h3 = hexValue(buf[p + 5]!);
  if ((h0 | h1 | h2 | h3) < 0) return -1;
  return (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
}

/**
 * Rewrites `buf[start, end)` into `out` with every `\uXXXX` and `\/` in canonical spelling (see
 * the module comment). `out` needs `end - start` bytes: no rewrite is longer than its input.
 * Returns the length written, or -1 when an escape cannot be decoded (`\u` without four hex
 * digits): the parser will refuse such a record, so the caller need not search it.
 */
export function canonicaliseEscapes(buf: Uint8Array, start: number, end: number, out: Uint8Array): number {
  let o = 0;
  let i = start;
  while (i < end) {
    const b = buf[i]!;
    if (b !== BACKSLASH || i + 1 >= end) {
      out[o++] = b;
      i++;
      continue;
    }
    const c = buf[i + 1]!;
    if (c === SLASH) {
      out[o++] = SLASH;
      i += 2;
    } else if (c === U) {
      const u = unitAt(buf, i, end);
      if (u < 0) return -1;
      i += 6;
      if (u >= 0xd800 && u <= 0xdbff) {
        const lo = unitAt(buf, i, end);
        if (lo >= 0xdc00 && lo <= 0xdfff) {
          o = writeCanonical(out, o, 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
          i += 6;
          continue;
        }
      }
      o = writeCanonical(out, o, u);
    } else {
      out[o++] = b;
      out[o++] = c;
      i += 2;
    }
  }
  return o;
}
