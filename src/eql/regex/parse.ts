/**
 * Parser for Lucene's regular-expression syntax (org.apache.lucene.util.automaton.RegExp) exactly
 * as Elasticsearch runs it for EQL's `regex` / `regex~` on a field: the QL translator turns the
 * operator into a `regexp` query whose syntax flags are RegexpFlag.ALL (RegExp.ALL |
 * DEPRECATED_COMPLEMENT, so `~ & # @ <n-m>` are all operators) and whose match flag is
 * ASCII_CASE_INSENSITIVE for `regex~`.
 *
 * The recursive descent mirrors Lucene's grammar production by production, because Lucene's
 * quirks decide verdicts: a quantifier or `)` / `|` / `&` where an atom is expected is a LITERAL
 * character (`*a` is "*a", `(|a)` is "|a"), `^` and `$` are literals (matching is always of the
 * whole value), `"..."` is a quoted literal string, `\` escapes any non-letter, and a backslash
 * before a letter other than d D s S w W is an error.
 *
 * Positions are UTF-16 offsets into the pattern; the input is read by code points as Java's
 * String.codePointAt does (a surrogate pair is one character, a lone surrogate is itself).
 * Over 400 lines because it follows Lucene's RegExp grammar production by production, in one
 * recursive-descent parser, so each rule can be checked against Lucene's source side by side.
 */

import { RegexSyntaxError, RegexUnsupportedError } from "./errors.ts";

export const MAX_CODE_POINT = 0x10ffff;

/**
 * Regular-expression AST after Lucene's parse-time choices (case folding included), so every
 * later stage (automaton, literals, tests) works from one meaning.
 * `set.ranges` is a flat sorted list of disjoint, non-adjacent inclusive ranges [lo0, hi0, lo1, hi1, ...].
 */
export type RegexNode =
  | { readonly k: "set"; readonly ranges: readonly number[] }
  | { readonly k: "cat"; readonly xs: readonly RegexNode[] }
  | { readonly k: "alt"; readonly xs: readonly RegexNode[] }
  /** `max` -1 means unbounded. */
  | { readonly k: "rep"; readonly x: RegexNode; readonly min: number; readonly max: number }
  | { readonly k: "and"; readonly a: RegexNode; readonly b: RegexNode }
  | { readonly k: "not"; readonly x: RegexNode }
  /** The empty language `#`: matches nothing. */
  | { readonly k: "none" }
  /** The empty string: `()` or `""`. */
  | { readonly k: "eps" };

export interface RegexParseOptions {
  readonly caseInsensitive: boolean;
}

/**
 * Elasticsearch refuses a `regexp` query whose pattern is longer than the index setting
 * `index.max_regex_length` (default 1000, counted in UTF-16 units) before Lucene parses it.
 */
export const MAX_REGEX_LENGTH = 1000;

/** Repetition counts are expanded into copies; beyond this many the pattern is refused, not run. */
export const MAX_REPEAT = 1000;

const EPS: RegexNode = { k: "eps" };

export function setOf(ranges: number[]): RegexNode {
  return { k: "set", ranges: normalizeRanges(ranges) };
}

/** Sorts and merges a flat range list so sets compare and print canonically. */
export function normalizeRanges(ranges: readonly number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i + 1 < ranges.length; i += 2) pairs.push([ranges[i]!, ranges[i + 1]!]);
  pairs.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const out: number[] = [];
  for (const [lo, hi] of pairs) {
    const n = out.length;
    if (n > 0 && lo <= out[n - 1]! + 1) {
      if (hi > out[n - 1]!) out[n - 1] = hi;
    } else out.push(lo, hi);
  }
  return out;
}

/** ASCII-only alternate case, as Lucene 9's toCaseInsensitiveChar (code points <= 128 only). */
function asciiAlternate(cp: number): number {
  if (cp >= 65 && cp <= 90) return cp + 32;
  if (cp >= 97 && cp <= 122) return cp - 32;
  return cp;
}

