import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  compileJavaRegex,
  compileLuceneRegex,
  MAX_REGEX_LENGTH,
  parseLuceneRegex,
  RegexSyntaxError,
  RegexUnsupportedError,
  regexRequiredLiterals,
} from "../../src/eql/regex.ts";

const CS = { caseInsensitive: false };
const CI = { caseInsensitive: true };

/**
 * Semantics table, written from Lucene's RegExp documentation and parser (Elasticsearch runs
 * `regex` / `regex~` on a field as a Lucene `regexp` query with every optional operator enabled).
 * Each row: pattern, value, case-insensitive?, expected verdict, why.
 */
const ROWS: readonly [string, string, boolean, boolean, string][] = [
  // Anchoring: the whole value must match, `^` and `$` are ordinary characters.
  ["abc", "abc", false, true, "literal"],
  ["abc", "xabc", false, false, "anchored at the start"],
  ["abc", "abcx", false, false, "anchored at the end"],
  ["^abc$", "abc", false, false, "^ and $ are literals"],
  ["^abc$", "^abc$", false, true, "^ and $ are literals"],
  ["", "", false, true, "empty pattern matches the empty value"],
  ["", "a", false, false, "empty pattern matches only the empty value"],
  // `.` is any code point, newlines and astral characters included.
  ["a.c", "a\nc", false, true, ". crosses newlines"],
  ["a.c", "a\u{1F600}c", false, true, ". is one code point, not one UTF-16 unit"],
  ["a..c", "a\u{1F600}c", false, false, "a surrogate pair is one character"],
  [".", "\uD800", false, true, "a lone surrogate is one character (seen as U+FFFD)"],
  ["\uFFFD", "\uDC00", false, true, "Elasticsearch indexes a lone surrogate as U+FFFD"],
  ["\uD800", "\uDBFF", false, true, "a lone surrogate in the pattern is U+FFFD as well"],
  ["\uD800", "\u{1F600}", false, false, "a lone surrogate never matches half of a pair"],
  // Quantifiers.
  ["ab*c", "ac", false, true, "* zero times"],
  ["ab*c", "abbbc", false, true, "* many times"],
  ["ab+c", "ac", false, false, "+ needs one"],
  ["ab?c", "abc", false, true, "? once"],
  ["ab?c", "abbc", false, false, "? at most once"],
  ["a{3}", "aaa", false, true, "{n} exactly"],
  ["a{3}", "aa", false, false, "{n} exactly"],
  ["a{2,3}", "aaaa", false, false, "{n,m} at most m"],
  ["a{2,}", "aaaaaa", false, true, "{n,} at least n"],
  ["a{0}", "", false, true, "{0} is the empty string"],
  [".*?net1.*?", "cmd /c net1 user", false, true, "*? is not lazy: it is (.*)? , the same language"],
  ["a+?", "", false, true, "+? is (a+)? so it accepts the empty string (unlike Java's lazy plus)"],
  ["a**", "aaa", false, true, "quantifiers stack"],
  // Quantifier or closing characters where an atom is expected are literals.
  ["*a", "*a", false, true, "leading * is a literal"],
  ["+", "+", false, true, "lone + is a literal"],
  ["{", "{", false, true, "lone { is a literal"],
  ["(|a)", "|a", false, true, "| right after ( is a literal"],
  ["a||b", "|b", false, true, "the second | starts the next branch as a literal"],
  [")", ")", false, true, "a pattern starting with ) reads it as a literal"],
  ["]", "]", false, true, "] outside a class is a literal"],
  ["}", "}", false, true, "} is a literal"],
  // Alternation and grouping.
  ["cat|dog", "dog", false, true, "alternation"],
  ["ca(t|r)s", "cars", false, true, "grouping"],
  ["ca(t|r)s", "cats", false, true, "grouping"],
  ["ca(t|r)s", "cas", false, false, "grouping"],
  ["a()b", "ab", false, true, "() is the empty string"],
  // Character classes.
  ["[abc]", "b", false, true, "class member"],
  ["[abc]", "d", false, false, "not a member"],
  ["[a-c]x", "bx", false, true, "range"],
  ["[^a-c]", "d", false, true, "negated class"],
  ["[^a-c]", "b", false, false, "negated class"],
  ["[^a]", "\u{1F600}", false, true, "negated class matches one code point"],
  ["[^a]", "", false, false, "negated class still needs one character"],
  ["[.]", ".", false, true, ". is literal inside a class"],
  ["[.]", "x", false, false, ". is literal inside a class"],
  ["[]a]", "]", false, true, "] first in a class is a member"],
  ["[a^]", "^", false, true, "^ not first is a member"],
  ["[-a]", "-", false, true, "- first is a member"],
  ["[a\\-z]", "-", false, true, "escaped - is a member"],
  ["[a\\-z]", "b", false, false, "escaped - does not make a range"],
  ["[(*+?]", "*", false, true, "quantifiers are members inside a class"],
  ["[a&b]", "&", false, true, "& is a member inside a class"],
  ["[\\d]", "7", false, true, "predefined class inside a class"],
  ["[\\\\]", "\\", false, true, "escaped backslash inside a class"],
  // Predefined classes and escapes.
  ["\\d+", "0123", false, true, "\\d digits"],
  ["\\d", "\u0663", false, false, "\\d is ASCII digits only"],
  ["\\D", "x", false, true, "\\D non-digit"],
  ["\\s", "\t", false, true, "\\s tab"],
  ["\\s", "\f", false, false, "\\s is tab, newline, CR and space only"],
  ["\\S", "x", false, true, "\\S"],
  ["\\w+", "Ab_9", false, true, "\\w word characters"],
  ["\\w", "é", false, false, "\\w is ASCII only"],
  ["\\W", "-", false, true, "\\W"],
  ["a\\.b", "a.b", false, true, "escaped dot"],
  ["a\\.b", "axb", false, false, "escaped dot is literal"],
  ["\\\\", "\\", false, true, "escaped backslash"],
  ["\\\u{1F600}", "\u{1F600}", false, true, "escaped astral character"],
  // Quoted strings.
  ['"a.b*"', "a.b*", false, true, "quoted text is literal"],
  ['"a.b*"', "axbb", false, false, "quoted text is literal"],
  ['x""y', "xy", false, true, '"" is the empty string'],
  // Optional operators Elasticsearch enables (RegexpFlag.ALL).
  ["#", "", false, false, "# is the empty language"],
  ["#|a", "a", false, true, "# in a union"],
  ["@", "anything at all\n", false, true, "@ is any string"],
  ["@", "", false, true, "@ includes the empty string"],
  ["a@b", "a--b", false, true, "@ inside a pattern"],
  ["~(abc)", "abd", false, true, "complement"],
  ["~(abc)", "abc", false, false, "complement excludes the string"],
  ["~(abc)", "", false, true, "complement includes the empty string"],
  ["~a*", "b", false, true, "~ binds tighter than *: (~a)* contains b"],
  ["~(.*secret.*)", "public", false, true, "does not contain"],
  ["~(.*secret.*)", "a secret b", false, false, "does not contain"],
  ["a.*&.*b", "axxb", false, true, "intersection: starts with a and ends with b"],
  ["a.*&.*b", "axxc", false, false, "intersection"],
  ["(.*a.*)&(.*b.*)&~(.*c.*)", "bxa", false, true, "nested intersection and complement"],
  ["(.*a.*)&(.*b.*)&~(.*c.*)", "bxac", false, false, "nested intersection and complement"],
  ["~~a", "a", false, true, "double complement"],
  ["~@", "", false, false, "the complement of any string is empty"],
  ["~#", "xyz", false, true, "the complement of the empty language is any string"],
  ["#*", "", false, true, "zero repetitions of the empty language is the empty string"],
  ["#+", "", false, false, "one repetition of the empty language is still empty"],
  ["@&abc", "abc", false, true, "intersection with any string"],
  ["<1-10>", "7", false, true, "numeric interval"],
  ["<1-10>", "10", false, true, "numeric interval, upper bound included"],
  ["<1-10>", "11", false, false, "numeric interval"],
  ["<1-10>", "007", false, true, "bounds of different widths: any number of leading zeros"],
  ["<1-10>", "0", false, false, "below the interval"],
  ["<01-10>", "07", false, true, "bounds of equal width: exactly that many digits"],
  ["<01-10>", "7", false, false, "bounds of equal width: exactly that many digits"],
  ["<01-10>", "007", false, false, "bounds of equal width: exactly that many digits"],
  ["<10-1>", "5", false, true, "reversed bounds are swapped"],
  ["<0-0>", "0", false, true, "zero"],
  ["port<1024-65535>", "port8080", false, true, "interval inside a pattern"],
  ["port<1024-65535>", "port80", false, false, "interval inside a pattern"],
  // regex~: ASCII case folding of characters, never of ranges.
  ["abc", "ABC", true, true, "regex~ folds ASCII letters"],
  ["abc", "ABC", false, false, "regex is case-sensitive"],
  ['"AbC"', "aBc", true, true, "regex~ folds quoted strings"],
  ["[abc]+", "CAB", true, true, "regex~ folds single class members"],
  ["[a-c]+", "CAB", true, false, "regex~ does not fold ranges (Lucene adds cases only for characters)"],
  ["[a-cA-C]+", "CAB", true, true, "spell both ranges for either case"],
  ["[^a]", "A", true, false, "a negated member is excluded in both cases"],
  ["é", "É", true, false, "regex~ folds ASCII only"],
  ["k", "\u212A", true, false, "no Unicode special folds (Kelvin sign)"],
  ["\\w+", "ABC", true, true, "\\w covers both cases anyway"],
  ["/var/run/\\w+\\.(pid|lock)", "/VAR/Run/cron.PID", true, true, "rule-style case-insensitive path"],
];

