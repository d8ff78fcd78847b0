/**
 * Lucene's wildcard-query syntax (WildcardQuery.toAutomaton, and Elasticsearch's
 * AutomatonQueries.toCaseInsensitiveWildcardAutomaton for `case_insensitive`), which is what
 * `endsWith(field, "x")` and `stringContains(field, "x")` become in Elasticsearch: the wildcard
 * queries `*x` and `*x*`, built WITHOUT escaping the constant. So inside those constants `*` is
 * any run of code points, `?` exactly one code point, and `\` makes the next code point literal
 * (a trailing `\` is itself literal). Case-insensitive folding is ASCII only, as in those
 * automata, and an escaped code point is matched exactly even then (ES adds it with makeChar).
 *
 * Matching never backtracks per star: the segments between stars are placed leftmost in order
 * (optimal for star-separated segments), with native indexOf for segments of plain text.
 */
import { asciiLower } from "./java.ts";

const ANY = Symbol("any");
/** `exact` text is compared with the raw value even in case-insensitive mode (escaped code points). */
type Token = typeof ANY | { readonly text: string; readonly exact: boolean };
type Segment = readonly Token[];

function parse(pattern: string, fold: boolean): Segment[] {
  const segments: Segment[] = [];
  let current: Token[] = [];
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    if (cp === "*") {
      segments.push(current);
      current = [];
    } else if (cp === "?") {
      current.push(ANY);
    } else if (cp === "\\" && i + 1 < cps.length) {
      i++;
      pushText(current, cps[i]!, true);
    } else {
      pushText(current, fold ? asciiLower(cp) : cp, false);
    }
  }
  segments.push(current);
  return segments;
}

/** Literal code points in a row form one token, so that one startsWith/indexOf covers them. */
function pushText(seg: Token[], text: string, exact: boolean): void {
  const last = seg[seg.length - 1];
  if (last !== undefined && last !== ANY && last.exact === exact)
    seg[seg.length - 1] = { text: last.text + text, exact };
  else seg.push({ text, exact });
}

/** Shortest and longest UTF-16 length a segment can match (`?` is one or two units). */
function lengths(seg: Segment): [number, number] {
  let min = 0;
  let max = 0;
  for (const t of seg) {
    if (t === ANY) {
      min += 1;
      max += 2;
    } else {
      min += t.text.length;
      max += t.text.length;
    }
  }
  return [min, max];
}

interface Subject {
  readonly raw: string;
  /** same length as raw (ASCII folding never changes the length). */
  readonly folded: string;
}

/** Does `seg` match at UTF-16 offset `at`; returns the end offset or -1. */
function matchAt(s: Subject, at: number, seg: Segment): number {
  let p = at;
  for (const t of seg) {
    if (t === ANY) {
      if (p >= s.raw.length) return -1;
      const c = s.raw.charCodeAt(p);
      p += c >= 0xd800 && c <= 0xdbff && p + 1 < s.raw.length ? 2 : 1;
    } else {
      if (!(t.exact ? s.raw : s.folded).startsWith(t.text, p)) return -1;
      p += t.text.length;
    }
  }
  return p;
}

/** A segment of folded (or case-sensitive) text only: searchable with indexOf. */
function plainText(seg: Segment): string | null {
  let text = "";
  for (const t of seg) {
    if (t === ANY || t.exact) return null;
    text += t.text;
  }
  return text;
}

/** Leftmost match of `seg` at or after `from`: its end offset, or -1. */
function findEnd(s: Subject, from: number, seg: Segment): number {
  const text = plainText(seg);
  if (text !== null) {
    const at = s.folded.indexOf(text, from);
    return at < 0 ? -1 : at + text.length;
  }
  const head = seg[0];
  if (head !== undefined && head !== ANY) {
    // Jump between occurrences of the leading text instead of trying every position.
    const hay = head.exact ? s.raw : s.folded;
    for (let at = hay.indexOf(head.text, from); at >= 0; at = hay.indexOf(head.text, at + 1)) {
      const end = matchAt(s, at, seg);
      if (end >= 0) return end;
    }
    return -1;
  }
  for (let at = from; at <= s.raw.length; at++) {
    const end = matchAt(s, at, seg);
    if (end >= 0) return end;
  }
  return -1;
}

/** Compile a Lucene wildcard pattern into a whole-value test. */
export function compileLuceneWildcard(pattern: string, caseInsensitive: boolean): (value: string) => boolean {
  const segments = parse(pattern, caseInsensitive);
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  const lastText = plainText(last);
  const [lastMin, lastMax] = lengths(last);
  if (segments.length === 2 && first.length === 0 && lastText !== null) {
    // `*text` (what endsWith becomes): only the value's tail needs folding.
    return (raw) => {
      if (raw.length < lastText.length) return false;
      const tail = raw.slice(raw.length - lastText.length);
      return (caseInsensitive ? asciiLower(tail) : tail) === lastText;
    };
  }
  return (raw: string): boolean => {
    const s: Subject = { raw, folded: caseInsensitive ? asciiLower(raw) : raw };
    if (segments.length === 1) return matchAt(s, 0, first) === raw.length;
    // The first segment is anchored at the start (empty when the pattern starts with `*`).
    let pos = matchAt(s, 0, first);
    if (pos < 0) return false;
    for (const seg of middle) {
      pos = findEnd(s, pos, seg);
      if (pos < 0) return false;
    }
    // The last segment is anchored at the end, at or after pos.
    if (lastText !== null) return raw.length - lastText.length >= pos && s.folded.endsWith(lastText);
    // Only starts within the segment's possible lengths from the end can end exactly there.
    for (let at = raw.length - lastMin; at >= Math.max(pos, raw.length - lastMax); at--) {
      if (matchAt(s, at, last) === raw.length) return true;
    }
    return false;
  };
}
