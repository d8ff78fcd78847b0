/**
 * EQL's string functions, following Elasticsearch's processors (x-pack/plugin/eql/.../function/
 * scalar/string/*FunctionProcessor.java and eql/util/StringUtils.java; startsWith is QL's
 * StartsWithFunctionProcessor). Case-insensitive (`~`) script evaluation lower-cases both sides
 * with Java's `toLowerCase(Locale.ROOT)` (full Unicode, so `É` matches `é` there), while the
 * Lucene-query form of a call on a field (fieldPredicate) folds ASCII only.
 */
import { type IpRange, parseIpAddress, parseIpRange } from "../field-types-ip.ts";
import {
  asciiLower,
  intValue,
  javaLower,
  javaToString,
  kindOf,
  requireNumber,
  requireString,
} from "./java.ts";
import { compileLuceneWildcard } from "./lucene-wildcard.ts";
import {
  EqlFunctionArgumentError,
  EqlFunctionError,
  type EqlValue,
  type FieldValuePredicate,
  type NumericKind,
  type NumericOut,
} from "./types.ts";

type Kinds = readonly (NumericKind | null | undefined)[] | undefined;

function setKind(out: NumericOut | undefined, kind: NumericKind | null): void {
  if (out) out.kind = kind;
}

/** between(source, left, right[, greedy]) - BetweenFunctionProcessor + StringUtils.between. */
export function between(args: readonly EqlValue[], ci: boolean): EqlValue {
  const [source, left, right, greedyArg = false] = args;
  if (source === null || source === undefined) return null;
  const str = requireString("between", 0, source);
  const l = requireString("between", 1, left ?? null);
  const r = requireString("between", 2, right ?? null);
  if (typeof greedyArg !== "boolean") {
    throw new EqlFunctionArgumentError(
      "between",
      3,
      `A boolean is required; received [${String(greedyArg)}]`,
    );
  }
  // Empty source, left or right: the source comes back unchanged (hasLength checks).
  if (str.length === 0 || l.length === 0 || r.length === 0) return str;
  const match = ci ? javaLower(str) : str;
  const ml = ci ? javaLower(l) : l;
  const mr = ci ? javaLower(r) : r;
  const at = match.indexOf(ml);
  if (at < 0) return "";
  const start = at + ml.length;
  const end = greedyArg ? match.lastIndexOf(mr) : match.indexOf(mr, start);
  if (end < 0) return "";
  // Java's substring throws when the greedy right bound lies before the left one (or when
  // lower-casing changed the length); Elasticsearch then fails the search.
  if (end < start || end > str.length) {
    throw new EqlFunctionError("between", `begin ${start}, end ${end}, length ${str.length}`);
  }
  return str.substring(start, end);
}

/** cidrMatch(source, cidr...) - CIDRMatchFunctionProcessor + CIDRUtils.isInRange. */
export function cidrMatch(args: readonly EqlValue[]): EqlValue {
  const [source, ...cidrs] = args;
  if (source === null || source === undefined) return null;
  const address = requireString("cidrMatch", 0, source);
  for (let i = 0; i < cidrs.length; i++) requireString("cidrMatch", i + 1, cidrs[i] ?? null);
  const ip = parseIpAddress(address);
  if (!ip) throw new EqlFunctionError("cidrMatch", `'${address.slice(0, 80)}' is not an IP string literal.`);
  for (const c of cidrs as string[]) {
    const range = parseIpRange(c);
    if (typeof range === "string") throw new EqlFunctionError("cidrMatch", range);
    if (ip.value >= range.lower && ip.value <= range.upper) return true;
  }
  return false;
}

/** The terms query cidrMatch becomes on an `ip` field: constants are checked at compile time. */
export function cidrMatchPredicate(constants: readonly EqlValue[]): FieldValuePredicate | null {
  const ranges: IpRange[] = [];
  for (const c of constants) {
    if (typeof c !== "string") return null;
    const r = parseIpRange(c);
    if (typeof r === "string") return null;
    ranges.push(r);
  }
  return (value) => {
    if (typeof value !== "string") return false;
    // A value that is not an address was never indexed (ignore_malformed): no match.
    const ip = parseIpAddress(value);
    if (!ip) return false;
    for (const r of ranges) if (ip.value >= r.lower && ip.value <= r.upper) return true;
    return false;
  };
}

export function checkCidrConstant(index: number, value: EqlValue): string | null {
  if (index === 0) return null;
  if (typeof value !== "string") return `cidrMatch's address list takes strings, got [${String(value)}]`;
  const r = parseIpRange(value);
  return typeof r === "string" ? r : null;
}

/** concat(value...) - ConcatFunctionProcessor: any null gives null, others by their Java toString. */
export function concat(args: readonly EqlValue[], kinds: Kinds): EqlValue {
  let out = "";
  for (let i = 0; i < args.length; i++) {
    const v = args[i];
    if (v === null || v === undefined) return null;
    out += javaToString(v, kinds?.[i]);
  }
  return out;
}

