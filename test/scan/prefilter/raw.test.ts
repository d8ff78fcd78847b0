import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileQuery } from "../../../src/eql/index.ts";
import type { PrefilterLiteral } from "../../../src/rules/index.ts";
import { createRawPrefilter } from "../../../src/scan/prefilter/index.ts";
import { flipCase, prng, serialise } from "../../eql/json-escape.ts";
import { SEED_QUERY, seedEvent } from "../../eql/semantics-table.ts";
import { queryArb, recordArb, valueArb } from "./arbitraries.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../../fixtures/eql/${name}`, import.meta.url), "utf8");

// Values and constants share a pool so random rules match random records often.

describe("createRawPrefilter: soundness", () => {
  test("property: a record that a random rule matches is never rejected, whatever its escaping", () => {
    let matched = 0;
    fc.assert(
      fc.property(
        queryArb,
        recordArb,
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (query, rec, seed, p) => {
          const q = compileQuery(query);
          const text = serialise(rec, prng(seed), p);
          const parsed = JSON.parse(text) as unknown;
          if (!q.matches(parsed)) return;
          matched++;
          const bytes = Buffer.from(text, "utf8");
          assert.ok(
            createRawPrefilter([q.prefilter]).test(bytes, 0, bytes.length),
            `rejected ${text} for ${query} (literals ${JSON.stringify(q.prefilter)})`,
          );
        },
      ),
      { numRuns: 4000 },
    );
    assert.ok(matched > 200, `too few matching samples (${matched}) to say anything`);
  });

  test("property: seed-rule events with random case variants and escapings are accepted", () => {
    const q = compileQuery(SEED_QUERY);
    const pf = createRawPrefilter([q.prefilter]);
    fc.assert(
      fc.property(fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.string(), (seed, p, tail) => {
        const rnd = prng(seed);
        const ev = seedEvent({
          path: `${flipCase("/etc/NetworkManager/dispatcher.d/", rnd)}${tail}`,
          executable: rnd() < 0.5 ? undefined : `/usr/bin/${tail}`,
        });
        const text = serialise(ev, rnd, p);
        const parsed = JSON.parse(text) as unknown;
        assert.deepEqual(parsed, ev);
        if (!q.matches(parsed)) return;
        const bytes = Buffer.from(text, "utf8");
        assert.ok(pf.test(bytes, 0, bytes.length), text);
      }),
      { numRuns: 3000 },
    );
  });

  test("property: a literal present in a value (in any case for case-insensitive ones) is always found", () => {
    fc.assert(
      fc.property(
        fc.array(valueArb, { minLength: 1, maxLength: 4 }),
        fc.integer(),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        (values, seed, p, ci) => {
          const rnd = prng(seed);
          const v = values[Math.floor(rnd() * values.length)]!;
          const cps = Array.from(v);
          const i = Math.floor(rnd() * cps.length);
          const j = i + 1 + Math.floor(rnd() * (cps.length - i));
          const text = cps.slice(i, j).join("");
          const lit: PrefilterLiteral = ci
            ? { text: text.replace(/[A-Z]/g, (c) => c.toLowerCase()), caseInsensitive: true }
            : { text, caseInsensitive: false };
          const rec = { v: values, other: "zzz" };
          const json = serialise(rec, rnd, p);
          // Place the record inside a larger buffer at an unaligned offset, as a reader would.
          const pad = Math.floor(rnd() * 7);
          const buf = Buffer.concat([Buffer.from("x".repeat(pad)), Buffer.from(json), Buffer.from("\n{}")]);
          assert.ok(
            createRawPrefilter([[lit]]).test(buf, pad, pad + Buffer.byteLength(json)),
            `${json} ${text}`,
          );
        },
      ),
      { numRuns: 3000 },
    );
  });
});

