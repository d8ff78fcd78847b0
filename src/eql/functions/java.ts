/**
 * The few pieces of Java behaviour Elasticsearch's EQL processors inherit, rebuilt on JS values:
 * `Object.toString()` of the values a processor sees, `Number.intValue()`, `Long.parseLong` and
 * `Double.valueOf`, and `String.toLowerCase(Locale.ROOT)`.
 */
import { EqlFunctionArgumentError, type EqlValue, type NumericKind } from "./types.ts";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** The Java kind of a number: the caller's static knowledge when it has it, else from the value. */
export function kindOf(value: number, declared: NumericKind | null | undefined): NumericKind {
  if (declared) return declared;
  // An integral value outside the long range can only have been a double.
  if (!Number.isInteger(value) || value < -(2 ** 63) || value >= 2 ** 63) return "double";
  return value >= INT_MIN && value <= INT_MAX ? "int" : "long";
}

/** `Number.intValue()`: a double is cast (truncated, saturated, NaN -> 0); an int or long keeps its low 32 bits. */
export function intValue(value: number, kind: NumericKind): number {
  if (kind === "double") {
    if (Number.isNaN(value)) return 0;
    if (value >= INT_MAX) return INT_MAX;
    if (value <= INT_MIN) return INT_MIN;
    return Math.trunc(value) | 0;
  }
  return value | 0;
}

/**
 * `Double.toString` (JDK 19+, which Elasticsearch 8/9 run on: the shortest digits that round-trip,
 * the same digits as JS): decimal notation for 1e-3 <= |d| < 1e7 with at least one fraction digit,
 * otherwise `d.dddE<exp>`.
 */
export function javaDoubleToString(d: number): string {
  if (Number.isNaN(d)) return "NaN";
  if (d === Number.POSITIVE_INFINITY) return "Infinity";
  if (d === Number.NEGATIVE_INFINITY) return "-Infinity";
  if (d === 0) return Object.is(d, -0) ? "-0.0" : "0.0";
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes(".") ? s : s + ".0";
  }
  const e = d.toExponential(); // shortest round-trip digits, e.g. "1.5e-7", "1e+21"
  const at = e.indexOf("e");
  let mantissa = e.slice(0, at);
  if (!mantissa.includes(".")) mantissa += ".0";
  const exp = e.slice(at + 1);
  return mantissa + "E" + (exp.startsWith("+") ? exp.slice(1) : exp);
}

/** `Object.toString()` of a value as the processor receives it (Integer/Long/Double/Boolean/String). */
export function javaToString(value: string | number | boolean, kind: NumericKind | null | undefined): string {
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  const k = kindOf(value, kind);
  if (k === "double") return javaDoubleToString(value);
  return Number.isFinite(value) ? String(Math.trunc(value)) : javaDoubleToString(value);
}

/** `String.toLowerCase(Locale.ROOT)`: full Unicode lower-casing without locale rules (JS `toLowerCase`). */
export function javaLower(s: string): string {
  return s.toLowerCase();
}

/** ASCII-only lower-casing (A-Z), what Lucene's case-insensitive prefix and wildcard automata fold. */
export function asciiLower(s: string): string {
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) break;
    i++;
  }
  if (i === s.length) return s;
  // For pure ASCII (one UTF-8 byte per unit), the native lower-casing is exactly A-Z -> a-z.
  if (Buffer.byteLength(s, "utf8") === s.length) return s.toLowerCase();
  // Mixed text: fold the UTF-16 code units in one buffer pass (no per-run callbacks an attacker
  // could multiply); a unit's high byte is 0 exactly when it is ASCII-range.
  const b = Buffer.from(s, "utf16le");
  for (let j = i * 2; j < b.length; j += 2) {
    const c = b[j]!;
    if (c >= 65 && c <= 90 && b[j + 1] === 0) b[j] = c | 0x20;
  }
  return b.toString("utf16le");
}

/** A value for an error message: Java's `[value]`, cut short because values come from attackers' logs. */
export function shown(value: EqlValue): string {
  const s = value === null ? "null" : typeof value === "string" ? value : javaToString(value, null);
  return s.length > 80 ? s.slice(0, 80) + "..." : s;
}

