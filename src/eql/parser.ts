/**
 * EQL parser (recursive descent) for the event-query subset: `<category> where <expr>` and
 * `any where <expr>`, with `or` < `and` < `not` < predicates. Every construct outside the
 * subset is refused here with its position and name (EqlUnsupportedError), never ignored.
 */
import type { CompareOp, Constant, EventQuery, Expr, FieldRef, NullConst, StringConst } from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import { type Token, tokenize } from "./lexer.ts";

export interface ParseOptions {
  /** Named in error messages (default `<query>`). */
  readonly file?: string;
  /** Where the query starts inside its file, for error positions. */
  readonly origin?: SourceOrigin;
}

type NullOperand = NullConst;
type Operand = FieldRef | Constant | NullOperand;

const MAX_DEPTH = 256;

const MIRROR: Record<CompareOp, CompareOp> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

const UNSUPPORTED_KEYWORDS: Readonly<Record<string, string>> = {
  sequence: "sequence queries are not supported (only event queries: `<category> where <condition>`)",
  sample: "sample queries are not supported (only event queries: `<category> where <condition>`)",
  join: "join queries are not supported (only event queries: `<category> where <condition>`)",
  until: "`until` (sequences) is not supported",
  maxspan: "`maxspan` (sequences) is not supported",
  by: "`by` (join keys of sequences/samples) is not supported",
  with: "`with` (sequence options) is not supported",
  of: "lineage operators (`... of [...]`) are not supported",
};

