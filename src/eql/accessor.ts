/**
 * Field access for compiled rules: "does any value of this field satisfy `test`?", with the same
 * traversal as fieldValues() in src/document (nested, dotted and mixed keys, arrays and
 * arrays of objects; own properties only; spec row 2) but short-circuiting and allocation-free.
 *
 * Why generated code: a generic walker reads `node[key]` with a different key each time, which
 * makes every property load megamorphic (~30 ns each on this machine, hit or miss); a path like
 * host.os.type needs six loads (three of them dotted-key misses), so the seed rule spent ~0.7 µs
 * in loads alone. A small function generated per field path has its own inline caches and its
 * keys as constants (loads of 2-8 ns). Keys enter the generated source only as JSON string
 * literals, so no field name can inject code. When code generation is disabled
 * (`--disallow-code-generation-from-strings`) the generic walker is used instead.
 *
 * Own-ness: a key is read first (`undefined` means no value either way, and most keys tried are
 * absent dotted forms); a hit is own for certain when the node's prototype is Object.prototype
 * and the key is not one of Object.prototype's names (constructor, __proto__, toString, ...);
 * otherwise hasOwnProperty decides. JSON.parse makes a `__proto__` key a plain own property, so
 * record contents can never reach a prototype.
 */
import { compileFieldPath, leafString, someFlat } from "../document/index.ts";
/**
 * A test of one field value, given as its string form; `num` is the value itself when the record
 * holds a JSON number (so `< <= > >=` can compare numerically when both sides are numbers), and
 * `raw` the scalar as the record holds it (a typed field or a script value needs a boolean to stay
 * a boolean).
 */
export type ValueTest = (value: string, num: number | undefined, raw: unknown) => boolean;

/** True when some value of the field (long ones beyond `max` UTF-16 units ignored) passes `test`. */
export type FieldAccessor = (event: unknown, test: ValueTest, max: number) => boolean;

const hasOwn = Object.prototype.hasOwnProperty;
const OBJECT_PROTO = Object.prototype;
const getProto = Object.getPrototypeOf;

function someScalar(node: unknown, test: ValueTest, max: number): boolean {
  // The leaf rule is src/document's; a JSON number also reaches the test as a number so that
  // `< <= > >=` can compare numerically.
  const s = leafString(node);
  return s !== undefined && s.length <= max && test(s, typeof node === "number" ? node : undefined, node);
}

/** Calls `test` on the scalar leaves of `node` (arrays flattened, iteratively) until one passes. */
export function someLeaf(node: unknown, test: ValueTest, max: number): boolean {
  return Array.isArray(node) ? someFlat(node, someScalar, test, max, undefined) : someScalar(node, test, max);
}

function isOwn(node: object, key: string, risky: boolean): boolean {
  return risky || getProto(node) !== OBJECT_PROTO ? hasOwn.call(node, key) : true;
}

/** The generic walker (used when code generation is unavailable, and as the reference in tests). */
export function genericAccessor(path: string): FieldAccessor {
  const { joins, length } = compileFieldPath(path);
  const risky = joins.map((row) => row.map((key) => key in OBJECT_PROTO));
  const walk = (node: unknown, i: number, test: ValueTest, max: number): boolean => {
    if (i === length) return someLeaf(node, test, max);
    if (node === null || typeof node !== "object") return false;
    if (Array.isArray(node)) return someFlat(node, walk, i, test, max);
    const row = joins[i]!;
    for (let k = 0; k < row.length; k++) {
      const key = row[k]!;
      const v = (node as Record<string, unknown>)[key];
      if (v !== undefined && isOwn(node, key, risky[i]![k]!) && walk(v, i + k + 1, test, max)) return true;
    }
    return false;
  };
  return (event, test, max) => walk(event, 0, test, max);
}

let codegen: boolean | undefined;

function generatedAccessor(path: string): FieldAccessor | undefined {
  const { joins, length } = compileFieldPath(path);
  const levels: string[] = [];
  for (let i = 0; i < length; i++) {
    const row = joins[i]!;
    const tries = row
      .map((key, k) => {
        const next = i + k + 1 === length ? "someLeaf" : `L${i + k + 1}`;
        const lit = JSON.stringify(key);
        return `v = n[${lit}]; if (v !== undefined && isOwn(n, ${lit}, ${key in OBJECT_PROTO}) && ${next}(v, test, max)) return true;`;
      })
      .join("\n    ");
    levels.push(`function L${i}(n, test, max) {
    if (n === null || typeof n !== "object") return false;
    if (isArray(n)) return someFlat(n, L${i}, test, max);
    let v;
    ${tries}
    return false;
  }`);
  }
  const body = `"use strict";\n  ${levels.join("\n  ")}\n  return L0;`;
  try {
    const factory = new Function("someLeaf", "isOwn", "isArray", "someFlat", body) as (
      someLeaf: unknown,
      isOwn: unknown,
      isArray: unknown,
      someFlat: unknown,
    ) => FieldAccessor;
    return factory(someLeaf, isOwn, Array.isArray, someFlat);
  } catch {
    return undefined;
  }
}

// Accessors are pure functions of the path, so rules reading the same field share one (fewer
// generated functions, faster compiles). Paths come from rule files, so the map stays small.
const cache = new Map<string, FieldAccessor>();

/** A fast accessor for `path` (see the module comment). */
export function compileAccessor(path: string): FieldAccessor {
  let acc = cache.get(path);
  if (acc !== undefined) return acc;
  if (codegen !== false) {
    acc = generatedAccessor(path);
    codegen = acc !== undefined;
  }
  acc ??= genericAccessor(path);
  cache.set(path, acc);
  return acc;
}
