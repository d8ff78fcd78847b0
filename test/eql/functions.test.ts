import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import {
  allFunctions,
  arithmetic,
  compileLuceneWildcard,
  type EqlFunction,
  EqlFunctionArgumentError,
  EqlFunctionError,
  type EqlValue,
  lookupFunction,
  type NumericKind,
  type NumericOut,
} from "../../src/eql/functions.ts";
import { CALLS, FIELD_PREDICATES, NAMES, SHAPES } from "./functions-table.ts";

function fn(name: string): EqlFunction {
  const f = lookupFunction(name);
  assert.ok(f, `function ${name} is registered`);
  return f;
}

function show(v: readonly EqlValue[]): string {
  return JSON.stringify(v.map((x) => (typeof x === "string" && x.length > 40 ? x.slice(0, 40) + "..." : x)));
}

describe("EQL functions: semantics table", () => {
  for (const row of CALLS) {
    const label = `${row.fn}${row.ci ? "~" : ""}(${show(row.args)}) ${row.throws ? `throws (${row.throws})` : `= ${String(row.expect)}`}: ${row.why}`;
    test(label, () => {
      // Prepare
      const f = fn(row.fn);
      const out: NumericOut = { kind: null };
      // Act
      const act = (): EqlValue => f.call(row.args, row.ci ?? false, row.kinds, out);
      // Assess
      if (row.throws === "argument") {
        assert.throws(act, EqlFunctionArgumentError);
      } else if (row.throws === "evaluation") {
        assert.throws(
          act,
          (e: unknown) => e instanceof EqlFunctionError && !(e instanceof EqlFunctionArgumentError),
        );
      } else {
        const got = act();
        if (typeof row.expect === "number" && Number.isNaN(row.expect)) assert.ok(Number.isNaN(got));
        else assert.deepEqual(got, row.expect);
        if (row.kind !== undefined) assert.equal(out.kind, row.kind);
      }
    });
  }

  test("every function has rows in the table, and rows for its ~ form when it has one", () => {
    for (const f of allFunctions()) {
      assert.ok(
        CALLS.some((r) => r.fn === f.name),
        `${f.name} has no row`,
      );
      if (f.caseInsensitiveVariant) {
        assert.ok(
          CALLS.some((r) => r.fn === f.name && r.ci),
          `${f.name}~ has no row`,
        );
      }
    }
  });

  test("argument errors carry the index of the offending argument", () => {
    const e = (() => {
      try {
        fn("substring").call(["abc", "1"], false);
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    assert.ok(e instanceof EqlFunctionArgumentError);
    assert.equal(e.argumentIndex, 1);
    assert.equal(e.functionName, "substring");
    assert.match(e.message, /A number is required; received \[1\]/);
  });

  test("error messages cut long attacker-controlled values short", () => {
    const long = "x".repeat(10_000);
    assert.throws(
      () => fn("length").call([long.length], false),
      (e: unknown) => e instanceof EqlFunctionArgumentError,
    );
    try {
      fn("number").call([long], false);
      assert.fail("number() of letters must throw");
    } catch (e) {
      assert.ok(e instanceof EqlFunctionError);
      assert.ok(e.message.length < 300, `message of ${e.message.length} chars`);
    }
  });
});

describe("EQL functions: name resolution and shapes", () => {
  for (const [written, canonical] of NAMES) {
    test(`"${written}" resolves to ${canonical ?? "nothing"}`, () => {
      assert.equal(lookupFunction(written)?.name, canonical);
    });
  }

  for (const [name, min, max, ci] of SHAPES) {
    test(`${name} takes ${min}..${max} arguments${ci ? " and has a ~ form" : ""}`, () => {
      const f = fn(name);
      assert.equal(f.minArgs, min);
      assert.equal(f.maxArgs, max);
      assert.equal(f.caseInsensitiveVariant, ci);
    });
  }

  test("the registry has exactly Elasticsearch's 16 functions", () => {
    assert.deepEqual(
      allFunctions()
        .map((f) => f.name)
        .sort(),
      SHAPES.map((s) => s[0]).sort(),
    );
  });

  test("params describe every position: optional ones after required ones, variadic last", () => {
    for (const f of allFunctions()) {
      let seenOptional = false;
      f.params.forEach((p, i) => {
        if (p.optional) seenOptional = true;
        else if (!p.variadic) assert.ok(!seenOptional, `${f.name}: required ${p.name} after an optional one`);
        if (p.variadic) assert.equal(i, f.params.length - 1, `${f.name}: variadic ${p.name} is not last`);
      });
      if (f.maxArgs !== Number.POSITIVE_INFINITY) assert.equal(f.params.length, f.maxArgs, f.name);
    }
  });

  test("static types follow Elasticsearch's type resolution", () => {
    assert.equal(fn("cidrMatch").params[0]?.type, "ip");
    assert.equal(fn("cidrMatch").params[1]?.foldable, true);
    assert.equal(fn("substring").params[1]?.type, "integer");
    assert.equal(fn("number").params[1]?.type, "integer");
    assert.equal(fn("between").params[3]?.type, "boolean");
    assert.equal(fn("add").params[0]?.type, "numeric");
    assert.equal(fn("string").params[0]?.type, "exact");
    assert.equal(fn("length").resultType, "integer");
    assert.equal(fn("number").resultType, "double");
    assert.equal(fn("divide").resultType, "numeric");
    assert.equal(fn("stringContains").resultType, "boolean");
  });

  test("the registry's objects cannot be altered by a caller", () => {
    const f = fn("length");
    assert.throws(() => {
      (f as { name: string }).name = "x";
    }, TypeError);
  });
});

describe("EQL functions: the Lucene-query form on a field", () => {
  for (const row of FIELD_PREDICATES) {
    test(`${row.fn}${row.ci ? "~" : ""}(field, ${JSON.stringify(row.constants)}) on ${JSON.stringify(row.value)} = ${row.expect}: ${row.why}`, () => {
      const predicate = fn(row.fn).fieldPredicate?.(row.constants, row.ci);
      assert.ok(predicate, `${row.fn} has a query form`);
      assert.equal(predicate(row.value), row.expect);
    });
  }

  test("functions Elasticsearch always runs as a script have no query form", () => {
    for (const name of ["between", "concat", "indexOf", "length", "number", "string", "substring", "add"]) {
      assert.equal(fn(name).fieldPredicate, undefined, name);
    }
  });

  test("cidrMatch's constants are checked at compile time", () => {
    const check = fn("cidrMatch").checkConstant;
    assert.ok(check);
    assert.equal(check(1, "10.0.0.0/8"), null);
    assert.equal(check(2, "2001:db8::/32"), null);
    assert.equal(check(1, "10.0.0.1"), null);
    assert.match(check(1, "10.0.0.0/40") ?? "", /Illegal prefix length \[40\]/);
    assert.match(check(1, "999.0.0.0/8") ?? "", /is not an IP string literal/);
    assert.match(check(1, "::ffff:10.0.0.0/104") ?? "", /IPv6-mapped IPv4/);
    assert.match(check(1, "10.0.0.0/8/9") ?? "", /Expected \[ip\/prefix\]/);
    assert.equal(check(1, "10.0.0.0/8/"), null, "Java's split drops the trailing empty field");
    assert.ok(check(1, 8) !== null);
  });

  test("with ASCII data and no wildcard characters, query and script forms agree", () => {
    const text = fc.stringMatching(/^[a-zA-Z0-9./ -]{0,12}$/);
    fc.assert(
      fc.property(
        fc.constantFrom("startsWith", "endsWith", "stringContains"),
        text,
        text,
        fc.boolean(),
        (name, value, constant, ci) => {
          fc.pre(name !== "stringContains" || constant.length > 0);
          const f = fn(name);
          const viaQuery = f.fieldPredicate?.([constant], ci)?.(value);
          const viaScript = f.call([value, constant], ci);
          assert.equal(viaQuery, viaScript);
        },
      ),
    );
  });

  test("the wildcard matcher agrees with a regular-expression oracle on short inputs", () => {
    const alphabet = fc.constantFrom("a", "b", "A", "*", "?", "\\", "😀");
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 6 }),
        fc.array(fc.constantFrom("a", "b", "A", "*", "\\", "😀"), { maxLength: 8 }),
        fc.boolean(),
        (p, v, ci) => {
          const pattern = p.join("");
          const value = v.join("");
          // Oracle: a regular expression without the i flag, ASCII letters doubled by hand when
          // folding, and escaped code points kept exact (Elasticsearch adds them with makeChar).
          const lit = (c: string, fold: boolean): string => {
            if (fold && /[a-zA-Z]/.test(c)) return `[${c.toLowerCase()}${c.toUpperCase()}]`;
            return c.replace(/[\\^$.*+?()[\]{}|]/g, "\\$&");
          };
          let re = "";
          const cps = Array.from(pattern);
          for (let i = 0; i < cps.length; i++) {
            const c = cps[i]!;
            if (c === "*") re += "[^]*";
            else if (c === "?") re += ".";
            else if (c === "\\" && i + 1 < cps.length) re += lit(cps[++i]!, false);
            else re += lit(c, ci);
          }
          const oracle = new RegExp(`^${re}$`, "u").test(value);
          assert.equal(compileLuceneWildcard(pattern, ci)(value), oracle, `${pattern} on ${value}`);
        },
      ),
      { numRuns: 2000 },
    );
  });
});