describe("createRawPrefilter: forBuffer", () => {
  test("property: forBuffer gives test()'s verdict for every record of a buffer, in order or not", () => {
    let candidates = 0;
    fc.assert(
      fc.property(
        fc.array(queryArb, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(recordArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 1,
          maxLength: 12,
        }),
        fc.boolean(),
        (queries, recs, shuffle) => {
          const pf = createRawPrefilter(queries.map((q) => compileQuery(q).prefilter));
          const texts = recs.map(([r, seed, p]) => serialise(r, prng(seed), p));
          const buf = Buffer.from(`${texts.join("\n")}\n`);
          const spans: [number, number][] = [];
          let at = 0;
          for (const t of texts) {
            const n = Buffer.byteLength(t);
            spans.push([at, at + n]);
            at += n + 1;
          }
          if (shuffle) spans.reverse();
          const tester = pf.forBuffer(buf);
          for (const [s0, e0] of spans) {
            const want = pf.test(buf, s0, e0);
            if (want) candidates++;
            assert.equal(tester(s0, e0), want, buf.toString("utf8", s0, e0));
          }
        },
      ),
      { numRuns: 1500 },
    );
    assert.ok(candidates > 100, `too few candidates (${candidates})`);
  });

  test("a literal split across two records is in neither", () => {
    const pf = createRawPrefilter([compileQuery(SEED_QUERY).prefilter]);
    const buf = Buffer.from("/etc/NetworkManager/dispatcher.d/");
    const tester = pf.forBuffer(buf);
    assert.equal(tester(0, 20), false);
    assert.equal(tester(20, buf.length), false);
    assert.equal(pf.forBuffer(buf)(0, buf.length), true);
  });

  test("the seed rule over the Defend fixtures, as one buffer", () => {
    const pf = createRawPrefilter([compileQuery(SEED_QUERY).prefilter]);
    const lines = [
      ...fixture("linux_file_events.SYNTHETIC.ndjson").trim().split("\n"),
      fixture("defend_process_event.SYNTHETIC.json").trim(),
      '{"p":"/ETC/networkmanager/Dispatcher.D/x"}',
      '{"p":"/etc/NetworkManager\\/dispatcher.d/x"}',
      '{"p":"/etc/NetworkManager/dispatcher.d"}',
    ];
    const buf = Buffer.from(lines.join("\n"));
    const tester = pf.forBuffer(new Uint8Array(buf.buffer, buf.byteOffset, buf.length));
    let at = 0;
    const got = lines.map((l) => {
      const n = Buffer.byteLength(l);
      const r = tester(at, at + n);
      at += n + 1;
      return r;
    });
    assert.deepEqual(got, [true, true, true, true, false, true, true, false]);
  });
});

describe("createRawPrefilter: precision and edges", () => {
  const seed = compileQuery(SEED_QUERY);
  const pf = createRawPrefilter([seed.prefilter]);
  const lines = fixture("linux_file_events.SYNTHETIC.ndjson").trim().split("\n");
  const run = (s: string): boolean => {
    const b = Buffer.from(s, "utf8");
    return pf.test(b, 0, b.length);
  };

  test("the seed rule's literal is the dispatcher.d directory, case-insensitive", () => {
    assert.deepEqual(seed.prefilter, [{ text: "/etc/networkmanager/dispatcher.d/", caseInsensitive: true }]);
  });

  test("accepts the dispatcher.d file events, rejects an ordinary Defend process event", () => {
    for (const l of lines) assert.equal(run(l), true);
    assert.equal(run(fixture("defend_process_event.SYNTHETIC.json").trim()), false);
    const other = lines[0]!.replaceAll("dispatcher.d", "conf.d");
    assert.equal(run(other), false);
  });

  test("escaped backslashes before `u` are not escapes; real ones only matter for literal characters", () => {
    assert.equal(run('{"p":"C:\\\\users\\\\x"}'), false); // `\\u` is an escaped backslash then `u`
    assert.equal(run('{"p":"\\u00e9"}'), false); // é is not in the literal
    assert.equal(run('{"p":"\\u0041"}'), true); // A could spell the literal's `a`
    assert.equal(run('{"p":"\\\\\\u0041"}'), true); // `\\` then a real `\u0041`
    assert.equal(run('{"p":"a\\/b"}'), true); // `/` is in the literal
    assert.equal(run('{"p":"a\\\\/b"}'), false); // escaped backslash then a plain `/`
    assert.equal(run('{"p":"\\u12"}'), true); // undecodable: let the parser decide
  });

  test("only the record's own bytes are searched", () => {
    const rec = '{"a":"x"}';
    const buf = Buffer.from(`${rec}/etc/NetworkManager/dispatcher.d/`);
    assert.equal(pf.test(buf, 0, rec.length), false);
    assert.equal(pf.test(buf, 0, buf.length), true);
    assert.equal(pf.test(buf, 3, 3), false);
  });

  test("works on plain Uint8Array views at any offset", () => {
    const text = lines[0]!;
    for (let off = 0; off < 8; off++) {
      const bytes = new Uint8Array(off + Buffer.byteLength(text) + 3);
      bytes.set(Buffer.from(text), off);
      const view = new Uint8Array(bytes.buffer, 0, bytes.length);
      assert.equal(pf.test(view, off, off + Buffer.byteLength(text)), true, `offset ${off}`);
      const lower = Buffer.from(text.replace(/dispatcher\.d/gi, "other"));
      bytes.fill(0x20);
      bytes.set(lower, off);
      assert.equal(pf.test(view, off, off + lower.length), false, `offset ${off}`);
    }
  });

  test("case-sensitive literals are searched exactly; several rules are OR-ed", () => {
    const f = createRawPrefilter([
      [{ text: "Needle", caseInsensitive: false }],
      [{ text: "zz", caseInsensitive: true }],
    ]);
    const t = (s: string): boolean => f.test(Buffer.from(s), 0, Buffer.byteLength(s));
    assert.equal(t('{"a":"xNeedlex"}'), true);
    assert.equal(t('{"a":"xneedlex"}'), false);
    assert.equal(t('{"a":"ZZ"}'), true);
    assert.equal(t('{"a":"q\\"x"}'), false);
  });

  test("case-insensitive literals are found in every case variant (anchor and folding paths)", () => {
    for (const text of ["dispatcher.d", "/etc/ab/", "a.b.c", "q1r2", "sed", "xy", "/usr/lib/x"]) {
      const f = createRawPrefilter([[{ text, caseInsensitive: true }]]);
      const letters = [...text].filter((c) => /[a-z]/.test(c)).length;
      for (let mask = 0; mask < 1 << letters; mask++) {
        let bit = 0;
        const variant = [...text]
          .map((c) => (/[a-z]/.test(c) && (mask >> bit++) & 1 ? c.toUpperCase() : c))
          .join("");
        const json = JSON.stringify({ pad: "zz", v: `<${variant}>` });
        assert.ok(f.test(Buffer.from(json), 0, json.length), `${text} not found in ${json}`);
      }
      const miss = JSON.stringify({ v: text.slice(0, -1) });
      assert.equal(f.test(Buffer.from(miss), 0, miss.length), false, `${text} found in ${miss}`);
    }
  });

  test("literals with quotes, backslashes and controls use their JSON spelling", () => {
    const f = createRawPrefilter([[{ text: 'a"b\\c\nd', caseInsensitive: false }]]);
    const json = JSON.stringify({ v: 'xa"b\\c\ndx' });
    assert.equal(f.test(Buffer.from(json), 0, Buffer.byteLength(json)), true);
  });

  test("numbers spelled differently in the raw text still pass (no literal from number-like constants)", () => {
    const spellings: [string, string][] = [
      ['any where a == "100"', '{"a":100.0}'],
      ["any where a == 100", '{"a":1E2}'],
      ['any where a like "1.5*"', '{"a":1.50}'],
      ['any where a in ("1e+21")', '{"a":1000000000000000000000}'],
      ['any where a : "0"', '{"a":-0}'],
    ];
    for (const [query, text] of spellings) {
      const q = compileQuery(query);
      assert.equal(q.matches(JSON.parse(text)), true, query);
      assert.equal(createRawPrefilter([q.prefilter]).test(Buffer.from(text), 0, text.length), true, query);
    }
  });

  test("a null literal set accepts everything; no literals at all reject everything", () => {
    const all = createRawPrefilter([[{ text: "x", caseInsensitive: false }], null]);
    assert.equal(all.acceptsAll, true);
    assert.equal(all.test(Buffer.from("{}"), 0, 2), true);
    const none = createRawPrefilter([]);
    assert.equal(none.rejectsAll, true);
    assert.equal(none.test(Buffer.from("{}"), 0, 2), false);
    assert.equal(createRawPrefilter([[]]).test(Buffer.from("{}"), 0, 2), false);
  });
});

