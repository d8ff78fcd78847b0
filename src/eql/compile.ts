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
 * Semantics: ../../docs/rules-and-eql.md and the spec table test/eql/semantics-table.ts.
 */
import { compileAccessor, type FieldAccessor, type ValueTest } from "./accessor.ts";
import type {
  CompareOp,
  Constant,
  EventQuery,
  Expr,
  FieldRef,
  MatchOp,
  Span,
  Statement,
  StringConst,
} from "./ast.ts";
import type { CompiledQuery } from "./compiled.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import { compareVersion, fieldType as ecsFieldType, indexedValue } from "./field-types.ts";
import { javaDateToString, parseDate } from "./field-types-date.ts";
import { compareIp, formatIp, parseIp, parseIpRange } from "./field-types-ip.ts";
import {
  arithmetic,
  type EqlFunction,
  EqlFunctionError,
  type EqlParamSpec,
  type EqlValue,
  lookupFunction,
  type NumericKind,
  type NumericOut,
} from "./functions.ts";
import { deriveLiterals, type LiteralOptions } from "./literals.ts";
import { parse, parseStatement } from "./parser.ts";
import { compileLuceneRegex, RegexSyntaxError, RegexUnsupportedError } from "./regex.ts";
import {
  and3,
  type CompiledValue,
  compareCodePoints,
  compareScalars,
  constantValue,
  type EqlScalar,
  insensitiveEquals,
  literalKind,
  negate,
  not3,
  or3,
  type StaticType,
} from "./script.ts";
import {
  booleanValue,
  classifyField,
  dateValue,
  type FieldInfo,
  ipValue,
  numericConstant,
  numericValue,
  versionValue,
} from "./typed-fields.ts";
import { asciiEqualsLower, asciiLower, compileWildcard, hasWildcard, type StringTest } from "./wildcard.ts";

export { compareCodePoints } from "./script.ts";

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

export type Predicate = (event: unknown) => boolean;

const TRUE: Predicate = () => true;
const FALSE: Predicate = () => false;
const ALWAYS: ValueTest = () => true;

type OrderOp = Exclude<CompareOp, "==" | "!=">;

function acceptOrder(op: OrderOp, d: number): boolean {
  switch (op) {
    case "<":
      return d < 0;
    case "<=":
      return d <= 0;
    case ">":
      return d > 0;
    case ">=":
      return d >= 0;
  }
}

function constantText(c: Constant): string {
  switch (c.kind) {
    case "string":
      return c.value;
    case "number":
      return String(c.value);
    case "boolean":
      return c.value ? "true" : "false";
  }
}

/** A test for `:` with one pattern: like~ when it has wildcards, else case-insensitive equality. */
function colonTest(pattern: string): StringTest {
  if (hasWildcard(pattern)) return compileWildcard(pattern, true);
  const lower = asciiLower(pattern);
  return (v) => asciiEqualsLower(v, lower);
}

function anyOf(tests: StringTest[]): StringTest {
  if (tests.length === 1) return tests[0]!;
  return (v) => {
    for (let i = 0; i < tests.length; i++) if (tests[i]!(v)) return true;
    return false;
  };
}

function membership(texts: readonly string[], caseInsensitive: boolean): StringTest {
  const set = new Set<string>();
  const lengths = new Set<number>();
  for (const c of texts) {
    const t = caseInsensitive ? asciiLower(c) : c;
    set.add(t);
    lengths.add(t.length);
  }
  // ASCII folding keeps lengths, so a length miss rejects without hashing or folding a long value.
  if (caseInsensitive) return (v) => lengths.has(v.length) && set.has(asciiLower(v));
  return (v) => lengths.has(v.length) && set.has(v);
}

/** A constant as a scalar value (strings, numbers, booleans). */
function scalarOf(c: Constant): EqlScalar {
  return c.value;
}

interface Located {
  readonly file: string;
  readonly source: string;
  readonly origin: SourceOrigin | undefined;
}

class Compiler {
  readonly fields: string[] = [];
  private readonly accessors = new Map<string, FieldAccessor>();
  private readonly infos = new Map<string, FieldInfo>();
  /** Some leaf runs as a script (which may fail at run time: see guard). */
  private scripts = false;

  constructor(
    private readonly max: number,
    private readonly typeOf: (path: string) => string | undefined,
    private readonly loc: Located,
  ) {}

  // ------------------------------------------------------------------ errors

  private syntax(msg: string, at: number): EqlSyntaxError {
    return new EqlSyntaxError(msg, { ...this.loc, offset: at });
  }

  private unsupported(msg: string, at: number, construct: string): EqlUnsupportedError {
    return new EqlUnsupportedError(msg, { ...this.loc, offset: at }, construct);
  }

  // ------------------------------------------------------------------ fields

  private accessor(field: string): FieldAccessor {
    let acc = this.accessors.get(field);
    if (acc === undefined) {
      acc = compileAccessor(field);
      this.accessors.set(field, acc);
      this.fields.push(field);
    }
    return acc;
  }