const DIGIT: number[] = [48, 57];
const SPACE: number[] = [9, 10, 13, 13, 32, 32];
const WORD: number[] = [48, 57, 65, 90, 95, 95, 97, 122];

function complementRanges(ranges: readonly number[]): number[] {
  const norm = normalizeRanges(ranges);
  const out: number[] = [];
  let next = 0;
  for (let i = 0; i < norm.length; i += 2) {
    if (norm[i]! > next) out.push(next, norm[i]! - 1);
    next = norm[i + 1]! + 1;
  }
  if (next <= MAX_CODE_POINT) out.push(next, MAX_CODE_POINT);
  return out;
}

/** `\d \D \s \S \w \W` as Lucene defines them (ASCII classes; `\s` is tab, newline, CR, space). */
function predefined(letter: number): number[] | undefined {
  switch (letter) {
    case 100 /* d */:
      return DIGIT;
    case 68 /* D */:
      return complementRanges(DIGIT);
    case 115 /* s */:
      return SPACE;
    case 83 /* S */:
      return complementRanges(SPACE);
    case 119 /* w */:
      return WORD;
    case 87 /* W */:
      return complementRanges(WORD);
    default:
      return undefined;
  }
}

const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiDigit = (c: number): boolean => c >= 48 && c <= 57;

function describe(cp: number): string {
  if (cp >= 0x21 && cp <= 0x7e) return `\`${String.fromCodePoint(cp)}\``;
  return `U+${cp.toString(16).toUpperCase().padStart(4, "0")}`;
}

