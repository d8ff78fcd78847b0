/**
 * add/subtract/multiply/divide/modulo (the registry maps them to QL's Add/Sub/Mul/Div/Mod, whose
 * processor is BinaryArithmeticProcessor over `Arithmetics`, JLS 5.6.2 widening) and number()
 * (EQL's ToNumberFunctionProcessor).
 *
 * Arithmetic: null in, null out. Any double operand: IEEE double arithmetic (x/0 is Infinity or
 * NaN, % keeps the dividend's sign). Otherwise long if either side is long, else int: +, -, *
 * throw "integer overflow"/"long overflow" (Math.addExact & co.), / truncates toward zero, / and
 * % by zero throw "/ by zero", MIN / -1 wraps to MIN as in Java.
 */
import { kindOf, parseJavaDouble, parseJavaLong, requireNumber, shown } from "./java.ts";
import {
  EqlFunctionArgumentError,
  EqlFunctionError,
  type EqlValue,
  type NumericKind,
  type NumericOut,
} from "./types.ts";

export type ArithmeticOp = "add" | "subtract" | "multiply" | "divide" | "modulo";

const SYMBOL: Record<ArithmeticOp, string> = {
  add: "+",
  subtract: "-",
  multiply: "*",
  divide: "/",
  modulo: "%",
};
const INT_MIN = -(2n ** 31n);
const INT_MAX = 2n ** 31n - 1n;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

function toBig(v: number): bigint {
  return BigInt(Math.trunc(v));
}

/**
 * One arithmetic operation with Java's semantics. `kinds` are the operands' Java kinds when the
 * caller knows them (a `2.0` literal or a double field is "double" even when integral).
 */
export function arithmetic(
  op: ArithmeticOp,
  left: EqlValue,
  right: EqlValue,
  leftKind?: NumericKind | null,
  rightKind?: NumericKind | null,
  out?: NumericOut,
): EqlValue {
  if (out) out.kind = null;
  if (left === null || right === null) return null;
  const l = requireNumber(op, 0, left);
  const r = requireNumber(op, 1, right);
  const lk = kindOf(l, leftKind);
  const rk = kindOf(r, rightKind);
  if (lk === "double" || rk === "double") {
    if (out) out.kind = "double";
    switch (op) {
      case "add":
        return l + r;
      case "subtract":
        return l - r;
      case "multiply":
        return l * r;
      case "divide":
        return l / r;
      case "modulo":
        return l % r;
    }
  }
  const kind: NumericKind = lk === "long" || rk === "long" ? "long" : "int";
  const min = kind === "long" ? LONG_MIN : INT_MIN;
  const max = kind === "long" ? LONG_MAX : INT_MAX;
  const bits = kind === "long" ? 64 : 32;
  const a = toBig(l);
  const b = toBig(r);
  let v: bigint;
  switch (op) {
    case "add":
      v = a + b;
      break;
    case "subtract":
      v = a - b;
      break;
    case "multiply":
      v = a * b;
      break;
    case "divide":
      if (b === 0n) throw new EqlFunctionError(SYMBOL[op], "/ by zero");
      v = BigInt.asIntN(bits, a / b); // BigInt division truncates toward zero, as Java's; MIN / -1 wraps
      break;
    case "modulo":
      if (b === 0n) throw new EqlFunctionError(SYMBOL[op], "/ by zero");
      v = a % b;
      break;
  }
  if (v < min || v > max)
    throw new EqlFunctionError(SYMBOL[op], `${kind === "long" ? "long" : "integer"} overflow`);
  if (out) out.kind = kind;
  const n = Number(v);
  return n === 0 ? 0 : n;
}

/** number(value[, base]) - ToNumberFunctionProcessor. Returns a long or a double (see `out.kind`). */
export function toNumber(
  args: readonly EqlValue[],
  kinds: readonly (NumericKind | null | undefined)[] | undefined,
  out?: NumericOut,
): EqlValue {
  const [value = null, baseArg = null] = args;
  if (out) out.kind = null;
  if (value === null) return null;
  if (typeof value !== "string") {
    throw new EqlFunctionArgumentError("number", 0, `A string/char is required; received [${shown(value)}]`);
  }
  const hexPrefix = value.startsWith("0x");
  let radix: number;
  if (baseArg === null) radix = hexPrefix ? 16 : 10;
  else if (typeof baseArg === "number" && kindOf(baseArg, kinds?.[1]) === "int") radix = baseArg;
  else
    throw new EqlFunctionArgumentError(
      "number",
      1,
      `An integer base is required; received [${shown(baseArg)}]`,
    );
  const text = hexPrefix && radix === 16 ? value.slice(2) : value;
  const fail = (): never => {
    throw new EqlFunctionError("number", `Unable to convert [${shown(text)}] to number of base [${radix}]`);
  };
  if (radix === 10) {
    // Long.valueOf first, then Double.valueOf (which trims and takes 1e3, .5, NaN, Infinity, 1f).
    const asLong = parseJavaLong(text, 10);
    if (asLong !== null) {
      if (out) out.kind = "long";
      const n = Number(asLong);
      return n === 0 ? 0 : n;
    }
    const d = parseJavaDouble(text);
    if (d === null) return fail();
    if (out) out.kind = "double";
    return d;
  }
  const v = parseJavaLong(text, radix);
  if (v === null) return fail();
  if (out) out.kind = "long";
  const n = Number(v);
  return n === 0 ? 0 : n;
}