describe("prefilter literal derivation", () => {
  const lits = (q: string) => compileQuery(q).prefilter;

  test("and picks the most selective conjunct; or unions; not gives none", () => {
    assert.deepEqual(lits('any where a == "short" and b == "much-longer-literal"'), [
      { text: "much-longer-literal", caseInsensitive: false },
    ]);
    assert.deepEqual(lits('any where a == "xyz1" or b : "Abc*"'), [
      { text: "xyz1", caseInsensitive: false },
      { text: "abc", caseInsensitive: true },
    ]);
    assert.equal(lits('any where not a == "xyz"'), null);
    assert.equal(lits('any where a == "xyz" or not b == "q"'), null);
    assert.equal(lits('any where a != "xyz"'), null);
    assert.equal(lits('any where a not in ("xyz")'), null);
    assert.equal(lits("any where a != null"), null);
    assert.equal(lits('any where a > "m"'), null);
  });

  test("a wildcard pattern contributes its longest literal run", () => {
    assert.deepEqual(lits('any where a like "*/x/*/longest-run?/y*"'), [
      { text: "/longest-run", caseInsensitive: false },
    ]);
    assert.equal(lits('any where a like "*"'), null);
    assert.equal(lits('any where a like ("*", "abc*")'), null);
  });

  test("number-like constants and non-verbatim fields give no literal", () => {
    assert.equal(lits("any where a == 1.5"), null);
    assert.equal(lits('any where a == "1e5"'), null);
    assert.equal(lits('any where event.type == "creation"'), null);
    assert.equal(lits("file where true"), null);
    assert.deepEqual(compileQuery("file where true", { nonVerbatimFields: [] }).prefilter, [
      { text: "file", caseInsensitive: false },
    ]);
  });

  test("a query that cannot match gives an empty set", () => {
    assert.deepEqual(lits("any where false"), []);
    assert.deepEqual(lits('any where a == "x" and false'), []);
  });
});
