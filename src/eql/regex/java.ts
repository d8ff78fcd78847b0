/**
 * The other regex dialect Elasticsearch's EQL uses. `field regex "p"` on a field becomes a Lucene
 * `regexp` query (see parse.ts), but when the left side is not a field (a function result such
 * as `substring(command_line, 5) regex "p"`) the QL translator emits a script, and the script runs
 * java.util.regex: `Pattern.compile(p, caseInsensitive ? CASE_INSENSITIVE : 0).matcher(v).matches()`
 * (x-pack/plugin/ql RegexProcessor.RegexOperation.match).
 *
 * This parser accepts the part of Java's syntax whose meaning under matches() we reproduce
 * exactly, and produces the same AST as the Lucene parser so the same non-backtracking automaton
 * runs it. Everything else is refused by name (lookaround, backreferences, possessive
 * quantifiers, inline flags, anchors other than a leading `^` / trailing `$`, class
 * intersections and nesting, \b \p{..} \Q..\E and the rarer escapes).
 *
 * Java semantics kept: `.` is any code point except the line terminators \n \r \u0085 \u2028
 * \u2029; lazy quantifiers (`*?`) accept the same strings as greedy ones under matches();
 * `\d \s \w` are ASCII classes (`\s` = [ \t\n\x0B\f\r]); CASE_INSENSITIVE folds ASCII letters only,
 * in single characters AND in ranges and classes (unlike Lucene), before a class is negated.
 */

import { RegexSyntaxError, RegexUnsupportedError } from "./errors.ts";
import { MAX_CODE_POINT, MAX_REGEX_LENGTH, MAX_REPEAT, normalizeRanges, type RegexNode } from "./parse.ts";

const DIGIT = [48, 57];
const SPACE = [9, 13, 32, 32]; // \t \n \x0B \f \r and space
const WORD = [48, 57, 65, 90, 95, 95, 97, 122];
const DOT = [0, 9, 11, 12, 14, 0x84, 0x86, 0x2027, 0x202a, MAX_CODE_POINT];

function complement(ranges: readonly number[]): number[] {
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

/** Adds the other ASCII case of every ASCII letter in the set (Java's CASE_INSENSITIVE). */
function foldAscii(ranges: readonly number[]): number[] {
  const out = [...ranges];
  for (let i = 0; i < ranges.length; i += 2) {
    const lo = ranges[i]!;
    const hi = ranges[i + 1]!;
    const up0 = Math.max(lo, 65);
    const up1 = Math.min(hi, 90);
    if (up0 <= up1) out.push(up0 + 32, up1 + 32);
    const lo0 = Math.max(lo, 97);
    const lo1 = Math.min(hi, 122);
    if (lo0 <= lo1) out.push(lo0 - 32, lo1 - 32);
  }
  return normalizeRanges(out);
}

const isAsciiLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const isAsciiDigit = (c: number): boolean => c >= 48 && c <= 57;
const isHex = (c: number): boolean => isAsciiDigit(c) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);

class JavaParser {
  private pos = 0;
  constructor(
    private readonly s: string,
    private readonly fold: boolean,
  ) {}

  private more(): boolean {
    return this.pos < this.s.length;
  }
  private cp(): number {
    return this.s.codePointAt(this.pos)!;
  }
  private at(c: string): boolean {
    return this.s[this.pos] === c;
  }
  private take(): number {
    const c = this.cp();
    this.pos += c > 0xffff ? 2 : 1;
    return c;
  }
  private refuse(what: string, construct: string, at = this.pos): RegexUnsupportedError {
    return new RegexUnsupportedError(
      `${what} is not supported in a regex on a computed value (Elasticsearch evaluates it with java.util.regex)`,
      at,
      construct,
    );
  }

  parse(): RegexNode {
    let end = this.s.length;
    // matches() consumes the whole value: a leading `^` and a trailing unescaped `$` change nothing.
    if (this.at("^")) this.pos = 1;
    if (end > this.pos && this.s[end - 1] === "$" && !this.escaped(end - 1)) end--;
    const body = this.s.slice(0, end);
    const sub = new JavaParser(body, this.fold);
    sub.pos = this.pos;
    const e = sub.union();
    if (sub.pos < body.length) {
      throw new RegexSyntaxError("unmatched `)` (java.util.regex: Unmatched closing ')')", sub.pos);
    }
    return e;
  }