function describe(t: Token): string {
  switch (t.kind) {
    case "eof":
      return "the end of the query";
    case "ident":
      return `field \`${t.path}\``;
    case "keyword":
      return `\`${t.word}\``;
    case "string":
      return `string ${JSON.stringify(t.value)}`;
    case "number":
      return `number ${t.text}`;
    case "punct":
      return `\`${t.text}\``;
  }
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  private readonly file: string;

  constructor(
    private readonly source: string,
    private readonly options: ParseOptions,
  ) {
    this.file = options.file ?? "<query>";
    this.tokens = tokenize(source, options);
  }

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  private syntax(msg: string, at: number): EqlSyntaxError {
    return new EqlSyntaxError(msg, {
      file: this.file,
      source: this.source,
      offset: at,
      origin: this.options.origin,
    });
  }

  private unsupported(msg: string, at: number, construct: string): EqlUnsupportedError {
    return new EqlUnsupportedError(
      msg,
      { file: this.file, source: this.source, offset: at, origin: this.options.origin },
      construct,
    );
  }

  private isKeyword(t: Token, word: string): boolean {
    return t.kind === "keyword" && t.word === word;
  }

  private isPunct(t: Token, text: string): boolean {
    return t.kind === "punct" && t.text === text;
  }

  /** Refuses a token that starts a construct we do not implement, or returns silently. */
  private refuseUnsupported(t: Token): void {
    if (t.kind === "keyword") {
      const msg = UNSUPPORTED_KEYWORDS[t.word];
      if (msg !== undefined) throw this.unsupported(msg, t.span.start, t.word);
      if (t.word === "regex" || t.word === "regex~") {
        throw this.unsupported(
          `the \`${t.word}\` operator is not supported: use \`like\`, \`like~\` or \`:\` with wildcards`,
          t.span.start,
          t.word,
        );
      }
    }
    if (t.kind === "punct") {
      if (t.text === "|") {
        throw this.unsupported("pipes (`| head`, `| tail`, ...) are not supported", t.span.start, "pipe");
      }
      if (t.text === "+" || t.text === "-" || t.text === "*" || t.text === "/" || t.text === "%") {
        throw this.unsupported(
          `arithmetic (\`${t.text}\`) is not supported`,
          t.span.start,
          `arithmetic operator ${t.text}`,
        );
      }
      if (t.text === "=") {
        throw this.unsupported("`=` is not an EQL operator: use `==` (or `:`)", t.span.start, "=");
      }
      if (t.text === "[") {
        throw this.unsupported(
          "`[ ... ]` (sequence steps or lineage subqueries) is not supported",
          t.span.start,
          "subquery [...]",
        );
      }
    }
  }

  parseQuery(): EventQuery {
    const first = this.peek();
    this.refuseUnsupported(first);
    let category: EventQuery["category"];
    if (this.isKeyword(first, "any")) {
      this.next();
      category = null;
    } else if (first.kind === "ident") {
      this.next();
      if (this.isPunct(this.peek(), "(")) {
        throw this.unsupported(
          `function calls are not supported (\`${first.path}(...)\`)`,
          first.span.start,
          `function ${first.path}`,
        );
      }
      category = { name: first.path, span: first.span };
    } else if (first.kind === "string") {
      this.next();
      category = { name: first.value, span: first.span };
    } else {
      throw this.syntax(
        `expected an event category (e.g. \`file\`) or \`any\`, found ${describe(first)}`,
        first.span.start,
      );
    }
    const where = this.peek();
    if (!this.isKeyword(where, "where")) {
      this.refuseUnsupported(where);
      throw this.syntax(
        `expected \`where\` after the event category, found ${describe(where)}`,
        where.span.start,
      );
    }
    this.next();
    const condition = this.parseOr();
    const end = this.peek();
    if (end.kind !== "eof") {
      this.refuseUnsupported(end);
      throw this.syntax(
        `unexpected ${describe(end)}: expected \`and\`, \`or\` or the end of the query`,
        end.span.start,
      );
    }
    return {
      kind: "event-query",
      category,
      condition,
      span: { start: first.span.start, end: end.span.start },
    };
  }

  private parseOr(): Expr {
    const first = this.parseAnd();
    if (!this.isKeyword(this.peek(), "or")) return first;
    const operands: Expr[] = [first];
    while (this.isKeyword(this.peek(), "or")) {
      this.next();
      operands.push(this.parseAnd());
    }
    const last = operands[operands.length - 1]!;
    return { kind: "or", operands, span: { start: first.span.start, end: last.span.end } };
  }

  private parseAnd(): Expr {
    const first = this.parseNot();
    if (!this.isKeyword(this.peek(), "and")) return first;
    const operands: Expr[] = [first];
    while (this.isKeyword(this.peek(), "and")) {
      this.next();
      operands.push(this.parseNot());
    }
    const last = operands[operands.length - 1]!;
    return { kind: "and", operands, span: { start: first.span.start, end: last.span.end } };
  }

  /** Nesting of parentheses and `not`: bounded so a hostile query cannot exhaust the stack. */
  private depth = 0;

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw this.syntax(`the query nests parentheses or \`not\` more than ${MAX_DEPTH} levels deep`, at);
    }
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
    return this.parsePredicate();
  }

  private parsePredicate(): Expr {
    const t = this.peek();
    if (this.isPunct(t, "(")) {
      this.next();
      this.enter(t.span.start);
      const inner = this.parseOr();
      this.depth--;
      const close = this.peek();
      if (!this.isPunct(close, ")")) {
        this.refuseUnsupported(close);
        throw this.syntax(`expected \`)\`, found ${describe(close)}`, close.span.start);
      }
      this.next();
      return inner;
    }
    const left = this.parseOperand();
    const op = this.peek();

    if (op.kind === "punct") {
      switch (op.text) {
        case "==":
        case "!=":
        case "<":
        case "<=":
        case ">":
        case ">=": {
          this.next();
          const right = this.parseOperand();
          return this.comparison(op.text, left, right, op.span.start);
        }
        case ":": {
          this.next();
          const field = this.requireFieldLeft(left, ":");
          const patterns = this.parsePatterns(":", true);
          return {
            kind: "colon",
            field,
            patterns: patterns.list,
            span: { start: left.span.start, end: patterns.end },
          };
        }
        default:
          this.refuseUnsupported(op);
      }
    } else if (op.kind === "keyword") {
      switch (op.word) {
        case "like":
        case "like~": {
          this.next();
          const field = this.requireFieldLeft(left, op.word);
          const patterns = this.parsePatterns(op.word, false);
          return {
            kind: "like",
            field,
            patterns: patterns.list,
            caseInsensitive: op.word === "like~",
            span: { start: left.span.start, end: patterns.end },
          };
        }
        case "in":
        case "in~":
          this.next();
          return this.inExpr(left, op.word, false);
        case "of":
          throw this.unsupported(
            "lineage operators (`descendant of [...]`, `child of [...]`) are not supported",
            left.span.start,
            left.kind === "field" ? `${left.path} of` : "of",
          );
        case "not": {
          const after = this.peek(1);
          if (after.kind === "keyword" && (after.word === "in" || after.word === "in~")) {
            this.next();
            this.next();
            return this.inExpr(left, after.word, true);
          }
          if (after.kind === "keyword" && (after.word === "like" || after.word === "like~")) {
            throw this.unsupported(
              `\`not ${after.word}\` is not EQL: write \`not field ${after.word} ...\``,
              op.span.start,
              `not ${after.word}`,
            );
          }
          break;
        }
        default:
          this.refuseUnsupported(op);
      }
    }

    // No operator: only a boolean constant stands alone as a condition.
    if (left.kind === "boolean") return { kind: "bool", value: left.value, span: left.span };
    if (left.kind === "field") {
      throw this.syntax(
        `a field alone is not a condition: compare \`${left.path}\` with a value (e.g. \`${left.path} != null\`)`,
        op.span.start,
      );
    }
    throw this.syntax(`expected an operator after the value, found ${describe(op)}`, op.span.start);
  }

  private requireFieldLeft(left: Operand, op: string): FieldRef {
    if (left.kind === "field") return left;
    throw this.unsupported(
      `\`${op}\` needs a field on its left side, found a ${left.kind === "null" ? "null" : "constant"}`,
      left.span.start,
      `constant on the left of ${op}`,
    );
  }

  private comparison(op: CompareOp, left: Operand, right: Operand, opAt: number): Expr {
    const span = { start: left.span.start, end: right.span.end };
    let field: FieldRef;
    let value: Constant | NullOperand;
    let effective: CompareOp = op;
    if (left.kind === "field" && right.kind === "field") {
      throw this.unsupported(
        `field-to-field comparison (\`${left.path} ${op} ${right.path}\`) is not supported (as in Elasticsearch)`,
        right.span.start,
        "field-to-field comparison",
      );
    }
    if (left.kind === "field") {
      field = left;
      value = right as Constant | NullOperand;
    } else if (right.kind === "field") {
      field = right;
      value = left;
      effective = MIRROR[op];
    } else {
      throw this.unsupported(
        "a comparison needs a field on one side",
        left.span.start,
        "comparison without a field",
      );
    }
    if (value.kind === "null") {
      if (effective !== "==" && effective !== "!=") {
        throw this.syntax(`null can only be compared with \`==\` or \`!=\`, not \`${op}\``, opAt);
      }
      return { kind: "null-check", negated: effective === "!=", field, span };
    }
    return { kind: "compare", op: effective, field, value, span };
  }

  private inExpr(left: Operand, word: "in" | "in~", negated: boolean): Expr {
    const field = this.requireFieldLeft(left, negated ? `not ${word}` : word);
    const open = this.peek();
    if (!this.isPunct(open, "(")) {
      throw this.syntax(
        `expected \`(\` and a list of values after \`${word}\`, found ${describe(open)}`,
        open.span.start,
      );
    }
    const list = this.parseList(word, false);
    return {
      kind: "in",
      field,
      values: list.list,
      caseInsensitive: word === "in~",
      negated,
      span: { start: left.span.start, end: list.end },
    };
  }

  /** A single string pattern or a parenthesised list of them (`:`, `like`, `like~`). */
  private parsePatterns(op: string, allowScalars: boolean): { list: StringConst[]; end: number } {
    const t = this.peek();
    if (this.isPunct(t, "(")) {
      const l = this.parseList(op, !allowScalars);
      return { list: l.list.map((c) => this.asString(c)), end: l.end };
    }
    const c = this.parseConstant(op, !allowScalars);
    return { list: [this.asString(c)], end: c.span.end };
  }

  private asString(c: Constant): StringConst {
    if (c.kind === "string") return c;
    return { kind: "string", value: c.kind === "number" ? String(c.value) : String(c.value), span: c.span };
  }

  private parseList(op: string, stringsOnly: boolean): { list: Constant[]; end: number } {
    this.next(); // (
    const list: Constant[] = [];
    for (;;) {
      list.push(this.parseConstant(op, stringsOnly));
      const t = this.next();
      if (this.isPunct(t, ",")) continue;
      if (this.isPunct(t, ")")) return { list, end: t.span.end };
      this.refuseUnsupported(t);
      throw this.syntax(
        `expected \`,\` or \`)\` in the list after \`${op}\`, found ${describe(t)}`,
        t.span.start,
      );
    }
  }

  private parseConstant(op: string, stringsOnly: boolean): Constant {
    const at = this.peek();
    const c = this.parseOperand();
    if (c.kind === "field") {
      throw this.unsupported(
        `\`${op}\` takes constants on its right side: field-to-field comparison with \`${c.path}\` is not supported`,
        c.span.start,
        "field-to-field comparison",
      );
    }
    if (c.kind === "null") throw this.syntax(`null is not allowed after \`${op}\``, at.span.start);
    if (stringsOnly && c.kind !== "string") {
      throw this.syntax(`\`${op}\` takes string patterns, found ${describe(at)}`, at.span.start);
    }
    return c;
  }

  private parseOperand(): Operand {
    const t = this.peek();
    switch (t.kind) {
      case "punct": {
        if (t.text === "?") {
          this.next();
          const f = this.peek();
          if (f.kind !== "ident" || f.span.start !== t.span.end) {
            throw this.syntax("expected a field name directly after `?`", f.span.start);
          }
          this.next();
          this.refuseCall(f.path, f.span.start);
          return {
            kind: "field",
            path: f.path,
            optional: true,
            span: { start: t.span.start, end: f.span.end },
          };
        }
        if (t.text === "-") {
          const num = this.peek(1);
          if (num.kind === "number" && num.span.start === t.span.end) {
            this.next();
            this.next();
            const text = `-${num.text}`;
            return {
              kind: "number",
              value: Number(text),
              text,
              integer: /^[0-9]+$/.test(num.text),
              span: { start: t.span.start, end: num.span.end },
            };
          }
        }
        this.refuseUnsupported(t);
        throw this.syntax(`expected a field or a value, found ${describe(t)}`, t.span.start);
      }
      case "ident":
        this.next();
        this.refuseCall(t.path, t.span.start);
        return { kind: "field", path: t.path, optional: false, span: t.span };
      case "string":
        this.next();
        return { kind: "string", value: t.value, span: t.span };
      case "number":
        this.next();
        return {
          kind: "number",
          value: Number(t.text),
          text: t.text,
          integer: /^[0-9]+$/.test(t.text),
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
        this.refuseUnsupported(t);
        throw this.syntax(`expected a field or a value, found ${describe(t)}`, t.span.start);
      case "eof":
        throw this.syntax("unexpected end of the query: expected a field or a value", t.span.start);
    }
  }

  private refuseCall(name: string, at: number): void {
    const t = this.peek();
    if (this.isPunct(t, "(")) {
      throw this.unsupported(`function calls are not supported (\`${name}(...)\`)`, at, `function ${name}`);
    }
    // `startsWith~(...)`: the case-insensitive form of a function.
    if (this.isPunct(t, "~") && this.isPunct(this.peek(1), "(")) {
      throw this.unsupported(`function calls are not supported (\`${name}~(...)\`)`, at, `function ${name}~`);
    }
    if (this.isPunct(t, "[")) {
      throw this.unsupported(
        `array indexes (\`${name}[0]\`) are not supported: a field matches when any element does`,
        t.span.start,
        "array index",
      );
    }
  }
}

/** Parses an EQL event query; throws EqlSyntaxError / EqlUnsupportedError with positions. */
export function parse(source: string, options: ParseOptions = {}): EventQuery {
  return new Parser(source, options).parseQuery();
}
