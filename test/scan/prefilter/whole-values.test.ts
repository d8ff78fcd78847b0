/**
 * Whole-value clauses: for a record whose ECS view is the record itself (Defend, unknown shapes),
 * literals of every field, anchored to their value's quotes and checked against the value's key.
 * The contract stays soundness: a rule left out for a record cannot match it.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import type { EventQuery } from "../../../src/eql/index.ts";
import { compileQuery, deriveLiterals, parse } from "../../../src/eql/index.ts";
import {
  createRulePrefilter,
  deriveClauses,
  type RuleClauses,
  type WholeValueModel,
} from "../../../src/scan/prefilter/index.ts";
import { MAPPED_VIEW_MARKERS } from "../../../src/sources/index.ts";
import { flipCase, prng, serialise } from "../../eql/json-escape.ts";
import { eqlString, POOL, queryArb, recordArb, recordOf } from "./arbitraries.ts";

interface TestRule {
  readonly query: string;
  readonly matches: (e: unknown) => boolean;
  readonly general: RuleClauses;
  readonly whole: RuleClauses;
}

const rule = (query: string): TestRule => {
  const q = compileQuery(query);
  return {
    query,
    matches: q.matches,
    general: deriveClauses(query, q.prefilter),
    whole: deriveClauses(query, q.prefilter, { wholeValues: true }),
  };
};

/** Half of the prefilters get their general clauses as a function, called only when needed. */
let lazy = false;
const prefilter = (rules: readonly TestRule[], markers: WholeValueModel["markers"] = MAPPED_VIEW_MARKERS) => {
  lazy = !lazy;
  const general = rules.map((r) => r.general);
  return createRulePrefilter(lazy ? () => general : general, {
    strategy: "automaton",
    wholeValue: { clauses: rules.map((r) => r.whole), markers },
  });
};

/** Admitted rule indexes for one record text. */
function admitted(rules: readonly TestRule[], text: string, markers?: WholeValueModel["markers"]): number[] {
  const buf = Buffer.from(text);
  const out = new Int32Array(rules.length);
  const n = prefilter(rules, markers).forBuffer(buf)(0, buf.length, out);
  return [...out.subarray(0, n)];
}

/**
 * Asserts that every rule matching the record `text` is among the `n` admitted in `out`; returns
 * how many rules matched (so a property can show it is not vacuous).
 */
function checkAdmitted(rules: readonly TestRule[], out: Int32Array, n: number, text: string): number {
  const set = new Set(out.subarray(0, n));
  const event = JSON.parse(text) as unknown;
  let matched = 0;
  rules.forEach((r, i) => {
    if (!r.matches(event)) return;
    matched++;
    assert.ok(set.has(i), `rule ${i} (${r.query}) left out for ${text}`);
  });
  return matched;
}

/** JSON whitespace between tokens, as a pretty-printer or a hand would put it (one line). */
function spaced(text: string, rnd: () => number): string {
  let out = "";
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    out += c;
    if (inString) {
      if (c === "\\") out += text[++i]!;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if ((c === ":" || c === "," || c === "[" || c === "{") && rnd() < 0.5)
      out += rnd() < 0.5 ? " " : "\t ";
  }
  return out;
}

describe("whole-value literals (src/eql/literals.ts, wholeValues)", () => {
  const lits = (q: string, wholeValues = true) =>
    deriveLiterals(parse(q) as EventQuery, { nonVerbatimFields: [], wholeValues, maxPrefilterLiterals: 99 });

  test("equality and `in` give the whole value with its field; patterns anchor their end runs", () => {
    assert.deepEqual(lits('any where event.action == "exec"'), [
      { text: "exec", caseInsensitive: false, valueStart: true, valueEnd: true, field: "event.action" },
    ]);
    assert.deepEqual(lits('any where process.name : "curl*"'), [
      { text: "curl", caseInsensitive: true, valueStart: true, field: "process.name" },
    ]);
    assert.deepEqual(lits('any where dns.question.name : "*.example"'), [
      { text: ".example", caseInsensitive: true, valueEnd: true, field: "dns.question.name" },
    ]);
    assert.deepEqual(lits('any where file.path like "*/cron.d/*"'), [
      { text: "/cron.d/", caseInsensitive: false },
    ]);
  });

  test("no anchors without wholeValues, for texts a raw boolean could stand for, or for multi-fields' keys", () => {
    assert.deepEqual(lits('any where event.action == "exec"', false), [
      { text: "exec", caseInsensitive: false },
    ]);
    assert.deepEqual(lits('any where a.b == "true"'), [{ text: "true", caseInsensitive: false }]);
    assert.deepEqual(lits('any where a.b : "fals*"'), [{ text: "fals", caseInsensitive: true }]);
    assert.deepEqual(lits('any where process.name.caseless == "bash"'), [
      { text: "bash", caseInsensitive: false, valueStart: true, valueEnd: true },
    ]);
  });

  test("`process where` makes the category a clause; the engine's floating set is left out", () => {
    const q = 'process where host.os.type == "linux" and process.name == "curl"';
    const c = compileQuery(q);
    const whole = deriveClauses(q, c.prefilter, { wholeValues: true }) ?? [];
    const texts = whole.map((cl) =>
      cl.map((l) => `${l.valueStart ? '"' : ""}${l.text}${l.valueEnd ? '"' : ""}`),
    );
    assert.deepEqual(texts.sort(), [['"curl"'], ['"linux"'], ['"process"']]);
  });
});