describe("EQL functions: arithmetic helper", () => {
  test("the operator form gives the same answers as the functions", () => {
    const ops = ["add", "subtract", "multiply", "divide", "modulo"] as const;
    fc.assert(
      fc.property(
        fc.constantFrom(...ops),
        fc.integer({ min: -1000, max: 1000 }),
        fc.integer({ min: -1000, max: 1000 }),
        fc.constantFrom<NumericKind>("int", "long", "double"),
        (op, a, b, kind) => {
          const viaFn = (() => {
            try {
              return fn(op).call([a, b], false, [kind, "int"]);
            } catch (e) {
              return e instanceof EqlFunctionError ? "error" : "bug";
            }
          })();
          const viaOp = (() => {
            try {
              return arithmetic(op, a, b, kind, "int");
            } catch (e) {
              return e instanceof EqlFunctionError ? "error" : "bug";
            }
          })();
          assert.ok(
            Object.is(viaFn, viaOp) || (Number.isNaN(viaFn) && Number.isNaN(viaOp)),
            `${op}(${a}, ${b})`,
          );
        },
      ),
    );
  });

  test("integer results match Java's truncating division and remainder", () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.integer().filter((b) => b !== 0),
        (a, b) => {
          const q = arithmetic("divide", a, b, "long", "long") as number;
          const r = arithmetic("modulo", a, b, "long", "long") as number;
          assert.equal(q * b + r, a, "a == (a / b) * b + a % b");
          assert.ok(Math.abs(r) < Math.abs(b));
          assert.ok(r === 0 || Math.sign(r) === Math.sign(a));
        },
      ),
    );
  });
});

