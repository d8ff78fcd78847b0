import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { EqlError, EqlSyntaxError, EqlUnsupportedError, parse, tokenize } from "../../src/eql/index.ts";
import { SEED_QUERY } from "./semantics-table.ts";

describe("lexer", () => {
  test("tokens carry spans; keywords with `~`; dotted, `@` and backtick-quoted fields", () => {
    const src =
      'file where @timestamp in~ ("a") and `my field`.x like~ "b" // comment\n/* block */ or ?a.b : 1.5e3';
    const toks = tokenize(src);
    const summary = toks.map((t) =>
      t.kind === "keyword"
        ? t.word
        : t.kind === "ident"
          ? `id:${t.path}`
          : t.kind === "punct"
            ? t.text
            : t.kind,
    );
    assert.deepEqual(summary, [
      "id:file",
      "where",
      "id:@timestamp",
      "in~",
      "(",
      "string",
      ")",
      "and",
      "id:my field.x",
      "like~",
      "string",
      "or",
      "?",
      "id:a.b",
      ":",
      "number",
      "eof",
    ]);
    for (const t of toks) {
      if (t.kind === "eof") continue;
      assert.ok(t.span.end > t.span.start);
      assert.ok(src.slice(t.span.start, t.span.end).length > 0);
    }
  });

  test("string escapes and raw strings", () => {
    const [t] = tokenize('"a\\tb\\u{1F600}\\"\\\\"');
    assert.ok(t?.kind === "string");
    assert.equal(t.value, 'a\tb\u{1F600}"\\');
    const [r] = tokenize('"""no \\n escapes " here"""');
    assert.ok(r?.kind === "string" && r.raw);
    assert.equal(r.value, 'no \\n escapes " here');
  });
});

describe("parser", () => {
  test("the seed rule parses into the expected shape with spans", () => {
    const ast = parse(SEED_QUERY);
    assert.equal(ast.category?.name, "file");
    assert.equal(ast.condition.kind, "and");
    if (ast.condition.kind !== "and") return;
    assert.deepEqual(
      ast.condition.operands.map((o) => o.kind),
      ["compare", "compare", "like", "not"],
    );
    const like = ast.condition.operands[2]!;
    assert.equal(
      SEED_QUERY.slice(like.span.start, like.span.end),
      'file.path like~ "/etc/NetworkManager/dispatcher.d/*"',
    );
  });

  test("precedence: not > and > or, and parentheses", () => {
    const c = parse('any where not a == "1" and b == "1" or c == "1"').condition;
    assert.equal(c.kind, "or");
    if (c.kind !== "or") return;
    assert.equal(c.operands[0]!.kind, "and");
    if (c.operands[0]!.kind !== "and") return;
    assert.equal(c.operands[0]!.operands[0]!.kind, "not");
    const p = parse('any where not (a == "1" and b == "1")').condition;
    assert.ok(p.kind === "not" && p.operand.kind === "and");
  });

  test("constant on the left is mirrored; null comparisons become null checks", () => {
    const c = parse("any where 5 <= a").condition;
    assert.ok(c.kind === "compare" && c.op === ">=" && c.field.path === "a");
    const n = parse("any where ?a != null").condition;
    assert.ok(n.kind === "null-check" && n.negated && n.field.optional);
  });

  test("error messages: file:line:col, the source line, a caret (tabs preserved), the construct", () => {
    const err = (() => {
      try {
        parse('file where\n\tx == "a" |\thead 1', { file: "r.toml", origin: { line: 10, column: 5 } });
      } catch (e) {
        return e;
      }
    })();
    assert.ok(err instanceof EqlUnsupportedError);
    assert.ok(err instanceof EqlError);
    assert.equal(err.name, "EqlUnsupportedError");
    assert.equal(err.construct, "pipe");
    assert.equal(err.line, 11);
    assert.equal(err.column, 11);
    assert.equal(
      err.message,
      'r.toml:11:11: pipes (`| head`) are not supported here: they cut a list of results, not one event (evaluateQuery and `edr-scan --query` run them)\n\tx == "a" |\thead 1\n\t         ^',
    );
  });

  test("an error on the first query line is shifted by the origin column", () => {
    const err = (() => {
      try {
        parse("any where a == ", { file: "f", origin: { line: 3, column: 9 } });
      } catch (e) {
        return e as EqlError;
      }
    })();
    assert.ok(err instanceof EqlSyntaxError);
    assert.equal(
      err.message.split("\n")[0],
      "f:3:24: unexpected end of the query: expected a field or a value",
    );
    assert.equal(err.message.split("\n")[2], `${" ".repeat(23)}^`);
    assert.equal(err.file, "f");
  });

  test("deep nesting is an error with a position, not a stack overflow", () => {
    const deep = `any where ${"(".repeat(100_000)}a == "x"${")".repeat(100_000)}`;
    assert.throws(
      () => parse(deep),
      (e: unknown) => e instanceof EqlSyntaxError && e.column === 267,
    );
    const nots = `any where ${"not ".repeat(100_000)}a == "x"`;
    assert.throws(() => parse(nots), EqlSyntaxError);
    const ok = `any where ${"(".repeat(200)}a == "x"${")".repeat(200)}`;
    assert.equal(parse(ok).condition.kind, "compare");
  });

  test("property: any input either parses or throws an EqlError (never another exception)", () => {
    const pieces = [
      "file",
      "any",
      "where",
      "and",
      "or",
      "not",
      "in",
      "in~",
      "like",
      "like~",
      ":",
      "==",
      "!=",
      "<",
      ">=",
      "(",
      ")",
      ",",
      '"x"',
      '"""r"""',
      "'s'",
      "1",
      "-2.5",
      "true",
      "null",
      "a.b",
      "?c",
      "|",
      "sequence",
      "f(",
      "regex",
      "[",
      "]",
      "=",
      "+",
      "\\",
      '"\\q"',
      "`q`",
      "//c\n",
      "/*",
      "~",
      "é",
    ];
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...pieces), { maxLength: 14 }),
        fc.string({ maxLength: 5 }),
        (parts, noise) => {
          const src = parts.join(" ") + noise;
          try {
            parse(src);
          } catch (e) {
            assert.ok(e instanceof EqlError, `${String(e)} for ${JSON.stringify(src)}`);
            assert.ok(e.line >= 1 && e.column >= 1);
            assert.equal(e.message.split("\n").length, 3);
          }
        },
      ),
      { numRuns: 5000 },
    );
  });
});