describe("compileLuceneRegex: semantics table", () => {
  for (const [pattern, value, ci, expected, why] of ROWS) {
    test(`${JSON.stringify(pattern)} ${ci ? "regex~" : "regex"} ${JSON.stringify(value)} -> ${expected} (${why})`, () => {
      assert.equal(compileLuceneRegex(pattern, { caseInsensitive: ci })(value), expected);
    });
  }
});

/** Patterns Elasticsearch rejects (RegexSyntaxError) or we refuse (RegexUnsupportedError), with the offset. */
const ERRORS: readonly [string, "syntax" | "unsupported", number, string][] = [
  ["a)", "syntax", 1, "unmatched )"],
  ["(a", "syntax", 2, "unclosed group"],
  ["[ab", "syntax", 3, "unclosed class"],
  ["[]", "syntax", 2, "[] reads ] as a member, then misses the closing ]"],
  ["[z-a]", "syntax", 2, "range out of order"],
  ["a|", "syntax", 2, "nothing after |"],
  ["a~", "syntax", 2, "nothing after ~"],
  ["\\", "syntax", 1, "dangling backslash"],
  ["\\q", "syntax", 0, "backslash before a letter that is no class"],
  ["[\\b]", "syntax", 1, "backslash before a letter inside a class"],
  ["a{,3}", "syntax", 2, "repetition needs a minimum"],
  ["a{2", "syntax", 3, "unclosed repetition"],
  ["a{3,2}", "syntax", 1, "repetition out of order"],
  ["a{99999999999}", "syntax", 2, "repetition count overflows an int"],
  ['"abc', "syntax", 4, "unclosed quoted string"],
  ["<1-5", "syntax", 4, "unclosed interval"],
  ["<script>", "syntax", 0, "named automaton Elasticsearch does not define"],
  ["<1-2-3>", "syntax", 0, "interval with two dashes"],
  ["<-5>", "syntax", 0, "interval without a minimum"],
  ["<a-b>", "syntax", 0, "interval with non-numbers"],
  ["x".repeat(MAX_REGEX_LENGTH + 1), "syntax", MAX_REGEX_LENGTH, "longer than index.max_regex_length"],
  ["[\\.-z]", "unsupported", 1, "escaped range start means different things in Lucene 9 and 10"],
  ["a{1001}", "unsupported", 1, "repetition too large to expand"],
  ["<\u0661-\u0663>", "unsupported", 0, "interval bounds in non-ASCII digits"],
  ["~(.*a.{14})", "unsupported", 0, "complement needing too much determinization"],
  [".*a.{20}", "unsupported", 0, "Elasticsearch determinizes every regexp query: 2^21 states is too complex"],
  ["(.*a.*)&(.*b.{16})", "unsupported", 0, "intersection operand too complex"],
];

