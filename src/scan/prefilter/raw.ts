/**
 * The byte-level prefilter: decides from a record's raw JSON bytes, without decoding or parsing
 * them, whether any rule could match it. `true` means "candidate: parse and evaluate".
 *
 * Sound for raw JSON, where a value's character may be written escaped:
 * - literals are searched in their canonical JSON spelling (`"` as `\"`, `\` as `\\`, control
 *   characters as `\n`-style or `\u00XX`), UTF-8 encoded;
 * - any other spelling needs a `\uXXXX` escape or `\/`: a record holding a real escape (an odd
 *   run of backslashes before `u` or `/`) whose character occurs in some literal (either case
 *   for case-insensitive ones) is a candidate; an undecodable `\u` escape is a candidate too.
 * Case-insensitive search stays on bytes, without folding the record: a short window of the
 * literal with few letters (the anchor, e.g. `.d/` in `/etc/networkmanager/dispatcher.d/`) is
 * searched in each of its ASCII case variants with the native Buffer.indexOf, and every hit is
 * compared in place, ASCII case-insensitively, with the whole literal. Literals that are mostly
 * letters (no window with at most one letter more than non-letters) fall back to folding: OR-ing
 * 0x20 into every byte maps A-Z onto a-z (and a few other bytes onto each other, which only adds
 * candidates), 4 bytes at a time, then a search for the folded literal
 * (docs/performance.md: a case-insensitive RegExp over strings was ~3x slower than
 * gunzip; byte search hides behind it). No string conversion, no regular expressions.
 */
import type { PrefilterLiteral } from "../../eql/index.ts";

export interface RawPrefilter {
  /** True when the record in `buf[start, end)` may match some rule (it must then be parsed). */
  test(buf: Uint8Array, start: number, end: number): boolean;
  /**
   * The same verdicts as test() for the records of one buffer, with the searches shared: each
   * literal is searched once per occurrence across the buffer instead of once per record (the
   * per-call cost of Buffer.indexOf dominates on ~2 KB records). The buffer's bytes must not
   * change while the returned function is used. Records are best tested in increasing `start`
   * order (an earlier `start` only restarts the searches, so any order is still sound).
   */
  forBuffer(buf: Uint8Array): (start: number, end: number) => boolean;
  /** True when every record is a candidate (some rule has no literal set). */
  readonly acceptsAll: boolean;
  /** True when no record can match (no rules, or only rules that cannot match). */
  readonly rejectsAll: boolean;
}

const BACKSLASH = 0x5c;
const ESC_U = Buffer.from("\\u");
const ESC_SLASH = Buffer.from("\\/");

/** The literal as JSON.stringify spells it inside a string (without quotes), UTF-8 encoded. */
export function canonicalJsonBytes(text: string): Buffer {
  return Buffer.from(JSON.stringify(text).slice(1, -1), "utf8");
}

function foldBytes(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i]! | 0x20;
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

const yes = (): boolean => true;
const no = (): boolean => false;
const ALWAYS: RawPrefilter = { test: yes, forBuffer: () => yes, acceptsAll: true, rejectsAll: false };
const NEVER: RawPrefilter = { test: no, forBuffer: () => no, acceptsAll: false, rejectsAll: true };

/**
 * A prefilter for a set of rules: `literalSets[i]` is rule i's CompiledQuery.prefilter. A record
 * is a candidate when it may contain a literal of any rule; a rule with `null` makes every record
 * a candidate.
 */
/** ASCII lower-casing of UTF-8 bytes (A-Z only). */
function lowerBytes(b: Buffer): Buffer {
  const out = Buffer.from(b);
  for (let i = 0; i < out.length; i++) if (out[i]! >= 65 && out[i]! <= 90) out[i] = out[i]! | 0x20;
  return out;
}

const isLower = (c: number): boolean => c >= 97 && c <= 122;

/** A case-insensitive literal: searched through the case variants of a short anchor, verified in place. */
interface CaseInsensitiveLiteral {
  /** The literal's JSON spelling, ASCII lower-cased. */
  readonly lower: Buffer;
  /** Every ASCII case variant of `lower[anchorAt, anchorAt + anchorLength)`; null: fold instead. */
  readonly variants: readonly Buffer[] | null;
  readonly anchorAt: number;
  /** `lower` with every byte OR 0x20, for the folding fallback. */
  readonly folded: Buffer;
}

const MAX_ANCHOR_LETTERS = 3; // at most 2^3 = 8 indexOf passes per record

/**
 * Picks the anchor: a window of the literal with few letters (each letter doubles the variants
 * to search) and as long as possible (fewer false hits to verify); score = length - 2 x letters.
 */
function anchorOf(lower: Buffer): { at: number; len: number } | null {
  let best: { at: number; len: number; score: number } | null = null;
  const minLen = Math.min(3, lower.length);
  for (let at = 0; at < lower.length; at++) {
    let letters = 0;
    for (let len = 1; len <= Math.min(8, lower.length - at); len++) {
      if (isLower(lower[at + len - 1]!)) letters++;
      if (letters > MAX_ANCHOR_LETTERS) break;
      if (len < minLen) continue;
      const score = len - 2 * letters;
      if (best === null || score > best.score) best = { at, len, score };
    }
  }
  // Mostly letters (e.g. `sed`): 4-8 passes with short needles would cost more than folding.
  return best === null || best.score < -1 ? null : { at: best.at, len: best.len };
}

