import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { asciiEqualsLower, asciiLower, compileWildcard, referenceWildcard } from "../../src/eql/wildcard.ts";

// Small alphabets so patterns and values collide often; includes an astral code point, a lone
// surrogate, non-ASCII letters with case, and the characters that are special elsewhere.
const VALUE_CHARS = [
  "a",
  "b",
  "A",
  "B",
  "/",
  ".",
  "\n",
  "é",
  "É",
  "\u{1F600}",
  "\uD83D",
  "*",
  "?",
  "\\",
  "K",
  "\u212A",
];
const PATTERN_CHARS = ["a", "b", "A", "/", ".", "é", "\u{1F600}", "*", "*", "?", "\\", "k"];
const str = (chars: string[], max: number) =>
  fc.array(fc.constantFrom(...chars), { maxLength: max }).map((a) => a.join(""));

describe("compileWildcard", () => {
  test("agrees with the reference matcher on small inputs (case-sensitive and ASCII-insensitive)", () => {
    fc.assert(
      fc.property(str(PATTERN_CHARS, 8), str(VALUE_CHARS, 10), fc.boolean(), (pattern, value, ci) => {
        assert.equal(compileWildcard(pattern, ci)(value), referenceWildcard(pattern, value, ci));
      }),
      { numRuns: 5000 },
    );
  });

  test("agrees with the reference matcher when the value is built to match", () => {
    fc.assert(
      fc.property(
        str(PATTERN_CHARS, 8),
        fc.array(str(VALUE_CHARS, 3), { maxLength: 8 }),
        fc.boolean(),
        (pattern, fills, ci) => {
          // Replace each `*` with a random run and each `?` with one code point: usually a match.
          let k = 0;
          const value = Array.from(pattern, (ch) =>
            ch === "*" ? (fills[k++] ?? "") : ch === "?" ? (Array.from(fills[k++] ?? "x")[0] ?? "x") : ch,
          ).join("");
          assert.equal(compileWildcard(pattern, ci)(value), referenceWildcard(pattern, value, ci));
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("star-only patterns: prefix, suffix, infix and ordered middle segments", () => {
    const cases: [string, string, boolean, boolean][] = [
      ["/etc/*", "/etc/x", false, true],
      ["/etc/*", "/ETC/x", false, false],
      ["/etc/*", "/ETC/x", true, true],
      ["*.swp", "a.SWP", true, true],
      ["*.swp", "a.swpx", true, false],
      ["*dispatcher*", "x/dispatcher/y", false, true],
      ["a*b*c", "abc", false, true],
      ["a*b*c", "acb", false, false],
      ["a*bc*bc", "abcbc", false, true],
      ["a*bc*bc", "abc", false, false],
      ["ab*ba", "aba", false, false],
      ["*", "", false, true],
      ["**", "x", false, true],
      ["", "", false, true],
      ["", "x", false, false],
    ];
    for (const [p, v, ci, want] of cases)
      assert.equal(compileWildcard(p, ci)(v), want, `${p} ~ ${v} (ci=${ci})`);
  });

  test("a pathological pattern on a 300 KB value does not backtrack per star", { timeout: 20_000 }, () => {
    const value = "a".repeat(300_000);
    for (const ci of [false, true]) {
      assert.equal(compileWildcard("*a*a*a*a*a*a*a*a*b*", ci)(value), false);
      assert.equal(compileWildcard("*a*a*a*a*a*a*a*a*b*", ci)(`${value}b`), true);
      assert.equal(compileWildcard("*a?a*a?a*a?a*b", ci)(value), false);
      assert.equal(compileWildcard("*a?a*a?a*a?a*b", ci)(`${value}b`), true);
      assert.equal(compileWildcard("*aaaaaaaaaaaaaaaaaaab*", ci)(value.toUpperCase()), false);
    }
  });
});

describe("ASCII case folding", () => {
  test("asciiLower folds A-Z only and returns the same string when nothing changes", () => {
    assert.equal(asciiLower("ABC/É/\u212A/İ/ß"), "abc/É/\u212A/İ/ß");
    const s = "already lower é";
    assert.equal(asciiLower(s), s);
  });

  test("asciiEqualsLower compares against a lower-cased constant", () => {
    assert.equal(asciiEqualsLower("SeD", "sed"), true);
    assert.equal(asciiEqualsLower("SÉD", "séd"), false);
    assert.equal(asciiEqualsLower("sed2", "sed"), false);
  });

  test("asciiLower agrees with unit-by-unit folding on any string (non-ASCII, lone surrogates, long values)", () => {
    const unit = fc.oneof(
      fc.constantFrom("A", "z", "Z", "É", "\u212A", "İ", "\ud800", "\udfff", "😀", "-"),
      fc.string({ maxLength: 3 }),
    );
    fc.assert(
      fc.property(fc.array(unit, { maxLength: 40 }), fc.integer({ min: 0, max: 3 }), (parts, reps) => {
        const s = parts.join("").repeat(reps === 3 ? 2000 : reps + 1);
        let expected = "";
        for (let i = 0; i < s.length; i++) {
          const c = s.charCodeAt(i);
          expected += String.fromCharCode(c >= 65 && c <= 90 ? c | 0x20 : c);
        }
        assert.equal(asciiLower(s), expected);
      }),
      { numRuns: 300 },
    );
  });
});