class Parser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly fold: boolean,
  ) {}

  parse(): RegexNode {
    if (this.s.length === 0) return EPS;
    const e = this.union();
    if (this.pos < this.s.length) {
      throw new RegexSyntaxError(
        `unexpected ${describe(this.cp())}: Lucene expects the end of the pattern here (an unmatched \`)\`?)`,
        this.pos,
      );
    }
    return e;
  }

  private more(): boolean {
    return this.pos < this.s.length;
  }

  private cp(): number {
    return this.s.codePointAt(this.pos)!;
  }

  private peek(chars: string): boolean {
    // Every character Lucene peeks for is ASCII, so comparing one UTF-16 unit is exact.
    return this.more() && chars.indexOf(this.s[this.pos]!) !== -1;
  }

  private match(c: number): boolean {
    if (this.more() && this.cp() === c) {
      this.pos += c > 0xffff ? 2 : 1;
      return true;
    }
    return false;
  }

  private next(what: string): number {
    if (!this.more()) throw new RegexSyntaxError(`unexpected end of pattern: expected ${what}`, this.pos);
    const c = this.cp();
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }

  private union(): RegexNode {
    const xs = [this.inter()];
    while (this.match(124 /* | */)) xs.push(this.inter());
    return xs.length === 1 ? xs[0]! : { k: "alt", xs };
  }

  private inter(): RegexNode {
    let e = this.concat();
    while (this.match(38 /* & */)) e = { k: "and", a: e, b: this.concat() };
    return e;
  }

  private concat(): RegexNode {
    // Lucene reads the first item before checking for `)`, `|` or `&`: there, they are literals.
    const xs = [this.repeat()];
    while (this.more() && !this.peek(")|&")) xs.push(this.repeat());
    return xs.length === 1 ? xs[0]! : { k: "cat", xs };
  }

  private repeat(): RegexNode {
    let e = this.compl();
    while (this.peek("?*+{")) {
      const at = this.pos;
      if (this.match(63 /* ? */)) e = { k: "rep", x: e, min: 0, max: 1 };
      else if (this.match(42 /* * */)) e = { k: "rep", x: e, min: 0, max: -1 };
      else if (this.match(43 /* + */)) e = { k: "rep", x: e, min: 1, max: -1 };
      else {
        this.pos++; // `{`
        const n = this.integer("an integer after `{`");
        let m = n;
        if (this.match(44 /* , */)) m = this.peek("0123456789") ? this.integer("an integer") : -1;
        if (!this.match(125 /* } */))
          throw new RegexSyntaxError("expected `}` to close the repetition", this.pos);
        if (m !== -1 && n > m) {
          throw new RegexSyntaxError(
            `invalid repetition range {${n},${m}}: the minimum exceeds the maximum`,
            at,
          );
        }
        if (n > MAX_REPEAT || m > MAX_REPEAT) {
          throw new RegexUnsupportedError(
            `repetition counts above ${MAX_REPEAT} are not supported (the pattern would be expanded into that many copies)`,
            at,
            "large repetition count",
          );
        }
        e = { k: "rep", x: e, min: n, max: m };
      }
    }
    return e;
  }

  private integer(what: string): number {
    const start = this.pos;
    while (this.peek("0123456789")) this.pos++;
    if (start === this.pos) throw new RegexSyntaxError(`expected ${what}`, this.pos);
    const text = this.s.slice(start, this.pos);
    // Java's Integer.parseInt: a value above 2^31-1 is a NumberFormatException, so ES refuses it.
    const n = Number(text);
    if (n > 2147483647) throw new RegexSyntaxError(`number ${text} is too large`, start);
    return n;
  }

  private compl(): RegexNode {
    if (this.match(126 /* ~ */)) return { k: "not", x: this.compl() };
    return this.charClass();
  }

  private charClass(): RegexNode {
    if (!this.match(91 /* [ */)) return this.simple();
    const negate = this.match(94 /* ^ */);
    const ranges = this.classItems();
    if (!this.match(93 /* ] */))
      throw new RegexSyntaxError("expected `]` to close the character class", this.pos);
    return setOf(negate ? complementRanges(ranges) : ranges);
  }

  /** Lucene's parseCharClasses: at least one item (so `[]]` is the class of `]`), up to `]`. */
  private classItems(): number[] {
    const out: number[] = [];
    do {
      const at = this.pos;
      if (this.match(92 /* \ */)) {
        if (this.more() && (this.cp() === 92 || isAsciiLetter(this.cp()))) {
          this.predefinedInto(out, at);
        } else {
          const c = this.next("a character after `\\`");
          // Lucene 10 reads an escaped character as a single member, never as the start of a
          // range; Lucene 9 (Elasticsearch 8) read `[\.-z]` as a range. Refuse the ambiguous form.
          if (this.more() && this.cp() === 45 /* - */) {
            throw new RegexUnsupportedError(
              "an escaped character followed by `-` inside `[...]` is a range in Elasticsearch 8 (Lucene 9) " +
                "but a literal `-` in Elasticsearch 9 (Lucene 10): escape the `-` or reorder the class",
              at,
              "escaped range start in a character class",
            );
          }
          out.push(c, c);
        }
      } else {
        const c = this.charExp();
        if (this.match(45 /* - */)) {
          const rangeAt = this.pos;
          const d = this.charExp();
          if (c > d) {
            throw new RegexSyntaxError(
              `invalid range ${describe(c)}-${describe(d)} in a character class: the start is after the end`,
              rangeAt - 1,
            );
          }
          // Lucene never case-folds a range, even for `regex~`: `[a-z]` does not match `A`.
          out.push(c, d);
        } else if (this.fold) {
          const alt = asciiAlternate(c);
          out.push(c, c);
          if (alt !== c) out.push(alt, alt);
        } else out.push(c, c);
      }
    } while (this.more() && !this.peek("]"));
    return out;
  }

  /** After a `\`, at a letter or a second `\`: a predefined class, the backslash itself, or an error. */
  private predefinedInto(out: number[], at: number): void {
    const c = this.cp();
    this.pos++;
    if (c === 92) {
      out.push(92, 92);
      return;
    }
    const cls = predefined(c);
    if (cls === undefined) {
      throw new RegexSyntaxError(
        `\`\\${String.fromCharCode(c)}\` is not a Lucene escape: only \\d \\D \\s \\S \\w \\W are classes, ` +
          "and a backslash before any other letter is an error (write the letter without `\\`)",
        at,
      );
    }
    out.push(...cls);
  }

  /** Lucene's parseCharExp: an optional `\`, then any one character. */
  private charExp(): number {
    this.match(92 /* \ */);
    return this.next("a character");
  }

  private simple(): RegexNode {
    const at = this.pos;
    if (this.match(46 /* . */)) return { k: "set", ranges: [0, MAX_CODE_POINT] };
    if (this.match(35 /* # */)) return { k: "none" };
    if (this.match(64 /* @ */))
      return { k: "rep", x: { k: "set", ranges: [0, MAX_CODE_POINT] }, min: 0, max: -1 };
    if (this.match(34 /* " */)) {
      const start = this.pos;
      while (this.more() && this.s[this.pos] !== '"') this.pos++;
      if (!this.match(34)) throw new RegexSyntaxError('expected `"` to close the quoted string', this.pos);
      return this.literal(this.s.slice(start, this.pos - 1));
    }
    if (this.match(40 /* ( */)) {
      if (this.match(41 /* ) */)) return EPS;
      const e = this.union();
      if (!this.match(41)) throw new RegexSyntaxError("expected `)` to close the group", this.pos);
      return e;
    }
    if (this.match(60 /* < */)) return this.interval(at);
    if (this.match(92 /* \ */)) {
      if (this.more() && (this.cp() === 92 || isAsciiLetter(this.cp()))) {
        const out: number[] = [];
        this.predefinedInto(out, at);
        return setOf(out);
      }
      return this.single(this.next("a character after `\\`"));
    }
    return this.single(this.next("a character"));
  }

  private single(c: number): RegexNode {
    if (this.fold) {
      const alt = asciiAlternate(c);
      if (alt !== c) return setOf([c, c, alt, alt]);
    }
    return { k: "set", ranges: [c, c] };
  }

  private literal(text: string): RegexNode {
    const xs: RegexNode[] = [];
    for (const ch of text) xs.push(this.single(ch.codePointAt(0)!));
    if (xs.length === 0) return EPS;
    return xs.length === 1 ? xs[0]! : { k: "cat", xs };
  }

  /** `<n-m>` numeric interval; `<name>` (no `-`) is a named automaton, which Elasticsearch never provides. */
  private interval(at: number): RegexNode {
    const start = this.pos;
    while (this.more() && this.s[this.pos] !== ">") this.pos++;
    if (!this.match(62 /* > */)) {
      throw new RegexSyntaxError("expected `>` to close `<...>` (write `\\<` for a literal `<`)", this.pos);
    }
    const body = this.s.slice(start, this.pos - 1);
    const dash = body.indexOf("-");
    if (dash === -1) {
      throw new RegexSyntaxError(
        `\`<${body}>\` is a named automaton, which Elasticsearch does not define (the query fails with "'${body}' not found"); ` +
          "write `\\<` for a literal `<`",
        at,
      );
    }
    const syntax = (): RegexSyntaxError =>
      new RegexSyntaxError(
        `\`<${body}>\` is not a numeric interval <min-max> (write \`\\<\` for a literal \`<\`)`,
        at,
      );
    if (dash === 0 || dash === body.length - 1 || dash !== body.lastIndexOf("-")) throw syntax();
    const smin = body.slice(0, dash);
    const smax = body.slice(dash + 1);
    let lo = javaParseInt(smin);
    let hi = javaParseInt(smax);
    if (lo === "unicode" || hi === "unicode") {
      throw new RegexUnsupportedError(
        `\`<${body}>\`: interval bounds written with non-ASCII digits are not supported`,
        at,
        "non-ASCII digits in a numeric interval",
      );
    }
    if (lo === undefined || hi === undefined) throw syntax();
    const digits = smin.length === smax.length ? smin.length : 0;
    if (lo > hi) [lo, hi] = [hi, lo];
    return decimalInterval(lo, hi, digits);
  }
}

