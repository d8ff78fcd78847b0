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
 *
 * This file is the entry and the statement level; the parts are parser-cursor.ts (token cursor
 * and errors), parser-expr.ts and parser-predicate.ts (expressions), parser-event-query.ts,
 * parser-sequence.ts (sequence and sample) and parser-pipe.ts.
 */
import type { EventQuery, Pipe, Query, Statement } from "./ast.ts";
import { EqlUnsupportedError } from "./errors.ts";
import { describe, type ParseOptions } from "./parser-cursor.ts";
import { parseEventFilter } from "./parser-event-query.ts";
import { ExprParser } from "./parser-expr.ts";
import { parsePipe } from "./parser-pipe.ts";
import { parseSample, parseSequence } from "./parser-sequence.ts";

export type { ParseOptions } from "./parser-cursor.ts";
export { MAX_RUNS } from "./parser-sequence.ts";

function statement(p: ExprParser): Statement {
  const first = p.peek();
  const query = parseQuery(p);
  const pipes: Pipe[] = [];
  while (p.isPunct(p.peek(), "|")) pipes.push(parsePipe(p));
  const end = p.peek();
  if (end.kind !== "eof") {
    p.refuseStray(end);
    throw p.syntax(
      `unexpected ${describe(end)}: expected \`and\`, \`or\`, a pipe (\`|\`) or the end of the query`,
      end.span.start,
    );
  }
  if (query.kind === "sample" && pipes.length > 0) {
    throw p.unsupported(
      "pipes after a `sample` query are not supported",
      pipes[0]!.span.start,
      "pipe after sample",
    );
  }
  const last = pipes.length > 0 ? pipes[pipes.length - 1]! : query;
  return { kind: "statement", query, pipes, span: { start: first.span.start, end: last.span.end } };
}

function parseQuery(p: ExprParser): Query {
  const t = p.peek();
  if (p.isKeyword(t, "sequence")) return parseSequence(p);
  if (p.isKeyword(t, "sample")) return parseSample(p);
  if (p.isKeyword(t, "join")) {
    throw p.unsupported(
      "`join` queries are not supported (Elasticsearch refuses them too: use `sequence` or `sample`)",
      t.span.start,
      "join",
    );
  }
  return parseEventFilter(p);
}

/** Parses a whole query text: an event query, a sequence or a sample, and its pipes. */
export function parseStatement(source: string, options: ParseOptions = {}): Statement {
  return statement(new ExprParser(source, options));
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
