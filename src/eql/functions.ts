/**
 * Every function Elasticsearch's EQL has (EqlFunctionRegistry, ES 8.x/9.x), with its semantics.
 *
 * Names resolve as the registry does: `FunctionRegistry.normalize` lower-cases with Locale.ROOT
 * and looks the result up among the lower-case names below, so `startsWith`, `startswith` and
 * `STARTSWITH` are one function (and `startswith~` its case-insensitive form). The `~` is the
 * caller's (the parser strips it); only functions with `caseInsensitiveVariant` accept it, as
 * only CaseInsensitiveScalarFunction subclasses do in ES.
 *
 * One line per function, with the ES class followed (x-pack/plugin/eql/.../expression/function/
 * scalar/**, x-pack/plugin/ql/.../arithmetic/**):
 * - add, subtract, multiply, divide, modulo(a, b): QL Add/Sub/Mul/Div/Mod via Arithmetics: numeric
 *   arguments, null -> null, int/long exact arithmetic (overflow and "/ by zero" are errors, integer
 *   division truncates), double IEEE arithmetic.
 * - between(source, left, right[, greedy=false]) and between~: string.Between +
 *   eql/util/StringUtils.between: the text after the first `left` up to the next `right` (greedy:
 *   the last `right`); "" when either is missing; the source itself when source, left or right is "".
 * - cidrMatch(ip_field, cidr...): string.CIDRMatch + CIDRUtils: the first argument must be an `ip`
 *   field, the others constant strings (address or CIDR, IPv4 or IPv6); true when any contains the
 *   address; null for a missing address.
 * - concat(value...): string.Concat: Java toString of each argument, null if any is null.
 * - endsWith(source, suffix) and endsWith~: string.EndsWith; on a field with a constant: the
 *   wildcard query `*suffix`.
 * - indexOf(source, substring[, start=0]) and indexOf~: string.IndexOf: first UTF-16 index at or
 *   after start, null when absent.
 * - length(source): string.Length: UTF-16 code units.
 * - number(string[, base]): math.ToNumber: Long.valueOf then Double.valueOf in base 10 (a `0x`
 *   prefix selects base 16 when no base is given), Long.parseLong(s, base) otherwise.
 * - startsWith(source, prefix) and startsWith~: QL string.StartsWith; on a field: a prefix query.
 * - string(value): string.ToString: Java toString (1.0 for a double, "true" for a boolean).
 * - stringContains(source, substring) and stringContains~: string.StringContains; "" never
 *   contained; on a field with a constant: the wildcard query `*substring*`.
 * - substring(source, start[, end]): string.Substring + StringUtils.substringSlice: Python slicing
 *   with negative indexes from the end, clamped, "" when start >= end.
 */

import { type ArithmeticOp, arithmetic, toNumber } from "./functions/numbers.ts";
import {
  between,
  checkCidrConstant,
  cidrMatch,
  cidrMatchPredicate,
  concat,
  endsWith,
  indexOf,
  length,
  startsWith,
  startsWithPredicate,
  stringContains,
  substring,
  toStringFn,
  wildcardPredicate,
} from "./functions/strings.ts";
import type {
  EqlArgType,
  EqlFunction,
  EqlParamSpec,
  EqlResultType,
  EqlValue,
  FieldValuePredicate,
  NumericKind,
  NumericOut,
} from "./functions/types.ts";

export { javaDoubleToString, javaToString, kindOf } from "./functions/java.ts";
export { compileLuceneWildcard } from "./functions/lucene-wildcard.ts";
export { type ArithmeticOp, arithmetic } from "./functions/numbers.ts";
export {
  type EqlArgType,
  type EqlFunction,
  EqlFunctionArgumentError,
  EqlFunctionError,
  type EqlParamSpec,
  type EqlResultType,
  type EqlValue,
  type FieldValuePredicate,
  type NumericKind,
  type NumericOut,
} from "./functions/types.ts";

type Kinds = readonly (NumericKind | null | undefined)[] | undefined;

function p(
  name: string,
  type: EqlArgType,
  extra: Partial<Omit<EqlParamSpec, "name" | "type">> = {},
): EqlParamSpec {
  return { name, type, foldable: false, optional: false, variadic: false, ...extra };
}

interface Definition {
  name: string;
  /** for variadic functions: QL's UnaryVariadicBuilder wants 2 (cidrMatch), NaryBuilder none (concat() is ""). */
  minArgs?: number;
  params: EqlParamSpec[];
  resultType: EqlResultType;
  caseInsensitiveVariant?: boolean;
  call(args: readonly EqlValue[], ci: boolean, kinds: Kinds, out: NumericOut | undefined): EqlValue;
  checkConstant?(index: number, value: EqlValue): string | null;
  fieldPredicate?(constants: readonly EqlValue[], ci: boolean): FieldValuePredicate | null;
}

