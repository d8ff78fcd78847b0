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
  readonly span: Span;
}

export interface BooleanConst {
  readonly kind: "boolean";
  readonly value: boolean;
  readonly span: Span;
}

export type Constant = StringConst | NumberConst | BooleanConst;

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

export type Expr =
  | AndExpr
  | OrExpr
  | NotExpr
  | CompareExpr
  | NullCheckExpr
  | InExpr
  | LikeExpr
  | ColonExpr
  | BoolExpr;

/** `<category> where <condition>`; `category` is null for `any where`. */
export interface EventQuery {
  readonly kind: "event-query";
  readonly category: { readonly name: string; readonly span: Span } | null;
  readonly condition: Expr;
  readonly span: Span;
}
