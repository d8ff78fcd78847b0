/**
 * The EQL AST: discriminated unions, every node with its source span (0-based UTF-16 offsets,
 * end exclusive) so the compiler and the literal derivation can point back into the query.
 */

export interface Span {
  readonly start: number;
  readonly end: number;
}

export interface FieldRef {
  readonly kind: "field";
  /** Dotted ECS path, e.g. `process.parent.executable`. */
  readonly path: string;
  /** Written `?field`: the field may be unknown (this engine has no schema, so it only documents intent). */
  readonly optional: boolean;
  readonly span: Span;
}

export interface StringConst {
  readonly kind: "string";
  readonly value: string;
  readonly span: Span;
}

export interface NumberConst {
  readonly kind: "number";
  readonly value: number;
  /** As written, for messages. */
  readonly text: string;
  /**
   * Written without `.` or exponent (Elasticsearch's INTEGER_VALUE: an int or long there, so `/`
   * between two of them is integer division); false for DECIMAL_VALUE (a double).
   */
  readonly integer: boolean;
  readonly span: Span;
}

export interface BooleanConst {
  readonly kind: "boolean";
  readonly value: boolean;
  readonly span: Span;
}

export type Constant = StringConst | NumberConst | BooleanConst;

/** `null` used as a value (`null == (exit_code > -1)`, `concat(a, null)`). */
export interface NullConst {
  readonly kind: "null";
  readonly span: Span;
}

export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=";

/** `field op constant` (a constant on the left is normalised to the right with the operator mirrored). */
export interface CompareExpr {
  readonly kind: "compare";
  readonly op: CompareOp;
  readonly field: FieldRef;
  readonly value: Constant;
  readonly span: Span;
}

/** `field == null` (`negated: false`) or `field != null` (`negated: true`). */
export interface NullCheckExpr {
  readonly kind: "null-check";
  readonly negated: boolean;
  readonly field: FieldRef;
  readonly span: Span;
}

/** `field in (...)`, `field in~ (...)`, `field not in (...)`, `field not in~ (...)`. */
export interface InExpr {
  readonly kind: "in";
  readonly field: FieldRef;
  readonly values: readonly Constant[];
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly span: Span;
}

/** `field like "p"`, `field like~ ("p", ...)`: whole-value wildcard match, a list is an OR. */
export interface LikeExpr {
  readonly kind: "like";
  readonly field: FieldRef;
  readonly patterns: readonly StringConst[];
  readonly caseInsensitive: boolean;
  readonly span: Span;
}

/** `field : "p"` or `field : ("p", ...)`: case-insensitive; `like~` when the pattern has `*`/`?`. */
export interface ColonExpr {
  readonly kind: "colon";
  readonly field: FieldRef;
  readonly patterns: readonly StringConst[];
  readonly span: Span;
}

/** `field regex "p"`, `field regex~ ("p", ...)`: whole-value Lucene regular expression, a list is an OR. */
export interface RegexExpr {
  readonly kind: "regex";
  readonly field: FieldRef;
  readonly patterns: readonly StringConst[];
  readonly caseInsensitive: boolean;
  readonly span: Span;
}

export type MatchOp = ":" | "like" | "like~" | "regex" | "regex~";

/**
 * A pattern operator over a computed value, e.g. `concat(a, b) like "x*"` or `string(pid) : "4*"`
 * (Elasticsearch evaluates these in a script). A plain field on the left is parsed as
 * LikeExpr / ColonExpr / RegexExpr instead.
 */
export interface MatchExpr {
  readonly kind: "match";
  readonly op: MatchOp;
  readonly subject: Expr;
  readonly patterns: readonly StringConst[];
  readonly span: Span;
}

/**
 * A comparison that is not `field op constant`: a function result, arithmetic, a field on both
 * sides (`a == b`), a constant on both sides, `null` compared with an expression.
 */