describe("compileLuceneRegex: refusals", () => {
  for (const [pattern, kind, offset, why] of ERRORS) {
    test(`${JSON.stringify(pattern.length > 40 ? `${pattern.slice(0, 20)}...` : pattern)} is refused (${why})`, () => {
      assert.throws(
        () => compileLuceneRegex(pattern, CS),
        (e: unknown) => {
          assert.ok(e instanceof RegexSyntaxError, `expected a RegexSyntaxError, got ${String(e)}`);
          assert.equal(e instanceof RegexUnsupportedError, kind === "unsupported", e.message);
          assert.equal(e.offset, offset, e.message);
          return true;
        },
      );
    });
  }

  test("an unsupported construct is named", () => {
    try {
      compileLuceneRegex("[\\.-z]", CS);
      assert.fail("expected a refusal");
    } catch (e) {
      assert.ok(e instanceof RegexUnsupportedError);
      assert.match(e.construct, /character class/);
    }
  });

  test("a pattern of exactly the maximum length is accepted", () => {
    assert.equal(compileLuceneRegex("a".repeat(MAX_REGEX_LENGTH), CS)("a".repeat(MAX_REGEX_LENGTH)), true);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests: an independent model of simple patterns, rendered both as Lucene syntax and as
// an anchored JavaScript regular expression (u flag), must give the same verdicts.

type Model =
  | { t: "char"; c: string }
  | {
      t: "class";
      neg: boolean;
      items: ({ one: string } | { lo: string; hi: string } | { pre: "d" | "w" | "s" })[];
    }
  | { t: "any" }
  | { t: "pre"; p: "d" | "D" | "w" | "W" | "s" | "S" }
  | { t: "quoted"; s: string }
  | { t: "cat"; xs: Model[] }
  | { t: "alt"; xs: Model[] }
  | { t: "rep"; x: Model; q: "*" | "+" | "?" | [number, number | null] };

const CHARS = [
  "a",
  "b",
  "c",
  "A",
  "B",
  "k",
  "0",
  "7",
  ".",
  "-",
  " ",
  "\n",
  "é",
  "É",
  "\u{1F600}",
  "*",
  "(",
  "\\",
];
const RANGES: [string, string][] = [
  ["a", "c"],
  ["A", "C"],
  ["0", "9"],
  ["b", "z"],
  ["a", "a"],
];

const isAlnum = (c: string): boolean => /^[A-Za-z0-9]$/.test(c);
const luceneChar = (c: string): string => (isAlnum(c) ? c : `\\${c}`);
const hex = (c: string): string => `\\u{${c.codePointAt(0)!.toString(16)}}`;
const fold = (c: string): string[] => {
  if (/^[a-z]$/.test(c)) return [c, c.toUpperCase()];
  if (/^[A-Z]$/.test(c)) return [c, c.toLowerCase()];
  return [c];
};
const PRE_JS: Record<string, string> = {
  d: "0-9",
  w: "0-9A-Z_a-z",
  s: "\\t\\n\\r ",
};

function toLucene(m: Model): string {
  switch (m.t) {
    case "char":
      return luceneChar(m.c);
    case "any":
      return ".";
    case "pre":
      return `\\${m.p}`;
    case "quoted":
      return `"${m.s}"`;
    case "class":
      return `[${m.neg ? "^" : ""}${m.items
        .map((it) => ("one" in it ? luceneChar(it.one) : "pre" in it ? `\\${it.pre}` : `${it.lo}-${it.hi}`))
        .join("")}]`;
    case "cat":
      return m.xs.map((x) => (x.t === "alt" ? `(${toLucene(x)})` : toLucene(x))).join("");
    case "alt":
      return m.xs.map(toLucene).join("|");
    case "rep": {
      const inner = `(${toLucene(m.x)})`;
      if (typeof m.q === "string") return inner + m.q;
      return `${inner}{${m.q[0]},${m.q[1] ?? ""}}`;
    }
  }
}

/** JavaScript rendering with Lucene's folding rule applied by hand (so no `i` flag). */
function toJs(m: Model, ci: boolean): string {
  const one = (c: string): string => (ci ? fold(c) : [c]).map(hex).join("");
  switch (m.t) {
    case "char":
      return `[${one(m.c)}]`;
    case "any":
      return "[\\s\\S]";
    case "pre": {
      const body = PRE_JS[m.p.toLowerCase()]!;
      return m.p === m.p.toLowerCase() ? `[${body}]` : `[^${body}]`;
    }
    case "quoted":
      return [...m.s].map((c) => `[${one(c)}]`).join("") || "(?:)";
    case "class":
      return `[${m.neg ? "^" : ""}${m.items
        .map((it) =>
          "one" in it ? one(it.one) : "pre" in it ? PRE_JS[it.pre] : `${hex(it.lo)}-${hex(it.hi)}`,
        )
        .join("")}]`;
    case "cat":
      return m.xs.map((x) => `(?:${toJs(x, ci)})`).join("");
    case "alt":
      return m.xs.map((x) => `(?:${toJs(x, ci)})`).join("|");
    case "rep": {
      const inner = `(?:${toJs(m.x, ci)})`;
      if (typeof m.q === "string") return inner + m.q;
      return `${inner}{${m.q[0]},${m.q[1] ?? ""}}`;
    }
  }
}

const modelArb: fc.Arbitrary<Model> = fc.letrec<{ m: Model }>((tie) => ({
  m: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constantFrom(...CHARS).map((c): Model => ({ t: "char", c })),
    fc.constant<Model>({ t: "any" }),
    fc.constantFrom("d", "D", "w", "W", "s", "S").map((p): Model => ({ t: "pre", p: p as "d" })),
    fc
      .array(fc.constantFrom("a", "b", "A", ".", "*", "|", "(", "\\", "\u{1F600}"), { maxLength: 3 })
      .map((cs): Model => ({ t: "quoted", s: cs.join("") })),
    fc
      .record({
        neg: fc.boolean(),
        items: fc.array(
          fc.oneof(
            fc.constantFrom(...CHARS.filter((c) => c !== "\\")).map((one) => ({ one })),
            fc.constantFrom(...RANGES).map(([lo, hi]) => ({ lo, hi })),
            fc.constantFrom("d" as const, "w" as const, "s" as const).map((pre) => ({ pre })),
          ),
          { minLength: 1, maxLength: 3 },
        ),
      })
      .map((r): Model => ({ t: "class", ...r })),
    fc.array(tie("m"), { minLength: 2, maxLength: 3 }).map((xs): Model => ({ t: "cat", xs })),
    fc.array(tie("m"), { minLength: 2, maxLength: 3 }).map((xs): Model => ({ t: "alt", xs })),
    fc
      .record({
        x: tie("m"),
        q: fc.oneof(
          fc.constantFrom("*" as const, "+" as const, "?" as const),
          fc
            .tuple(fc.integer({ min: 0, max: 3 }), fc.option(fc.integer({ min: 0, max: 3 })))
            .map(([a, b]): [number, number | null] =>
              b === null ? [a, null] : [Math.min(a, b), Math.max(a, b)],
            ),
        ),
      })
      .map((r): Model => ({ t: "rep", ...r })),
  ),
})).m;

/** A random member of the model's language (or null when the draw hits an empty choice). */
function sample(m: Model, ci: boolean, rnd: () => number): string | null {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
  const oneOf = (c: string): string => (ci ? pick(fold(c)) : c);
  const universe = [...CHARS, "x", "Z", "_", "\t", "\r", "\f"];
  const matchesClass = (m2: Model & { t: "class" }, c: string): boolean => {
    const inItems = m2.items.some((it) => {
      if ("one" in it) return (ci ? fold(it.one) : [it.one]).includes(c);
      if ("pre" in it) return new RegExp(`^[${PRE_JS[it.pre]}]$`, "u").test(c);
      return c.codePointAt(0)! >= it.lo.codePointAt(0)! && c.codePointAt(0)! <= it.hi.codePointAt(0)!;
    });
    return inItems !== m2.neg;
  };
  switch (m.t) {
    case "char":
      return oneOf(m.c);
    case "any":
      return pick(universe);
    case "pre": {
      const ok = universe.filter((c) => new RegExp(`^${toJs(m, false)}$`, "u").test(c));
      return ok.length > 0 ? pick(ok) : null;
    }
    case "quoted":
      return [...m.s].map(oneOf).join("");
    case "class": {
      const ok = universe.filter((c) => matchesClass(m, c));
      return ok.length > 0 ? pick(ok) : null;
    }
    case "cat": {
      let out = "";
      for (const x of m.xs) {
        const s = sample(x, ci, rnd);
        if (s === null) return null;
        out += s;
      }
      return out;
    }
    case "alt":
      return sample(pick(m.xs), ci, rnd);
    case "rep": {
      const [lo, hi] =
        typeof m.q === "string" ? ({ "*": [0, 3], "+": [1, 3], "?": [0, 1] } as const)[m.q] : m.q;
      const n = lo + Math.floor(rnd() * ((hi ?? lo + 2) - lo + 1));
      let out = "";
      for (let i = 0; i < n; i++) {
        const s = sample(m.x, ci, rnd);
        if (s === null) return null;
        out += s;
      }
      return out;
    }
  }
}

const valueArb = fc
  .array(fc.constantFrom(...CHARS, "x", "Z", "_", "\t"), { maxLength: 8 })
  .map((a) => a.join(""));

function mulberry(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("compileLuceneRegex agrees with JavaScript RegExp on the common subset", () => {
  test("random patterns and random values, regex and regex~", () => {
    fc.assert(
      fc.property(
        modelArb,
        fc.array(valueArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (m, values, ci) => {
          const src = toLucene(m);
          const ours = compileLuceneRegex(src, { caseInsensitive: ci });
          const js = new RegExp(`^(?:${toJs(m, ci)})$`, "u");
          for (const v of values)
            assert.equal(ours(v), js.test(v), `${src} on ${JSON.stringify(v)} (ci=${ci})`);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test("random patterns and values drawn from the pattern's language", () => {
    fc.assert(
      fc.property(modelArb, fc.integer(), fc.boolean(), (m, seed, ci) => {
        const src = toLucene(m);
        const ours = compileLuceneRegex(src, { caseInsensitive: ci });
        const js = new RegExp(`^(?:${toJs(m, ci)})$`, "u");
        const rnd = mulberry(seed);
        for (let k = 0; k < 4; k++) {
          const v = sample(m, ci, rnd);
          if (v === null) continue;
          assert.equal(js.test(v), true, `sampler produced a non-member ${JSON.stringify(v)} of ${src}`);
          assert.equal(ours(v), true, `${src} on ${JSON.stringify(v)} (ci=${ci})`);
        }
      }),
      { numRuns: 1500 },
    );
  });

  test("complement and intersection agree with negation and conjunction of the operands", () => {
    fc.assert(
      fc.property(modelArb, modelArb, fc.array(valueArb, { minLength: 1, maxLength: 5 }), (a, b, values) => {
        const ja = new RegExp(`^(?:${toJs(a, false)})$`, "u");
        const jb = new RegExp(`^(?:${toJs(b, false)})$`, "u");
        let not: (v: string) => boolean;
        let and: (v: string) => boolean;
        try {
          not = compileLuceneRegex(`~(${toLucene(a)})`, CS);
          and = compileLuceneRegex(`(${toLucene(a)})&(${toLucene(b)})`, CS);
        } catch (e) {
          // A determinization beyond the cap is a refusal by name, never a wrong answer.
          assert.ok(e instanceof RegexUnsupportedError, String(e));
          return;
        }
        for (const v of values) {
          assert.equal(not(v), !ja.test(v), `~(${toLucene(a)}) on ${JSON.stringify(v)}`);
          assert.equal(
            and(v),
            ja.test(v) && jb.test(v),
            `(${toLucene(a)})&(${toLucene(b)}) on ${JSON.stringify(v)}`,
          );
        }
      }),
      { numRuns: 600 },
    );
  });
});

const lowerAscii = (s: string): string => s.replace(/[A-Z]/g, (c) => c.toLowerCase());

describe("regexRequiredLiterals", () => {
  test("is sound: every matching value contains every literal", () => {
    fc.assert(
      fc.property(modelArb, fc.integer(), fc.boolean(), (m, seed, ci) => {
        const src = toLucene(m);
        const lits = regexRequiredLiterals(src, { caseInsensitive: ci });
        if (lits === null) return;
        assert.ok(lits.length > 0 && lits.every((l) => l.length > 0), "null, or non-empty literals");
        const rnd = mulberry(seed);
        for (let k = 0; k < 6; k++) {
          const v = sample(m, ci, rnd);
          if (v === null) continue;
          const hay = ci ? lowerAscii(v) : v;
          for (const l of lits)
            assert.ok(hay.includes(l), `${src}: ${JSON.stringify(v)} lacks ${JSON.stringify(l)}`);
        }
      }),
      { numRuns: 2000 },
    );
  });

  test("is sound with complement and intersection", () => {
    fc.assert(
      fc.property(modelArb, modelArb, valueArb, (a, b, v) => {
        for (const src of [
          `(${toLucene(a)})&(${toLucene(b)})`,
          `~(${toLucene(a)})`,
          `x(${toLucene(a)})&.*y`,
        ]) {
          let lits: string[] | null;
          let match: (s: string) => boolean;
          try {
            lits = regexRequiredLiterals(src, CS);
            match = compileLuceneRegex(src, CS);
          } catch (e) {
            assert.ok(e instanceof RegexUnsupportedError, String(e));
            continue;
          }
          for (const cand of [v, `x${v}y`]) {
            if (!match(cand) || lits === null) continue;
            for (const l of lits)
              assert.ok(cand.includes(l), `${src}: ${JSON.stringify(cand)} lacks ${JSON.stringify(l)}`);
          }
        }
      }),
      { numRuns: 400 },
    );
  });

  const LITS: readonly [string, boolean, string[] | null][] = [
    ["abc", false, ["abc"]],
    [".*net1[ ]+localgroup.*", false, [" localgroup", "net1 "]],
    ["/var/run/\\w+\\.(pid|lock)", true, ["/var/run/", "."]],
    ["(abc|xabcy)d", false, ["abc", "d"]],
    ["GET|POST", false, ["T"]],
    ["GET|PUSH", false, null],
    ["(foo)?bar", false, ["bar"]],
    ["~(abc)", false, null],
    ["#", false, null],
    ["a.*&.*b", false, ["a", "b"]],
    ["ABC.*", true, ["abc"]],
    ["[aA]x", true, ["ax"]],
    ["[a-c]x", true, ["x"]],
    ["(ab){2,}", false, ["abab"]],
  ];
  for (const [pattern, ci, expected] of LITS) {
    test(`${JSON.stringify(pattern)} (${ci ? "regex~" : "regex"}) -> ${JSON.stringify(expected)}`, () => {
      assert.deepEqual(regexRequiredLiterals(pattern, { caseInsensitive: ci }), expected);
    });
  }

  test("never keeps U+FFFD, which a raw value with a lone surrogate does not contain", () => {
    assert.deepEqual(regexRequiredLiterals("ab\uFFFDcd", CS), ["ab", "cd"]);
    assert.equal(compileLuceneRegex("ab\uFFFDcd", CS)("ab\uD800cd"), true);
  });
});

describe("linear time on hostile input", () => {
  const long = "a".repeat(300_000);
  // [pattern, verdict on a^300000, verdict on a^300000 + "b"]
  const PATHOLOGICAL: [string, boolean, boolean][] = [
    ["(a|a)*b", false, true],
    ["(a|a)*", true, false],
    ["(.*a){20}", true, false],
    ["(a*)*b", false, true],
    ["(a|aa)*c", false, false],
    [".*.*.*.*.*=.*", false, false],
    ["(.*a.*)&~(.*b.*)", true, false],
    ["(a?){30}a{30}", false, false],
  ];
  for (const [p, onLong, withB] of PATHOLOGICAL) {
    test(`${p} on a 300 KB value returns (no backtracking)`, () => {
      const m = compileLuceneRegex(p, CS);
      assert.equal(m(long), onLong);
      assert.equal(m(`${long}b`), withB);
    });
  }

  test("a value far beyond the lazy-DFA cache still gets the right answer", () => {
    // Many distinct states: the cache is rebuilt repeatedly and the verdict must not change.
    const m = compileLuceneRegex(".*a.{12}", CS);
    const rnd = mulberry(7);
    let v = "";
    for (let i = 0; i < 20_000; i++) v += rnd() < 0.5 ? "a" : "b";
    const js = /^[\s\S]*a[\s\S]{12}$/;
    assert.equal(m(v), js.test(v));
    assert.equal(m(`${v}a${"b".repeat(12)}`), true);
    assert.equal(m(`${v}${"b".repeat(13)}`), false);
  });
});

describe("parseLuceneRegex", () => {
  test("folds single characters but not ranges for regex~", () => {
    assert.deepEqual(parseLuceneRegex("a", CI), { k: "set", ranges: [65, 65, 97, 97] });
    assert.deepEqual(parseLuceneRegex("[a-c]", CI), { k: "set", ranges: [97, 99] });
  });
});

// ---------------------------------------------------------------------------------------------
// The java.util.regex dialect (Elasticsearch's script path for a regex on a computed value).

/** Java rendering of the same model: no quoting construct, escapes for punctuation. */
function toJava(m: Model): string {
  const ch = (c: string): string => (c === "\n" ? "\\n" : /^[!-/:-@[-`{-~]$/.test(c) ? `\\${c}` : c);
  switch (m.t) {
    case "char":
      return ch(m.c);
    case "any":
      return ".";
    case "pre":
      return `\\${m.p}`;
    case "quoted":
      return [...m.s].map(ch).join("");
    case "class":
      return `[${m.neg ? "^" : ""}${m.items
        .map((it) => ("one" in it ? ch(it.one) : "pre" in it ? `\\${it.pre}` : `${it.lo}-${it.hi}`))
        .join("")}]`;
    case "cat":
      return m.xs.map((x) => `(?:${toJava(x)})`).join("");
    case "alt":
      return m.xs.map(toJava).join("|");
    case "rep": {
      const inner = `(?:${toJava(m.x)})`;
      if (typeof m.q === "string") return inner + m.q;
      return `${inner}{${m.q[0]},${m.q[1] ?? ""}}`;
    }
  }
}

const JAVA_PRE: Record<string, string> = { d: "0-9", w: "0-9A-Z_a-z", s: "\\t\\n\\x0B\\f\\r " };
const foldRange = (lo: string, hi: string): string => {
  // Java's CASE_INSENSITIVE folds ranges too (ASCII only): add the other case of the letters in it.
  const out = [`${hex(lo)}-${hex(hi)}`];
  const a = lo.codePointAt(0)!;
  const b = hi.codePointAt(0)!;
  const up = [Math.max(a, 65), Math.min(b, 90)];
  const low = [Math.max(a, 97), Math.min(b, 122)];
  if (up[0]! <= up[1]!)
    out.push(`${hex(String.fromCharCode(up[0]! + 32))}-${hex(String.fromCharCode(up[1]! + 32))}`);
  if (low[0]! <= low[1]!)
    out.push(`${hex(String.fromCharCode(low[0]! - 32))}-${hex(String.fromCharCode(low[1]! - 32))}`);
  return out.join("");
};

/** JavaScript rendering with Java's semantics spelled out (its `.`, its \s, its folding). */
function toJsJava(m: Model, ci: boolean): string {
  const one = (c: string): string => (ci ? fold(c) : [c]).map(hex).join("");
  switch (m.t) {
    case "char":
      return `[${one(m.c)}]`;
    case "any":
      return "[^\\n\\r\\u0085\\u2028\\u2029]";
    case "pre": {
      const body = JAVA_PRE[m.p.toLowerCase()]!;
      return m.p === m.p.toLowerCase() ? `[${body}]` : `[^${body}]`;
    }
    case "quoted":
      return [...m.s].map((c) => `[${one(c)}]`).join("") || "(?:)";
    case "class":
      return `[${m.neg ? "^" : ""}${m.items
        .map((it) =>
          "one" in it
            ? one(it.one)
            : "pre" in it
              ? JAVA_PRE[it.pre]
              : ci
                ? foldRange(it.lo, it.hi)
                : `${hex(it.lo)}-${hex(it.hi)}`,
        )
        .join("")}]`;
    case "cat":
      return m.xs.map((x) => `(?:${toJsJava(x, ci)})`).join("");
    case "alt":
      return m.xs.map((x) => `(?:${toJsJava(x, ci)})`).join("|");
    case "rep": {
      const inner = `(?:${toJsJava(m.x, ci)})`;
      if (typeof m.q === "string") return inner + m.q;
      return `${inner}{${m.q[0]},${m.q[1] ?? ""}}`;
    }
  }
}

const JAVA_ROWS: readonly [string, string, boolean, boolean, string][] = [
  [".*?net1.*?", "cmd net1 user", false, true, "lazy quantifiers accept the same values under matches()"],
  [".*net1.*", "a\nnet1", false, false, ". does not cross a newline"],
  ["a.c", "a\u0085c", false, false, ". excludes NEL"],
  ["a.c", "a\u2028c", false, false, ". excludes the line separator"],
  ["a.c", "a\u{1F600}c", false, true, ". is one code point"],
  ["^abc$", "abc", false, true, "a leading ^ and trailing $ are anchors"],
  ["abc$", "abc\n", false, false, "matches() must consume the final newline too"],
  ["a+?", "", false, false, "a lazy plus still needs one"],
  ["a|", "", false, true, "an empty alternative"],
  ["()", "", false, true, "an empty group"],
  ["~a", "~a", false, true, "~ is a literal"],
  ["a&b", "a&b", false, true, "& is a literal"],
  ["#@", "#@", false, true, "# and @ are literals"],
  ['"x"', '"x"', false, true, '" is a literal'],
  ["<1-5>", "<1-5>", false, true, "< > are literals"],
  ["a]}", "a]}", false, true, "] and } are literals outside a class"],
  ["[a-z]+", "ABC", true, true, "CASE_INSENSITIVE folds ranges"],
  ["[^a]", "A", true, false, "a negated member is excluded in both cases"],
  ["é", "É", true, false, "CASE_INSENSITIVE is ASCII only"],
  ["\\s", "\u000B", false, true, "Java's \\s includes vertical tab"],
  ["\\s", "\f", false, true, "Java's \\s includes form feed"],
  ["\\x41\\u00e9\\t", "Aé\t", false, true, "hex, unicode and control escapes"],
  ["[\\w.-]+", "a.b-c", false, true, "escapes and a trailing - in a class"],
  ["(?:ab)+", "abab", false, true, "non-capturing group"],
  ["(?<n>ab)+", "abab", false, true, "named group"],
  ["a{2}", "aa", false, true, "repetition"],
];

describe("compileJavaRegex (computed operands)", () => {
  for (const [pattern, value, ci, expected, why] of JAVA_ROWS) {
    test(`${JSON.stringify(pattern)} ${ci ? "regex~" : "regex"} ${JSON.stringify(value)} -> ${expected} (${why})`, () => {
      assert.equal(compileJavaRegex(pattern, { caseInsensitive: ci })(value), expected);
    });
  }

  const REFUSED: readonly [string, "syntax" | "unsupported", number][] = [
    ["(?=a)a", "unsupported", 0],
    ["(?i)a", "unsupported", 0],
    ["(a)\\1", "unsupported", 3],
    ["a*+", "unsupported", 2],
    ["a**", "unsupported", 2],
    ["a*?+", "unsupported", 3],
    ["\\bfoo", "unsupported", 0],
    ["\\p{L}", "unsupported", 0],
    ["\\Qa.b\\E", "unsupported", 0],
    ["a^b", "unsupported", 1],
    ["a$b", "unsupported", 1],
    ["[a[b]]", "unsupported", 2],
    ["[a-z&&[^b]]", "unsupported", 4],
    ["[]a]", "unsupported", 1],
    ["a{x}", "unsupported", 1],
    ["*a", "syntax", 0],
    ["a)", "syntax", 1],
    ["(a", "syntax", 2],
    ["[ab", "syntax", 0],
    ["[z-a]", "syntax", 1],
    ["a{3,2}", "syntax", 1],
    ["\\", "syntax", 0],
  ];
  for (const [pattern, kind, offset] of REFUSED) {
    test(`${JSON.stringify(pattern)} is refused (${kind})`, () => {
      assert.throws(
        () => compileJavaRegex(pattern, CS),
        (e: unknown) => {
          assert.ok(e instanceof RegexSyntaxError, String(e));
          assert.equal(e instanceof RegexUnsupportedError, kind === "unsupported", e.message);
          assert.equal(e.offset, offset, e.message);
          return true;
        },
      );
    });
  }

  test("agrees with JavaScript RegExp spelled with Java's semantics", () => {
    fc.assert(
      fc.property(
        modelArb,
        fc.array(valueArb, { minLength: 1, maxLength: 5 }),
        fc.boolean(),
        (m, values, ci) => {
          const src = toJava(m);
          const ours = compileJavaRegex(src, { caseInsensitive: ci });
          const js = new RegExp(`^(?:${toJsJava(m, ci)})$`, "u");
          for (const v of values)
            assert.equal(ours(v), js.test(v), `${src} on ${JSON.stringify(v)} (ci=${ci})`);
        },
      ),
      { numRuns: 1500 },
    );
  });

  test("required literals are sound for the Java dialect too", () => {
    fc.assert(
      fc.property(
        modelArb,
        fc.array(valueArb, { minLength: 1, maxLength: 8 }),
        fc.boolean(),
        (m, values, ci) => {
          const src = toJava(m);
          const lits = regexRequiredLiterals(src, { caseInsensitive: ci, dialect: "java" });
          const match = compileJavaRegex(src, { caseInsensitive: ci });
          if (lits === null) return;
          for (const v of values) {
            if (!match(v)) continue;
            const hay = ci ? lowerAscii(v) : v;
            for (const l of lits)
              assert.ok(hay.includes(l), `${src}: ${JSON.stringify(v)} lacks ${JSON.stringify(l)}`);
          }
        },
      ),
      { numRuns: 800 },
    );
  });

  test("linear time on a 300 KB value", () => {
    const long = "a".repeat(300_000);
    assert.equal(compileJavaRegex("(a|a)*b", CS)(long), false);
    assert.equal(compileJavaRegex("(.*a){20}", CS)(long), true);
    assert.equal(compileJavaRegex("(a*)*b", CS)(`${long}b`), true);
  });
});
