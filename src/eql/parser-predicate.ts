/**
 * The predicates after a primary expression: `in` / `in~` lists (negated with `not in`) and the
 * pattern operators `:`, `like`, `like~`, `regex`, `regex~` with one constant or a list.
 */
import type { Constant, Expr, MatchOp, StringConst } from "./ast.ts";
import { describe } from "./parser-cursor.ts";
import type { ExprParser } from "./parser-expr.ts";

/** `in` / `not in` / `:` / `like` / `regex` after a primary expression. */
export function parsePredicate(p: ExprParser, subject: Expr): Expr {
  const t = p.peek();
  if (t.kind === "keyword") {
    switch (t.word) {
      case "in":
      case "in~":
        p.next();
        return inList(p, subject, t.word, false);
      case "not": {
        const after = p.peek(1);
        if (after.kind === "keyword" && (after.word === "in" || after.word === "in~")) {
          p.next();
          p.next();
          return inList(p, subject, after.word, true);
        }
        if (
          after.kind === "keyword" &&
          (after.word === "like" ||
            after.word === "like~" ||
            after.word === "regex" ||
            after.word === "regex~")
        ) {
          throw p.unsupported(
            `\`not ${after.word}\` is not EQL: write \`not <field> ${after.word} ...\``,
            t.span.start,
            `not ${after.word}`,
          );
        }
        return subject;
      }
      case "like":
      case "like~":
      case "regex":
      case "regex~":
        p.next();
        return pattern(p, subject, t.word);
      default:
        return subject;
    }
  }
  if (p.isPunct(t, ":")) {
    p.next();
    return pattern(p, subject, ":");
  }
  return subject;
}

function inList(p: ExprParser, subject: Expr, word: "in" | "in~", negated: boolean): Expr {
  const open = p.peek();
  if (!p.isPunct(open, "(")) {
    throw p.syntax(
      `expected \`(\` and a list of values after \`${word}\`, found ${describe(open)}`,
      open.span.start,
    );
  }
  p.next();
  p.enter(open.span.start);
  const values: Expr[] = [];
  for (;;) {
    values.push(p.parseExpr());
    const t = p.next();
    if (p.isPunct(t, ",")) continue;
    if (p.isPunct(t, ")")) {
      p.depth--;
      const span = { start: subject.span.start, end: t.span.end };
      const caseInsensitive = word === "in~";
      const constants = values.filter((v) => v.kind !== "null");
      if (
        subject.kind === "field" &&
        constants.every((v) => v.kind === "string" || v.kind === "number" || v.kind === "boolean")
      ) {
        // A null in a list of constants matches nothing (Elasticsearch's terms query skips it).
        return {
          kind: "in",
          field: subject,
          values: constants as Constant[],
          caseInsensitive,
          negated,
          span,
        };
      }
      return { kind: "in-values", subject, values, caseInsensitive, negated, span };
    }
    p.refuseStray(t);
    throw p.syntax(
      `expected \`,\` or \`)\` in the list after \`${word}\`, found ${describe(t)}`,
      t.span.start,
    );
  }
}

/** The constant(s) after `:`, `like`, `like~`, `regex`, `regex~`: one, or a parenthesised list. */
function pattern(p: ExprParser, subject: Expr, op: MatchOp): Expr {
  const list: StringConst[] = [];
  let end: number;
  if (p.isPunct(p.peek(), "(")) {
    p.next();
    for (;;) {
      list.push(patternConstant(p, op));
      const t = p.next();
      if (p.isPunct(t, ",")) continue;
      if (p.isPunct(t, ")")) {
        end = t.span.end;
        break;
      }
      throw p.syntax(
        `expected \`,\` or \`)\` in the list after \`${op}\`, found ${describe(t)}`,
        t.span.start,
      );
    }
  } else {
    const c = patternConstant(p, op);
    list.push(c);
    end = c.span.end;
  }
  const span = { start: subject.span.start, end };
  if (subject.kind === "field") {
    switch (op) {
      case ":":
        return { kind: "colon", field: subject, patterns: list, span };
      case "like":
      case "like~":
        return { kind: "like", field: subject, patterns: list, caseInsensitive: op === "like~", span };
      case "regex":
      case "regex~":
        return { kind: "regex", field: subject, patterns: list, caseInsensitive: op === "regex~", span };
    }
  }
  if (
    subject.kind === "string" ||
    subject.kind === "number" ||
    subject.kind === "boolean" ||
    subject.kind === "null"
  ) {
    throw p.unsupported(
      `\`${op}\` needs a field or an expression on its left side, found a constant`,
      subject.span.start,
      `constant on the left of ${op}`,
    );
  }
  return { kind: "match", op, subject, patterns: list, span };
}

/** Elasticsearch's grammar allows only constants as patterns; `:` also takes numbers and booleans (as text). */
function patternConstant(p: ExprParser, op: MatchOp): StringConst {
  const t = p.peek();
  switch (t.kind) {
    case "string":
      p.next();
      return { kind: "string", value: t.value, span: t.span };
    case "number":
    case "keyword":
      if (op === ":" && (t.kind === "number" || t.word === "true" || t.word === "false")) {
        p.next();
        return {
          kind: "string",
          value: t.kind === "number" ? String(Number(t.text)) : t.word,
          span: t.span,
        };
      }
      if (t.kind === "keyword" && t.word === "null")
        throw p.syntax(`null is not allowed after \`${op}\``, t.span.start);
      throw p.syntax(`\`${op}\` takes string patterns, found ${describe(t)}`, t.span.start);
    case "ident":
    case "punct":
      if (t.kind === "ident" || p.isPunct(t, "?")) {
        throw p.unsupported(
          `\`${op}\` takes constants on its right side: a field-to-field comparison is not supported (as in Elasticsearch)`,
          t.span.start,
          "field-to-field comparison",
        );
      }
      throw p.syntax(`expected a string after \`${op}\`, found ${describe(t)}`, t.span.start);
    case "eof":
      throw p.syntax(`unexpected end of the query: expected a string after \`${op}\``, t.span.start);
  }
}
