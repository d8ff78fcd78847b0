/**
 * evaluateQuery: a whole EQL statement (event query, sequence or sample, and its pipes) over a
 * list of events, with Elasticsearch's result: the threat hunter's ad-hoc mode (`edr-scan
 * --query`) and the conformance runner use it.
 *
 * Result limits follow Elasticsearch's LogicalPlanBuilder: the request's `size` is a limit in
 * front of the first `head`/`tail` pipe (a `head` keeps the first `size` results before the pipe
 * takes its first N, a `tail` the last `size` before the pipe takes its last N); without a pipe
 * the result is the first `size`. Without `size` nothing is cut but what the pipes cut.
 */
import type { Pipe, SampleQuery, SequenceQuery, Statement } from "./ast.ts";
import { type CompileOptions, compileEventFilter } from "./compile.ts";
import { parseStatement } from "./parser.ts";
import { evaluateSample, type SampleMatch } from "./sample.ts";
import { evaluateSequence } from "./sequence-evaluate.ts";
import type { SequenceMatch } from "./sequence-types.ts";

export interface EvaluateOptions extends CompileOptions {
  /** Elasticsearch's request `size` (see the module comment); default: no limit. */
  readonly size?: number;
  /** Samples per join key (Elasticsearch's `max_samples_per_key`, default 1). */
  readonly maxSamplesPerKey?: number;
  /** The field sequences order events by and `maxspan` measures (default `@timestamp`). */
  readonly timestampField?: string;
  /** Orders events with equal timestamps in sequences (then their position in the input). */
  readonly tiebreakerField?: string;
}

/** One result: the event itself (event queries), or a sequence / sample with its events. */
export type QueryResult<E = unknown> = E | SequenceMatch<E, number> | SampleMatch<E, number>;

function checkCount(name: string, v: number | undefined): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0)) {
    throw new RangeError(`${name} must be a non-negative integer, got ${String(v)}`);
  }
}

function head<T>(list: readonly T[], n: number): T[] {
  return list.slice(0, n);
}

function tail<T>(list: readonly T[], n: number): T[] {
  return n === 0 ? [] : list.slice(Math.max(0, list.length - n));
}

/** The pipes of a statement, with the request size placed as Elasticsearch places it. */
export function applyPipes<T>(results: readonly T[], pipes: readonly Pipe[], size: number | undefined): T[] {
  let out = [...results];
  if (pipes.length === 0) return size === undefined ? out : head(out, size);
  if (size !== undefined) out = pipes[0]!.name === "head" ? head(out, size) : tail(out, size);
  for (const p of pipes) out = p.name === "head" ? head(out, p.count) : tail(out, p.count);
  return out;
}

function location(text: string, options: CompileOptions) {
  return {
    file: options.file ?? "<query>",
    source: text,
    ...(options.origin ? { origin: options.origin } : {}),
  };
}

function runSequence<E>(
  q: SequenceQuery,
  text: string,
  events: readonly E[],
  options: EvaluateOptions,
): SequenceMatch<E, number>[] {
  const steps = q.steps.map((s) => compileEventFilter(s.query, text, options).matches);
  const until = q.until === null ? null : compileEventFilter(q.until.query, text, options).matches;
  return evaluateSequence(q, { steps, until }, events, {
    ...(options.timestampField === undefined ? {} : { timestampField: options.timestampField }),
    ...(options.tiebreakerField === undefined ? {} : { tiebreakerField: options.tiebreakerField }),
    location: location(text, options),
  });
}

function runSample<E>(
  q: SampleQuery,
  text: string,
  events: readonly E[],
  options: EvaluateOptions,
): SampleMatch<E, number>[] {
  const steps = q.steps.map((s) => compileEventFilter(s.query, text, options).matches);
  return evaluateSample(q, { steps }, events, {
    ...(options.maxSamplesPerKey === undefined ? {} : { maxSamplesPerKey: options.maxSamplesPerKey }),
    ...(options.size === undefined ? {} : { size: options.size }),
    location: location(text, options),
  });
}

/** Parses, checks and runs a statement (see evaluateQuery); exported for callers that parsed already. */
export function evaluateStatement<E>(
  stmt: Statement,
  text: string,
  events: readonly E[],
  options: EvaluateOptions = {},
): QueryResult<E>[] {
  checkCount("size", options.size);
  const q = stmt.query;
  switch (q.kind) {
    case "event-query": {
      const { matches } = compileEventFilter(q, text, options);
      return applyPipes(
        events.filter((e) => matches(e)),
        stmt.pipes,
        options.size,
      );
    }
    case "sequence":
      return applyPipes(runSequence(q, text, events, options), stmt.pipes, options.size);
    case "sample":
      // The parser refuses pipes after a sample; `size` is the sample matcher's own limit.
      return runSample(q, text, events, options);
  }
}

/**
 * Runs one EQL statement over `events` (for event queries: in the given order, which should be
 * @timestamp order; sequences order by `timestampField` and `tiebreakerField` themselves; samples
 * read events in the given order). Returns the matching events, or the sequences / samples, each
 * with `events` (null for a missing-event step) and `joinKeys`. Throws EqlError
 * (`file:line:col` + caret) for a query Elasticsearch refuses or this engine does not run.
 */
export function evaluateQuery<E>(
  text: string,
  events: readonly E[],
  options: EvaluateOptions = {},
): QueryResult<E>[] {
  return evaluateStatement(parseStatement(text, options), text, events, options);
}
