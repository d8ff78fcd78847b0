/**
 * Compiling a sequence or sample rule once, for the drivers that run it over many events (the
 * scan stage of the CLI, the Lambda's re-run over its state store): the statement, the matcher's
 * plan, each step compiled as an event query (predicate, fields, prefilter literals), and the
 * rule-level prefilter. A record can only take part if it matches some step or the `until`, so
 * the rule's prefilter is the union of the steps' literal sets (null as soon as one step has
 * none: then every record must be parsed).
 */
import type { EventQuery, Statement } from "./ast.ts";
import { type CompileOptions, compileAst } from "./compile.ts";
import type { CompiledQuery, PrefilterLiteral } from "./compiled.ts";
import { parseStatement } from "./parser.ts";
import { planSample, type SamplePlan } from "./sample.ts";
import { planSequence, type SequencePlan } from "./sequence-plan.ts";

interface CompiledCorrelationBase {
  readonly statement: Statement;
  /** The step filters in query order, each compiled as an event query. */
  readonly steps: readonly CompiledQuery[];
  /** Every field the filters and join keys read, in order of first appearance. */
  readonly fields: readonly string[];
  /** At least one of these occurs in the raw text of any record that matches a step; null: none derivable. */
  readonly prefilter: readonly PrefilterLiteral[] | null;
}

export interface CompiledSequenceQuery extends CompiledCorrelationBase {
  readonly kind: "sequence";
  readonly plan: SequencePlan;
  readonly until: CompiledQuery | null;
}

export interface CompiledSampleQuery extends CompiledCorrelationBase {
  readonly kind: "sample";
  readonly plan: SamplePlan;
}

function union(parts: readonly CompiledQuery[]): readonly PrefilterLiteral[] | null {
  const out: PrefilterLiteral[] = [];
  const seen = new Set<string>();
  for (const p of parts) {
    if (p.prefilter === null) return null;
    for (const lit of p.prefilter) {
      const id = `${lit.caseInsensitive ? "i" : "s"}:${lit.text}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(lit);
    }
  }
  return out;
}

function fieldsOf(parts: readonly CompiledQuery[], keyPaths: readonly string[]): string[] {
  return [...new Set([...parts.flatMap((p) => p.fields), ...keyPaths])];
}

/**
 * Parses and compiles a `sequence` or `sample` statement (or takes `statement`, parsed from
 * `source` with the same options); null for an event query (compile that with compileQuery).
 * Throws EqlError (`file:line:col` and a caret) for anything Elasticsearch refuses or this
 * engine does not run.
 */
export function compileCorrelation(
  source: string,
  options: CompileOptions = {},
  // The rule loader has parsed the query already (to refuse pipes); parsing it again cost start-up.
  statement: Statement = parseStatement(source, options),
  // A rule compiled at build time (src/rules/compiled-set.ts) gives steps compiled on first use.
  compileStep: (query: EventQuery) => CompiledQuery = (query) => compileAst(query, options, source),
): CompiledSequenceQuery | CompiledSampleQuery | null {
  const q = statement.query;
  const loc = {
    file: options.file ?? "<query>",
    source,
    ...(options.origin ? { origin: options.origin } : {}),
  };
  if (q.kind === "event-query") return null;
  const steps = q.steps.map((s) => compileStep(s.query));
  const predicates = steps.map((c) => (event: unknown) => c.matches(event));
  if (q.kind === "sample") {
    const plan = planSample(q, { steps: predicates }, loc);
    const keyPaths = plan.filters.flatMap((f) => f.keys.map((k) => k.path));
    return {
      kind: "sample",
      statement,
      plan,
      steps,
      fields: fieldsOf(steps, keyPaths),
      prefilter: union(steps),
    };
  }
  const until = q.until === null ? null : compileStep(q.until.query);
  const plan = planSequence(
    q,
    { steps: predicates, until: until === null ? null : (e) => until.matches(e) },
    loc,
  );
  const all = until === null ? steps : [...steps, until];
  const keyPaths = [...plan.filters, ...(plan.until === null ? [] : [plan.until])].flatMap((f) =>
    f.keys.map((k) => k.path),
  );
  return {
    kind: "sequence",
    statement,
    plan,
    steps,
    until,
    fields: fieldsOf(all, keyPaths),
    prefilter: union(all),
  };
}
