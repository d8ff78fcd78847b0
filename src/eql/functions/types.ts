/**
 * Types shared by the EQL function library (src/eql/functions.ts re-exports all of them).
 *
 * Elasticsearch evaluates a function call in one of two ways, and the two disagree on edge cases:
 * - as a *script* (Painless calling the function's Processor on doc values): the semantics of
 *   `EqlFunction.call`;
 * - as a *Lucene query*, when the first argument is a field and the others are constants
 *   (QueryTranslator / ExpressionTranslators): `startsWith` becomes a prefix query, `endsWith` and
 *   `stringContains` wildcard queries (their constant keeps `*`, `?` and `\` as wildcard syntax), and
 *   `cidrMatch` a terms query on an `ip` field: the semantics of `EqlFunction.fieldPredicate`.
 */

/** A value inside an expression: what a field value, a literal or a function result can be. */
export type EqlValue = string | number | boolean | null;

/**
 * The Java class of a number, which decides how Elasticsearch's arithmetic behaves
 * (QL `Arithmetics`, JLS 5.6.2 widening): `int` and `long` use integer arithmetic with overflow
 * errors and truncating division, `double` floating arithmetic. A JS number cannot tell `2.0` from
 * `2`, so callers that know the static kind pass it; without it an integral number counts as
 * `int` (or `long` outside the int range) and any other number as `double`.
 */
export type NumericKind = "int" | "long" | "double";

/**
 * Argument type classes, as Elasticsearch's `TypeResolutions` checks them when the query is
 * analysed (before any document is read). `null` literals pass every class.
 * - `string`: `isStringAndExact`: keyword, constant_keyword, wildcard, a string literal, a function
 *   returning a string, or a text field with a keyword sub-field (its exact sub-field is used);
 * - `integer`: `isInteger`: byte, short, integer, long fields and integer literals (not 2.0);
 * - `numeric`: `isNumeric`: any integer or floating type;
 * - `boolean`: `isBoolean`;
 * - `ip`: `isIPAndExact`: a field mapped `ip` (a keyword field holding addresses is refused);
 * - `exact`: `isExact`: any type except a text field without a keyword sub-field.
 */
export type EqlArgType = "string" | "integer" | "numeric" | "boolean" | "ip" | "exact";

/** Static type of a call's result (its ES DataType). `numeric` = the common type of the arguments. */
export type EqlResultType = "keyword" | "boolean" | "integer" | "double" | "numeric";

export interface EqlParamSpec {
  /** for messages: "source", "substring", ... */
  readonly name: string;
  readonly type: EqlArgType;
  /** Elasticsearch requires a constant expression here (`isFoldable`): cidrMatch's addresses. */
  readonly foldable: boolean;
  /** may be omitted (the registry's OptionalArgument functions). */
  readonly optional: boolean;
  /** this spec also describes every further argument (concat, cidrMatch's address list). */
  readonly variadic: boolean;
}

/** Where a numeric function reports the Java kind of the number it returned (null otherwise). */
export interface NumericOut {
  kind: NumericKind | null;
}

/** A per-value test for the Lucene-query form of a call (first argument a field, the rest constants). */
export type FieldValuePredicate = (value: EqlValue) => boolean;

export interface EqlFunction {
  /** canonical name, e.g. "startsWith". */
  readonly name: string;
  readonly minArgs: number;
  /** Infinity for concat and cidrMatch. */
  readonly maxArgs: number;
  /** has a `~` form (Elasticsearch's CaseInsensitiveScalarFunction subclasses). */
  readonly caseInsensitiveVariant: boolean;
  /** one spec per position; the last may be variadic. */
  readonly params: readonly EqlParamSpec[];
  readonly resultType: EqlResultType;
  /**
   * Script semantics. `args` are already evaluated (one value per argument; multi-valued fields
   * are the caller's business). Returns null where Elasticsearch's processor returns null.
   * Throws `EqlFunctionArgumentError` for a value of a type the processor refuses, and
   * `EqlFunctionError` for the other failures Elasticsearch raises at run time (integer overflow,
   * integer division by zero, an unparsable number(), an invalid address): in Elasticsearch such
   * a failure fails the whole search, so a caller evaluating one record should treat it as "this
   * query cannot be evaluated here" (no match, counted), never as a crash.
   * `kinds[i]` is the Java kind of `args[i]` when it is a number and the caller knows it; `out`
   * receives the kind of a numeric result.
   */
  call(
    args: readonly EqlValue[],
    caseInsensitive: boolean,
    kinds?: readonly (NumericKind | null | undefined)[],
    out?: NumericOut,
  ): EqlValue;
  /**
   * Compile-time check of a constant argument (for example a CIDR block, a number() base), given
   * when Elasticsearch would refuse the query for that constant whatever the documents: returns
   * the message, or null when the constant is fine. Position `index` counts from 0.
   */
  checkConstant?(index: number, value: EqlValue): string | null;
  /**
   * Query semantics, for a call whose first argument is a field and whose other arguments are the
   * given constants, used directly as a condition (alone, under and/or/not, or compared `== true`):
   * Elasticsearch then runs a Lucene query instead of the script, and the verdict for one field
   * value is this predicate's. Absent (or returning null) when Elasticsearch always uses the script.
   */
  fieldPredicate?(constants: readonly EqlValue[], caseInsensitive: boolean): FieldValuePredicate | null;
}

/** Base class of every error the function library throws. */
export class EqlFunctionError extends Error {
  override readonly name: string = "EqlFunctionError";
  constructor(
    /** canonical function name ("substring"), or the operator ("+"). */
    readonly functionName: string,
    message: string,
  ) {
    super(message);
  }
}

/** An argument value of a type Elasticsearch refuses (message in ES's words, e.g. "A string/char is required; received [5]"). */
export class EqlFunctionArgumentError extends EqlFunctionError {
  override readonly name: string = "EqlFunctionArgumentError";
  constructor(
    functionName: string,
    /** 0-based position of the offending argument. */
    readonly argumentIndex: number,
    message: string,
  ) {
    super(functionName, message);
  }
}
