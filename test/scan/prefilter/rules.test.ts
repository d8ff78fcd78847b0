import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileQuery } from "../../../src/eql/index.ts";
import {
  canonicaliseEscapes,
  createRulePrefilter,
  deriveClauses,
  hasRewritableEscape,
  type PrefilterStrategy,
  type RuleClauses,
} from "../../../src/scan/prefilter/index.ts";
import { prng, serialise } from "../../eql/json-escape.ts";
import { queryArb, recordArb } from "./arbitraries.ts";

const STRATEGIES: PrefilterStrategy[] = ["automaton", "indexOf"];

interface TestRule {
  readonly query: string;
  readonly matches: (e: unknown) => boolean;
  readonly clauses: RuleClauses;
}

const rule = (query: string): TestRule => {
  const q = compileQuery(query);
  return { query, matches: q.matches, clauses: deriveClauses(query, q.prefilter) };
};

/** Records serialised with random escapings, one per line, and their spans. */
function buffer(recs: readonly [Record<string, unknown>, number, number][]) {
  const texts = recs.map(([r, seed, p]) => serialise(r, prng(seed), p));
  const buf = Buffer.from(`${texts.join("\n")}\n`);
  const spans: [number, number][] = [];
  let at = 0;
  for (const t of texts) {
    const n = Buffer.byteLength(t);
    spans.push([at, at + n]);
    at += n + 1;
  }
  return { texts, buf, spans };
}

describe("createRulePrefilter: soundness (a rule left out for a record cannot match it)", () => {
  for (const strategy of STRATEGIES) {
    test(`property (${strategy}): many random rules at once, random casing and escaping`, () => {
      let matched = 0;
      let skippedRecords = 0;
      fc.assert(
        fc.property(
          fc.array(queryArb, { minLength: 1, maxLength: 12 }),
          fc.array(fc.tuple(recordArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true })), {
            minLength: 1,
            maxLength: 8,
          }),
          fc.boolean(),
          (queries, recs, reverse) => {
            const rules = queries.map(rule);
            const pf = createRulePrefilter(
              rules.map((r) => r.clauses),
              { strategy },
            );
            const { texts, buf, spans } = buffer(recs);
            const order = spans.map((_, i) => i);
            if (reverse) order.reverse();
            const admit = pf.forBuffer(buf);
            const out = new Int32Array(rules.length);
            for (const i of order) {
              const [s, e] = spans[i]!;
              const n = admit(s, e, out);
              const admitted = new Set(out.subarray(0, n));
              for (let k = 1; k < n; k++) assert.ok(out[k - 1]! < out[k]!, "ascending rule indexes");
              if (n === 0) skippedRecords++;
              const event = JSON.parse(texts[i]!) as unknown;
              rules.forEach((r, ri) => {
                if (!r.matches(event)) return;
                matched++;
                assert.ok(admitted.has(ri), `rule ${ri} (${r.query}) left out for ${texts[i]}`);
              });
            }
          },
        ),
        { numRuns: 1500 },
      );
      assert.ok(matched > 300, `too few matching samples (${matched}) to say anything`);
      assert.ok(
        skippedRecords > 100,
        `too few skipped records (${skippedRecords}): the test would be vacuous`,
      );
    });
  }

  test("property: both strategies admit the same rules", () => {
    fc.assert(
      fc.property(
        fc.array(queryArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(recordArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 6,
        }),
        (queries, recs) => {
          const clauses = queries.map((q) => rule(q).clauses);
          const a = createRulePrefilter(clauses, { strategy: "automaton" });
          const b = createRulePrefilter(clauses, { strategy: "indexOf" });
          const { buf, spans } = buffer(recs);
          const fa = a.forBuffer(buf);
          const fb = b.forBuffer(buf);
          const oa = new Int32Array(clauses.length);
          const ob = new Int32Array(clauses.length);
          for (const [s, e] of spans) {
            const na = fa(s, e, oa);
            const nb = fb(s, e, ob);
            // The indexOf strategy keeps raw.ts's coarser escape rule (an escape of a literal's
            // character admits the record), so it may admit more; never fewer for a rule the
            // automaton admits.
            const sb = new Set(ob.subarray(0, nb));
            for (const r of oa.subarray(0, na)) assert.ok(sb.has(r), buf.toString("utf8", s, e));
          }
        },
      ),
      { numRuns: 800 },
    );
  });
});

