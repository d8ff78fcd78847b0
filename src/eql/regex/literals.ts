/**
 * Substrings every value matching a pattern must contain, for the raw-bytes prefilter.
 *
 * Computed from the AST with facts that are sound by construction: for each sub-expression,
 * the exact string it matches (when it matches exactly one), a prefix and a suffix every match
 * has, and substrings every match contains. Concatenation adds the junction (suffix of the left
 * part + prefix of the right part); alternation keeps only what every branch guarantees;
 * anything optional, complemented or repeated zero times guarantees nothing. When in doubt a fact
 * is dropped, never guessed, so a record the prefilter skips can never match.
 *
 * With `caseInsensitive`, a position counts as a literal character when all the characters it
 * accepts fold to one ASCII-lower-case character, and the literals returned are ASCII-lower-case:
 * the prefilter must then search for them ASCII-case-insensitively.
 */

import type { RegexNode } from "./parse.ts";

/** Longest exact / prefix / suffix string tracked; longer ones are truncated (still sound). */
const MAX_FACT = 256;

interface Info {
  /** No value matches at all (the empty language). */
  readonly never: boolean;
  readonly exact: string | null;
  readonly prefix: string;
  readonly suffix: string;
  readonly req: readonly string[];
}

const NOTHING: Info = { never: false, exact: null, prefix: "", suffix: "", req: [] };
const NEVER: Info = { never: true, exact: null, prefix: "", suffix: "", req: [] };
const EMPTY_STRING: Info = { never: false, exact: "", prefix: "", suffix: "", req: [] };

function exactInfo(s: string): Info {
  if (s.length > MAX_FACT) {
    return { never: false, exact: null, prefix: s.slice(0, MAX_FACT), suffix: s.slice(-MAX_FACT), req: [] };
  }
  return { never: false, exact: s, prefix: s, suffix: s, req: [] };
}

const lowerAscii = (c: number): number => (c >= 65 && c <= 90 ? c + 32 : c);

/** The one character (folded when case-insensitive) every member of the set is, or null. */
function singleChar(ranges: readonly number[], ci: boolean): string | null {
  let only = -1;
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i]!;
    const hi = ranges[i + 1]!;
    if (hi - lo > 25) return null;
    for (let c = lo; c <= hi; c++) {
      const f = ci ? lowerAscii(c) : c;
      if (only === -1) only = f;
      else if (only !== f) return null;
    }
  }
  return only === -1 ? null : String.fromCodePoint(only);
}

function facts(i: Info): string[] {
  const out = [...i.req, i.prefix, i.suffix];
  if (i.exact !== null) out.push(i.exact);
  return out.filter((s) => s.length > 0);
}

function commonPrefix(a: string, b: string): string {
  let n = 0;
  while (n < a.length && n < b.length && a.charCodeAt(n) === b.charCodeAt(n)) n++;
  // Never split a surrogate pair: half a character is not a substring of the UTF-8 bytes.
  if (n > 0 && n < a.length && isLow(a.charCodeAt(n))) n--;
  return a.slice(0, n);
}

function commonSuffix(a: string, b: string): string {
  let n = 0;
  while (n < a.length && n < b.length && a.charCodeAt(a.length - 1 - n) === b.charCodeAt(b.length - 1 - n))
    n++;
  if (n > 0 && n < a.length && isLow(a.charCodeAt(a.length - n))) n--;
  return a.slice(a.length - n);
}

const isLow = (c: number): boolean => c >= 0xdc00 && c <= 0xdfff;

function truncPrefix(s: string): string {
  if (s.length <= MAX_FACT) return s;
  let n = MAX_FACT;
  if (isLow(s.charCodeAt(n))) n--;
  return s.slice(0, n);
}

function truncSuffix(s: string): string {
  if (s.length <= MAX_FACT) return s;
  let n = s.length - MAX_FACT;
  if (isLow(s.charCodeAt(n))) n++;
  return s.slice(n);
}

