/**
 * The EQL expression parser, by precedence: or, and, not, comparison, additive, multiplicative,
 * unary, then primaries (constants, fields, calls, parentheses); the predicates that follow a
 * primary (`in`, `:`, `like`, `regex`) are in parser-predicate.ts.
 */
import type { ArithOp, CompareOp, Constant, Expr } from "./ast.ts";
import type { Token } from "./lexer.ts";
import { describe, isInteger, spanOf, TokenCursor } from "./parser-cursor.ts";
import { parsePredicate } from "./parser-predicate.ts";

const MIRROR: Record<CompareOp, CompareOp> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

export class ExprParser extends TokenCursor {
  parseExpr(): Expr {
    return this.parseOr();
  }

  private parseOr(): Expr {
    const first = this.parseAnd();
    if (!this.isKeyword(this.peek(), "or")) return first;
    const operands: Expr[] = [first];
    while (this.isKeyword(this.peek(), "or")) {
      this.next();
      operands.push(this.parseAnd());
    }
    return { kind: "or", operands, span: spanOf(first, operands[operands.length - 1]!) };
  }

  private parseAnd(): Expr {
    const first = this.parseNot();
    if (!this.isKeyword(this.peek(), "and")) return first;
    const operands: Expr[] = [first];
    while (this.isKeyword(this.peek(), "and")) {
      this.next();
      operands.push(this.parseNot());
    }
    return { kind: "and", operands, span: spanOf(first, operands[operands.length - 1]!) };
  }