export interface CompareValuesExpr {
  readonly kind: "compare-values";
  readonly op: CompareOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

/** `expr in (e1, e2, ...)` where the subject or a list element is not a plain field / constant. */
export interface InValuesExpr {
  readonly kind: "in-values";
  readonly subject: Expr;
  readonly values: readonly Expr[];
  readonly caseInsensitive: boolean;
  readonly negated: boolean;
  readonly span: Span;
}

/** `name(args...)` or `name~(args...)`; the name as written (function names are looked up case-insensitively). */
export interface CallExpr {
  readonly kind: "call";
  readonly name: string;
  readonly caseInsensitive: boolean;
  readonly args: readonly Expr[];
  /** The name (and its `~`), for messages about the function itself. */
  readonly nameSpan: Span;
  readonly span: Span;
}

export type ArithOp = "+" | "-" | "*" | "/" | "%";

/** `left op right`; precedence `* / %` over `+ -`, both left-associative. */
export interface ArithExpr {
  readonly kind: "arith";
  readonly op: ArithOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

/** Unary `-expr` / `+expr` on a non-literal (a sign before a number literal folds into the literal). */
export interface NegateExpr {
  readonly kind: "negate";
  readonly op: "-" | "+";
  readonly operand: Expr;
  readonly span: Span;
}

export interface AndExpr {
  readonly kind: "and";
  readonly operands: readonly Expr[];
  readonly span: Span;
}

export interface OrExpr {
  readonly kind: "or";
  readonly operands: readonly Expr[];
  readonly span: Span;
}

export interface NotExpr {
  readonly kind: "not";
  readonly operand: Expr;
  readonly span: Span;
}

/** A bare `true` / `false` condition (e.g. `any where true`). */
export interface BoolExpr {
  readonly kind: "bool";
  readonly value: boolean;
  readonly span: Span;
}

/**
 * Every expression. Conditions and values share one union because EQL does (`(a > 1) == true`,
 * `null == (exit_code > -1)`): the compiler evaluates a node either as a condition (a boolean,
 * where a missing value is false) or as a value (string | number | boolean | null).
 * The first group are the fast forms the parser produces for `field op constant(s)`
 * (Elasticsearch turns them into term/wildcard/regexp queries: any value of the field counts);
 * the rest are general forms (a script in Elasticsearch).
 */
export type Expr =
  | AndExpr
  | OrExpr
  | NotExpr
  | CompareExpr
  | NullCheckExpr
  | InExpr
  | LikeExpr
  | ColonExpr
  | RegexExpr
  | BoolExpr
  | MatchExpr
  | CompareValuesExpr
  | InValuesExpr
  | CallExpr
  | ArithExpr
  | NegateExpr
  | FieldRef
  | StringConst
  | NumberConst
  | BooleanConst
  | NullConst;

/** `<category> where <condition>`; `category` is null for `any where`. */
export interface EventQuery {
  readonly kind: "event-query";
  readonly category: { readonly name: string; readonly span: Span } | null;
  readonly condition: Expr;
  readonly span: Span;
}

export type TimeUnit = "ms" | "s" | "m" | "h" | "d";

/** `maxspan=<value><unit>`: `millis` is the span in milliseconds. */
export interface TimeSpan {
  readonly value: number;
  readonly unit: TimeUnit;
  readonly millis: number;
  /** As written, e.g. `30s`. */
  readonly text: string;
  readonly span: Span;
}

/**
 * One `[<category> where <condition>]` of a sequence, sample or `until`, with its own `by` keys.
 * `missing` is a `![...]` step (a sequence matches only when no such event sits between its
 * neighbours); `runs` is `with runs=N` (the step repeated N times; 1 when absent).
 */
export interface SequenceStep {
  readonly kind: "sequence-step";
  readonly query: EventQuery;
  /** Per-step join keys (`[...] by a, b`); empty when absent. */
  readonly by: readonly Expr[];
  readonly runs: number;
  readonly missing: boolean;
  readonly span: Span;
}

/**
 * `sequence [by k, ...] [with maxspan=N<unit>] [q] [by ...] ... [until [q] [by ...]]`.
 * Join keys of a step are `by` (shared, first) followed by `step.by`; every step has the same number.
 */
export interface SequenceQuery {
  readonly kind: "sequence";
  /** Shared join keys after `sequence by`; empty when absent. */
  readonly by: readonly Expr[];
  readonly maxspan: TimeSpan | null;
  readonly steps: readonly SequenceStep[];
  readonly until: SequenceStep | null;
  readonly span: Span;
}

/** `sample [by k, ...] [q] [by ...] [q] ...`: unordered, events joined by their keys. */
export interface SampleQuery {
  readonly kind: "sample";
  readonly by: readonly Expr[];
  /** Sample steps never have `runs` (1) or `missing` (false). */
  readonly steps: readonly SequenceStep[];
  readonly span: Span;
}

export type Query = EventQuery | SequenceQuery | SampleQuery;

/**
 * `| head N` (the first N results) or `| tail N` (the last N), Elasticsearch's only pipes.
 * `count` is a non-negative integer.
 */
export interface Pipe {
  readonly kind: "pipe";
  readonly name: "head" | "tail";
  readonly count: number;
  readonly span: Span;
}

/** A whole query text: the query and its pipes in order. */
export interface Statement {
  readonly kind: "statement";
  readonly query: Query;
  readonly pipes: readonly Pipe[];
  readonly span: Span;
}