  /** Is the character at `i` preceded by an odd number of backslashes? */
  private escaped(i: number): boolean {
    let n = 0;
    for (let j = i - 1; j >= 0 && this.s[j] === "\\"; j--) n++;
    return n % 2 === 1;
  }

  private union(): RegexNode {
    const xs = [this.concat()];
    while (this.at("|")) {
      this.pos++;
      xs.push(this.concat());
    }
    return xs.length === 1 ? xs[0]! : { k: "alt", xs };
  }

  private concat(): RegexNode {
    const xs: RegexNode[] = [];
    while (this.more() && !this.at("|") && !this.at(")")) xs.push(this.repeat());
    if (xs.length === 0) return { k: "eps" };
    return xs.length === 1 ? xs[0]! : { k: "cat", xs };
  }

  private repeat(): RegexNode {
    let e = this.atom();
    for (;;) {
      const at = this.pos;
      let min: number;
      let max: number;
      if (this.at("*")) [min, max] = [0, -1];
      else if (this.at("+")) [min, max] = [1, -1];
      else if (this.at("?")) [min, max] = [0, 1];
      else if (this.at("{")) {
        const m = /^\{(\d+)(,(\d*))?\}/.exec(this.s.slice(this.pos));
        if (!m) throw this.refuse("a `{` that is not a repetition {n}, {n,} or {n,m}", "literal {", at);
        min = Number(m[1]);
        max = m[2] === undefined ? min : m[3] === "" ? -1 : Number(m[3]);
        if (max !== -1 && min > max) {
          throw new RegexSyntaxError(
            `invalid repetition {${m[1]}${m[2] ?? ""}}: the minimum exceeds the maximum`,
            at,
          );
        }
        if (min > MAX_REPEAT || max > MAX_REPEAT) {
          throw new RegexUnsupportedError(
            `repetition counts above ${MAX_REPEAT} are not supported`,
            at,
            "large repetition count",
          );
        }
        this.pos += m[0].length - 1;
      } else return e;
      this.pos++;
      if (this.at("+")) throw this.refuse("a possessive quantifier", "possessive quantifier");
      // A lazy quantifier accepts the same strings as the greedy one when the whole value must match.
      if (this.at("?")) this.pos++;
      e = { k: "rep", x: e, min, max };
      // java.util.regex rejects a quantifier on a quantifier (`a**`): refuse rather than guess.
      if (this.at("*") || this.at("+") || this.at("?") || this.at("{")) {
        throw this.refuse("a quantifier directly after a quantifier", "stacked quantifiers");
      }
    }
  }

  private set(ranges: number[]): RegexNode {
    return { k: "set", ranges: normalizeRanges(this.fold ? foldAscii(ranges) : ranges) };
  }

  private atom(): RegexNode {
    const at = this.pos;
    const c = this.s[this.pos]!;
    switch (c) {
      case "(": {
        this.pos++;
        if (this.at("?")) {
          if (this.s.startsWith("?:", this.pos)) this.pos += 2;
          else if (/^\?<[A-Za-z][A-Za-z0-9]*>/.test(this.s.slice(this.pos)))
            this.pos = this.s.indexOf(">", this.pos) + 1;
          else
            throw this.refuse("`(?` (lookaround, inline flags, atomic or named groups)", "special group", at);
        }
        const e = this.union();
        if (!this.at(")"))
          throw new RegexSyntaxError(
            "expected `)` to close the group (java.util.regex: Unclosed group)",
            this.pos,
          );
        this.pos++;
        return e;
      }
      case "[":
        return this.charClass();
      case ".":
        this.pos++;
        return { k: "set", ranges: DOT };
      case "^":
      case "$":
        throw this.refuse(`the anchor \`${c}\` inside the pattern`, "anchor");
      case "*":
      case "+":
      case "?":
        throw new RegexSyntaxError(
          `\`${c}\` has nothing to repeat (java.util.regex: Dangling meta character)`,
          at,
        );
      case "{":
        throw this.refuse("a `{` that is not a repetition {n}, {n,} or {n,m}", "literal {", at);
      case "\\": {
        return this.set(this.escape());
      }
      default: {
        const cp = this.take();
        return this.set([cp, cp]);
      }
    }
  }