  private info(field: FieldRef | string, at: number): FieldInfo {
    const path = typeof field === "string" ? field : field.path;
    let info = this.infos.get(path);
    if (info === undefined) {
      const r = classifyField(path, this.typeOf(path));
      if (typeof r === "string") throw this.unsupported(r, at, `field type ${this.typeOf(path)}`);
      info = r;
      this.infos.set(path, info);
    }
    return info;
  }

  /** `any value of field satisfies test`. */
  leaf(field: FieldRef | string, test: ValueTest): Predicate {
    const acc = this.accessor(typeof field === "string" ? field : field.path);
    const max = this.max;
    return (e) => acc(e, test, max);
  }

  /** `any value of field, read as its type, satisfies test` (malformed values count as absent). */
  private typedLeaf<T>(
    field: FieldRef,
    read: (raw: unknown) => T | undefined,
    test: (v: T) => boolean,
  ): Predicate {
    return this.leaf(field, (_s, _n, raw) => {
      const v = read(raw);
      return v !== undefined && test(v);
    });
  }

  private reader(info: FieldInfo): (raw: unknown) => unknown {
    switch (info.cls) {
      case "numeric":
        return (raw) => numericValue(info, raw);
      case "date":
        return dateValue;
      case "ip":
        return ipValue;
      case "boolean":
        return booleanValue;
      case "version":
        return versionValue;
      default:
        return (raw) => raw;
    }
  }

  // ------------------------------------------------------------------ query-level conditions

  /** A condition as Elasticsearch's query translation evaluates it (two-valued). */
  cond(node: Expr): Predicate {
    switch (node.kind) {
      case "and": {
        const parts = node.operands.map((o) => this.cond(o));
        if (parts.length === 2) {
          const [a, b] = parts as [Predicate, Predicate];
          return (e) => a(e) && b(e);
        }
        return (e) => {
          for (let i = 0; i < parts.length; i++) if (!parts[i]!(e)) return false;
          return true;
        };
      }
      case "or": {
        const parts = node.operands.map((o) => this.cond(o));
        if (parts.length === 2) {
          const [a, b] = parts as [Predicate, Predicate];
          return (e) => a(e) || b(e);
        }
        return (e) => {
          for (let i = 0; i < parts.length; i++) if (parts[i]!(e)) return true;
          return false;
        };
      }
      case "not": {
        const inner = this.cond(node.operand);
        return (e) => !inner(e);
      }
      case "bool":
      case "boolean":
        return node.value ? TRUE : FALSE;
      case "null":
        return FALSE;
      case "null-check": {
        const info = this.info(node.field, node.field.span.start);
        // A typed field's malformed value is not indexed (ignore_malformed), so it does not exist.
        const has =
          info.cls === "untyped" || info.cls === "keyword"
            ? this.leaf(node.field, ALWAYS)
            : this.typedLeaf(node.field, this.reader(info), () => true);
        return node.negated ? has : (e) => !has(e);
      }
      case "compare":
        return this.termCompare(node.field, node.op, node.value, node.span);
      case "in":
        return this.termIn(node.field, node.values, node.caseInsensitive, node.negated);
      case "like":
        return this.termPattern(node.field, node.caseInsensitive ? "like~" : "like", node.patterns);
      case "colon":
        return this.termPattern(node.field, ":", node.patterns);
      case "regex":
        return this.termPattern(node.field, node.caseInsensitive ? "regex~" : "regex", node.patterns);
      case "field":
        return this.fieldCondition(node);
      case "call": {
        const q = this.callQuery(node);
        if (q !== undefined) return q;
        return this.scriptCondition(node);
      }
      case "compare-values":
        return this.compareValuesCondition(node);
      case "in-values": {
        const folded = node.values.map((v) => this.value(v).constant);
        const open = folded.indexOf(undefined);
        if (open >= 0) {
          // Elasticsearch requires every element of an `in` list to be constant.
          throw this.unsupported(
            "field-to-field comparison: the elements of an `in` list must be constants (as in Elasticsearch)",
            node.values[open]!.span.start,
            "field-to-field comparison",
          );
        }
        if (node.subject.kind === "field") {
          {
            const consts = this.constantsOf(
              folded.map((f) => f!.value),
              node.values,
            );
            return this.termIn(node.subject, consts, node.caseInsensitive, node.negated);
          }
        }
        return this.scriptCondition(node);
      }
      case "match":
      case "arith":
      case "negate":
      case "string":
      case "number":
        return this.scriptCondition(node);
    }
  }

  /** Folded constants back into AST constants (nulls dropped: a terms query skips them). */
  private constantsOf(values: readonly EqlScalar[], nodes: readonly Expr[]): Constant[] {
    const out: Constant[] = [];
    values.forEach((v, i) => {
      const span = nodes[i]!.span;
      if (v === null) return;
      if (typeof v === "string") out.push({ kind: "string", value: v, span });
      else if (typeof v === "number") {
        out.push({ kind: "number", value: v, text: String(v), integer: Number.isInteger(v), span });
      } else out.push({ kind: "boolean", value: v, span });
    });
    return out;
  }