function concat(a: Info, b: Info): Info {
  if (a.never || b.never) return NEVER;
  const junction = a.suffix + b.prefix;
  const req = [...a.req, ...b.req];
  if (junction.length > 0) req.push(junction);
  if (a.exact !== null && b.exact !== null) {
    const e = exactInfo(a.exact + b.exact);
    return { ...e, req: e.exact === null ? [...req, e.prefix, e.suffix] : req };
  }
  const prefix = a.exact !== null ? truncPrefix(a.exact + b.prefix) : a.prefix;
  const suffix = b.exact !== null ? truncSuffix(a.suffix + b.exact) : b.suffix;
  return { never: false, exact: null, prefix, suffix, req };
}

function info(n: RegexNode, ci: boolean): Info {
  switch (n.k) {
    case "set": {
      if (n.ranges.length === 0) return NEVER;
      const c = singleChar(n.ranges, ci);
      return c === null ? NOTHING : exactInfo(c);
    }
    case "eps":
      return EMPTY_STRING;
    case "none":
      return NEVER;
    case "not":
      return NOTHING;
    case "cat": {
      let acc = EMPTY_STRING;
      for (const x of n.xs) acc = concat(acc, info(x, ci));
      return acc;
    }
    case "alt": {
      const branches = n.xs.map((x) => info(x, ci)).filter((b) => !b.never);
      if (branches.length === 0) return NEVER;
      const first = branches[0]!;
      let exact = first.exact;
      let prefix = first.prefix;
      let suffix = first.suffix;
      for (const b of branches) {
        if (exact !== b.exact) exact = null;
        prefix = commonPrefix(prefix, b.prefix);
        suffix = commonSuffix(suffix, b.suffix);
      }
      if (exact !== null) return exactInfo(exact);
      const others = branches.slice(1).map(facts);
      const req = facts(first).filter((cand) => others.every((fs) => fs.some((f) => f.includes(cand))));
      return { never: false, exact: null, prefix, suffix, req };
    }
    case "rep": {
      if (n.max === 0) return EMPTY_STRING;
      const x = info(n.x, ci);
      if (n.min === 0) return x.never ? EMPTY_STRING : NOTHING;
      if (x.never) return NEVER;
      if (x.exact !== null && n.min === n.max)
        return exactInfo(x.exact.repeat(Math.min(n.min, MAX_FACT + 1)));
      const req = [...x.req];
      if (x.exact !== null) {
        req.push(x.exact);
        // At least `min` copies in a row.
        req.push(truncPrefix(x.exact.repeat(Math.min(n.min, MAX_FACT + 1))));
      } else if (n.min >= 2) {
        const junction = x.suffix + x.prefix;
        if (junction.length > 0) req.push(junction);
      }
      return { never: false, exact: null, prefix: x.prefix, suffix: x.suffix, req };
    }
    case "and": {
      const a = info(n.a, ci);
      const b = info(n.b, ci);
      if (a.never || b.never) return NEVER;
      if (a.exact !== null) return { ...a, req: [...a.req, ...facts(b)] };
      if (b.exact !== null) return { ...b, req: [...b.req, ...facts(a)] };
      const req = [...facts(a), ...facts(b)];
      const prefix = a.prefix.startsWith(b.prefix)
        ? a.prefix
        : b.prefix.startsWith(a.prefix)
          ? b.prefix
          : null;
      const suffix = a.suffix.endsWith(b.suffix) ? a.suffix : b.suffix.endsWith(a.suffix) ? b.suffix : null;
      // Incompatible prefixes or suffixes: no string has both, the intersection is empty.
      if (prefix === null || suffix === null) return NEVER;
      return { never: false, exact: null, prefix, suffix, req };
    }
  }
}

/**
 * Maximal literals every match contains (longest first), or null when none can be derived (or
 * when nothing can match at all). Case-insensitive literals are ASCII-lower-case.
 */
export function requiredLiterals(ast: RegexNode, caseInsensitive: boolean): string[] | null {
  const i = info(ast, caseInsensitive);
  if (i.never) return null;
  // Elasticsearch sees a lone surrogate in a value as U+FFFD, which the raw value does not
  // contain: a literal is only kept up to and after any U+FFFD.
  const pieces = facts(i).flatMap((s) => s.split("\uFFFD"));
  const all = [...new Set(pieces.filter((s) => s.length > 0))].sort((a, b) => b.length - a.length);
  const kept: string[] = [];
  for (const s of all) if (!kept.some((k) => k.includes(s))) kept.push(s);
  return kept.length > 0 ? kept : null;
}
