/**
 * Conditions as Elasticsearch's query translation evaluates them (two-valued): `and`/`or`/`not`
 * over query-form leaves where a leaf has one (compile-terms.ts, function calls with a query
 * form), script leaves (compile-script.ts) otherwise; and the event query with its category. The
 * last layer of the compiler (see compile-base.ts).
 */
import type { CompareOp, Constant, EventQuery, Expr, FieldRef, Span } from "./ast.ts";
import { ALWAYS, FALSE, type Predicate, TRUE } from "./compile-base.ts";
import { ScriptCompiler } from "./compile-script.ts";
import { EqlFunctionError, type EqlValue, lookupFunction } from "./functions.ts";
import type { EqlScalar } from "./script.ts";
import { booleanValue } from "./typed-fields.ts";

export class Compiler extends ScriptCompiler {
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