  /** A field alone as a condition: a boolean field (or an optional unknown one) read as a boolean. */
  private fieldCondition(field: FieldRef): Predicate {
    const info = this.info(field, field.span.start);
    if (info.cls === "boolean") return this.typedLeaf(field, booleanValue, (v) => v);
    if (info.cls === "untyped" && field.optional) {
      // `?field` alone: Elasticsearch resolves an unmapped optional field to null (no match);
      // a field that holds booleans is true when its (first) value is true.
      return this.scriptCondition(field);
    }
    throw this.syntax(
      `a field alone is not a condition: compare \`${field.path}\` with a value (e.g. \`${field.path} != null\`)`,
      field.span.end,
    );
  }

  private compareValuesCondition(node: Extract<Expr, { kind: "compare-values" }>): Predicate {
    const { op, left, right } = node;
    // BooleanFunctionEqualsElimination: `f(...) == true` is `f(...)`, `f(...) == false` is `not f(...)`.
    for (const [call, other] of [
      [left, right],
      [right, left],
    ] as const) {
      if (call.kind === "call" && other.kind === "boolean" && (op === "==" || op === "!=")) {
        const fn = lookupFunction(call.name);
        if (fn !== undefined && fn.resultType === "boolean") {
          const positive = (op === "==") === other.value;
          const inner = this.cond(call);
          return positive ? inner : (e) => !inner(e);
        }
      }
    }
    // IsNull / IsNotNull: `expr == null` is a null check, never a comparison.
    if ((op === "==" || op === "!=") && (left.kind === "null" || right.kind === "null")) {
      const subject = left.kind === "null" ? right : left;
      if (subject.kind === "null") return op === "==" ? TRUE : FALSE;
      const v = this.value(subject);
      const isNull = this.guard((e) => v.eval(e) === null);
      return op === "==" ? isNull : this.guard((e) => v.eval(e) !== null);
    }
    // `?x == ?y`: Elasticsearch accepts it only when an optional field is unmapped (a null
    // literal), which makes it IsNull of the other side; as an unmapped field has no value in any
    // record, "both have no value" gives that verdict whichever side is the unmapped one.
    if (left.kind === "field" && right.kind === "field" && left.optional && right.optional) {
      const li = this.info(left, left.span.start);
      const ri = this.info(right, right.span.start);
      if (li.cls === "untyped" && ri.cls === "untyped" && (op === "==" || op === "!=")) {
        const hasL = this.leaf(left, ALWAYS);
        const hasR = this.leaf(right, ALWAYS);
        return op === "==" ? (e) => !hasL(e) && !hasR(e) : (e) => hasL(e) || hasR(e);
      }
    }
    const l = this.value(left);
    const r = this.value(right);
    if (left.kind === "field" && r.constant !== undefined) {
      return this.foldedCompare(left, op, r.constant.value, right.span, node.span);
    }
    const mirror: Record<CompareOp, CompareOp> = {
      "==": "==",
      "!=": "!=",
      "<": ">",
      "<=": ">=",
      ">": "<",
      ">=": "<=",
    };
    if (right.kind === "field" && l.constant !== undefined) {
      return this.foldedCompare(right, mirror[op], l.constant.value, left.span, node.span);
    }
    // Elasticsearch moves a constant to the right (LiteralsOnTheRight) and then requires the right
    // side of every comparison it translates to be constant ("Comparisons against fields are not
    // (currently) supported"), whatever the left side is.
    if (r.constant === undefined && l.constant === undefined) {
      throw this.unsupported(
        "field-to-field comparison: the other side of a comparison must be a constant (as in Elasticsearch)",
        right.span.start,
        "field-to-field comparison",
      );
    }
    return this.scriptCondition(node);
  }

  private foldedCompare(
    field: FieldRef,
    op: CompareOp,
    value: EqlScalar,
    valueSpan: Span,
    span: Span,
  ): Predicate {
    if (value === null) return FALSE; // a comparison with null folds to null
    const c: Constant =
      typeof value === "string"
        ? { kind: "string", value, span: valueSpan }
        : typeof value === "number"
          ? { kind: "number", value, text: String(value), integer: Number.isInteger(value), span: valueSpan }
          : { kind: "boolean", value, span: valueSpan };
    return this.termCompare(field, op, c, span);
  }

  /** A script leaf: true only when the script returns true; a run-time failure is false. */
  private scriptCondition(node: Expr): Predicate {
    const v = this.value(node);
    if (v.type !== "boolean" && v.type !== "null" && v.type !== "any") {
      throw this.syntax(
        `a condition must be boolean, found a ${v.type === "number" ? "number" : v.type === "ip" ? "ip address" : "string"} expression`,
        node.span.start,
      );
    }
    if (v.constant !== undefined) return v.constant.value === true ? TRUE : FALSE;
    return this.guard((e) => v.eval(e) === true);
  }

