/**
 * Prefilter soundness with the expression language: for random queries built from functions,
 * regex, arithmetic, typed comparisons and the older leaves, combined with and/or/not, and random
 * records, a record the query matches is never skipped by the raw prefilter built from the
 * query's literals (a skipped record can never match). Records are serialised with random JSON
 * escaping so the byte search meets the spellings real writers produce.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileQuery, deriveLiterals, parse } from "../../src/eql/index.ts";
import { createRawPrefilter } from "../../src/scan/prefilter/index.ts";

const WORDS = [
  "bash",
  "BASH",
  "curl",
  "/tmp/x",
  "sh",
  "Ab",
  "10.0.0.1",
  "::ffff:10.0.0.1",
  "42",
  "4.2e1",
  "é",
];
const IPS = ["10.0.0.1", "10.200.3.4", "::ffff:10.0.0.1", "192.168.1.1", "bad-ip"];
const TIMES = [
  "2024-01-01T00:00:00Z",
  "2024-01-01T01:00:00+01:00",
  1704067200000,
  "1704067200000",
  "2023-05-05",
];

const word = fc.constantFrom(...WORDS);

/** A random record: process name/command line/pid, source.ip, @timestamp, an unknown field. */
const record = fc.record(
  {
    process: fc.record(
      {
        name: fc.oneof(word, fc.array(word, { maxLength: 3 })),
        command_line: fc.array(word, { minLength: 1, maxLength: 3 }).map((ws) => ws.join(" ")),
        pid: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.constantFrom("42", "7", "x")),
      },
      { requiredKeys: [] },
    ),
    source: fc.record({ ip: fc.constantFrom(...IPS) }, { requiredKeys: [] }),
    "@timestamp": fc.constantFrom(...TIMES),
    custom: fc.record({ v: fc.oneof(word, fc.integer({ min: 0, max: 50 })) }, { requiredKeys: [] }),
  },
  { requiredKeys: [] },
);

const q = (s: string): string => JSON.stringify(s);

/** Leaves of the language, each a valid query fragment. */
const leaf: fc.Arbitrary<string> = fc.oneof(
  word.map((w) => `startsWith(process.name, ${q(w.slice(0, 2))})`),
  word.map((w) => `startsWith~(process.name, ${q(w)})`),
  word.map((w) => `stringContains(process.command_line, ${q(w)})`),
  word.map((w) => `endsWith~(process.name, ${q(w.slice(-2))})`),
  fc.constantFrom(
    'process.name regex "ba[sz]h"',
    'process.name regex~ "b.*h"',
    'process.command_line regex ".*curl.*"',
  ),
  fc.constantFrom(
    "length(process.name) > 3",
    'concat(process.name, "-") == "bash-"',
    "process.pid + 1 == 43",
  ),
  fc.constantFrom("process.pid / 2 == 21", "process.pid == 42", 'process.pid == "42"', "process.pid < 9"),
  fc.constantFrom(
    'source.ip == "10.0.0.0/8"',
    'cidrMatch(source.ip, "10.0.0.1/32")',
    'source.ip == "10.0.0.1"',
  ),
  fc.constantFrom('@timestamp == "2024-01-01T00:00:00Z"', '@timestamp < "2024-01-01"'),
  word.map((w) => `process.name == ${q(w)}`),
  word.map((w) => `process.name : ${q(`${w}*`)}`),
  word.map((w) => `custom.v in (${q(w)}, "zz")`),
  fc.constantFrom("custom.v == 42", 'custom.v : "4*"', "?custom.w == null", 'string(custom.v) == "42"'),
);

const query: fc.Arbitrary<string> = fc
  .letrec<{ e: string }>((tie) => ({
    e: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leaf,
      fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} and ${b})`),
      fc.tuple(tie("e"), tie("e")).map(([a, b]) => `(${a} or ${b})`),
      tie("e").map((a) => `not ${a}`),
    ),
  }))
  .e.map((c) => `any where ${c}`);

/** JSON with some characters escaped as \uXXXX or \/ at random (both are valid JSON spellings). */
function escapedJson(value: unknown, choices: readonly boolean[]): string {
  let k = 0;
  return JSON.stringify(value).replace(/[A-Za-z/.:]/g, (ch) => {
    const pick = choices[k++ % Math.max(1, choices.length)] ?? false;
    if (!pick) return ch;
    return ch === "/" ? "\\/" : `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
  });
}

describe("prefilter literals with functions, regex, arithmetic and typed fields", () => {
  test("a record the query matches always passes the raw prefilter", () => {
    fc.assert(
      fc.property(
        query,
        fc.array(record, { minLength: 1, maxLength: 6 }),
        fc.array(fc.boolean(), { maxLength: 8 }),
        (text, records, choices) => {
          const compiled = compileQuery(text);
          const pf = createRawPrefilter([compiled.prefilter]);
          for (const r of records) {
            if (!compiled.matches(r)) continue;
            for (const json of [JSON.stringify(r), escapedJson(r, choices)]) {
              const bytes = Buffer.from(json, "utf8");
              assert.ok(pf.test(bytes, 0, bytes.length), `skipped a matching record: ${text}\n${json}`);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test("typed fields give no literal; keyword functions and regex give a required substring", () => {
    const lits = (t: string) => deriveLiterals(parse(t));
    assert.equal(lits('any where source.ip == "10.0.0.0/8"'), null);
    assert.equal(lits("any where process.pid == 42"), null);
    assert.equal(lits('any where @timestamp == "2024-01-01T00:00:00Z"'), null);
    assert.equal(lits("any where length(process.name) > 3"), null);
    assert.deepEqual(lits('any where startsWith~(process.name, "BASH")'), [
      { text: "bash", caseInsensitive: true },
    ]);
    assert.deepEqual(lits('any where stringContains(process.command_line, "curl*wgets")'), [
      { text: "wgets", caseInsensitive: false },
    ]);
    const re = lits('any where process.name regex "ab(cd|ce)fgh.*"');
    assert.ok(re !== null && re.length === 1, JSON.stringify(re));
    // Every value the pattern matches contains the literal.
    for (const v of ["abcdfgh", "abcefghzz"])
      assert.ok(v.includes(re[0]!.text), `${re[0]!.text} not in ${v}`);
    assert.deepEqual(lits("any where false"), []);
  });
});
