import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { compileFieldPath, fieldValues, firstValue, hasField } from "../../src/document/index.ts";
import { compileQuery } from "../../src/eql/index.ts";

describe("fieldValues", () => {
  test("nested, dotted and mixed forms are equivalent and all collected", () => {
    const forms = [
      { host: { os: { type: "linux" } } },
      { "host.os.type": "linux" },
      { host: { "os.type": "linux" } },
      { "host.os": { type: "linux" } },
    ];
    for (const f of forms) assert.deepEqual(fieldValues(f, "host.os.type"), ["linux"]);
    const all = {
      host: { os: { type: "a" }, "os.type": "b" },
      "host.os.type": "c",
      "host.os": { type: "d" },
    };
    assert.deepEqual(fieldValues(all, "host.os.type").sort(), ["a", "b", "c", "d"]);
  });

  test("arrays, nested arrays and arrays of objects are flattened", () => {
    assert.deepEqual(fieldValues({ a: ["x", ["y", ["z"]]] }, "a"), ["x", "y", "z"]);
    assert.deepEqual(fieldValues({ a: [{ b: "x" }, { b: ["y"] }, { c: "n" }, [{ b: "z" }]] }, "a.b"), [
      "x",
      "y",
      "z",
    ]);
    assert.deepEqual(fieldValues([{ a: "x" }, { a: "y" }], "a"), ["x", "y"]);
    assert.deepEqual(fieldValues({ "a.b": [{ c: 1 }, { c: 2 }] }, "a.b.c"), ["1", "2"]);
  });

  test("null, [], objects and absent keys give no values", () => {
    for (const v of [null, [], {}, { x: 1 }, [null, [], {}], undefined]) {
      assert.deepEqual(fieldValues({ a: v }, "a"), [], JSON.stringify(v));
    }
    assert.deepEqual(fieldValues({}, "a"), []);
    assert.deepEqual(fieldValues({ a: "x" }, "a.b"), []);
    assert.deepEqual(fieldValues(null, "a"), []);
    assert.deepEqual(fieldValues("a", "a"), []);
    assert.deepEqual(fieldValues({ a: "" }, "a"), [""]);
  });

  test("numbers and booleans become their string form; non-finite numbers are no values", () => {
    assert.deepEqual(fieldValues({ a: [1, 1.5, -0, 1e21, true, false] }, "a"), [
      "1",
      "1.5",
      "0",
      "1e+21",
      "true",
      "false",
    ]);
    assert.deepEqual(fieldValues({ a: [Number.NaN, Number.POSITIVE_INFINITY] }, "a"), []);
  });

  test("only own properties are read", () => {
    const rec = Object.create({ a: "inherited", b: { c: "x" } });
    assert.deepEqual(fieldValues(rec, "a"), []);
    assert.deepEqual(fieldValues(rec, "b.c"), []);
    assert.deepEqual(fieldValues({}, "constructor"), []);
    assert.deepEqual(fieldValues({}, "toString"), []);
    assert.deepEqual(fieldValues({}, "__proto__"), []);
    const own = JSON.parse('{"__proto__": {"x": "p"}, "constructor": {"prototype": {"x": "c"}}}');
    assert.deepEqual(fieldValues(own, "__proto__.x"), ["p"]);
    assert.deepEqual(fieldValues(own, "constructor.prototype.x"), ["c"]);
    assert.equal(({} as Record<string, unknown>).x, undefined);
  });

  test("hasField, firstValue and a compiled path reused across records", () => {
    const fp = compileFieldPath("process.name");
    assert.equal(fp.path, "process.name");
    assert.equal(hasField({ process: { name: "sh" } }, fp), true);
    assert.equal(hasField({ process: { name: null } }, fp), false);
    assert.equal(firstValue({ process: { name: ["a", "b"] } }, fp), "a");
    assert.equal(firstValue({}, fp), undefined);
  });

  test("property: the compiled engine reads exactly the values fieldValues reports", () => {
    const key = fc.constantFrom("a", "b", "a.b", "c", "b.c", "a.b.c");
    const leaf = fc.oneof(
      fc.constantFrom("x", "y", ""),
      fc.integer({ min: -2, max: 2 }),
      fc.boolean(),
      fc.constant(null),
    );
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(key, tie("node"), { maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, fc.constantFrom("a", "a.b", "a.b.c", "b.c"), (rec, path) => {
        const values = fieldValues(rec, path);
        assert.equal(compileQuery(`any where ${path} != null`).matches(rec), values.length > 0);
        for (const v of ["x", "y", "", "1", "-1", "true", "false", "0"]) {
          assert.equal(
            compileQuery(`any where ${path} == "${v}"`).matches(rec),
            values.includes(v),
            `${path} == ${v}`,
          );
        }
      }),
      { numRuns: 1500 },
    );
  });
});