  /**
   * Marks the query as running scripts. Elasticsearch fails the whole search when a script
   * throws (a value of the wrong type, / by zero, overflow); one record cannot do that here, so
   * the whole query is false for that record (query() catches it), whatever `not` sits above.
   */
  private guard(p: Predicate): Predicate {
    this.scripts = true;
    return p;
  }

  // ------------------------------------------------------------------ term-level leaves by field type

  private refuseOp(info: FieldInfo, op: string, at: number): never {
    throw this.unsupported(
      `\`${op}\` on field \`${info.path}\` (mapped as \`${info.esType}\`) is not supported: Elasticsearch runs it only on keyword fields`,
      at,
      `${op} on a ${info.esType} field`,
    );
  }

  private termCompare(field: FieldRef, op: CompareOp, value: Constant, span: Span): Predicate {
    const info = this.info(field, field.span.start);
    if (op === "!=") {
      const eq = this.termCompare(field, "==", value, span);
      return (e) => !eq(e);
    }
    switch (info.cls) {
      case "untyped":
      case "keyword": {
        const text = constantText(value);
        if (op === "==") return this.leaf(field, (v) => v === text);
        // An untyped field holding JSON numbers compares numerically with a number constant
        // (dynamic mapping makes it a long/float); a keyword compares as text (code points).
        if (info.cls === "untyped" && value.kind === "number") {
          const n = value.value;
          return this.leaf(field, (v, num) =>
            num !== undefined
              ? acceptOrder(op, num < n ? -1 : num > n ? 1 : 0)
              : acceptOrder(op, compareCodePoints(v, text)),
          );
        }
        return this.leaf(field, (v) => acceptOrder(op, compareCodePoints(v, text)));
      }
      case "numeric": {
        const n = this.numericConstant(info, value);
        if (op === "==")
          return this.typedLeaf(
            field,
            (raw) => numericValue(info, raw),
            (v) => v === n,
          );
        return this.typedLeaf(
          field,
          (raw) => numericValue(info, raw),
          (v) => acceptOrder(op, v < n ? -1 : v > n ? 1 : 0),
        );
      }
      case "date": {
        const ms = this.dateConstant(value);
        if (op === "==") return this.typedLeaf(field, dateValue, (v) => v === ms);
        return this.typedLeaf(field, dateValue, (v) => acceptOrder(op, v < ms ? -1 : v > ms ? 1 : 0));
      }
      case "ip": {
        if (op === "==") {
          const range = this.ipRangeConstant(value);
          return this.typedLeaf(field, ipValue, (v) => v >= range.lower && v <= range.upper);
        }
        const ip = value.kind === "string" ? parseIp(value.value) : null;
        if (ip === null)
          throw this.syntax(`\`${constantText(value)}\` is not an IP address`, value.span.start);
        return this.typedLeaf(field, ipValue, (v) => acceptOrder(op, compareIp(v, ip)));
      }
      case "boolean": {
        const b = this.booleanConstant(value);
        if (op === "==") return this.typedLeaf(field, booleanValue, (v) => v === b);
        return this.typedLeaf(field, booleanValue, (v) => acceptOrder(op, v === b ? 0 : v ? 1 : -1));
      }
      case "version": {
        // A `version` field orders by Elasticsearch's VersionEncoder (1.10.0 after 1.9.0).
        const text = constantText(value);
        if (op === "==") return this.typedLeaf(field, versionValue, (v) => v === text);
        return this.typedLeaf(field, versionValue, (v) => acceptOrder(op, compareVersion(v, text)));
      }
    }
  }

  private numericConstant(info: FieldInfo, c: Constant): number {
    // The constant as the field's term / range query parses it (a float field compares in float precision).
    const parsed =
      c.kind === "number" ? c.value : c.kind === "string" ? indexedValue(c.value, "double") : undefined;
    const n = typeof parsed === "number" ? numericConstant(info, parsed) : undefined;
    if (n === undefined) {
      throw this.syntax(
        `\`${constantText(c)}\` is not a number, and field \`${info.path}\` is mapped as \`${info.esType}\``,
        c.span.start,
      );
    }
    return n;
  }

  private dateConstant(c: Constant): number {
    const ms = c.kind === "boolean" ? null : parseDate(c.value);
    if (ms === null) {
      throw this.syntax(
        `\`${constantText(c)}\` is not a date Elasticsearch reads (strict_date_optional_time or epoch_millis)`,
        c.span.start,
      );
    }
    return ms;
  }

  private ipRangeConstant(c: Constant): { lower: bigint; upper: bigint } {
    const r =
      c.kind === "string" ? parseIpRange(c.value) : `'${constantText(c)}' is not an IP string literal.`;
    if (typeof r === "string") throw this.syntax(r, c.span.start);
    return r;
  }