function caseVariants(bytes: Buffer): Buffer[] {
  let out = [Buffer.from(bytes)];
  for (let i = 0; i < bytes.length; i++) {
    if (!isLower(bytes[i]!)) continue;
    const upper = out.map((v) => {
      const w = Buffer.from(v);
      w[i] = w[i]! & ~0x20;
      return w;
    });
    out = out.concat(upper);
  }
  return out;
}

function makeCaseInsensitive(bytes: Buffer): CaseInsensitiveLiteral {
  const lower = lowerBytes(bytes);
  const anchor = anchorOf(lower);
  return {
    lower,
    variants: anchor === null ? null : caseVariants(lower.subarray(anchor.at, anchor.at + anchor.len)),
    anchorAt: anchor === null ? 0 : anchor.at,
    folded: foldBytes(lower),
  };
}

/** Does `rec[at, at + lower.length)` equal `lower` up to ASCII case? */
function equalsAsciiCi(rec: Buffer, at: number, lower: Buffer): boolean {
  const n = lower.length;
  if (at < 0 || at + n > rec.length) return false;
  for (let i = 0; i < n; i++) {
    let c = rec[at + i]!;
    if (c >= 65 && c <= 90) c |= 0x20;
    if (c !== lower[i]) return false;
  }
  return true;
}

