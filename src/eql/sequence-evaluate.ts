/** evaluateQuery's path for sequences: a whole list of events in, Elasticsearch's result out. */
import type { SequenceQuery } from "./ast.ts";
import { createSequenceMatcher, SEQUENCE_DEFAULTS } from "./sequence.ts";
import { orderEvents } from "./sequence-order.ts";
import { type CompiledSteps, type PlanLocation, planSequence, type SequencePlan } from "./sequence-plan.ts";
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
  return runSequencePlan(planSequence(query, compiled, options.location), events, options);
}

/**
 * The same for a plan already built (a driver that re-runs a rule over stored step events, such
 * as the Lambda over its state store); `meta` of each member is the event's index in `events`.
 */
export function runSequencePlan<E = unknown>(
  plan: SequencePlan,
  events: readonly E[],
  options: Omit<EvaluateSequenceOptions, "location"> = {},
): SequenceMatch<E, number>[] {
  const size = options.size;
  if (size !== undefined && (!Number.isInteger(size) || size < 0)) {
    throw new RangeError(`size must be a non-negative integer, got ${String(size)}`);
  }
  const matcher = createSequenceMatcher<E, number>(plan, options);
  const ordered = orderEvents(
    events,
    options.timestampField ?? SEQUENCE_DEFAULTS.timestampField,
    options.tiebreakerField,
  );
  const all: SequenceMatch<E, number>[] = [];
  for (const i of ordered) for (const m of matcher.push(events[i]!, i)) all.push(m);
  for (const m of matcher.flush()) all.push(m);
  all.sort((a, b) => a.rank - b.rank);
  return size === undefined ? all : all.slice(0, size);
}