  private booleanConstant(c: Constant): boolean {
    if (c.kind === "boolean") return c.value;
    if (c.kind === "string" && (c.value === "true" || c.value === "false")) return c.value === "true";
    throw this.syntax(`\`${constantText(c)}\` is not a boolean`, c.span.start);
  }

  private termIn(
    field: FieldRef,
    values: readonly Constant[],
    caseInsensitive: boolean,
    negated: boolean,
  ): Predicate {
    const info = this.info(field, field.span.start);
    let member: Predicate;
    if (values.length === 0) member = FALSE;
    else if (info.cls === "untyped" || info.cls === "keyword") {
      member = this.leaf(field, membership(values.map(constantText), caseInsensitive));
    } else {
      if (caseInsensitive) this.refuseOp(info, "in~", field.span.start);
      const tests = values.map((v) => this.termCompare(field, "==", v, v.span));
      member = (e) => {
        for (let i = 0; i < tests.length; i++) if (tests[i]!(e)) return true;
        return false;
      };
    }
    return negated ? (e) => !member(e) : member;
  }

  private termPattern(field: FieldRef, op: MatchOp, patterns: readonly StringConst[]): Predicate {
    const info = this.info(field, field.span.start);
    if (info.cls !== "untyped" && info.cls !== "keyword") this.refuseOp(info, op, field.span.start);
    return this.leaf(field, anyOf(patterns.map((p) => this.patternTest(op, p))));
  }

  private patternTest(op: MatchOp, p: StringConst): StringTest {
    switch (op) {
      case ":":
        return colonTest(p.value);
      case "like":
      case "like~":
        return compileWildcard(p.value, op === "like~");
      case "regex":
      case "regex~":
        try {
          return compileLuceneRegex(p.value, { caseInsensitive: op === "regex~" });
        } catch (e) {
          if (e instanceof RegexSyntaxError) {
            // Point into the pattern (exact for strings without escapes: +1 for the opening quote).
            const offset = (e as RegexSyntaxError & { offset?: number }).offset ?? 0;
            const at = Math.min(p.span.start + 1 + offset, p.span.end);
            if (e instanceof RegexUnsupportedError) {
              throw this.unsupported(`regular expression: ${e.message}`, at, `${op} construct`);
            }
            throw this.syntax(`invalid regular expression: ${e.message}`, at);
          }
          throw e;
        }
    }
  }

  /**
   * The query form of a function call (prefix / wildcard / terms query), when Elasticsearch
   * translates it so: first argument a field, the others constants. Undefined otherwise.
   */
  private callQuery(node: Extract<Expr, { kind: "call" }>): Predicate | undefined {
    const fn = this.resolve(node);
    this.checkCall(fn, node);
    // Argument types are checked whichever form runs (Elasticsearch verifies before translating).
    const values = node.args.map((a) => this.value(a));
    for (let i = 0; i < values.length; i++) this.checkArg(fn, i, node.args[i]!, values[i]!);
    const first = node.args[0];
    if (fn.fieldPredicate === undefined || first === undefined || first.kind !== "field") return undefined;
    const rest = values.slice(1).map((v) => v.constant);
    if (rest.some((c) => c === undefined)) return undefined;
    const pred = fn.fieldPredicate(
      rest.map((c) => c!.value),
      node.caseInsensitive,
    );
    if (pred === null) return undefined;
    const info = this.info(first, first.span.start);
    const read =
      info.cls === "untyped" || info.cls === "keyword" || info.cls === "ip" ? undefined : this.reader(info);
    if (read !== undefined) {
      return this.leaf(first, (_s, _n, raw) => {
        const v = read(raw);
        return v !== undefined && pred(v as EqlValue);
      });
    }
    // Keyword and ip values reach the query as their text (a number in a keyword field is its text).
    return this.leaf(first, (s) => pred(s));
  }

  // ------------------------------------------------------------------ functions

  private resolve(node: Extract<Expr, { kind: "call" }>): EqlFunction {
    const fn = lookupFunction(node.name);
    if (fn === undefined) {
      throw this.syntax(`unknown function \`${node.name}\``, node.nameSpan.start);
    }
    if (node.caseInsensitive && !fn.caseInsensitiveVariant) {
      throw this.syntax(
        `function \`${fn.name}\` has no case-insensitive form (\`${node.name}~\`)`,
        node.nameSpan.start,
      );
    }
    return fn;
  }

  private checkCall(fn: EqlFunction, node: Extract<Expr, { kind: "call" }>): void {
    const n = node.args.length;
    if (n < fn.minArgs || n > fn.maxArgs) {
      const expected =
        fn.maxArgs === Number.POSITIVE_INFINITY
          ? `at least ${fn.minArgs}`
          : fn.minArgs === fn.maxArgs
            ? `${fn.minArgs}`
            : `${fn.minArgs} to ${fn.maxArgs}`;
      throw this.syntax(
        `function \`${fn.name}\` takes ${expected} argument${expected === "1" ? "" : "s"}, found ${n}`,
        node.nameSpan.start,
      );
    }
  }