describe("createRulePrefilter: precision and edges", () => {
  const admitOne = (
    clauses: RuleClauses[],
    text: string,
    strategy: PrefilterStrategy = "automaton",
  ): number[] => {
    const pf = createRulePrefilter(clauses, { strategy });
    const buf = Buffer.from(text);
    const out = new Int32Array(clauses.length);
    const n = pf.forBuffer(buf)(0, buf.length, out);
    return [...out.subarray(0, n)];
  };
  const lit = (text: string, caseInsensitive = false) => ({ text, caseInsensitive });

  test("each rule needs all of its clauses; a clause needs one of its literals", () => {
    const clauses: RuleClauses[] = [
      [[lit("linux")], [lit("curl"), lit("wget")]],
      [[lit("linux")]],
      [[lit("nope")]],
    ];
    for (const s of STRATEGIES) {
      assert.deepEqual(admitOne(clauses, '{"os":"linux","p":"/usr/bin/wget"}', s), [0, 1], s);
      assert.deepEqual(admitOne(clauses, '{"os":"linux","p":"/usr/bin/ls"}', s), [1], s);
      assert.deepEqual(admitOne(clauses, '{"os":"windows","p":"curl"}', s), [], s);
    }
  });

  test("case: insensitive literals in any case, sensitive ones exactly", () => {
    const clauses: RuleClauses[] = [[[lit("dispatcher.d", true)]], [[lit("Needle")]]];
    assert.deepEqual(admitOne(clauses, '{"a":"DISPATCHER.d"}'), [0]);
    assert.deepEqual(admitOne(clauses, '{"a":"xNeedlex"}'), [1]);
    assert.deepEqual(admitOne(clauses, '{"a":"xneedlex"}'), []);
  });

  test("escapes: \\/ and \\uXXXX are read as their characters; escaped backslashes are not escapes", () => {
    const clauses: RuleClauses[] = [[[lit("/etc/ab/", true)]], [[lit("é")]], [[lit('q"r')]]];
    assert.deepEqual(admitOne(clauses, '{"a":"\\/ETC\\/ab\\u002f"}'), [0]);
    assert.deepEqual(admitOne(clauses, '{"a":"\\u00e9"}'), [1]);
    assert.deepEqual(admitOne(clauses, '{"a":"\\u00C9"}'), []); // É: ASCII folding only
    assert.deepEqual(admitOne(clauses, '{"a":"q\\u0022r"}'), [2]);
    assert.deepEqual(admitOne(clauses, '{"a":"C:\\\\u00e9"}'), []); // `\\` then `u00e9`
    assert.deepEqual(admitOne(clauses, '{"a":"\\u12"}'), [0, 1, 2]); // undecodable: the parser decides
  });

  test("only the record's own bytes count; a literal across two records is in neither", () => {
    const pf = createRulePrefilter([[[lit("abcdef")]], [[lit("zzzz")]], [[lit("yyyy")]], [[lit("xxxx")]]]);
    const buf = Buffer.from('{"a":"abc"}\n{"a":"def"}\n{"a":"abcdef"}');
    const admit = pf.forBuffer(buf);
    const out = new Int32Array(4);
    assert.equal(admit(0, 11, out), 0);
    assert.equal(admit(12, 23, out), 0);
    assert.equal(admit(24, buf.length, out), 1);
    assert.equal(admit(3, 3, out), 0);
  });

  test("long buffers (the four-part scan) find literals across the cuts", () => {
    const needle = "the-needle-literal";
    const pf = createRulePrefilter([
      [[lit(needle, true)]],
      [[lit("other1")]],
      [[lit("other2")]],
      [[lit("o3")]],
    ]);
    const body = "x".repeat(40_000);
    for (let at = 0; at < 40_000; at += 997) {
      const text = `{"v":"${body.slice(0, at)}${needle.toUpperCase()}${body.slice(at)}"}`;
      const buf = Buffer.from(text);
      const out = new Int32Array(4);
      assert.equal(pf.forBuffer(buf)(0, buf.length, out), 1, `at ${at}`);
      assert.equal(out[0], 0);
    }
  });

  test("rules without clauses are candidates for every record; a rule that cannot match for none", () => {
    const clauses: RuleClauses[] = [null, [[lit("abcd")]], [[]], [[lit("efgh")]], [[lit("ijkl")]]];
    for (const s of STRATEGIES) {
      const pf = createRulePrefilter(clauses, { strategy: s });
      assert.equal(pf.parsesAll, true);
      assert.deepEqual(admitOne(clauses, '{"a":"efgh"}', s), [0, 3], s);
      assert.deepEqual(admitOne(clauses, '{"a":"q"}', s), [0], s);
    }
  });

  test("strategy: indexOf for a few literals, the automaton for many", () => {
    assert.equal(createRulePrefilter([[[lit("abc")]]]).strategy, "indexOf");
    const many = Array.from({ length: 50 }, (_, i): RuleClauses => [[lit(`literal-${i}`)]]);
    assert.equal(createRulePrefilter(many).strategy, "automaton");
  });
});

describe("clauses: every top-level conjunct contributes", () => {
  test("the engine's set comes first, then each conjunct's", () => {
    const q =
      'process where host.os.type == "linux" and process.name in ("curl", "wget") and not user.name == "x"';
    const c = deriveClauses(q, compileQuery(q).prefilter)!;
    const texts = c.map((set) => set.map((l) => l.text).sort());
    assert.ok(texts.some((t) => t.join() === "linux"));
    assert.ok(texts.some((t) => t.join() === "curl,wget"));
    assert.equal(texts.length, 2);
  });

  test("a query that cannot match has one empty clause; none known gives null", () => {
    assert.deepEqual(deriveClauses('any where a == "x"', []), [[]]);
    assert.equal(deriveClauses('any where a != "x"', compileQuery('any where a != "x"').prefilter), null);
  });
});

describe("escapes: canonical rewriting", () => {
  test("property: the rewriting of a random escaping equals JSON.stringify's spelling", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 20 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (s, seed, p) => {
          const text = serialise({ k: s }, prng(seed), p);
          const buf = Buffer.from(text);
          const out = new Uint8Array(buf.length);
          const n = canonicaliseEscapes(buf, 0, buf.length, out);
          const want = Buffer.from(JSON.stringify({ k: s }));
          assert.equal(Buffer.from(out.subarray(0, n)).toString("utf8"), want.toString("utf8"));
        },
      ),
      { numRuns: 2000 },
    );
  });

  test("hasRewritableEscape looks past escaped backslashes", () => {
    const t = (s: string) => hasRewritableEscape(Buffer.from(s), 0, Buffer.byteLength(s));
    assert.equal(t('"a\\\\u"'), false);
    assert.equal(t('"a\\\\\\u0041"'), true);
    assert.equal(t('"a\\/"'), true);
    assert.equal(t('"a\\n"'), false);
  });
});
