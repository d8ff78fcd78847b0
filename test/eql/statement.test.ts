/**
 * The whole statement grammar (Elasticsearch's EqlBase.g4): sequences, samples, pipes and the
 * expression forms, as AST with spans; and every refusal with its position.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  EqlError,
  EqlSyntaxError,
  EqlUnsupportedError,
  type Expr,
  parse,
  parseStatement,
} from "../../src/eql/index.ts";

function thrown(f: () => unknown): EqlError {
  try {
    f();
  } catch (e) {
    if (e instanceof EqlError) return e;
    throw e;
  }
  assert.fail("expected an EqlError");
}

const text = (src: string, e: { span: { start: number; end: number } }): string =>
  src.slice(e.span.start, e.span.end);

describe("statements: sequences", () => {
  test("by, maxspan, per-step by, runs, missing steps and until, with spans", () => {
    const src = `sequence by host.id with maxspan=30s
  [process where process.name == "curl"] by process.pid
  ![file where true] by process.pid
  [network where true] by process.parent.pid with runs=3
until [process where event.type == "end"] by process.pid`;
    const st = parseStatement(src);
    assert.equal(st.query.kind, "sequence");
    if (st.query.kind !== "sequence") return;
    const q = st.query;
    assert.deepEqual(
      q.by.map((k) => text(src, k)),
      ["host.id"],
    );
    assert.deepEqual(q.maxspan && { millis: q.maxspan.millis, unit: q.maxspan.unit, text: q.maxspan.text }, {
      millis: 30_000,
      unit: "s",
      text: "30s",
    });
    assert.deepEqual(
      q.steps.map((s) => [s.missing, s.runs, s.by.map((k) => text(src, k)).join(",")]),
      [
        [false, 1, "process.pid"],
        [true, 1, "process.pid"],
        [false, 3, "process.parent.pid"],
      ],
    );
    assert.equal(text(src, q.steps[1]!), "![file where true] by process.pid");
    assert.equal(q.until?.query.category?.name, "process");
    assert.equal(text(src, q), src);
  });

  test("every time unit and the span in milliseconds", () => {
    for (const [u, ms] of [
      ["ms", 5],
      ["s", 5000],
      ["m", 300_000],
      ["h", 18_000_000],
      ["d", 432_000_000],
    ] as const) {
      const st = parseStatement(`sequence with maxspan=5${u} [a where true] [b where true]`);
      assert.ok(st.query.kind === "sequence" && st.query.maxspan?.millis === ms, u);
    }
    // A space between the number and the unit is two tokens, as in Elasticsearch.
    const spaced = parseStatement("sequence with maxspan=5 m [a where true] [b where true]");
    assert.ok(spaced.query.kind === "sequence" && spaced.query.maxspan?.millis === 300_000);
  });

  test("one step repeated with runs is a sequence of two", () => {
    const st = parseStatement("sequence [a where true] with runs=2");
    assert.ok(st.query.kind === "sequence" && st.query.steps[0]!.runs === 2);
  });

  const errors: [string, string, "syntax" | "unsupported", number][] = [
    ["maxspan without a unit", "sequence with maxspan=30 [a where true] [b where true]", "syntax", 26],
    ["decimal maxspan", "sequence with maxspan=1.5s [a where true] [b where true]", "syntax", 23],
    ["zero maxspan", "sequence with maxspan=0s [a where true] [b where true]", "syntax", 23],
    ["unknown unit", "sequence with maxspan=3w [a where true] [b where true]", "syntax", 24],
    ["by after with", "sequence with maxspan=3s by a [a where true] [b where true]", "syntax", 26],
    ["one step", "sequence [a where true]", "syntax", 10],
    ["only missing steps", "sequence ![a where true] ![b where true]", "syntax", 10],
    ["inconsistent key counts", "sequence [a where true] by x [b where true] by x, y", "syntax", 48],
    ["runs too large", "sequence [a where true] with runs=101", "syntax", 35],
    ["runs zero", "sequence [a where true] with runs=0 [b where true]", "syntax", 35],
    ["unknown step option", "sequence [a where true] with fork=1 [b where true]", "syntax", 30],
    ["missing step in until", "sequence [a where true] [b where true] until ![c where true]", "syntax", 46],
    ["join", "join [a where true] [b where true]", "unsupported", 1],
  ];
  for (const [name, src, kind, col] of errors) {
    test(`refuses ${name} at column ${col}`, () => {
      const e = thrown(() => parseStatement(src, { file: "q" }));
      assert.ok(
        kind === "syntax" ? e instanceof EqlSyntaxError : e instanceof EqlUnsupportedError,
        e.message,
      );
      assert.equal(e.column, col, e.message);
      assert.ok(!/invalid number/.test(e.message), e.message);
    });
  }
});

describe("statements: samples and pipes", () => {
  test("sample by keys with per-step keys", () => {
    const src = "sample by host.name [a where true] by user.name [b where true] by user.id";
    const st = parseStatement(src);
    assert.ok(st.query.kind === "sample");
    if (st.query.kind !== "sample") return;
    assert.deepEqual(
      st.query.steps.map((s) => s.by.map((k) => text(src, k))),
      [["user.name"], ["user.id"]],
    );
  });

  test("samples refuse one step, until, with, missing steps and pipes", () => {
    for (const [src, col] of [
      ["sample by h [a where true]", 13],
      ["sample by h [a where true] [b where true] until [c where true]", 43],
      ["sample by h with maxspan=1s [a where true] [b where true]", 13],
      ["sample by h ![a where true] [b where true]", 13],
      ["sample by h [a where true] [b where true] | head 1", 43],
    ] as const) {
      const e = thrown(() => parseStatement(src));
      assert.equal(e.column, col, `${src}: ${e.message}`);
    }
  });

  test("head and tail with one non-negative integer, in order", () => {
    const st = parseStatement("process where true | tail 5 | head 2");
    assert.deepEqual(
      st.pipes.map((p) => [p.name, p.count]),
      [
        ["tail", 5],
        ["head", 2],
      ],
    );
  });

  test("pipe errors: no argument, two, negative, decimal, Endgame pipes by name, unknown pipes", () => {
    const cases: [string, string | null, number][] = [
      ["any where true | head", null, 22],
      ["any where true | head 1, 2", null, 26],
      ["any where true | head -1", null, 23],
      ["any where true | tail 1.5", null, 23],
      ["any where true | unique process.name", "pipe unique", 18],
      ["any where true | count", "pipe count", 18],
      ["any where true | frobnicate", null, 18],
    ];
    for (const [src, construct, col] of cases) {
      const e = thrown(() => parseStatement(src));
      assert.equal(e.column, col, `${src}: ${e.message}`);
      if (construct !== null) assert.equal(e.construct, construct);
    }
  });

  test("parse() (one event at a time) names sequences, samples and pipes", () => {
    for (const [src, construct] of [
      ["sequence [a where true] [b where true]", "sequence"],
      ["sample by x [a where true] [b where true]", "sample"],
      ["a where true | head 3", "pipe"],
    ] as const) {
      const e = thrown(() => parse(src));
      assert.ok(e instanceof EqlUnsupportedError);
      assert.equal(e.construct, construct);
    }
  });
});

describe("statements: expressions", () => {
  const cond = (src: string): Expr => parse(`any where ${src}`).condition;

  test("arithmetic precedence and associativity; a sign folds into a number literal", () => {
    const c = cond("a + b * c - d / 2 == 1");
    assert.ok(c.kind === "compare-values" && c.left.kind === "arith" && c.left.op === "-");
    if (c.kind !== "compare-values" || c.left.kind !== "arith") return;
    assert.ok(c.left.left.kind === "arith" && c.left.left.op === "+");
    assert.ok(c.left.right.kind === "arith" && c.left.right.op === "/");
    const n = cond("a > -1");
    assert.ok(n.kind === "compare" && n.value.kind === "number" && n.value.value === -1 && n.value.integer);
    const d = cond("a > 2.0");
    assert.ok(d.kind === "compare" && d.value.kind === "number" && !d.value.integer);
    const neg = cond("-a == 1");
    assert.ok(neg.kind === "compare-values" && neg.left.kind === "negate");
  });

  test("calls: name as written, `~` only when attached, nested calls and no arguments", () => {
    const c = cond('startsWith~(concat(a, "x"), "y")');
    assert.ok(c.kind === "call" && c.name === "startsWith" && c.caseInsensitive);
    if (c.kind !== "call") return;
    assert.ok(c.args[0]!.kind === "call" && c.args[0]!.name === "concat");
    assert.ok(cond("f()").kind === "call");
    assert.throws(() => cond('startsWith ~(a, "x")'), EqlSyntaxError);
  });

  test("pattern operators over an expression become match nodes; over a field the fast forms", () => {
    assert.equal(cond('string(a) : "x*"').kind, "match");
    assert.equal(cond('a regex~ ("x", "y")').kind, "regex");
    assert.equal(cond('a in ("x", null)').kind, "in");
    assert.equal(cond("length(a) in (1, 2)").kind, "in-values");
  });

  test("comparisons do not chain; null compared with == is a null check", () => {
    assert.throws(() => cond("a == 1 == true"), EqlSyntaxError);
    assert.equal(cond("null == a").kind, "null-check");
    assert.equal(cond("null == (a > 1)").kind, "compare-values");
  });

  test("escapes of Elasticsearch's grammar: \\b \\f \\' decode", () => {
    const c = cond('a == "x\\by\\fz\\\'"');
    assert.ok(c.kind === "compare" && c.value.kind === "string" && c.value.value === "x\by\fz'");
  });
});