function define(d: Definition): EqlFunction {
  const variadic = d.params.some((x) => x.variadic);
  const fn: EqlFunction = {
    name: d.name,
    minArgs: d.minArgs ?? d.params.filter((x) => !x.optional && !x.variadic).length,
    maxArgs: variadic ? Number.POSITIVE_INFINITY : d.params.length,
    caseInsensitiveVariant: d.caseInsensitiveVariant ?? false,
    params: d.params,
    resultType: d.resultType,
    call: (args, ci, kinds, out) => d.call(args, ci, kinds, out),
    ...(d.checkConstant ? { checkConstant: d.checkConstant } : {}),
    ...(d.fieldPredicate ? { fieldPredicate: d.fieldPredicate } : {}),
  };
  return Object.freeze(fn);
}

function arithmeticFunction(name: ArithmeticOp): EqlFunction {
  return define({
    name,
    params: [p("left", "numeric"), p("right", "numeric")],
    resultType: "numeric",
    call: (args, _ci, kinds, out) =>
      arithmetic(name, args[0] ?? null, args[1] ?? null, kinds?.[0], kinds?.[1], out),
  });
}

const FUNCTIONS: readonly EqlFunction[] = [
  arithmeticFunction("add"),
  define({
    name: "between",
    caseInsensitiveVariant: true,
    params: [
      p("source", "string"),
      p("left", "string"),
      p("right", "string"),
      p("greedy", "boolean", { optional: true }),
    ],
    resultType: "keyword",
    call: (args, ci) => between(args, ci),
  }),
  define({
    name: "cidrMatch",
    minArgs: 2,
    params: [p("source", "ip"), p("cidr", "string", { foldable: true, variadic: true })],
    resultType: "boolean",
    call: (args) => cidrMatch(args),
    checkConstant: checkCidrConstant,
    fieldPredicate: (constants) => cidrMatchPredicate(constants),
  }),
  define({
    name: "concat",
    minArgs: 0,
    params: [p("value", "exact", { variadic: true })],
    resultType: "keyword",
    call: (args, _ci, kinds) => concat(args, kinds),
  }),
  arithmeticFunction("divide"),
  define({
    name: "endsWith",
    caseInsensitiveVariant: true,
    params: [p("source", "string"), p("suffix", "string")],
    resultType: "boolean",
    call: (args, ci) => endsWith(args, ci),
    fieldPredicate: (constants, ci) => wildcardPredicate(constants, ci, false),
  }),
  define({
    name: "indexOf",
    caseInsensitiveVariant: true,
    params: [p("source", "string"), p("substring", "string"), p("start", "integer", { optional: true })],
    resultType: "integer",
    call: (args, ci, kinds, out) => indexOf(args, ci, kinds, out),
  }),
  define({
    name: "length",
    params: [p("source", "string")],
    resultType: "integer",
    call: (args, _ci, _kinds, out) => length(args, out),
  }),
  arithmeticFunction("modulo"),
  arithmeticFunction("multiply"),
  define({
    name: "number",
    params: [p("value", "string"), p("base", "integer", { optional: true })],
    resultType: "double",
    call: (args, _ci, kinds, out) => toNumber(args, kinds, out),
  }),
  define({
    name: "startsWith",
    caseInsensitiveVariant: true,
    params: [p("source", "string"), p("prefix", "string")],
    resultType: "boolean",
    call: (args, ci) => startsWith(args, ci),
    fieldPredicate: (constants, ci) => startsWithPredicate(constants, ci),
  }),
  define({
    name: "string",
    params: [p("value", "exact")],
    resultType: "keyword",
    call: (args, _ci, kinds) => toStringFn(args, kinds),
  }),
  define({
    name: "stringContains",
    caseInsensitiveVariant: true,
    params: [p("source", "string"), p("substring", "string")],
    resultType: "boolean",
    call: (args, ci) => stringContains(args, ci),
    fieldPredicate: (constants, ci) => wildcardPredicate(constants, ci, true),
  }),
  define({
    name: "substring",
    params: [p("source", "string"), p("start", "integer"), p("end", "integer", { optional: true })],
    resultType: "keyword",
    call: (args, _ci, kinds) => substring(args, kinds),
  }),
  arithmeticFunction("subtract"),
];

// A Map, never a plain object: a query naming `__proto__` or `constructor` must find nothing.
const BY_NAME: ReadonlyMap<string, EqlFunction> = new Map(FUNCTIONS.map((f) => [f.name.toLowerCase(), f]));

/**
 * The function a query names, matched as Elasticsearch's registry does (Locale.ROOT lower-casing
 * of the name as written, without the `~`), or undefined for a name ES does not know.
 */
export function lookupFunction(name: string): EqlFunction | undefined {
  return BY_NAME.get(name.toLowerCase());
}

/** Every function, in registry order (for docs and tests). */
export function allFunctions(): readonly EqlFunction[] {
  return FUNCTIONS;
}