/** Java's Integer.parseInt for the forms that matter: optional `+`, ASCII digits, no overflow. */
function javaParseInt(s: string): number | undefined | "unicode" {
  let i = 0;
  if (s[0] === "+") i = 1;
  if (i === s.length) return undefined;
  let n = 0;
  for (; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (!isAsciiDigit(c)) return /\p{Nd}/u.test(s) ? "unicode" : undefined;
    n = n * 10 + (c - 48);
    if (n > 2147483647) return undefined;
  }
  return n;
}

const digitSet = (lo: number, hi: number): RegexNode => ({ k: "set", ranges: [48 + lo, 48 + hi] });
const anyDigits = (n: number): RegexNode => (n === 0 ? EPS : { k: "rep", x: digitSet(0, 9), min: n, max: n });

/** Digit strings of length lo.length (= hi.length) between lo and hi, both included. */
function fixedRange(lo: string, hi: string): RegexNode {
  const n = lo.length;
  if (n === 0) return EPS;
  const a = lo.charCodeAt(0) - 48;
  const b = hi.charCodeAt(0) - 48;
  if (a === b) return cat([digitSet(a, a), fixedRange(lo.slice(1), hi.slice(1))]);
  const alts: RegexNode[] = [cat([digitSet(a, a), fixedRange(lo.slice(1), "9".repeat(n - 1))])];
  if (b - a > 1) alts.push(cat([digitSet(a + 1, b - 1), anyDigits(n - 1)]));
  alts.push(cat([digitSet(b, b), fixedRange("0".repeat(n - 1), hi.slice(1))]));
  return { k: "alt", xs: alts };
}

