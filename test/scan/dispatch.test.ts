import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileQuery } from "../../src/eql/index.ts";
import type { Rule } from "../../src/rules/index.ts";
import { createRuleDispatch } from "../../src/scan/dispatch.ts";
import { prng, serialise } from "../eql/json-escape.ts";
import { queryArb, recordArb } from "./prefilter/arbitraries.ts";

/** A rule with just what dispatch reads (the query, its compiled form, its index patterns). */
function rule(query: string, indices: readonly string[] = []): Rule {
  return {
    id: query,
    name: query,
    description: "",
    severity: "low",
    riskScore: 21,
    threat: [],
    tags: [],
    indices,
    references: [],
    falsePositives: [],
    query,
    file: "test.toml",
    compiled: compileQuery(query),
  };
}

/** Gate then match, as the scan does: the rules dispatch finds for one raw record. */
function dispatched(rules: readonly Rule[], text: string, strategy?: "automaton" | "indexOf"): Rule[] {
  const d = createRuleDispatch(rules, strategy === undefined ? {} : { strategy });
  const buf = Buffer.from(text);
  const hits: Rule[] = [];
  if (!d.forBuffer(buf)(0, buf.length)) return hits;
  d.match(JSON.parse(text) as unknown, true, hits);
  return hits;
}

describe("rule dispatch", () => {
  test("property: the rules found are exactly the rules that match, in rule order", () => {
    let hitsSeen = 0;
    fc.assert(
      fc.property(
        fc.array(queryArb, { minLength: 1, maxLength: 10 }),
        recordArb,
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(undefined, "automaton" as const, "indexOf" as const),
        (queries, rec, seed, p, strategy) => {
          const rules = queries.map((q) => rule(q));
          const text = serialise(rec, prng(seed), p);
          const event = JSON.parse(text) as unknown;
          const want = rules.filter((r) => r.compiled.matches(event));
          hitsSeen += want.length;
          assert.deepEqual(dispatched(rules, text, strategy), want, text);
        },
      ),
      { numRuns: 1500 },
    );
    assert.ok(hitsSeen > 200, `too few hits (${hitsSeen}) to say anything`);
  });

  test("the category of `file where` is checked after parsing, exactly", () => {
    const rules = [
      rule('file where a == "xyzw"'),
      rule('process where a == "xyzw"'),
      rule('any where a == "xyzw"'),
    ];
    const text = '{"event":{"category":["process","file"]},"a":"xyzw"}';
    assert.deepEqual(
      dispatched(rules, text).map((r) => r.query),
      rules.map((r) => r.query),
    );
    const net = '{"event":{"category":"network"},"a":"xyzw"}';
    assert.deepEqual(
      dispatched(rules, net).map((r) => r.query),
      ['any where a == "xyzw"'],
    );
  });

  test("candidates are consumed: an event not put to the gate is matched against every rule", () => {
    const rules = [rule('any where a == "first"'), rule('any where a == "second"')];
    const d = createRuleDispatch(rules);
    const buf = Buffer.from('{"a":"first"}');
    assert.equal(d.forBuffer(buf)(0, buf.length), true);
    const hits: Rule[] = [];
    d.match({ a: "first" }, true, hits);
    d.match({ a: "second" }, true, hits); // the gate was not asked again: no stale candidates
    d.match({ a: "second" }, false, hits);
    assert.deepEqual(
      hits.map((r) => r.query),
      ['any where a == "first"', 'any where a == "second"'],
    );
  });

  test("index filter hook: a rule runs only on the indices its patterns admit", () => {
    const rules = [
      rule('any where a == "x1y2"', ["logs-endpoint.*"]),
      rule('any where a == "x1y2"', ["logs-s1*"]),
    ];
    const seen: [readonly string[], string | undefined][] = [];
    const d = createRuleDispatch(rules, {
      indexFilter: (patterns, index) => {
        seen.push([patterns, index]);
        return index !== undefined && patterns.some((p) => index.startsWith(p.replace("*", "")));
      },
    });
    const buf = Buffer.from('{"a":"x1y2"}');
    const hits: Rule[] = [];
    for (let i = 0; i < 3; i++) {
      assert.equal(d.forBuffer(buf)(0, buf.length), true);
      d.match({ a: "x1y2" }, true, hits, "logs-s1-default");
    }
    assert.deepEqual(hits, [rules[1], rules[1], rules[1]]);
    assert.equal(seen.length, 2, "verdicts are cached per index name");
  });
});
