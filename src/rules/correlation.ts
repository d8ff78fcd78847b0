/**
 * A rule's query compiled for the scan: an event query as one predicate, or a sequence / sample
 * as its matcher plan plus a `compiled` predicate that is true when an event matches ANY step
 * (or the `until`). The scan pipeline then treats such a rule as any other (prefilter literals,
 * index patterns, dispatch): its "hits" are step events, which the sequence stage
 * (src/scan/sequences.ts) takes out of the alert path and hands to a matcher.
 */
import {
  type CompiledQuery,
  type CompiledSampleQuery,
  type CompiledSequenceQuery,
  type CompileOptions,
  compileAst,
  compileCorrelation,
  EqlUnsupportedError,
  type EventQuery,
  notAnEventQuery,
  parseStatement,
  type Statement,
} from "../eql/index.ts";
import { rememberAst } from "./ast.ts";

/** A sequence or sample rule's compiled form (Rule.sequence). */
export type CompiledCorrelation = CompiledSequenceQuery | CompiledSampleQuery;

export interface CompiledRuleQuery {
  readonly compiled: CompiledQuery;
  readonly sequence?: CompiledCorrelation;
}

/** The predicate a correlation rule is dispatched by: some step (or the until) matches. */
export function stepPredicate(c: CompiledCorrelation): CompiledQuery {
  const filters = c.kind === "sequence" && c.until !== null ? [...c.steps, c.until] : c.steps;
  const n = filters.length;
  return {
    matches(event: unknown): boolean {
      for (let i = 0; i < n; i++) if (filters[i]!.matches(event)) return true;
      return false;
    },
    fields: c.fields,
    prefilter: c.prefilter,
  };
}

/**
 * Compiles a rule's query, whatever its kind, from its text or from `statement` (the text parsed
 * with the same options). Throws EqlError (`file:line:col` + caret) for a query Elasticsearch
 * refuses or this engine does not run, exactly as compileQuery does. The query is parsed once:
 * the statement is kept for ruleAst (the scan's prefilter and dispatch read it).
 */
export function compileRuleQuery(
  query: string,
  options: CompileOptions = {},
  statement: Statement = parseStatement(query, options),
  // A sequence's steps compiled some other way (on first use: src/rules/compiled-set.ts).
  compileStep?: (step: EventQuery) => CompiledQuery,
): CompiledRuleQuery {
  const q = statement.query;
  let out: CompiledRuleQuery;
  if (q.kind === "event-query") {
    // Pipes after an event query are refused as compileQuery refuses them (same message).
    const refusal = notAnEventQuery(statement);
    if (refusal !== undefined) {
      throw new EqlUnsupportedError(
        refusal.message,
        { file: options.file ?? "<query>", source: query, offset: refusal.at, origin: options.origin },
        refusal.construct,
      );
    }
    out = { compiled: compileAst(q, options, query) };
  } else {
    const correlation = compileCorrelation(query, options, statement, compileStep)!;
    out = { compiled: stepPredicate(correlation), sequence: correlation };
  }
  rememberAst(out.compiled, query, statement);
  return out;
}
