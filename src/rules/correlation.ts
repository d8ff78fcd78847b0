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
  compileCorrelation,
  compileQuery,
} from "../eql/index.ts";

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
 * Compiles a rule's query, whatever its kind. Throws EqlError (`file:line:col` + caret) for a
 * query Elasticsearch refuses or this engine does not run, exactly as compileQuery does.
 */
export function compileRuleQuery(query: string, options: CompileOptions = {}): CompiledRuleQuery {
  const correlation = compileCorrelation(query, options);
  if (correlation === null) return { compiled: compileQuery(query, options) };
  return { compiled: stepPredicate(correlation), sequence: correlation };
}
