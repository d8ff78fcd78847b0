/**
 * EQL parser (recursive descent) for Elasticsearch's grammar (EqlBase.g4 in x-pack/plugin/eql):
 *
 *   statement   = query pipe*
 *   query       = eventQuery | sequence | sample            (`join` is refused by name)
 *   sequence    = 'sequence' [by keys [with maxspan=N unit] | with maxspan=N unit]
 *                 step+ ['until' step]
 *   step        = ('[' | '![') eventFilter ']' [by keys] [with runs=N]
 *   sample      = 'sample' [by keys] ('[' eventFilter ']' [by keys])+
 *   pipe        = '|' IDENTIFIER [expr (',' expr)*]      (only `head N` / `tail N`, as in ES)
 *   expr        = or; or = and ('or' and)*; and = not ('and' not)*; not = 'not' not | value
 *   value       = arith [cmp arith]                       (comparisons do not chain)
 *   arith       = term (('+'|'-') term)*; term = unary (('*'|'/'|'%') unary)*
 *   unary       = ('-'|'+') unary | primary [predicate]   (a predicate binds to a primary only)
 *   predicate   = ['not'] ('in'|'in~') '(' expr, ... ')' | (':'|'like'|'like~'|'regex'|'regex~')
 *                 (constant | '(' constant, ... ')')
 *   primary     = constant | name['~'] '(' args ')' | ['?'] field | '(' expr ')'
 *
 * `field op constant` forms become the fast nodes (compare / in / like / colon / regex /
 * null-check) that Elasticsearch turns into term queries; everything else becomes the general
 * nodes that Elasticsearch evaluates as a script. Every construct outside the language we run is
 * refused with its position and name (EqlUnsupportedError), never ignored.
 */
import type {
  ArithOp,
  CompareOp,
  Constant,
  EventQuery,
  Expr,
  MatchOp,
  Pipe,
  Query,
  SampleQuery,
  SequenceQuery,
  SequenceStep,
  Span,
  Statement,
  StringConst,
  TimeSpan,
  TimeUnit,
} from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import { type Token, tokenize } from "./lexer.ts";

export interface ParseOptions {
  /** Named in error messages (default `<query>`). */
  readonly file?: string;
  /** Where the query starts inside its file, for error positions. */
  readonly origin?: SourceOrigin;
}

const MAX_DEPTH = 256;
/** Elasticsearch refuses larger `with runs=` values (a step repeated more often). */
export const MAX_RUNS = 100;

const MIRROR: Record<CompareOp, CompareOp> = {
  "==": "==",
  "!=": "!=",
  "<": ">",
  "<=": ">=",
  ">": "<",
  ">=": "<=",
};

const TIME_UNITS: Readonly<Record<string, { unit: TimeUnit; ms: number }>> = {
  ms: { unit: "ms", ms: 1 },
  s: { unit: "s", ms: 1000 },
  m: { unit: "m", ms: 60_000 },
  h: { unit: "h", ms: 3_600_000 },
  d: { unit: "d", ms: 86_400_000 },
};

/** Endgame EQL pipes that Elasticsearch's grammar names but refuses ("Pipe [x] is not supported"). */
const KNOWN_PIPES = new Set(["count", "filter", "sort", "unique", "unique_count"]);

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

const isInteger = (text: string): boolean => /^[0-9]+$/.test(text);