describe("EQL functions: robustness on arbitrary input", () => {
  // 300 KB values of several shapes (ASCII path, mixed scripts, digits, address-like), drawn rarely.
  const BIG = [
    "C:\\Windows\\".repeat(25_000),
    "aÉ😀ς".repeat(60_000),
    "9".repeat(300_000),
    "1.".repeat(150_000),
    "ff:".repeat(100_000),
  ];
  const value: fc.Arbitrary<EqlValue> = fc.oneof(
    { arbitrary: fc.constantFrom(...BIG), weight: 1 },
    { arbitrary: fc.string({ maxLength: 20 }), weight: 4 },
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.constantFrom("", "0x1F", "10.0.0.0/8", "::1", "1e3", "NaN", "-", "+", "%", "\\", "*", "İ", "ς"),
    fc.integer(),
    fc.double(),
    fc.constantFrom(2 ** 31, -(2 ** 31), 2 ** 63, Number.MAX_SAFE_INTEGER, -0),
    fc.boolean(),
    fc.constant(null),
  );
  const kind = fc.option(fc.constantFrom<NumericKind>("int", "long", "double"), { nil: null });

  test("every function returns a value of its result type or throws only EqlFunctionError", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...allFunctions()),
        fc.array(value, { maxLength: 5 }),
        fc.array(kind, { maxLength: 5 }),
        fc.boolean(),
        (f, args, kinds, ci) => {
          fc.pre(args.length >= f.minArgs && args.length <= f.maxArgs);
          try {
            const r = f.call(args, ci && f.caseInsensitiveVariant, kinds);
            if (r === null) return;
            const expected = {
              keyword: "string",
              boolean: "boolean",
              integer: "number",
              double: "number",
              numeric: "number",
            }[f.resultType];
            assert.equal(typeof r, expected, `${f.name}(${show(args)}) gave ${String(r)}`);
          } catch (e) {
            assert.ok(e instanceof EqlFunctionError, `${f.name}(${show(args)}) threw ${String(e)}`);
          }
        },
      ),
      { numRuns: 3000 },
    );
  });

  test("query forms never throw on any value", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("startsWith", "endsWith", "stringContains", "cidrMatch"),
        fc.array(fc.string({ maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        value,
        fc.boolean(),
        (name, constants, v, ci) => {
          const p = fn(name).fieldPredicate?.(constants, ci);
          if (p) assert.equal(typeof p(v), "boolean");
        },
      ),
    );
  });

  test("300 KB values go through every string function (no pathological cost, no stack overflow)", () => {
    const big = "A/".repeat(150_000) + "needle.exe";
    const calls: [string, EqlValue[]][] = [
      ["between", [big, "A/", "needle", true]],
      ["between", [big, "a/", ".EXE"]],
      ["concat", [big, big]],
      ["endsWith", [big, ".exe"]],
      ["indexOf", [big, "needle"]],
      ["length", [big]],
      ["number", [big]],
      ["number", ["9".repeat(300_000)]],
      ["number", ["1".repeat(300_000), 2]],
      ["startsWith", [big, "A/A/"]],
      ["string", [big]],
      ["stringContains", [big, "needle"]],
      ["substring", [big, -10]],
      ["cidrMatch", [big, "10.0.0.0/8"]],
      ["cidrMatch", ["1".repeat(300_000) + ".1.1.1", "10.0.0.0/8"]],
    ];
    for (const [name, args] of calls) {
      for (const ci of [false, true]) {
        const f = fn(name);
        try {
          f.call(args, ci && f.caseInsensitiveVariant);
        } catch (e) {
          assert.ok(e instanceof EqlFunctionError, `${name} threw ${String(e)}`);
        }
      }
    }
    assert.equal(fn("indexOf").call([big, "needle"], true), 300_000);
    assert.equal(fn("endsWith").fieldPredicate?.(["*a*a*a*a*a*a*a*b*"], true)?.(big), false);
    assert.equal(fn("stringContains").fieldPredicate?.(["needle?exe"], true)?.(big), true);
  });
});
