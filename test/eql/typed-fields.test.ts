/**
 * Typed comparisons for mapping types the ECS data seldom uses (given here through
 * CompileOptions.fieldType): `version` order, float precision, boolean strings.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileQuery } from "../../src/eql/index.ts";

const types: Record<string, string> = { v: "version", f: "float", b: "boolean", n: "long" };
const fieldType = (p: string): string | undefined => (Object.hasOwn(types, p) ? types[p] : undefined);
const ids = (query: string, events: Record<string, unknown>): string[] => {
  const q = compileQuery(query, { fieldType });
  return Object.entries(events)
    .filter(([, e]) => q.matches(e))
    .map(([id]) => id);
};

describe("typed fields beyond ECS's usual ones", () => {
  test("a version field orders by version, not by text", () => {
    assert.deepEqual(
      ids('any where v > "1.9.0"', { ten: { v: "1.10.0" }, nine: { v: "1.9.0" }, two: { v: "2.0.0-beta" } }),
      ["ten", "two"],
    );
  });

  test("a float field compares in float precision (record and constant rounded alike)", () => {
    // 0.1 as a float is 0.100000001490116...; the constant 0.1 rounds the same way.
    assert.deepEqual(ids("any where f == 0.1", { a: { f: 0.1 }, b: { f: 0.100000001 }, c: { f: 0.2 } }), [
      "a",
      "b",
    ]);
  });

  test('a boolean field reads true/false and their strings; "" is false', () => {
    assert.deepEqual(
      ids("any where b == false", { t: { b: true }, f: { b: "false" }, e: { b: "" }, x: { b: "no" } }),
      ["f", "e"],
    );
  });

  test("a numeric constant that is not a number for a numeric field is refused", () => {
    assert.throws(() => compileQuery('any where n == "abc"', { fieldType }), /is not a number/);
  });
});
