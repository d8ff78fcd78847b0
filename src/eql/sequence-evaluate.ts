/** evaluateQuery's path for sequences: a whole list of events in, Elasticsearch's result out. */
import type { SequenceQuery } from "./ast.ts";
import { createSequenceMatcher, SEQUENCE_DEFAULTS } from "./sequence.ts";
import { orderEvents } from "./sequence-order.ts";
import { type CompiledSteps, type PlanLocation, planSequence } from "./sequence-plan.ts";
import type { SequenceMatch, SequenceMatcherOptions } from "./sequence-types.ts";

export interface EvaluateSequenceOptions extends SequenceMatcherOptions {
  /** At most this many sequences, the first in Elasticsearch's order (the request's `size`). */
  readonly size?: number;
  /** Orders events with equal timestamps (then their order in `events`). */
  readonly tiebreakerField?: string;
  readonly location?: PlanLocation;
}

/**
 * Runs a sequence over a whole list of events (evaluateQuery's path): sorts them as
 * Elasticsearch does (@timestamp, tiebreaker with missing values last, then input order), feeds
 * the matcher, and returns the sequences in Elasticsearch's order, at most `size`.
 */
export function evaluateSequence<E = unknown>(
  query: SequenceQuery,
  compiled: CompiledSteps,
  events: readonly E[],
  options: EvaluateSequenceOptions = {},
): SequenceMatch<E, number>[] {
  const plan = planSequence(query, compiled, options.location);
  const matcher = createSequenceMatcher<E, number>(plan, options);
  const ordered = orderEvents(
    events,
    options.timestampField ?? SEQUENCE_DEFAULTS.timestampField,
    options.tiebreakerField,
  );
  const all: SequenceMatch<E, number>[] = [];
  for (const i of ordered) all.push(...matcher.push(events[i]!, i));
  all.push(...matcher.flush());
  all.sort((a, b) => a.rank - b.rank);
  const size = options.size;
  if (size !== undefined && (!Number.isInteger(size) || size < 0)) {
    throw new RangeError(`size must be a non-negative integer, got ${String(size)}`);
  }
  return size === undefined ? all : all.slice(0, size);
}