  private paramAt(fn: EqlFunction, i: number): EqlParamSpec | undefined {
    if (i < fn.params.length) return fn.params[i];
    const last = fn.params[fn.params.length - 1];
    return last?.variadic ? last : undefined;
  }

  private checkArg(fn: EqlFunction, i: number, arg: Expr, v: CompiledValue): void {
    const spec = this.paramAt(fn, i);
    if (spec === undefined) return;
    const t = v.type;
    const ordinal = ["first", "second", "third", "fourth", "fifth"][i] ?? `${i + 1}th`;
    const bad = (what: string): never => {
      throw this.syntax(
        `${ordinal} argument of \`${fn.name}\` (${spec.name}) must be ${what}, found a ${t === "any" ? "value" : t}`,
        arg.span.start,
      );
    };
    if (spec.foldable && v.constant === undefined) {
      throw this.syntax(
        `${ordinal} argument of \`${fn.name}\` (${spec.name}) must be a constant`,
        arg.span.start,
      );
    }
    if (t !== "any" && t !== "null") {
      switch (spec.type) {
        case "string":
          if (t !== "string") bad("a string");
          break;
        case "integer":
          if (t !== "number" || (v.constant !== undefined && !Number.isInteger(v.constant.value)))
            bad("an integer");
          if (arg.kind === "number" && !arg.integer) bad("an integer");
          break;
        case "numeric":
          if (t !== "number") bad("a number");
          break;
        case "boolean":
          if (t !== "boolean") bad("a boolean");
          break;
        case "ip":
          if (t !== "ip") bad("an ip field");
          break;
        case "exact":
          break;
      }
    } else if (spec.type === "ip" && arg.kind !== "field") {
      bad("an ip field");
    }
    if (v.constant !== undefined && fn.checkConstant !== undefined) {
      const msg = fn.checkConstant(i, v.constant.value);
      if (msg !== null) throw this.syntax(msg, arg.span.start);
    }
  }

  // ------------------------------------------------------------------ script values

  /** Folds `fn` when every input is constant (Elasticsearch's optimizer does it before running). */
  private fold(
    node: Expr,
    type: StaticType,
    inputs: readonly CompiledValue[],
    evalFn: CompiledValue["eval"],
    kindOut: NumericOut,
  ): CompiledValue {
    if (inputs.every((i) => i.constant !== undefined)) {
      let value: EqlScalar;
      try {
        value = evalFn(undefined);
      } catch (e) {
        if (e instanceof EqlFunctionError) {
          throw this.syntax(`${e.message} (Elasticsearch fails this query)`, node.span.start);
        }
        throw e;
      }
      return constantValue(value, kindOut.kind ?? undefined);
    }
    return { type, eval: evalFn, kind: () => kindOut.kind ?? undefined };
  }

  /** An expression as a value, with Elasticsearch's script semantics. */
  value(node: Expr): CompiledValue {
    switch (node.kind) {
      case "string":
        return constantValue(node.value);
      case "boolean":
        return constantValue(node.value);
      case "null":
        return constantValue(null);
      case "number":
        return constantValue(node.value, literalKind(node.value, node.integer));
      case "bool":
        return constantValue(node.value);
      case "field":
        return this.fieldValue(node);
      case "call":
        return this.callValue(node);
      case "arith": {
        const l = this.value(node.left);
        const r = this.value(node.right);
        for (const [side, v] of [
          [node.left, l],
          [node.right, r],
        ] as const) {
          if (v.type !== "number" && v.type !== "any" && v.type !== "null") {
            throw this.syntax(`\`${node.op}\` needs numbers, found a ${v.type}`, side.span.start);
          }
        }
        const op = ({ "+": "add", "-": "subtract", "*": "multiply", "/": "divide", "%": "modulo" } as const)[
          node.op
        ];
        const out: NumericOut = { kind: null };
        return this.fold(
          node,
          "number",
          [l, r],
          (e) => arithmetic(op, l.eval(e), r.eval(e), l.kind(), r.kind(), out),
          out,
        );
      }
      case "negate": {
        const v = this.value(node.operand);
        if (v.type !== "number" && v.type !== "any" && v.type !== "null") {
          throw this.syntax(`unary \`-\` needs a number, found a ${v.type}`, node.operand.span.start);
        }
        const out: NumericOut = { kind: null };
        return this.fold(
          node,
          "number",
          [v],
          (e) => {
            const x = v.eval(e);
            const k = v.kind();
            out.kind = typeof x === "number" ? (k ?? null) : null;
            return negate(x, k);
          },
          out,
        );
      }
      case "compare": {
        const f = this.fieldValue(node.field);
        const c = constantValue(scalarOf(node.value));
        return this.compareValue(node, node.op, f, c);
      }
      case "compare-values": {
        if (
          (node.op === "==" || node.op === "!=") &&
          (node.left.kind === "null" || node.right.kind === "null")
        ) {
          const subject = this.value(node.left.kind === "null" ? node.right : node.left);
          const eq = node.op === "==";
          return this.fold(node, "boolean", [subject], (e) => (subject.eval(e) === null) === eq, {
            kind: null,
          });
        }
        return this.compareValue(node, node.op, this.value(node.left), this.value(node.right));
      }
      case "null-check": {
        const f = this.fieldValue(node.field);
        const neg = node.negated;
        return { type: "boolean", eval: (e) => (f.eval(e) === null) !== neg, kind: () => undefined };
      }
      case "in":
        return this.inValue(
          node,
          this.fieldValue(node.field),
          node.values.map((c) => constantValue(scalarOf(c))),
          node.caseInsensitive,
          node.negated,
        );
      case "in-values":
        return this.inValue(
          node,
          this.value(node.subject),
          node.values.map((v) => this.value(v)),
          node.caseInsensitive,
          node.negated,
        );
      case "like":
        return this.matchValue(
          node,
          node.caseInsensitive ? "like~" : "like",
          this.fieldValue(node.field),
          node.patterns,
        );
      case "colon":
        return this.matchValue(node, ":", this.fieldValue(node.field), node.patterns);
      case "regex":
        return this.matchValue(
          node,
          node.caseInsensitive ? "regex~" : "regex",
          this.fieldValue(node.field),
          node.patterns,
        );
      case "match":
        return this.matchValue(node, node.op, this.value(node.subject), node.patterns);
      case "and": {
        const parts = node.operands.map((o) => this.booleanOperand(o));
        return this.fold(
          node,
          "boolean",
          parts,
          (e) => {
            let acc: EqlScalar = true;
            for (const p of parts) acc = and3(acc, () => p.eval(e));
            return acc;
          },
          { kind: null },
        );
      }
      case "or": {
        const parts = node.operands.map((o) => this.booleanOperand(o));
        return this.fold(
          node,
          "boolean",
          parts,
          (e) => {
            let acc: EqlScalar = false;
            for (const p of parts) acc = or3(acc, () => p.eval(e));
            return acc;
          },
          { kind: null },
        );
      }
      case "not": {
        const v = this.booleanOperand(node.operand);
        return this.fold(node, "boolean", [v], (e) => not3(v.eval(e)), { kind: null });
      }
    }
  }