function spanOf(a: { span: Span }, b: { span: Span }): Span {
  return { start: a.span.start, end: b.span.end };
}

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  private readonly file: string;
  /** Nesting of parentheses, `not`, unary signs and calls: bounded so a hostile query cannot exhaust the stack. */
  private depth = 0;

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

  private isIdent(t: Token, name: string): boolean {
    return t.kind === "ident" && !t.quoted && t.path === name;
  }

  private expectPunct(text: string, context: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, text)) {
      this.refuseStray(t);
      throw this.syntax(`expected \`${text}\` ${context}, found ${describe(t)}`, t.span.start);
    }
    return this.next();
  }

  private enter(at: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw this.syntax(
        `the query nests parentheses, \`not\`, signs or function calls more than ${MAX_DEPTH} levels deep`,
        at,
      );
    }
  }

  /** A token that cannot continue an expression: name the construct when it is one ES has and we do not. */
  private refuseStray(t: Token): void {
    if (t.kind === "punct") {
      if (t.text === "=") {
        throw this.unsupported("`=` is not an EQL operator: use `==` (or `:`)", t.span.start, "=");
      }
      if (t.text === "[") {
        throw this.unsupported(
          "array indexes and `[ ... ]` subqueries are not supported here",
          t.span.start,
          "subquery [...]",
        );
      }
    }
    if (t.kind === "keyword" && (t.word === "sequence" || t.word === "sample" || t.word === "join")) {
      throw this.syntax(`\`${t.word}\` can only start a query`, t.span.start);
    }
  }

  // ------------------------------------------------------------------ statement and queries

  parseStatement(): Statement {
    const first = this.peek();
    const query = this.parseQuery();
    const pipes: Pipe[] = [];
    while (this.isPunct(this.peek(), "|")) pipes.push(this.parsePipe());
    const end = this.peek();
    if (end.kind !== "eof") {
      this.refuseStray(end);
      throw this.syntax(
        `unexpected ${describe(end)}: expected \`and\`, \`or\`, a pipe (\`|\`) or the end of the query`,
        end.span.start,
      );
    }
    if (query.kind === "sample" && pipes.length > 0) {
      throw this.unsupported(
        "pipes after a `sample` query are not supported",
        pipes[0]!.span.start,
        "pipe after sample",
      );
    }
    const last = pipes.length > 0 ? pipes[pipes.length - 1]! : query;
    return { kind: "statement", query, pipes, span: { start: first.span.start, end: last.span.end } };
  }

  private parseQuery(): Query {
    const t = this.peek();
    if (this.isKeyword(t, "sequence")) return this.parseSequence();
    if (this.isKeyword(t, "sample")) return this.parseSample();
    if (this.isKeyword(t, "join")) {
      throw this.unsupported(
        "`join` queries are not supported (Elasticsearch refuses them too: use `sequence` or `sample`)",
        t.span.start,
        "join",
      );
    }
    return this.parseEventFilter();
  }

  /** `<category> where <condition>` or `any where <condition>`. */
  private parseEventFilter(): EventQuery {
    const first = this.peek();
    let category: EventQuery["category"];
    if (this.isKeyword(first, "any")) {
      this.next();
      category = null;
    } else if (first.kind === "ident") {
      this.next();
      category = { name: first.path, span: first.span };
    } else if (first.kind === "string") {
      this.next();
      category = { name: first.value, span: first.span };
    } else {
      this.refuseStray(first);
      throw this.syntax(
        `expected an event category (e.g. \`file\`), \`any\`, \`sequence\` or \`sample\`, found ${describe(first)}`,
        first.span.start,
      );
    }
    const where = this.peek();
    if (!this.isKeyword(where, "where")) {
      if (this.isPunct(where, "(") && first.kind === "ident") {
        throw this.syntax(
          `a query starts with an event category and \`where\` (e.g. \`any where ${first.path}(...)\`)`,
          first.span.start,
        );
      }
      throw this.syntax(
        `expected \`where\` after the event category, found ${describe(where)}`,
        where.span.start,
      );
    }
    this.next();
    const condition = this.parseExpr();
    return {
      kind: "event-query",
      category,
      condition,
      span: { start: first.span.start, end: condition.span.end },
    };
  }

  private parseJoinKeys(): Expr[] {
    const keys: Expr[] = [];
    this.next(); // by
    for (;;) {
      keys.push(this.parseExpr());
      if (!this.isPunct(this.peek(), ",")) return keys;
      this.next();
    }
  }

  /** `with maxspan=<integer><unit>` (the `with` already peeked). */
  private parseMaxspan(): TimeSpan {
    this.next(); // with
    const kw = this.peek();
    if (!this.isKeyword(kw, "maxspan")) {
      throw this.syntax(`expected \`maxspan\` after \`with\`, found ${describe(kw)}`, kw.span.start);
    }
    this.next();
    this.expectPunct("=", "after `maxspan`");
    const num = this.peek();
    if (num.kind !== "number") {
      throw this.syntax(
        `expected a time span such as \`30s\` after \`maxspan=\`, found ${describe(num)}`,
        num.span.start,
      );
    }
    this.next();
    if (!isInteger(num.text)) {
      throw this.syntax(
        `decimal time interval \`${num.text}\` is not supported: use a positive integer`,
        num.span.start,
      );
    }
    const value = Number(num.text);
    if (value <= 0)
      throw this.syntax(`a positive maxspan value is required, found ${num.text}`, num.span.start);
    const unitTok = this.peek();
    // The unit is its own token (`30s`, `5 m`): an identifier right after the number.
    if (unitTok.kind !== "ident" || unitTok.quoted) {
      throw this.syntax(
        `no time unit after \`maxspan=${num.text}\`: write one of ms, s, m, h, d (e.g. \`${num.text}s\`)`,
        unitTok.span.start,
      );
    }
    const unit = TIME_UNITS[unitTok.path];
    if (unit === undefined || !Object.hasOwn(TIME_UNITS, unitTok.path)) {
      throw this.syntax(
        `unrecognised time unit \`${unitTok.path}\`: use one of ms, s, m, h, d`,
        unitTok.span.start,
      );
    }
    this.next();
    return {
      value,
      unit: unit.unit,
      millis: value * unit.ms,
      text: `${num.text}${unitTok.path}`,
      span: { start: num.span.start, end: unitTok.span.end },
    };
  }

  private parseStep(allowMissing: boolean, allowRuns: boolean, what: string): SequenceStep {
    const open = this.peek();
    const missing = this.isPunct(open, "![");
    if (!this.isPunct(open, "[") && !missing) {
      throw this.syntax(
        `expected \`[\` and an event query for ${what}, found ${describe(open)}`,
        open.span.start,
      );
    }
    if (missing && !allowMissing) {
      throw this.syntax(`a missing-event step (\`![ ... ]\`) is not allowed in ${what}`, open.span.start);
    }
    this.next();
    this.enter(open.span.start);
    const query = this.parseEventFilter();
    this.depth--;
    const close = this.expectPunct("]", "to close the step");
    let end = close.span.end;
    let by: Expr[] = [];
    if (this.isKeyword(this.peek(), "by")) {
      by = this.parseJoinKeys();
      end = by[by.length - 1]!.span.end;
    }
    let runs = 1;
    if (this.isKeyword(this.peek(), "with") && !this.isKeyword(this.peek(1), "maxspan")) {
      const withTok = this.next();
      const key = this.peek();
      if (!this.isIdent(key, "runs")) {
        throw this.syntax(`unrecognised step option ${describe(key)}: expected \`runs\``, key.span.start);
      }
      if (!allowRuns) throw this.syntax(`\`with runs\` is not allowed in ${what}`, withTok.span.start);
      this.next();
      this.expectPunct("=", "after `runs`");
      const num = this.peek();
      if (num.kind !== "number" || !isInteger(num.text)) {
        throw this.syntax(`\`runs\` needs a positive integer, found ${describe(num)}`, num.span.start);
      }
      this.next();
      runs = Number(num.text);
      if (runs <= 0)
        throw this.syntax(`a positive runs value is required, found ${num.text}`, num.span.start);
      if (runs > MAX_RUNS) {
        throw this.syntax(
          `a step cannot be repeated more than ${MAX_RUNS} times, found ${num.text}`,
          num.span.start,
        );
      }
      end = num.span.end;
    }
    return { kind: "sequence-step", query, by, runs, missing, span: { start: open.span.start, end } };
  }

  private checkKeyCount(steps: readonly SequenceStep[]): void {
    const n = steps[0]?.by.length ?? 0;
    for (const s of steps) {
      if (s.by.length !== n) {
        const at = s.by[0]?.span.start ?? s.span.start;
        throw this.syntax(`inconsistent number of join keys: expected ${n} but found ${s.by.length}`, at);
      }
    }
  }

  private parseSequence(): SequenceQuery {
    const kw = this.next();
    let by: Expr[] = [];
    let maxspan: TimeSpan | null = null;
    if (this.isKeyword(this.peek(), "by")) {
      by = this.parseJoinKeys();
      if (this.isKeyword(this.peek(), "with")) maxspan = this.parseMaxspan();
    } else if (this.isKeyword(this.peek(), "with")) {
      maxspan = this.parseMaxspan();
      const after = this.peek();
      if (this.isKeyword(after, "by")) {
        throw this.syntax("write `sequence by ...` before `with maxspan=...`, not after", after.span.start);
      }
    }
    const steps: SequenceStep[] = [];
    while (this.isPunct(this.peek(), "[") || this.isPunct(this.peek(), "![")) {
      steps.push(this.parseStep(true, true, "a sequence"));
    }
    let until: SequenceStep | null = null;
    const u = this.peek();
    if (this.isKeyword(u, "until")) {
      this.next();
      until = this.parseStep(false, false, "`until`");
    }
    const total = steps.reduce((n, s) => n + s.runs, 0);
    if (total < 2) {
      const at = steps[0]?.span.start ?? this.peek().span.start;
      throw this.syntax(`a sequence needs at least 2 steps (counting \`with runs\`), found ${total}`, at);
    }
    if (steps.every((s) => s.missing)) {
      throw this.syntax(
        "a sequence needs at least one step that is not a missing event (`![...]`)",
        steps[0]!.span.start,
      );
    }
    this.checkKeyCount(until === null ? steps : [...steps, until]);
    const last = until ?? steps[steps.length - 1]!;
    return {
      kind: "sequence",
      by,
      maxspan,
      steps,
      until,
      span: { start: kw.span.start, end: last.span.end },
    };
  }

  private parseSample(): SampleQuery {
    const kw = this.next();
    let by: Expr[] = [];
    if (this.isKeyword(this.peek(), "by")) by = this.parseJoinKeys();
    const w = this.peek();
    if (this.isKeyword(w, "with"))
      throw this.syntax("`with` options are not allowed on a `sample`", w.span.start);
    const steps: SequenceStep[] = [];
    while (this.isPunct(this.peek(), "[") || this.isPunct(this.peek(), "![")) {
      steps.push(this.parseStep(false, false, "a sample"));
    }
    if (steps.length < 2) {
      const at = steps[0]?.span.start ?? this.peek().span.start;
      throw this.syntax(`a sample needs at least 2 steps, found ${steps.length}`, at);
    }
    const u = this.peek();
    if (this.isKeyword(u, "until")) throw this.syntax("`until` is not allowed in a `sample`", u.span.start);
    this.checkKeyCount(steps);
    return {
      kind: "sample",
      by,
      steps,
      span: { start: kw.span.start, end: steps[steps.length - 1]!.span.end },
    };
  }

  private parsePipe(): Pipe {
    const bar = this.next();
    const name = this.peek();
    if (name.kind !== "ident" || name.quoted || name.path.includes(".")) {
      throw this.syntax(
        `expected a pipe name (\`head\` or \`tail\`) after \`|\`, found ${describe(name)}`,
        name.span.start,
      );
    }
    this.next();
    if (name.path !== "head" && name.path !== "tail") {
      if (KNOWN_PIPES.has(name.path)) {
        throw this.unsupported(
          `the \`${name.path}\` pipe is not supported (Elasticsearch has only \`head\` and \`tail\`)`,
          name.span.start,
          `pipe ${name.path}`,
        );
      }
      throw this.syntax(
        `unrecognised pipe \`${name.path}\`: Elasticsearch has \`head\` and \`tail\``,
        name.span.start,
      );
    }
    const args: Expr[] = [];
    const t = this.peek();
    if (t.kind !== "eof" && !this.isPunct(t, "|")) {
      for (;;) {
        args.push(this.parseExpr());
        if (!this.isPunct(this.peek(), ",")) break;
        this.next();
      }
    }
    if (args.length !== 1) {
      throw this.syntax(
        `pipe \`${name.path}\` expects exactly one argument but found ${args.length}`,
        args[1]?.span.start ?? name.span.end,
      );
    }
    const arg = args[0]!;
    if (arg.kind !== "number" || !arg.integer || arg.value < 0 || !Number.isSafeInteger(arg.value)) {
      throw this.syntax(`pipe \`${name.path}\` expects a non-negative integer`, arg.span.start);
    }
    return {
      kind: "pipe",
      name: name.path,
      count: arg.value,
      span: { start: bar.span.start, end: arg.span.end },
    };
  }

  // ------------------------------------------------------------------ expressions

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
        return this.parsePredicate(lit);
      }
      this.enter(t.span.start);
      const operand = this.parseUnary();
      this.depth--;
      // Unary plus is the identity in Elasticsearch (ExpressionBuilder returns the operand).
      if (t.text === "+") return operand;
      return { kind: "negate", op: "-", operand, span: { start: t.span.start, end: operand.span.end } };
    }
    return this.parsePredicate(this.parsePrimary());
  }

  /** `in` / `not in` / `:` / `like` / `regex` after a primary expression. */
  private parsePredicate(subject: Expr): Expr {
    const t = this.peek();
    if (t.kind === "keyword") {
      switch (t.word) {
        case "in":
        case "in~":
          this.next();
          return this.inList(subject, t.word, false);
        case "not": {
          const after = this.peek(1);
          if (after.kind === "keyword" && (after.word === "in" || after.word === "in~")) {
            this.next();
            this.next();
            return this.inList(subject, after.word, true);
          }
          if (
            after.kind === "keyword" &&
            (after.word === "like" ||
              after.word === "like~" ||
              after.word === "regex" ||
              after.word === "regex~")
          ) {
            throw this.unsupported(
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
          this.next();
          return this.pattern(subject, t.word);
        default:
          return subject;
      }
    }
    if (this.isPunct(t, ":")) {
      this.next();
      return this.pattern(subject, ":");
    }
    return subject;
  }

  private inList(subject: Expr, word: "in" | "in~", negated: boolean): Expr {
    const open = this.peek();
    if (!this.isPunct(open, "(")) {
      throw this.syntax(
        `expected \`(\` and a list of values after \`${word}\`, found ${describe(open)}`,
        open.span.start,
      );
    }
    this.next();
    this.enter(open.span.start);
    const values: Expr[] = [];
    for (;;) {
      values.push(this.parseExpr());
      const t = this.next();
      if (this.isPunct(t, ",")) continue;
      if (this.isPunct(t, ")")) {
        this.depth--;
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
      this.refuseStray(t);
      throw this.syntax(
        `expected \`,\` or \`)\` in the list after \`${word}\`, found ${describe(t)}`,
        t.span.start,
      );
    }
  }

  /** The constant(s) after `:`, `like`, `like~`, `regex`, `regex~`: one, or a parenthesised list. */
  private pattern(subject: Expr, op: MatchOp): Expr {
    const list: StringConst[] = [];
    let end: number;
    if (this.isPunct(this.peek(), "(")) {
      this.next();
      for (;;) {
        list.push(this.patternConstant(op));
        const t = this.next();
        if (this.isPunct(t, ",")) continue;
        if (this.isPunct(t, ")")) {
          end = t.span.end;
          break;
        }
        throw this.syntax(
          `expected \`,\` or \`)\` in the list after \`${op}\`, found ${describe(t)}`,
          t.span.start,
        );
      }
    } else {
      const c = this.patternConstant(op);
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
      throw this.unsupported(
        `\`${op}\` needs a field or an expression on its left side, found a constant`,
        subject.span.start,
        `constant on the left of ${op}`,
      );
    }
    return { kind: "match", op, subject, patterns: list, span };
  }

  /** Elasticsearch's grammar allows only constants as patterns; `:` also takes numbers and booleans (as text). */
  private patternConstant(op: MatchOp): StringConst {
    const t = this.peek();
    switch (t.kind) {
      case "string":
        this.next();
        return { kind: "string", value: t.value, span: t.span };
      case "number":
      case "keyword":
        if (op === ":" && (t.kind === "number" || t.word === "true" || t.word === "false")) {
          this.next();
          return {
            kind: "string",
            value: t.kind === "number" ? String(Number(t.text)) : t.word,
            span: t.span,
          };
        }
        if (t.kind === "keyword" && t.word === "null")
          throw this.syntax(`null is not allowed after \`${op}\``, t.span.start);
        throw this.syntax(`\`${op}\` takes string patterns, found ${describe(t)}`, t.span.start);
      case "ident":
      case "punct":
        if (t.kind === "ident" || this.isPunct(t, "?")) {
          throw this.unsupported(
            `\`${op}\` takes constants on its right side: a field-to-field comparison is not supported (as in Elasticsearch)`,
            t.span.start,
            "field-to-field comparison",
          );
        }
        throw this.syntax(`expected a string after \`${op}\`, found ${describe(t)}`, t.span.start);
      case "eof":
        throw this.syntax(`unexpected end of the query: expected a string after \`${op}\``, t.span.start);
    }
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

/** Parses a whole query text: an event query, a sequence or a sample, and its pipes. */
export function parseStatement(source: string, options: ParseOptions = {}): Statement {
  return new Parser(source, options).parseStatement();
}

/** The construct name and message for a statement that is not a plain event query. */
export function notAnEventQuery(
  stmt: Statement,
): { at: number; construct: string; message: string } | undefined {
  const q = stmt.query;
  if (q.kind === "sequence") {
    return {
      at: q.span.start,
      construct: "sequence",
      message:
        "`sequence` queries are not supported here: only event queries (`<category> where <condition>`) are evaluated one event at a time (evaluateQuery runs sequences)",
    };
  }
  if (q.kind === "sample") {
    return {
      at: q.span.start,
      construct: "sample",
      message:
        "`sample` queries are not supported here: only event queries (`<category> where <condition>`) are evaluated one event at a time (evaluateQuery runs samples)",
    };
  }
  if (stmt.pipes.length > 0) {
    const p = stmt.pipes[0]!;
    return {
      at: p.span.start,
      construct: "pipe",
      message: `pipes (\`| ${p.name}\`) are not supported here: they cut a list of results, not one event (evaluateQuery and \`edr-scan --query\` run them)`,
    };
  }
  return undefined;
}

/**
 * Parses an EQL event query (no sequence, sample or pipe: those are refused by name here, with
 * their position); throws EqlSyntaxError / EqlUnsupportedError.
 */
export function parse(source: string, options: ParseOptions = {}): EventQuery {
  const stmt = parseStatement(source, options);
  const refusal = notAnEventQuery(stmt);
  if (refusal !== undefined) {
    throw new EqlUnsupportedError(
      refusal.message,
      { file: options.file ?? "<query>", source, offset: refusal.at, origin: options.origin },
      refusal.construct,
    );
  }
  return stmt.query as EventQuery;
}