export function requireString(fn: string, index: number, value: EqlValue): string {
  if (typeof value === "string") return value;
  throw new EqlFunctionArgumentError(fn, index, `A string/char is required; received [${shown(value)}]`);
}

export function requireNumber(fn: string, index: number, value: EqlValue): number {
  if (typeof value === "number") return value;
  throw new EqlFunctionArgumentError(fn, index, `A number is required; received [${shown(value)}]`);
}

const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

const DECIMAL_DIGIT = /\p{Nd}/u;

/**
 * Java's `Character.digit(char, 36)`: ASCII letters and digits, every BMP decimal digit (Unicode
 * keeps each script's digits as contiguous runs of ten from 0, so a digit's value is its distance
 * from the start of its block modulo 10) and the fullwidth Latin letters. 99 when not a digit.
 */
function digitValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 122) return c - 87;
  if (c >= 65 && c <= 90) return c - 55;
  if (c < 128) return 99;
  if (c >= 0xff21 && c <= 0xff3a) return c - 0xff21 + 10;
  if (c >= 0xff41 && c <= 0xff5a) return c - 0xff41 + 10;
  // A lone UTF-16 unit: surrogates are never digits, as parseLong reads chars, not code points.
  if (!DECIMAL_DIGIT.test(String.fromCharCode(c))) return 99;
  let first = c;
  while (first > 0 && DECIMAL_DIGIT.test(String.fromCharCode(first - 1))) first--;
  return (c - first) % 10;
}

/**
 * `Long.parseLong(s, radix)`: optional sign, at least one digit, no whitespace, within the long
 * range, digits as Character.digit reads them (so Arabic-Indic "١٢٣" is 123, as in Java).
 * Returns null where Java throws NumberFormatException.
 */
export function parseJavaLong(s: string, radix: number): bigint | null {
  if (radix < 2 || radix > 36 || s.length === 0) return null;
  let i = 0;
  const sign = s.charCodeAt(0);
  const negative = sign === 45;
  if (sign === 45 || sign === 43) i = 1;
  if (i === s.length) return null;
  const r = BigInt(radix);
  let acc = 0n;
  for (; i < s.length; i++) {
    const d = digitValue(s.charCodeAt(i));
    if (d >= radix) return null;
    acc = acc * r + BigInt(d);
    // Stop at the first digit past the range: a 300 KB digit string costs 20 steps, not 300 K.
    if (acc > LONG_MAX + 1n) return null;
  }
  const v = negative ? -acc : acc;
  return v < LONG_MIN || v > LONG_MAX ? null : v;
}

// Java's FloatingDecimal grammar after trim(). Written without nested optional runs of the same
// class so that a long digit string cannot make the regular expression backtrack quadratically.
const JAVA_DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const JAVA_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?[pP]([+-]?\d+)[fFdD]?$/;

/** Java's String.trim(): strips every char <= U+0020 at both ends. */
function javaTrim(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && s.charCodeAt(a) <= 32) a++;
  while (b > a && s.charCodeAt(b - 1) <= 32) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

/** `Double.valueOf(s)`; null where Java throws NumberFormatException. */
export function parseJavaDouble(raw: string): number | null {
  const s = javaTrim(raw);
  if (JAVA_DECIMAL.test(s)) {
    const neg = s.startsWith("-");
    const body = s.replace(/^[+-]/, "");
    if (body === "NaN") return Number.NaN;
    if (body === "Infinity") return neg ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
    const last = body.charCodeAt(body.length - 1);
    const digits = last > 57 ? body.slice(0, -1) : body; // drop an f/F/d/D suffix
    const v = Number(digits);
    return neg ? -v : v;
  }
  const m = JAVA_HEX.exec(s);
  if (m) {
    const int = m[2] ?? "";
    const frac = m[3] ?? "";
    if (int.length === 0 && frac.length === 0) return null;
    const mantissa = BigInt("0x" + (int + frac || "0"));
    const exp = Number(m[4]) - 4 * frac.length;
    const v = Number(mantissa) * 2 ** exp;
    return m[1] === "-" ? -v : v;
  }
  return null;
}