  private booleanOperand(node: Expr): CompiledValue {
    const v = this.value(node);
    if (v.type !== "boolean" && v.type !== "null" && v.type !== "any") {
      throw this.syntax(`a boolean is needed here, found a ${v.type} expression`, node.span.start);
    }
    return v;
  }

  private compareValue(node: Expr, op: CompareOp, l: CompiledValue, r: CompiledValue): CompiledValue {
    if (l.type === "date" || r.type === "date") {
      throw this.unsupported(
        "comparing a date field inside an expression is not supported; compare the field with a date directly",
        node.span.start,
        "date in an expression",
      );
    }
    return this.fold(
      node,
      "boolean",
      [l, r],
      (e) => {
        const c = compareScalars(l.eval(e), r.eval(e));
        if (c === null) return null;
        switch (op) {
          case "==":
            return c === 0;
          case "!=":
            return c !== 0;
          default:
            return acceptOrder(op, c);
        }
      },
      { kind: null },
    );
  }

  private inValue(
    node: Expr,
    subject: CompiledValue,
    values: readonly CompiledValue[],
    caseInsensitive: boolean,
    negated: boolean,
  ): CompiledValue {
    // InProcessor: true on the first equal element; null when none is and the value or a list element is null.
    const inner = (e: unknown): EqlScalar => {
      const x = subject.eval(e);
      if (x === null) return null;
      let sawNull = false;
      for (const v of values) {
        const y = v.eval(e);
        if (y === null) {
          sawNull = true;
          continue;
        }
        const eq = caseInsensitive
          ? insensitiveEquals(x, y)
          : (() => {
              const c = compareScalars(x, y);
              return c === null ? null : c === 0;
            })();
        if (eq === true) return true;
      }
      return sawNull ? null : false;
    };
    return this.fold(node, "boolean", [subject, ...values], negated ? (e) => not3(inner(e)) : inner, {
      kind: null,
    });
  }

  private matchValue(
    node: Expr,
    op: MatchOp,
    subject: CompiledValue,
    patterns: readonly StringConst[],
  ): CompiledValue {
    const test = anyOf(patterns.map((p) => this.patternTest(op, p)));
    return this.fold(
      node,
      "boolean",
      [subject],
      (e) => {
        const v = subject.eval(e);
        if (v === null) return null;
        // The script form converts its input to text (a number from string() already is).
        return test(typeof v === "string" ? v : String(v));
      },
      { kind: null },
    );
  }