  /** After `\`: the set of characters it stands for. */
  private escape(): number[] {
    const at = this.pos;
    this.pos++;
    if (!this.more()) throw new RegexSyntaxError("dangling `\\` at the end of the pattern", at);
    const c = this.cp();
    if (!isAsciiLetter(c) && !isAsciiDigit(c)) {
      this.take();
      return [c, c];
    }
    this.pos++;
    const ch = String.fromCharCode(c);
    switch (ch) {
      case "t":
        return [9, 9];
      case "n":
        return [10, 10];
      case "r":
        return [13, 13];
      case "f":
        return [12, 12];
      case "a":
        return [7, 7];
      case "e":
        return [27, 27];
      case "d":
        return DIGIT;
      case "D":
        return complement(DIGIT);
      case "s":
        return SPACE;
      case "S":
        return complement(SPACE);
      case "w":
        return WORD;
      case "W":
        return complement(WORD);
      case "x": {
        const m = /^[0-9A-Fa-f]{2}/.exec(this.s.slice(this.pos));
        if (!m) throw this.refuse("`\\x` other than \\xhh", "escape \\x", at);
        this.pos += 2;
        const v = Number.parseInt(m[0], 16);
        return [v, v];
      }
      case "u": {
        const h = this.s.slice(this.pos, this.pos + 4);
        if (h.length !== 4 || ![...h].every((d) => isHex(d.charCodeAt(0)))) {
          throw new RegexSyntaxError("`\\u` needs four hexadecimal digits", at);
        }
        this.pos += 4;
        const v = Number.parseInt(h, 16);
        if (v >= 0xd800 && v <= 0xdfff)
          throw this.refuse("a surrogate written as \\u", "surrogate escape", at);
        return [v, v];
      }
      default:
        throw this.refuse(`the escape \`\\${ch}\``, `escape \\${ch}`, at);
    }
  }

  private charClass(): RegexNode {
    const open = this.pos;
    this.pos++;
    const negate = this.at("^");
    if (negate) this.pos++;
    if (this.at("]")) throw this.refuse("`]` as the first member of a class", "] first in a class", this.pos);
    const out: number[] = [];
    for (;;) {
      if (!this.more())
        throw new RegexSyntaxError(
          "expected `]` to close the character class (java.util.regex: Unclosed character class)",
          open,
        );
      if (this.at("]")) {
        this.pos++;
        break;
      }
      if (this.at("[")) throw this.refuse("a nested class `[...[...]...]`", "nested class");
      if (this.s.startsWith("&&", this.pos))
        throw this.refuse("class intersection `&&`", "class intersection");
      const itemAt = this.pos;
      let lo: number[];
      if (this.at("\\")) lo = this.escape();
      else {
        const cp = this.take();
        lo = [cp, cp];
      }
      if (this.at("-") && this.s[this.pos + 1] !== "]" && this.pos + 1 < this.s.length) {
        if (lo.length !== 2 || lo[0] !== lo[1])
          throw this.refuse("a range starting at a class such as \\d", "class range", itemAt);
        this.pos++;
        let hi: number[];
        if (this.at("\\")) hi = this.escape();
        else if (this.at("[")) throw this.refuse("a nested class `[...[...]...]`", "nested class");
        else {
          const cp = this.take();
          hi = [cp, cp];
        }
        if (hi.length !== 2 || hi[0] !== hi[1])
          throw this.refuse("a range ending at a class such as \\d", "class range", itemAt);
        if (lo[0]! > hi[0]!)
          throw new RegexSyntaxError("illegal character range (the start is after the end)", itemAt);
        out.push(lo[0]!, hi[0]!);
      } else out.push(...lo);
    }
    // Java applies CASE_INSENSITIVE to each member, then negates the class.
    const members = this.fold ? foldAscii(out) : normalizeRanges(out);
    return { k: "set", ranges: negate ? complement(members) : members };
  }
}

/** Parses a java.util.regex pattern (the supported subset) for a whole-value matches(). */
export function parseJavaRegex(pattern: string, options: { readonly caseInsensitive: boolean }): RegexNode {
  if (pattern.length > MAX_REGEX_LENGTH * 10) {
    throw new RegexUnsupportedError(
      `patterns longer than ${MAX_REGEX_LENGTH * 10} characters are not supported`,
      0,
      "very long pattern",
    );
  }
  return new JavaParser(pattern, options.caseInsensitive).parse();
}
