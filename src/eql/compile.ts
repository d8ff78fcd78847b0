/**
 * AST -> predicate closures (exhaustive switches: adding a node kind without handling it here
 * fails type checking), in the two ways Elasticsearch evaluates a condition:
 *
 * - as a Lucene QUERY: `field op constant(s)` leaves (term, terms, range, wildcard, regexp,
 *   exists, prefix queries), combined by `and`/`or`/`not` as a bool query. Two-valued: a leaf on a
 *   missing field is false, so `not` over it is true; a leaf holds when ANY value of the field
 *   satisfies it. Typed fields (src/eql/typed-fields.ts) convert values and constants to their
 *   type first (dates as instants, ip addresses, numbers).
 * - as a SCRIPT (src/eql/script.ts): everything else (function calls other than the few with a
 *   query form, arithmetic, comparisons between expressions), three-valued, reading the first
 *   doc value of each field; the leaf holds when the script returns true.
 *
 * Everything that can be decided at compile time is: accessors per field path
 * (src/eql/accessor.ts), constants case-folded once, `in` lists as Sets, wildcard patterns and
 * regular expressions as specialised matchers, constant sub-expressions folded. Evaluation of the
 * query leaves allocates nothing on the common path. Measured by test/bench/engine.ts on this
 * 2-core machine: the seed rule takes ~0.45-0.5 µs on a matching Defend event, ~0.02 µs on a
 * process event; compiling it ~0.05 ms.
 *
 * The compiler is a chain of classes, one concept per file (each uses only the ones before it):
 * compile-base.ts (errors, accessor glue, leaves), compile-terms.ts (typed-field comparisons,
 * the query-form leaves), compile-calls.ts (function checks), compile-doc-values.ts (fields as
 * script values), compile-script.ts (the script form, constant folding), compile-conditions.ts
 * (conditions and the event query). This file holds the entry points.
 *
 * Semantics: ../../docs/rules-and-eql.md and the spec table test/eql/semantics-table.ts.
 */
import type { EventQuery, Statement } from "./ast.ts";
import type { Predicate } from "./compile-base.ts";
import { Compiler } from "./compile-conditions.ts";
import type { CompiledQuery } from "./compiled.ts";
import type { SourceOrigin } from "./errors.ts";
import { fieldType as ecsFieldType } from "./field-types.ts";
import { deriveLiterals, type LiteralOptions } from "./literals.ts";
import { parse, parseStatement } from "./parser.ts";

export { compareCodePoints } from "./script.ts";
export type { Predicate };

export interface CompileOptions extends LiteralOptions {
  /** Named in error messages (default `<query>`). */
  readonly file?: string;
  /** Where the query starts in `file`, so errors carry file coordinates. */
  readonly origin?: SourceOrigin;
  /**
   * Emulates Elasticsearch's keyword `ignore_above`: values longer than this many UTF-16 units
   * count as absent. Default: no limit (a long value must not be a way to evade a rule).
   */
  readonly ignoreAbove?: number;
  /**
   * The Elasticsearch mapping type of a field (default: the ECS data of src/eql/field-types.ts);
   * undefined for a field without one, which then keeps its JSON values' types.
   */
  readonly fieldType?: (path: string) => string | undefined;
}

function validateIgnoreAbove(v: number | undefined): number {
  if (v === undefined) return Number.POSITIVE_INFINITY;
  if (typeof v !== "number" || !Number.isInteger(v) || v < 0) {
    throw new RangeError(`ignoreAbove must be a non-negative integer (UTF-16 units), got ${String(v)}`);
  }
  return v;
}

function compilerFor(source: string, options: CompileOptions): Compiler {
  const max = validateIgnoreAbove(options.ignoreAbove);
  return new Compiler(max, options.fieldType ?? ecsFieldType, {
    file: options.file ?? "<query>",
    source,
    origin: options.origin,
  });
}

/**
 * Compiles an already parsed event query (see compileQuery for the usual entry point). `source`
 * is the query text the AST's spans point into (for error positions).
 */
export function compileAst(ast: EventQuery, options: CompileOptions = {}, source = ""): CompiledQuery {
  const compiler = compilerFor(source, options);
  const predicate = compiler.query(ast);
  return {
    matches: predicate,
    fields: compiler.fields,
    prefilter: deriveLiterals(ast, options),
  };
}

/** A compiled event filter plus the fields it reads, for the sequence and sample matchers. */
export function compileEventFilter(
  ast: EventQuery,
  source: string,
  options: CompileOptions = {},
): { matches: Predicate; fields: readonly string[] } {
  const compiler = compilerFor(source, options);
  return { matches: compiler.query(ast), fields: compiler.fields };
}

/**
 * For ad-hoc hunting (`edr-scan --query`): parses a whole statement and, for an event query,
 * compiles its condition as compileQuery would (pipes aside: the caller applies them to its list
 * of results with applyPipes). `event` is null for a sequence or a sample, which need
 * evaluateQuery or the sequence stage.
 */
export function compileStatement(
  source: string,
  options: CompileOptions = {},
): { readonly statement: Statement; readonly event: CompiledQuery | null } {
  const statement = parseStatement(source, options);
  const q = statement.query;
  return { statement, event: q.kind === "event-query" ? compileAst(q, options, source) : null };
}

/**
 * Parses and compiles an EQL event query into a predicate over one ECS-view event.
 * Throws EqlSyntaxError / EqlUnsupportedError (`file:line:col: ...` + source line + caret).
 */
export function compileQuery(source: string, options: CompileOptions = {}): CompiledQuery {
  const ast = parse(source, options);
  return compileAst(ast, options, source);
}
