/**
 * The token cursor under the EQL parser: the token list and position, the nesting depth, the
 * token tests and the positioned EqlSyntaxError / EqlUnsupportedError builders that every part of
 * the parser (expressions, event queries, sequences, samples, pipes) shares.
 */
import type { Span } from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import { type Token, tokenize } from "./lexer.ts";

export interface ParseOptions {
  /** Named in error messages (default `<query>`). */
  readonly file?: string;
  /** Where the query starts inside its file, for error positions. */
  readonly origin?: SourceOrigin;
}

const MAX_DEPTH = 256;

export function describe(t: Token): string {
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

export const isInteger = (text: string): boolean => /^[0-9]+$/.test(text);

export function spanOf(a: { span: Span }, b: { span: Span }): Span {
  return { start: a.span.start, end: b.span.end };
}

export class TokenCursor {
  protected pos = 0;
  protected readonly tokens: Token[];
  private readonly file: string;
  /** Nesting of parentheses, `not`, unary signs and calls: bounded so a hostile query cannot exhaust the stack. */
  depth = 0;

  constructor(
    private readonly source: string,
    private readonly options: ParseOptions,
  ) {
    this.file = options.file ?? "<query>";
    this.tokens = tokenize(source, options);
  }

  peek(ahead = 0): Token {
    return this.tokens[Math.min(this.pos + ahead, this.tokens.length - 1)]!;
  }

  next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  syntax(msg: string, at: number): EqlSyntaxError {
    return new EqlSyntaxError(msg, {
      file: this.file,
      source: this.source,
      offset: at,
      origin: this.options.origin,
    });
  }

  unsupported(msg: string, at: number, construct: string): EqlUnsupportedError {
    return new EqlUnsupportedError(
      msg,
      { file: this.file, source: this.source, offset: at, origin: this.options.origin },
      construct,
    );
  }

  isKeyword(t: Token, word: string): boolean {
    return t.kind === "keyword" && t.word === word;
  }

  isPunct(t: Token, text: string): boolean {
    return t.kind === "punct" && t.text === text;
  }

  isIdent(t: Token, name: string): boolean {
    return t.kind === "ident" && !t.quoted && t.path === name;
  }

  expectPunct(text: string, context: string): Token {
    const t = this.peek();
    if (!this.isPunct(t, text)) {
      this.refuseStray(t);
      throw this.syntax(`expected \`${text}\` ${context}, found ${describe(t)}`, t.span.start);
    }
    return this.next();
  }

  enter(at: number): void {
    if (++this.depth > MAX_DEPTH) {
      throw this.syntax(
        `the query nests parentheses, \`not\`, signs or function calls more than ${MAX_DEPTH} levels deep`,
        at,
      );
    }
  }

  /** A token that cannot continue an expression: name the construct when it is one ES has and we do not. */
  refuseStray(t: Token): void {
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
}
