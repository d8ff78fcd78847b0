/**
 * Expressions as values: what Elasticsearch computes when a condition cannot be a Lucene query
 * and becomes a Painless script (InternalQlScriptUtils / InternalEqlScriptUtils): function calls,
 * arithmetic, comparisons between expressions, `null` as a value.
 *
 * Semantics followed (x-pack/plugin/ql, x-pack/plugin/eql):
 * - A field in a script is `docValue(doc, field)`: the FIRST doc value, and doc values are sorted
 *   (keywords by their UTF-8 bytes, i.e. code point order, duplicates removed; numbers ascending;
 *   `false` before `true`). So `length(x) > 3` over `x: ["abcdef", "ab"]` reads "ab" and is false,
 *   while `x : "abc*"` (a query, not a script) holds when any value matches. A missing field is null.
 * - Three-valued logic inside a script: a comparison with null is null, `and`/`or` follow SQL,
 *   `not null` is null; the script's final verdict counts only `true` (nullSafeFilter).
 * - Comparisons (QL Comparisons): numbers numerically whatever their Java kind, strings by
 *   String.compareTo (UTF-16 order), booleans false < true; values of different kinds compare as
 *   null (Java's ClassCastException). `x == null` is IsNull(x), never a comparison.
 * - Arithmetic and functions: src/eql/functions.ts (Java int/long/double rules, null in null out).
 *   A run-time failure Elasticsearch raises (an argument of the wrong type, "/ by zero", integer
 *   overflow) fails the search there; here it makes this event's verdict false (see compile.ts).
 * - Expressions without fields are folded at compile time, as Elasticsearch's optimizer does, so
 *   `add(0, 1) == serial_event_id` is a term query on serial_event_id.
 */
import { EqlFunctionArgumentError, EqlFunctionError, type NumericKind } from "./functions.ts";
import { asciiEqualsLower, asciiLower } from "./wildcard.ts";

export type EqlScalar = string | number | boolean | null;

/** Static type of a compiled value, as far as the engine knows it. `any` = an untyped field. */
export type StaticType = "string" | "number" | "boolean" | "null" | "any" | "ip" | "date";

/** A compiled value: evaluates to a scalar; `kind()` is the Java kind of the last number evaluated. */
export interface CompiledValue {
  readonly type: StaticType;
  /** Set when the value does not depend on the event (folded at compile time). */
  readonly constant?: { readonly value: EqlScalar };
  eval(event: unknown): EqlScalar;
  /** The Java kind of the number the last eval returned (undefined: infer from the value). */
  kind(): NumericKind | undefined;
}

/** Java kind of a number literal: INTEGER_VALUE is an int when it fits, else a long; DECIMAL_VALUE a double. */
export function literalKind(value: number, integer: boolean): NumericKind {
  if (!integer) return "double";
  return value >= -2147483648 && value <= 2147483647 ? "int" : "long";
}

export function constantValue(value: EqlScalar, kind?: NumericKind): CompiledValue {
  const type: StaticType =
    value === null
      ? "null"
      : typeof value === "string"
        ? "string"
        : typeof value === "number"
          ? "number"
          : "boolean";
  return { type, constant: { value }, eval: () => value, kind: () => kind };
}

/** QL Comparisons.compare: null when either side is null or the kinds cannot be compared. */
export function compareScalars(a: EqlScalar, b: EqlScalar): number | null {
  if (a === null || b === null) return null;
  if (typeof a === "number" && typeof b === "number") {
    if (Number.isNaN(a) || Number.isNaN(b)) {
      // Double.compare: NaN is greater than everything and equal to itself.
      return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    }
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === "boolean" && typeof b === "boolean") return a === b ? 0 : a ? 1 : -1;
  return null;
}

/** EQL's case-insensitive equality (`:` without wildcards, `in~`): ASCII folding on two strings. */
export function insensitiveEquals(a: EqlScalar, b: EqlScalar): boolean | null {
  if (a === null || b === null) return null;
  if (typeof a === "string" && typeof b === "string")
    return a.length === b.length && asciiEqualsLower(a, asciiLower(b));
  const c = compareScalars(a, b);
  return c === null ? null : c === 0;
}

/** SQL three-valued AND / OR / NOT over script booleans (null = unknown). */
export function and3(a: EqlScalar, b: () => EqlScalar): EqlScalar {
  if (a === false) return false;
  const r = b();
  if (r === false) return false;
  return a === null || r === null ? null : true;
}

export function or3(a: EqlScalar, b: () => EqlScalar): EqlScalar {
  if (a === true) return true;
  const r = b();
  if (r === true) return true;
  return a === null || r === null ? null : false;
}

export function not3(a: EqlScalar): EqlScalar {
  return a === null ? null : a !== true;
}

/** Code point order, as keyword doc values (UTF-8 bytes) sort. */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 0xd800 && y >= 0xd800) {
      // Surrogates (astral code points) sort after U+E000..U+FFFF.
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

const INT_MIN = -2147483648;
const LONG_MIN = -(2 ** 63);

/** QL Neg (Math.negateExact for int/long): overflow at the minimum is an error, as in Java. */
export function negate(v: EqlScalar, kind: NumericKind | undefined): EqlScalar {
  if (v === null) return null;
  if (typeof v !== "number")
    throw new EqlFunctionArgumentError("-", 0, `A number is required; received [${String(v)}]`);
  const k = kind ?? (Number.isInteger(v) ? (v >= INT_MIN && v <= 2147483647 ? "int" : "long") : "double");
  if (k === "int" && v === INT_MIN) throw new EqlFunctionError("-", "integer overflow");
  if (k === "long" && v <= LONG_MIN) throw new EqlFunctionError("-", "long overflow");
  const r = -v;
  return r === 0 ? 0 : r;
}
