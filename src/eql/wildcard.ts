/**
 * Whole-value wildcard matching with Elasticsearch's semantics (spec rows 8-11):
 * `*` is any run of code points (crossing `/` and newlines), `?` exactly one Unicode code point,
 * every other character literal; there is no escape. Case-insensitive means ASCII folding only.
 *
 * Values come from logs an attacker writes (a command line can be hundreds of KB), so matching
 * must never backtrack per star: patterns without `?` become prefix/suffix checks plus ordered
 * native `indexOf` searches (leftmost placement of each middle segment is optimal, so one pass);
 * patterns with `?` use the greedy two-pointer glob that only ever retries from the last star,
 * which is O(value length x longest segment). `*a*a*a*a*a*a*a*a*b*` on 300 KB takes well under 1 ms.
 */

const NON_ASCII = /[^\x00-\x7f]/;
const CHUNK = 8192;

/**
 * ASCII-only lower-casing: A-Z -> a-z, every other UTF-16 unit unchanged (lone surrogates too).
 * Returns `s` itself when nothing changes. Cost is linear with a small constant whatever the
 * value: an all-ASCII string goes through the native toLowerCase (which folds only A-Z there);
 * otherwise the units are folded into a buffer and turned back into text in chunks. (A regex
 * replace per run of capitals, the previous way, took 25 ms on a 300 KB value of alternating
 * case: an attacker's command line must not cost that per rule.)
 */
export function asciiLower(s: string): string {
  const n = s.length;
  let i = 0;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
  }
  if (i === n) return s;
  if (!NON_ASCII.test(s)) return s.toLowerCase();
  const units = new Uint16Array(n);
  for (let j = 0; j < n; j++) {
    const c = s.charCodeAt(j);
    units[j] = c >= 65 && c <= 90 ? c | 0x20 : c;
  }
  let out = "";
  for (let j = 0; j < n; j += CHUNK) {
    out += String.fromCharCode.apply(null, units.subarray(j, Math.min(n, j + CHUNK)) as unknown as number[]);
  }
  return out;
}