describe("whole-value prefilter: precision", () => {
  const rules = [
    rule('process where event.action == "exec" and process.name == "curl"'),
    rule('network where dns.question.name : "*.network"'),
    rule('file where file.path : "/etc/cron.d/*"'),
  ];
  const defend = (extra: string) =>
    `{"event":{"category":["process"],"action":"fork","module":"endpoint"},"process":{"executable":"/usr/bin/curl","name":"curl","start":"x"}${extra}}`;

  test("a quoted value, not a key or a part of another value", () => {
    assert.deepEqual(admitted(rules, defend("")), []); // `exec` only inside `executable`
    assert.deepEqual(admitted(rules, defend(',"exec":"y"')), []); // a key named exec
    assert.deepEqual(admitted(rules, defend(',"x":{"action":"exec"}')), [0]);
    assert.deepEqual(admitted(rules, defend(',"x":{"action":["a", "exec"]}')), [0]); // in an array of strings
  });

  test("the value's key must end the field's path: `.network` under data_stream.dataset is no DNS name", () => {
    const dns = (k: string) =>
      `{"event":{"category":["network"]},"data_stream":{"dataset":"endpoint.events.network"}${k}}`;
    assert.deepEqual(admitted(rules, dns("")), []);
    assert.deepEqual(admitted(rules, dns(',"dns":{"question":{"name":"a.NETWORK"}}')), [1]);
    assert.deepEqual(admitted(rules, dns(',"dns.question.name":"a.network"')), [1]); // a dotted key
    assert.deepEqual(admitted(rules, dns(',"dns":{"question":{"name" : [ "b", "a.network" ]}}')), [1]);
    assert.deepEqual(admitted(rules, dns(',"dns":{"question":{"xname":"a.network"}}')), []);
    // Shapes the backward reading does not follow are admitted: the parser decides.
    assert.deepEqual(admitted(rules, dns(',"dns":{"question":{"xname":[1,"a.network"]}}')), [1]);
  });

  test("a record holding a mapped source's marker gets the general clauses", () => {
    // SentinelOne: the ECS `event.action` is derived, so no `"exec"` is needed in the raw record.
    const s1 = '{"event.type":"Process Creation","endpoint.os":"linux","tgt.process.name":"curl"}';
    assert.deepEqual(admitted(rules, s1), [0]);
    assert.deepEqual(admitted(rules, s1, "every-record"), []); // as a `defend` scan would see it
  });

  test("escapes are read in their canonical spelling, also around quotes and keys", () => {
    assert.deepEqual(admitted(rules, defend(',"x":{"\\u0061ction":"\\u0065xec"}')), [0]);
    assert.deepEqual(admitted(rules, defend(',"x":{"action":"q\\"exec"}')), []);
  });
});