  private parseNot(): Expr {
    const t = this.peek();
    if (this.isKeyword(t, "not")) {
      this.next();
      this.enter(t.span.start);
      const operand = this.parseNot();
      this.depth--;
      return { kind: "not", operand, span: { start: t.span.start, end: operand.span.end } };
    }
    // `descendant of [...]`, `child of [...]`, `event of [...]`: Elasticsearch parses and refuses them.
    if (t.kind === "ident" && this.isKeyword(this.peek(1), "of")) {
      throw this.unsupported(
        `lineage (\`${t.path} of [...]\`) is not supported (Elasticsearch refuses process relationships)`,
        t.span.start,
        `${t.path} of`,
      );
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parseAdditive();
    const op = this.peek();
    if (op.kind !== "punct") return left;
    switch (op.text) {
      case "==":
      case "!=":
      case "<":
      case "<=":
      case ">":
      case ">=": {
        this.next();
        const right = this.parseAdditive();
        const after = this.peek();
        if (after.kind === "punct" && ["==", "!=", "<", "<=", ">", ">="].includes(after.text)) {
          throw this.syntax(
            "comparisons do not chain: use parentheses (e.g. `(a == b) == true`) or `and`",
            after.span.start,
          );
        }
        return this.comparison(op.text, left, right);
      }
      case "=":
        throw this.unsupported("`=` is not an EQL operator: use `==` (or `:`)", op.span.start, "=");
      default:
        return left;
    }
  }

  private comparison(op: CompareOp, left: Expr, right: Expr): Expr {
    const span = spanOf(left, right);
    const isConst = (e: Expr): e is Constant =>
      e.kind === "string" || e.kind === "number" || e.kind === "boolean";
    if (left.kind === "field" && right.kind === "null" && (op === "==" || op === "!=")) {
      return { kind: "null-check", negated: op === "!=", field: left, span };
    }
    if (right.kind === "field" && left.kind === "null" && (op === "==" || op === "!=")) {
      return { kind: "null-check", negated: op === "!=", field: right, span };
    }
    if (left.kind === "field" && isConst(right))
      return { kind: "compare", op, field: left, value: right, span };
    if (right.kind === "field" && isConst(left)) {
      return { kind: "compare", op: MIRROR[op], field: right, value: left, span };
    }
    return { kind: "compare-values", op, left, right, span };
  }

  private parseAdditive(): Expr {
    let left = this.parseMultiplicative();
    for (;;) {
      const t = this.peek();
      if (!this.isPunct(t, "+") && !this.isPunct(t, "-")) return left;
      this.next();
      const right = this.parseMultiplicative();
      left = { kind: "arith", op: (t as { text: ArithOp }).text, left, right, span: spanOf(left, right) };
    }
  }

  private parseMultiplicative(): Expr {
    let left = this.parseUnary();
    for (;;) {
      const t = this.peek();
      if (!this.isPunct(t, "*") && !this.isPunct(t, "/") && !this.isPunct(t, "%")) return left;
      this.next();
      const right = this.parseUnary();
      left = { kind: "arith", op: (t as { text: ArithOp }).text, left, right, span: spanOf(left, right) };
    }
  }

  private parseUnary(): Expr {
    const t = this.peek();
    if (t.kind === "punct" && (t.text === "-" || t.text === "+")) {
      this.next();
      const num = this.peek();
      // A sign before a number literal is part of the constant (ES folds Neg(literal) the same way).
      if (num.kind === "number") {
        this.next();
        const text = t.text === "-" ? `-${num.text}` : num.text;
        const value = Number(text);
        const lit: Expr = {
          kind: "number",
          value: Object.is(value, -0) ? 0 : value,
          text,
          integer: isInteger(num.text),
          span: { start: t.span.start, end: num.span.end },
        };
        return parsePredicate(this, lit);
      }
      this.enter(t.span.start);
      const operand = this.parseUnary();
      this.depth--;
      // Unary plus is the identity in Elasticsearch (ExpressionBuilder returns the operand).
      if (t.text === "+") return operand;
      return { kind: "negate", op: "-", operand, span: { start: t.span.start, end: operand.span.end } };
    }
    return parsePredicate(this, this.parsePrimary());
  }

  private parsePrimary(): Expr {
    const t = this.peek();
    switch (t.kind) {
      case "punct": {
        if (t.text === "(") {
          this.next();
          this.enter(t.span.start);
          const inner = this.parseExpr();
          this.depth--;
          this.expectPunct(")", "to close the parenthesis");
          return inner;
        }
        if (t.text === "?") {
          this.next();
          const f = this.peek();
          if (f.kind !== "ident") throw this.syntax("expected a field name after `?`", f.span.start);
          this.next();
          this.refuseIndex();
          return {
            kind: "field",
            path: f.path,
            optional: true,
            span: { start: t.span.start, end: f.span.end },
          };
        }
        this.refuseStray(t);
        throw this.syntax(`expected a field, a value or \`(\`, found ${describe(t)}`, t.span.start);
      }
      case "ident": {
        this.next();
        const call = this.maybeCall(t);
        if (call !== undefined) return call;
        this.refuseIndex();
        return { kind: "field", path: t.path, optional: false, span: t.span };
      }
      case "string":
        this.next();
        return { kind: "string", value: t.value, span: t.span };
      case "number":
        this.next();
        return {
          kind: "number",
          value: Number(t.text),
          text: t.text,
          integer: isInteger(t.text),
          span: t.span,
        };
      case "keyword":
        if (t.word === "true" || t.word === "false") {
          this.next();
          return { kind: "boolean", value: t.word === "true", span: t.span };
        }
        if (t.word === "null") {
          this.next();
          return { kind: "null", span: t.span };
        }
        this.refuseStray(t);
        throw this.syntax(`expected a field or a value, found ${describe(t)}`, t.span.start);
      case "eof":
        throw this.syntax("unexpected end of the query: expected a field or a value", t.span.start);
    }
  }

  /** `name(args)` / `name~(args)` right after the identifier token `t`, or undefined. */
  private maybeCall(t: Extract<Token, { kind: "ident" }>): Expr | undefined {
    let caseInsensitive = false;
    let nameEnd = t.span.end;
    const n = this.peek();
    if (this.isPunct(n, "~") && n.span.start === t.span.end && this.isPunct(this.peek(1), "(")) {
      caseInsensitive = true;
      nameEnd = n.span.end;
      this.next();
    }
    const open = this.peek();
    if (!this.isPunct(open, "(")) return undefined;
    if (t.quoted || t.path.includes(".")) {
      throw this.syntax(
        `\`${t.path}\` is not a function name (function names have no dots or backticks)`,
        t.span.start,
      );
    }
    this.next();
    this.enter(open.span.start);
    const args: Expr[] = [];
    let close = this.peek();
    if (!this.isPunct(close, ")")) {
      for (;;) {
        args.push(this.parseExpr());
        close = this.next();
        if (this.isPunct(close, ",")) continue;
        if (this.isPunct(close, ")")) break;
        this.refuseStray(close);
        throw this.syntax(
          `expected \`,\` or \`)\` in the arguments of \`${t.path}\`, found ${describe(close)}`,
          close.span.start,
        );
      }
    } else {
      this.next();
    }
    this.depth--;
    return {
      kind: "call",
      name: t.path,
      caseInsensitive,
      args,
      nameSpan: { start: t.span.start, end: nameEnd },
      span: { start: t.span.start, end: close.span.end },
    };
  }

  private refuseIndex(): void {
    const t = this.peek();
    if (this.isPunct(t, "[")) {
      const prev = this.tokens[this.pos - 1];
      if (prev !== undefined && prev.span.end === t.span.start) {
        throw this.unsupported(
          "array indexes (`field[0]`) are not supported (as in Elasticsearch): a field matches when any element does",
          t.span.start,
          "array index",
        );
      }
    }
  }
}