/** ASCII case-insensitive equality of `value` with an already ASCII-lower-cased `lower`. */
export function asciiEqualsLower(value: string, lower: string): boolean {
  const n = lower.length;
  if (value.length !== n) return false;
  for (let i = 0; i < n; i++) {
    let c = value.charCodeAt(i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

/** Does `value` at `at` start with `lower` (already lower-cased), ASCII case-insensitively. */
function regionEqualsLower(value: string, at: number, lower: string): boolean {
  const n = lower.length;
  if (at < 0 || at + n > value.length) return false;
  for (let i = 0; i < n; i++) {
    let c = value.charCodeAt(at + i);
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower.charCodeAt(i)) return false;
  }
  return true;
}

export function hasWildcard(pattern: string): boolean {
  return pattern.includes("*") || pattern.includes("?");
}

export type StringTest = (value: string) => boolean;

const isHigh = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;
const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

/** Width in UTF-16 units of the code point starting at `i` (a lone surrogate is its own code point). */
function cpWidth(s: string, i: number): number {
  return isHigh(s.charCodeAt(i)) && i + 1 < s.length && isLow(s.charCodeAt(i + 1)) ? 2 : 1;
}

/**
 * Compiles `pattern` into a whole-value matcher. With `caseInsensitive`, ASCII letters match
 * either case; nothing else folds (`É` never matches `é`).
 */
export function compileWildcard(pattern: string, caseInsensitive: boolean): StringTest {
  const pat = caseInsensitive ? asciiLower(pattern) : pattern;
  if (!hasWildcard(pat)) {
    return caseInsensitive ? (v) => asciiEqualsLower(v, pat) : (v) => v === pat;
  }
  if (pat.includes("?")) return compileGeneral(pat, caseInsensitive);

  // Star-only pattern: first segment is a prefix, last a suffix, the middle ones in order.
  const segs = pat.split("*");
  const first = segs[0]!;
  const last = segs[segs.length - 1]!;
  const middle = segs.slice(1, -1).filter((s) => s.length > 0);
  const minLen = first.length + last.length + middle.reduce((a, s) => a + s.length, 0);

  if (middle.length === 0) {
    if (last === "") {
      if (first === "") return () => true;
      return caseInsensitive ? (v) => regionEqualsLower(v, 0, first) : (v) => v.startsWith(first);
    }
    if (first === "") {
      return caseInsensitive
        ? (v) => regionEqualsLower(v, v.length - last.length, last)
        : (v) => v.endsWith(last);
    }
    return caseInsensitive
      ? (v) =>
          v.length >= minLen &&
          regionEqualsLower(v, 0, first) &&
          regionEqualsLower(v, v.length - last.length, last)
      : (v) => v.length >= minLen && v.startsWith(first) && v.endsWith(last);
  }

  return (value) => {
    if (value.length < minLen) return false;
    if (caseInsensitive) {
      if (
        !regionEqualsLower(value, 0, first) ||
        !regionEqualsLower(value, value.length - last.length, last)
      ) {
        return false;
      }
    } else if (!value.startsWith(first) || !value.endsWith(last)) {
      return false;
    }
    // Search only the part between the prefix and the suffix, leftmost placement each time.
    const v = caseInsensitive ? asciiLower(value) : value;
    const limit = v.length - last.length;
    let pos = first.length;
    for (const seg of middle) {
      const at = v.indexOf(seg, pos);
      if (at < 0 || at + seg.length > limit) return false;
      pos = at + seg.length;
    }
    return true;
  };
}

/** Pattern items for the general matcher: a UTF-16 unit to match literally, `?` or `*`. */
const ANY_ONE = -1;
const STAR = -2;

function compileGeneral(pat: string, caseInsensitive: boolean): StringTest {
  const items: number[] = [];
  for (let i = 0; i < pat.length; i++) {
    const c = pat.charCodeAt(i);
    if (c === 42 /* * */) {
      if (items[items.length - 1] !== STAR) items.push(STAR);
    } else if (c === 63 /* ? */) items.push(ANY_ONE);
    else items.push(c);
  }
  const m = items.length;
  return (v) => {
    const n = v.length;
    let p = 0;
    let s = 0;
    let starP = -1;
    let starS = 0;
    while (s < n) {
      if (p < m) {
        const it = items[p]!;
        if (it === STAR) {
          starP = p++;
          starS = s;
          continue;
        }
        if (it === ANY_ONE) {
          s += cpWidth(v, s);
          p++;
          continue;
        }
        let c = v.charCodeAt(s);
        if (caseInsensitive && c >= 65 && c <= 90) c |= 0x20;
        if (c === it) {
          s++;
          p++;
          continue;
        }
      }
      if (starP < 0) return false;
      // Retry from the last star, which swallows one more code point; earlier stars never need
      // revisiting because the segments between stars are matched leftmost.
      p = starP + 1;
      starS += cpWidth(v, starS);
      s = starS;
    }
    while (p < m && items[p] === STAR) p++;
    return p === m;
  };
}

/** A deliberately simple reference matcher over code points (exponential; for tests on small inputs). */
export function referenceWildcard(pattern: string, value: string, caseInsensitive: boolean): boolean {
  const fold = (cp: number): number => (caseInsensitive && cp >= 65 && cp <= 90 ? cp | 0x20 : cp);
  const pat = Array.from(pattern, (ch) => ch.codePointAt(0)!);
  const val = Array.from(value, (ch) => ch.codePointAt(0)!);
  const rec = (i: number, j: number): boolean => {
    if (i === pat.length) return j === val.length;
    const c = pat[i]!;
    if (c === 42) {
      for (let k = j; k <= val.length; k++) if (rec(i + 1, k)) return true;
      return false;
    }
    if (j === val.length) return false;
    if (c === 63) return rec(i + 1, j + 1);
    return fold(c) === fold(val[j]!) && rec(i + 1, j + 1);
  };
  return rec(0, 0);
}