  private callValue(node: Extract<Expr, { kind: "call" }>): CompiledValue {
    const fn = this.resolve(node);
    this.checkCall(fn, node);
    const args = node.args.map((a) => this.value(a));
    for (let i = 0; i < args.length; i++) this.checkArg(fn, i, node.args[i]!, args[i]!);
    const ci = node.caseInsensitive;
    const out: NumericOut = { kind: null };
    const type: StaticType =
      fn.resultType === "keyword" ? "string" : fn.resultType === "boolean" ? "boolean" : "number";
    const values: EqlValue[] = new Array(args.length);
    const kinds: (NumericKind | undefined)[] = new Array(args.length);
    return this.fold(
      node,
      type,
      args,
      (e) => {
        for (let i = 0; i < args.length; i++) {
          values[i] = args[i]!.eval(e);
          kinds[i] = args[i]!.kind();
        }
        out.kind = null;
        return fn.call(values, ci, kinds, out);
      },
      out,
    );
  }

  /** docValue(doc, field): the first value in doc-values order, typed by the mapping. */
  private fieldValue(field: FieldRef): CompiledValue {
    const info = this.info(field, field.span.start);
    const acc = this.accessor(field.path);
    const max = this.max;
    switch (info.cls) {
      case "date": {
        // A date doc value in a script prints as ZonedDateTime.toString (UTC); only functions
        // taking any exact value (concat, string) accept it, as in Elasticsearch.
        let best: number | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = dateValue(raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        return {
          type: "date",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best === undefined ? null : javaDateToString(best);
          },
          kind: () => undefined,
        };
      }
      case "version": {
        let best: string | null = null;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = versionValue(raw);
          if (v !== undefined && (best === null || compareVersion(v, best) < 0)) best = v;
          return false;
        };
        return {
          type: "string",
          eval: (e) => {
            best = null;
            acc(e, visit, max);
            return best;
          },
          kind: () => undefined,
        };
      }
      case "numeric": {
        let best: number | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = numericValue(info, raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        const kind = info.kind;
        return {
          type: "number",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best ?? null;
          },
          kind: () => kind,
        };
      }
      case "boolean": {
        let sawFalse = false;
        let sawTrue = false;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = booleanValue(raw);
          if (v === true) sawTrue = true;
          else if (v === false) sawFalse = true;
          return sawFalse;
        };
        return {
          type: "boolean",
          eval: (e) => {
            sawFalse = false;
            sawTrue = false;
            acc(e, visit, max);
            return sawFalse ? false : sawTrue ? true : null;
          },
          kind: () => undefined,
        };
      }
      case "ip": {
        // An ip doc value prints as Elasticsearch formats it (dotted IPv4, RFC 5952 IPv6).
        let best: bigint | undefined;
        const visit: ValueTest = (_s, _n, raw) => {
          const v = ipValue(raw);
          if (v !== undefined && (best === undefined || v < best)) best = v;
          return false;
        };
        return {
          type: "ip",
          eval: (e) => {
            best = undefined;
            acc(e, visit, max);
            return best === undefined ? null : formatIp(best);
          },
          kind: () => undefined,
        };
      }
      case "keyword": {
        let best: string | null = null;
        const visit: ValueTest = (s) => {
          if (best === null || compareCodePoints(s, best) < 0) best = s;
          return false;
        };
        return {
          type: "string",
          eval: (e) => {
            best = null;
            acc(e, visit, max);
            return best;
          },
          kind: () => undefined,
        };
      }
      case "untyped": {
        // Dynamic mapping types a field by its JSON values: numbers stay numbers, booleans
        // booleans, anything mixed with a string is text.
        let minNum: number | undefined;
        let minStr: string | null = null;
        let sawFalse = false;
        let sawTrue = false;
        let sawString = false;
        const visit: ValueTest = (s, num, raw) => {
          if (typeof raw === "boolean") {
            if (raw) sawTrue = true;
            else sawFalse = true;
          } else if (num !== undefined) {
            if (minNum === undefined || num < minNum) minNum = num;
          } else sawString = true;
          if (minStr === null || compareCodePoints(s, minStr) < 0) minStr = s;
          return false;
        };
        return {
          type: "any",
          eval: (e) => {
            minNum = undefined;
            minStr = null;
            sawFalse = false;
            sawTrue = false;
            sawString = false;
            acc(e, visit, max);
            if (minStr === null) return null;
            const kinds =
              (minNum !== undefined ? 1 : 0) + (sawFalse || sawTrue ? 1 : 0) + (sawString ? 1 : 0);
            if (kinds > 1 || sawString) return minStr;
            if (minNum !== undefined) return minNum;
            return !sawFalse;
          },
          kind: () => undefined,
        };
      }
    }
  }

  // ------------------------------------------------------------------ queries

  query(q: EventQuery): Predicate {
    let p: Predicate;
    if (q.category === null) p = this.cond(q.condition);
    else {
      const cat = q.category.name;
      const isCat = this.leaf("event.category", (v) => v === cat);
      const cond = this.cond(q.condition);
      p = (e) => isCat(e) && cond(e);
    }
    if (!this.scripts) return p;
    const inner = p;
    return (e) => {
      try {
        return inner(e);
      } catch (err) {
        if (err instanceof EqlFunctionError) return false;
        throw err;
      }
    };
  }
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