describe("whole-value prefilter: soundness (a rule left out cannot match)", () => {
  // Keys that collide with values, and values under several keys, so the key check is exercised.
  const FIELDS = ["a", "b.c", "file.path", "process.name", "event.category"];
  const extraArb = fc.array(
    fc.tuple(fc.constantFrom(...POOL, ...FIELDS, "c", "name"), fc.constantFrom(...POOL)),
    {
      maxLength: 3,
    },
  );
  const recordsArb = fc.array(
    fc.tuple(recordArb, extraArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()),
    { minLength: 1, maxLength: 6 },
  );

  test("property: random rules, records with colliding keys, escapes, whitespace, markers or none", () => {
    let matched = 0;
    let skipped = 0;
    fc.assert(
      fc.property(
        fc.array(queryArb, { minLength: 1, maxLength: 10 }),
        recordsArb,
        fc.constantFrom<WholeValueModel["markers"]>(MAPPED_VIEW_MARKERS, "every-record"),
        (queries, recs, markers) => {
          const rules = queries.map(rule);
          const pf = prefilter(rules, markers);
          const texts = recs.map(([r, extra, seed, p, pretty]) => {
            const rec: Record<string, unknown> = { ...r };
            for (const [k, v] of extra) if (!(k in rec)) rec[k] = v;
            const rnd = prng(seed);
            const t = serialise(rec, rnd, p);
            return pretty ? spaced(t, rnd) : t;
          });
          const buf = Buffer.from(`${texts.join("\n")}\n`);
          const admit = pf.forBuffer(buf);
          const out = new Int32Array(rules.length);
          let at = 0;
          for (const t of texts) {
            const len = Buffer.byteLength(t);
            const n = admit(at, at + len, out);
            at += len + 1;
            if (n === 0) skipped++;
            matched += checkAdmitted(rules, out, n, t);
          }
        },
      ),
      { numRuns: 1500 },
    );
    assert.ok(matched > 300, `too few matching samples (${matched})`);
    assert.ok(skipped > 100, `too few skipped records (${skipped}): the test would be vacuous`);
  });
});

describe("whole-value prefilter: soundness where values equal constants often", () => {
  // Single pool values, so that `==`, `in` and anchored patterns match often; fields nested or
  // dotted, values alone or in arrays, keys that collide with the fields' last segments.
  const FIELDS = ["a", "b.c", "x.b.c", "process.name", "event.action"];
  const WORDS = ["linux", "exec", "c", "name", "a.network", 'q"r', "back\\slash", "true", "é", "1.5"];
  const leafArb = fc.tuple(fc.constantFrom(...WORDS), fc.integer()).map(([w, seed]) => {
    const rnd = prng(seed);
    return rnd() < 0.3 ? flipCase(w, rnd) : w;
  });
  const valueArb = fc.oneof(
    leafArb,
    fc.array(leafArb, { minLength: 1, maxLength: 3 }),
    fc.integer(),
    fc.boolean(),
  );
  const recArb = fc
    .tuple(fc.array(fc.tuple(fc.constantFrom(...FIELDS, ...WORDS), valueArb), { maxLength: 5 }), fc.boolean())
    .map(([pairs, dotted]) => recordOf(pairs, dotted));
  const constArb = fc.tuple(fc.constantFrom(...WORDS), fc.constantFrom(0, 1, 2, 3)).map(([w, mode]) => {
    if (mode === 1) return `*${w.slice(1)}`;
    if (mode === 2) return `${w.slice(0, -1)}*`;
    if (mode === 3) return `${w.slice(0, 1)}*${w.slice(2)}`;
    return w;
  });
  const leafQuery = fc
    .tuple(
      fc.constantFrom(...FIELDS),
      fc.constantFrom("==", ":", "like", "like~", "in", "in~"),
      fc.array(constArb, { minLength: 1, maxLength: 2 }),
    )
    .map(([f, op, cs]) =>
      op === "==" ? `${f} == ${eqlString(cs[0]!)}` : `${f} ${op} (${cs.map(eqlString).join(", ")})`,
    );
  const exprArb = fc
    .array(leafQuery, { minLength: 1, maxLength: 3 })
    .chain((ls) => fc.constantFrom("and", "or").map((op) => ls.join(` ${op} `)));

  test("property", () => {
    let matched = 0;
    fc.assert(
      fc.property(
        fc.array(exprArb, { minLength: 1, maxLength: 6 }),
        fc.array(fc.tuple(recArb, fc.integer(), fc.double({ min: 0, max: 1, noNaN: true }), fc.boolean()), {
          minLength: 1,
          maxLength: 5,
        }),
        (exprs, recs) => {
          const rules = exprs.map((e) => rule(`any where ${e}`));
          const pf = prefilter(rules, "every-record");
          const out = new Int32Array(rules.length);
          for (const [rec, seed, p, pretty] of recs) {
            const rnd = prng(seed);
            const t0 = serialise(rec, rnd, p);
            const t = pretty ? spaced(t0, rnd) : t0;
            const buf = Buffer.from(t);
            const n = pf.forBuffer(buf)(0, buf.length, out);
            matched += checkAdmitted(rules, out, n, t);
          }
        },
      ),
      { numRuns: 2000 },
    );
    assert.ok(matched > 300, `too few matching samples (${matched})`);
  });
});