function cat(xs: RegexNode[]): RegexNode {
  const flat = xs.filter((x) => x.k !== "eps");
  if (flat.length === 0) return EPS;
  return flat.length === 1 ? flat[0]! : { k: "cat", xs: flat };
}

/**
 * Lucene's Automata.makeDecimalInterval: with `digits` > 0, exactly that many digits
 * (zero-padded); otherwise any digit string whose value is in [min, max], leading zeros allowed.
 */
export function decimalInterval(min: number, max: number, digits: number): RegexNode {
  if (digits > 0) return fixedRange(String(min).padStart(digits, "0"), String(max).padStart(digits, "0"));
  const parts: RegexNode[] = [];
  const minLen = String(min).length;
  const maxLen = String(max).length;
  for (let len = minLen; len <= maxLen; len++) {
    const lo = len === minLen ? min : 10 ** (len - 1);
    const hi = len === maxLen ? max : 10 ** len - 1;
    parts.push(fixedRange(String(lo), String(hi)));
  }
  const body = parts.length === 1 ? parts[0]! : { k: "alt" as const, xs: parts };
  return { k: "cat", xs: [{ k: "rep", x: digitSet(0, 0), min: 0, max: -1 }, body] };
}

/**
 * Parses `pattern` as Elasticsearch's `regexp` query does. Throws RegexSyntaxError (Elasticsearch
 * rejects the query) or RegexUnsupportedError (we refuse a construct we cannot evaluate exactly).
 */
export function parseLuceneRegex(pattern: string, options: RegexParseOptions): RegexNode {
  if (pattern.length > MAX_REGEX_LENGTH) {
    throw new RegexSyntaxError(
      `the pattern is ${pattern.length} characters long; Elasticsearch refuses regular expressions longer than ` +
        `${MAX_REGEX_LENGTH} (index.max_regex_length)`,
      MAX_REGEX_LENGTH,
    );
  }
  // Elasticsearch turns the pattern into UTF-8 bytes and back (a Term) before Lucene reads it,
  // so a lone surrogate in the pattern becomes U+FFFD, as it does in the indexed values.
  const wellFormed = pattern.replace(LONE_SURROGATE, "\uFFFD");
  return new Parser(wellFormed, options.caseInsensitive).parse();
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