export function createRawPrefilter(
  literalSets: readonly (readonly PrefilterLiteral[] | null)[],
): RawPrefilter {
  if (literalSets.some((s) => s === null)) return ALWAYS;
  const sensitive: Buffer[] = [];
  const insensitive: CaseInsensitiveLiteral[] = [];
  const seen = new Set<string>();
  // UTF-16 units an escape could spell and that would matter (in some literal, either case if CI).
  const units = new Uint8Array(65536);
  for (const set of literalSets) {
    for (const lit of set ?? []) {
      if (lit.text.length === 0) return ALWAYS; // an empty literal is in every record
      const key = `${lit.caseInsensitive ? "i" : "s"}:${lit.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bytes = canonicalJsonBytes(lit.text);
      if (lit.caseInsensitive) insensitive.push(makeCaseInsensitive(bytes));
      else sensitive.push(bytes);
      for (let i = 0; i < lit.text.length; i++) {
        const u = lit.text.charCodeAt(i);
        units[u] = 1;
        if (lit.caseInsensitive && ((u >= 65 && u <= 90) || (u >= 97 && u <= 122))) {
          units[u ^ 0x20] = 1;
        }
      }
    }
  }
  if (sensitive.length === 0 && insensitive.length === 0) return NEVER;
  const slashMatters = units[0x2f] === 1;
  const anyFold = insensitive.some((l) => l.variants === null);

  let scratch = Buffer.alloc(64 * 1024);
  let scratch32 = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >>> 2);
  let lastBuffer: ArrayBufferLike | null = null;
  let last32: Uint32Array | null = null;

  /** Folds `src[start, end)` into scratch at an offset with the same alignment; returns that offset. */
  const fold = (src: Uint8Array, start: number, end: number): number => {
    const len = end - start;
    if (scratch.length < len + 8) {
      scratch = Buffer.alloc(Math.max(len + 8, scratch.length * 2));
      scratch32 = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >>> 2);
    }
    const abs = src.byteOffset + start;
    const off = abs & 3; // scratch.byteOffset is 8-aligned (Buffer.alloc of a large size is unpooled)
    let i = 0;
    // Head bytes up to a 4-byte boundary of the source.
    const head = Math.min(len, (4 - off) & 3);
    for (; i < head; i++) scratch[off + i] = src[start + i]! | 0x20;
    const words = (len - i) >>> 2;
    if (words > 0) {
      if (src.buffer !== lastBuffer) {
        lastBuffer = src.buffer;
        last32 = new Uint32Array(src.buffer, 0, src.buffer.byteLength >>> 2);
      }
      const s32 = last32!;
      let si = (abs + i) >>> 2;
      let di = (off + i) >>> 2;
      const stop = si + words;
      while (si < stop) scratch32[di++] = s32[si++]! | 0x20202020;
      i += words << 2;
    }
    for (; i < len; i++) scratch[off + i] = src[start + i]! | 0x20;
    return off;
  };

  const view = (buf: Uint8Array, start: number, end: number): Buffer =>
    Buffer.isBuffer(buf)
      ? buf.subarray(start, end)
      : Buffer.from(buf.buffer, buf.byteOffset + start, end - start);

  /** Is the backslash at `p` an escape (an odd run of backslashes ends there)? */
  const isEscape = (rec: Buffer, p: number): boolean => {
    let q = p;
    while (q > 0 && rec[q - 1] === BACKSLASH) q--;
    return ((p - q) & 1) === 0;
  };

  /** Does the record hold a real `\u` escape of a unit that matters (or a `\/` when `/` matters)? */
  const escapeMatters = (rec: Buffer): boolean => {
    if (rec.indexOf(BACKSLASH) < 0) return false;
    const n = rec.length;
    for (let p = rec.indexOf(ESC_U); p >= 0; p = rec.indexOf(ESC_U, p + 1)) {
      if (!isEscape(rec, p)) continue;
      if (p + 5 >= n) return true;
      const h0 = hexValue(rec[p + 2]!);
      const h1 = hexValue(rec[p + 3]!);
      const h2 = hexValue(rec[p + 4]!);
      const h3 = hexValue(rec[p + 5]!);
      if ((h0 | h1 | h2 | h3) < 0) return true; // undecodable: let the parser decide
      if (units[(h0 << 12) | (h1 << 8) | (h2 << 4) | h3] === 1) return true;
    }
    if (slashMatters) {
      for (let p = rec.indexOf(ESC_SLASH); p >= 0; p = rec.indexOf(ESC_SLASH, p + 1)) {
        if (isEscape(rec, p)) return true;
      }
    }
    return false;
  };

  /** Case-insensitive search without folding the record: anchor variants, then an in-place check. */
  const findInsensitive = (rec: Buffer, lit: CaseInsensitiveLiteral): boolean => {
    const variants = lit.variants!;
    for (let v = 0; v < variants.length; v++) {
      const needle = variants[v]!;
      for (let p = rec.indexOf(needle); p >= 0; p = rec.indexOf(needle, p + 1)) {
        if (equalsAsciiCi(rec, p - lit.anchorAt, lit.lower)) return true;
      }
    }
    return false;
  };

  const foldedSearch = (rec: Buffer): boolean => {
    const off = fold(rec, 0, rec.length);
    const folded = scratch.subarray(off, off + rec.length);
    for (let k = 0; k < insensitive.length; k++) {
      const lit = insensitive[k]!;
      if (lit.variants === null && folded.indexOf(lit.folded) >= 0) return true;
    }
    return false;
  };

  // Needles for forBuffer(): searched over a whole buffer, lazily, shared by its records.
  // kind 0: a case-sensitive literal (a hit is a candidate); 1: an anchor variant (a hit must be
  // verified in place); 2: an escape sequence (a hit triggers the exact escape check).
  interface Needle {
    readonly bytes: Buffer;
    readonly kind: 0 | 1 | 2;
    readonly lit?: CaseInsensitiveLiteral;
  }
  const needles: Needle[] = [
    ...sensitive.map((bytes): Needle => ({ bytes, kind: 0 })),
    ...insensitive.flatMap((lit) => (lit.variants ?? []).map((bytes): Needle => ({ bytes, kind: 1, lit }))),
    { bytes: ESC_U, kind: 2 },
    ...(slashMatters ? [{ bytes: ESC_SLASH, kind: 2 } as Needle] : []),
  ];

  return {
    acceptsAll: false,
    rejectsAll: false,
    test(buf: Uint8Array, start: number, end: number): boolean {
      if (end <= start) return false;
      const rec = view(buf, start, end);
      for (let k = 0; k < sensitive.length; k++) if (rec.indexOf(sensitive[k]!) >= 0) return true;
      for (let k = 0; k < insensitive.length; k++) {
        const lit = insensitive[k]!;
        if (lit.variants !== null && findInsensitive(rec, lit)) return true;
      }
      if (anyFold && foldedSearch(rec)) return true;
      return escapeMatters(rec);
    },
    forBuffer(buf: Uint8Array): (start: number, end: number) => boolean {
      const raw = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
      const count = needles.length;
      // next[k]: first occurrence of needle k at or after from[k] (-1: none up to the buffer's end).
      const next = new Array<number>(count).fill(-1);
      const from = new Array<number>(count).fill(Number.POSITIVE_INFINITY);
      const seek = (k: number, at: number): number => {
        const p = raw.indexOf(needles[k]!.bytes, at);
        next[k] = p;
        from[k] = at;
        return p;
      };
      return (start, end) => {
        if (end <= start) return false;
        let escaped = false;
        for (let k = 0; k < count; k++) {
          const needle = needles[k]!;
          const len = needle.bytes.length;
          let p = next[k]!;
          // Reuse the remembered occurrence only when it was searched from at or before `start`
          // and lies at or after it; otherwise (first use, records out of order) search again.
          if (start < from[k]! || (p !== -1 && p < start)) p = seek(k, start);
          // Occurrences are in order: if the first one from `start` does not fit before `end`,
          // none does.
          while (p !== -1 && p + len <= end) {
            if (needle.kind === 0) return true;
            if (needle.kind === 2) {
              escaped = true;
              break;
            }
            const lit = needle.lit!;
            const at = p - lit.anchorAt;
            if (at >= start && at + lit.lower.length <= end && equalsAsciiCi(raw, at, lit.lower)) return true;
            p = seek(k, p + 1);
          }
        }
        if (!anyFold && !escaped) return false;
        const rec = raw.subarray(start, end);
        if (anyFold && foldedSearch(rec)) return true;
        return escaped && escapeMatters(rec);
      };
    },
  };
}
