import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { fieldValues } from "../../src/document/index.ts";
import { compileAccessor, genericAccessor } from "../../src/eql/accessor.ts";

/** Every value an accessor visits, in order (the test never passes, so the walk is complete). */
function visit(
  acc: ReturnType<typeof compileAccessor>,
  rec: unknown,
  max = Number.POSITIVE_INFINITY,
): string[] {
  const seen: string[] = [];
  acc(
    rec,
    (v) => {
      seen.push(v);
      return false;
    },
    max,
  );
  return seen;
}

const SEGMENTS = ["a", "b", "constructor", "__proto__", "toString", "x.y"];
const PATHS = [
  "a",
  "a.b",
  "a.b.a",
  "b.a",
  "constructor",
  "constructor.prototype",
  "__proto__.a",
  "toString",
  "a.x.y",
];

describe("field accessors", () => {
  test("property: generated and generic accessors visit exactly fieldValues(), in order", () => {
    const key = fc.constantFrom(...SEGMENTS, "a.b", "prototype", "constructor.prototype");
    const leaf = fc.oneof(
      fc.constantFrom("v", "w", ""),
      fc.integer({ min: -3, max: 3 }),
      fc.boolean(),
      fc.constant(null),
    );
    const tree: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 3 }),
        // JSON round trip: `__proto__` becomes an own key exactly as in parsed records.
        fc.dictionary(key, tie("node"), { maxKeys: 4 }).map((d) => JSON.parse(JSON.stringify(d)) as unknown),
      ),
    })).node;
    fc.assert(
      fc.property(tree, fc.constantFrom(...PATHS), (rec, path) => {
        const want = fieldValues(rec, path);
        assert.deepEqual(visit(compileAccessor(path), rec), want);
        assert.deepEqual(visit(genericAccessor(path), rec), want);
      }),
      { numRuns: 3000 },
    );
    assert.equal(({} as Record<string, unknown>).a, undefined);
  });

  test("inherited values are skipped on any prototype; null-prototype objects work", () => {
    for (const make of [compileAccessor, genericAccessor]) {
      const inherited = Object.create({ a: { b: "x" }, constructor: "c" });
      assert.deepEqual(visit(make("a.b"), inherited), []);
      assert.deepEqual(visit(make("constructor"), inherited), []);
      assert.deepEqual(visit(make("constructor"), {}), []);
      const bare = Object.assign(Object.create(null), { a: { b: "y" }, constructor: "own" });
      assert.deepEqual(visit(make("a.b"), bare), ["y"]);
      assert.deepEqual(visit(make("constructor"), bare), ["own"]);
    }
  });

  test("arrays nested a million levels deep (JSON.parse accepts them) do not exhaust the stack", () => {
    const d = 1_000_000;
    const leafDeep = JSON.parse(`{"a":{"b":${"[".repeat(d)}"x"${"]".repeat(d)}}}`);
    const midDeep = JSON.parse(`{"a":${"[".repeat(d)}{"b":"y"}${"]".repeat(d)}}`);
    for (const make of [compileAccessor, genericAccessor]) {
      assert.deepEqual(visit(make("a.b"), leafDeep), ["x"]);
      assert.deepEqual(visit(make("a.b"), midDeep), ["y"]);
    }
    assert.deepEqual(fieldValues(leafDeep, "a.b"), ["x"]);
    assert.deepEqual(fieldValues(midDeep, "a.b"), ["y"]);
    assert.deepEqual(fieldValues({ a: [1, [2, [3, [4]], 5], [[6]]] }, "a"), ["1", "2", "3", "4", "5", "6"]);
  });

  test("values longer than max are skipped", () => {
    assert.deepEqual(visit(compileAccessor("a"), { a: ["12345", "123456", 123456] }, 5), ["12345"]);
  });

  test("field names cannot inject code into the generated accessor", () => {
    const nasty = 'a"]; throw new Error("injected"); //.b\u2028c\\';
    const acc = compileAccessor(nasty);
    assert.deepEqual(visit(acc, { [nasty]: "v" }), ["v"]);
  });
});
