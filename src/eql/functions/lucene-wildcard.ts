/**
 * Lucene's wildcard-query syntax (WildcardQuery.toAutomaton, and Elasticsearch's
 * AutomatonQueries.toCaseInsensitiveWildcardAutomaton for `case_insensitive`), which is what
 * `endsWith(field, "x")` and `stringContains(field, "x")` become in Elasticsearch: the wildcard
 * queries `*x` and `*x*`, built WITHOUT escaping the constant. So inside those constants `*` is
 * any run of code points, `?` exactly one code point, and `\` makes the next code point literal
 * (a trailing `\` is itself literal). Case-insensitive folding is ASCII only, as in those automata.
 *
 * Matching is linear-ish and never backtracks per star: segments between stars are placed
 * leftmost in order (optimal for `*`-separated literal segments), and a segment containing `?`
 * is matched by a per-position scan of that segment only.
 */
import { asciiLower } from "./java.ts";

/** A segment between stars: code points, with ANY for `?`. */
type Segment = readonly (string | typeof ANY)[];
const ANY = Symbol("any");

interface Parsed {
  readonly segments: Segment[];
  readonly leadingStar: boolean;
  readonly trailingStar: boolean;
}

function parse(pattern: string, fold: boolean): Parsed {
  const segments: Segment[] = [];
  let current: (string | typeof ANY)[] = [];
  let leadingStar = false;
  let trailingStar = false;
  const cps = Array.from(pattern);
  for (let i = 0; i < cps.length; i++) {
    const cp = cps[i]!;
    trailingStar = false;
    if (cp === "*") {
      if (i === 0) leadingStar = true;
      segments.push(current);
      current = [];
      trailingStar = true;
    } else if (cp === "?") {
      current.push(ANY);
    } else if (cp === "\\" && i + 1 < cps.length) {
      i++;
      current.push(fold ? asciiLower(cps[i]!) : cps[i]!);
    } else {
      current.push(fold ? asciiLower(cp) : cp);
    }
  }
  segments.push(current);
  return { segments, leadingStar, trailingStar };
}

/** Does `seg` match `value` at UTF-16 offset `at`; returns the end offset or -1. */
function matchAt(value: string, at: number, seg: Segment): number {
  let p = at;
  for (const t of seg) {
    if (p >= value.length) return -1;
    if (t === ANY) {
      const c = value.charCodeAt(p);
      p += c >= 0xd800 && c <= 0xdbff && p + 1 < value.length ? 2 : 1;
    } else {
      if (!value.startsWith(t, p)) return -1;
      p += t.length;
    }
  }
  return p;
}

function hasAny(seg: Segment): boolean {
  return seg.includes(ANY);
}

/** Leftmost match of `seg` in `value` at or after `from`: [start, end] or null. */
function find(value: string, from: number, seg: Segment): [number, number] | null {
  if (!hasAny(seg)) {
    const text = (seg as string[]).join("");
    const at = value.indexOf(text, from);
    return at < 0 ? null : [at, at + text.length];
  }
  for (let at = from; at <= value.length; at++) {
    const end = matchAt(value, at, seg);
    if (end >= 0) return [at, end];
  }
  return null;
}

/** Compile a Lucene wildcard pattern into a whole-value test. */
export function compileLuceneWildcard(pattern: string, caseInsensitive: boolean): (value: string) => boolean {
  const { segments, leadingStar, trailingStar } = parse(pattern, caseInsensitive);
  const first = segments[0]!;
  const last = segments[segments.length - 1]!;
  const middle = segments.slice(1, -1);
  const exact = segments.length === 1;
  return (raw: string): boolean => {
    const value = caseInsensitive ? asciiLower(raw) : raw;
    if (exact) return matchAt(value, 0, first) === value.length;
    // The first segment is anchored at the start (empty when the pattern starts with `*`).
    let pos = leadingStar ? 0 : matchAt(value, 0, first);
    if (pos < 0) return false;
    for (const seg of middle) {
      const hit = find(value, pos, seg);
      if (!hit) return false;
      pos = hit[1];
    }
    if (trailingStar) return true;
    // The last segment is anchored at the end: try every start from the right that is >= pos.
    if (!hasAny(last)) {
      const text = (last as string[]).join("");
      return value.length - text.length >= pos && value.endsWith(text);
    }
    for (let at = value.length; at >= pos; at--) {
      if (matchAt(value, at, last) === value.length) return true;
    }
    return false;
  };
}