/** endsWith(source, suffix) - EndsWithFunctionProcessor. */
export function endsWith(args: readonly EqlValue[], ci: boolean): EqlValue {
  const [source = null, pattern = null] = args;
  if (source === null) return null;
  const s = requireString("endsWith", 0, source);
  if (pattern === null) return null;
  const p = requireString("endsWith", 1, pattern);
  return ci ? javaLower(s).endsWith(javaLower(p)) : s.endsWith(p);
}

/** indexOf(source, substring[, start]) - IndexOfFunctionProcessor: null when not found. */
export function indexOf(args: readonly EqlValue[], ci: boolean, kinds: Kinds, out?: NumericOut): EqlValue {
  const [source = null, substring = null, start = null] = args;
  setKind(out, null);
  if (source === null) return null;
  const s = requireString("indexOf", 0, source);
  if (substring === null) return null;
  const sub = requireString("indexOf", 1, substring);
  let from = 0;
  if (start !== null)
    from = intValue(requireNumber("indexOf", 2, start), kindOf(start as number, kinds?.[2]));
  // Java and JS indexOf agree on negative and past-the-end starts (0, and -1 or length for "").
  const at = ci ? javaLower(s).indexOf(javaLower(sub), from) : s.indexOf(sub, from);
  if (at < 0) return null;
  setKind(out, "int");
  return at;
}

/** length(source) - LengthFunctionProcessor: UTF-16 code units, as Java's String.length(). */
export function length(args: readonly EqlValue[], out?: NumericOut): EqlValue {
  const [source = null] = args;
  setKind(out, null);
  if (source === null) return null;
  const n = requireString("length", 0, source).length;
  setKind(out, "int");
  return n;
}

/** startsWith(source, prefix) - QL StartsWithFunctionProcessor. */
export function startsWith(args: readonly EqlValue[], ci: boolean): EqlValue {
  const [source = null, pattern = null] = args;
  if (source === null) return null;
  const s = requireString("startsWith", 0, source);
  if (pattern === null) return null;
  const p = requireString("startsWith", 1, pattern);
  return ci ? javaLower(s).startsWith(javaLower(p)) : s.startsWith(p);
}

/** string(value) - ToStringFunctionProcessor: Java toString, null stays null. */
export function toStringFn(args: readonly EqlValue[], kinds: Kinds): EqlValue {
  const [v = null] = args;
  return v === null ? null : javaToString(v, kinds?.[0]);
}

/** stringContains(source, substring) - StringContainsFunctionProcessor + StringUtils.stringContains. */
export function stringContains(args: readonly EqlValue[], ci: boolean): EqlValue {
  const [source = null, substring = null] = args;
  if (source === null) return null;
  const s = requireString("stringContains", 0, source);
  const sub = requireString("stringContains", 1, substring);
  if (s.length === 0 || sub.length === 0) return false;
  return ci ? javaLower(s).includes(javaLower(sub)) : s.includes(sub);
}

/** substring(source, start[, end]) - SubstringFunctionProcessor + StringUtils.substringSlice (Python slicing). */
export function substring(args: readonly EqlValue[], kinds: Kinds): EqlValue {
  const [source = null, startArg = null, endArg = null] = args;
  if (source === null) return null;
  const s = requireString("substring", 0, source);
  if (startArg === null) return s;
  let start = intValue(requireNumber("substring", 1, startArg), kindOf(startArg as number, kinds?.[1]));
  let end =
    endArg === null
      ? s.length
      : intValue(requireNumber("substring", 2, endArg), kindOf(endArg as number, kinds?.[2]));
  if (s.length === 0) return s;
  const len = s.length;
  if (start < 0) start += len;
  if (start < 0) start = 0;
  if (end < 0) end += len;
  if (end < 0) end = 0;
  else if (end > len) end = len;
  if (start >= end) return "";
  return s.substring(start, end);
}

/** The prefix query startsWith(field, "p") becomes (ASCII folding when `~`). */
export function startsWithPredicate(constants: readonly EqlValue[], ci: boolean): FieldValuePredicate | null {
  const [p] = constants;
  if (typeof p !== "string") return null;
  const prefix = ci ? asciiLower(p) : p;
  // ASCII folding keeps lengths, so only the value's first prefix.length units need folding.
  return (value) =>
    typeof value === "string" && (ci ? asciiLower(value.slice(0, prefix.length)) : value).startsWith(prefix);
}

/** The wildcard queries endsWith(field, "s") and stringContains(field, "s") become: `*s` and `*s*`. */
export function wildcardPredicate(
  constants: readonly EqlValue[],
  ci: boolean,
  contains: boolean,
): FieldValuePredicate | null {
  const [p] = constants;
  if (typeof p !== "string") return null;
  const test = compileLuceneWildcard(contains ? `*${p}*` : `*${p}`, ci);
  return (value) => typeof value === "string" && test(value);
}
