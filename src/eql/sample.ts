/**
 * The sample matcher: Elasticsearch's `sample by k [q1] [q2] ...` (x-pack/plugin/eql
 * execution/sample/SampleIterator and assembler/SampleQueryRequest), as a pure stage.
 *
 * - A sample is a set of events, one per filter, all with the same join key, in any order (no
 *   timestamps involved). Keys are read as for sequences (sequence-keys.ts): multi-valued fields
 *   give one key per value (composite aggregation buckets), an optional `?field` without a value
 *   is the missing bucket `null`, a required one excludes the event from that filter.
 * - Candidate keys are those every filter has an event for (the composite aggregation of each
 *   filter restricted to the previous filter's buckets), visited in composite order: key tuples
 *   ascending, the missing bucket first (compareKeys).
 * - For each key, each filter's first `filters + maxSamplesPerKey - 1` matching events in index
 *   order (the final query's `size` and `terminate_after`; arrival order stands for index order)
 *   are combined by a depth-first search in filter order that never uses one event twice, keeping
 *   the first `maxSamplesPerKey` combinations (default 1).
 * - At most `size` samples overall, the first in that order.
 *
 * Samples are decided only at the end of input (flush), since any later event may complete a key.
 * Memory: per key, at most that many events per filter; the number of keys is capped by
 * `maxSampleKeys`; events of new keys beyond the cap are counted and reported, never silently lost.
 */
import type { SampleQuery } from "./ast.ts";
import { compareIp, fieldType, parseIp } from "./field-types.ts";
import {
  compareKeys,
  compileKeyExtractor,
  type EventKey,
  type KeyExtractor,
  type KeyValue,
} from "./sequence-keys.ts";
import type { EventPredicate, PlanLocation, PlannedFilter } from "./sequence-plan.ts";
import { planFilters } from "./sequence-plan.ts";

export interface SampleMember<E = unknown, M = unknown> {
  readonly event: E;
  readonly meta: M | undefined;
  /** Arrival position (0-based) among the events pushed. */
  readonly ordinal: number;
}

export interface SampleMatch<E = unknown, M = unknown> {
  readonly kind: "sample";
  readonly joinKeys: readonly KeyValue[];
  /** One event per filter, in the query's filter order. */
  readonly events: readonly E[];
  readonly members: readonly SampleMember<E, M>[];
}

export interface SamplePlan {
  readonly filters: readonly PlannedFilter[];
  readonly keyCount: number;
}

export interface SampleLimitReport {
  readonly limit: number;
  /** Events not kept because their key was new once the cap was reached. */
  readonly droppedEvents: number;
}

export interface SampleMatcherOptions {
  /** Samples per key (Elasticsearch's `max_samples_per_key`, default 1). */
  readonly maxSamplesPerKey?: number;
  /** Cap on distinct keys held (default 100000). */
  readonly maxSampleKeys?: number;
  /** Cap on the keys one event stands for (default 10000). */
  readonly maxKeysPerEvent?: number;
  readonly onLimit?: (report: SampleLimitReport) => void;
}

export interface SampleMatcherStats {
  readonly events: number;
  readonly keys: number;
  readonly droppedEvents: number;
  readonly limitReached: boolean;
  readonly truncatedKeys: number;
}

export interface SampleMatcher<E = unknown, M = unknown> {
  /** `verdicts`: the filters' verdicts on `event` when the driver has them (bit f: filter f). */
  push(event: E, meta?: M, verdicts?: number): void;
  /** End of input: the samples, in Elasticsearch's order, at most `size` (default: all). */
  flush(size?: number): SampleMatch<E, M>[];
  relevant(event: unknown): boolean;
  stats(): SampleMatcherStats;
}

/** Builds the plan; throws EqlError for what Elasticsearch refuses or this engine cannot do. */
export function planSample(
  query: SampleQuery,
  compiled: { readonly steps: readonly EventPredicate[] },
  loc?: PlanLocation,
): SamplePlan {
  const filters = planFilters(query.by, query.steps, compiled.steps, loc);
  return { filters, keyCount: filters[0]?.keys.length ?? 0 };
}

interface KeyEntry<E, M> {
  readonly values: readonly KeyValue[];
  readonly perFilter: SampleMember<E, M>[][];
}

function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}

export function createSampleMatcher<E = unknown, M = unknown>(
  plan: SamplePlan,
  options: SampleMatcherOptions = {},
): SampleMatcher<E, M> {
  const perKey = positiveInt("maxSamplesPerKey", options.maxSamplesPerKey, 1);
  const maxKeys = positiveInt("maxSampleKeys", options.maxSampleKeys, 100_000);
  const maxKeysPerEvent = positiveInt("maxKeysPerEvent", options.maxKeysPerEvent, 10_000);
  const n = plan.filters.length;
  const keep = n + perKey - 1;
  const st = { events: 0, keys: 0, droppedEvents: 0, limitReached: false, truncatedKeys: 0 };
  let truncated = false;
  const extractors: KeyExtractor[] = plan.filters.map((f) =>
    compileKeyExtractor(
      f.keys,
      maxKeysPerEvent,
      () => {
        truncated = true;
      },
      "sample",
    ),
  );
  const keys = new Map<string, KeyEntry<E, M>>();
  let ordinal = 0;
  // The composite aggregation runs on the last filter's key fields: an `ip` bucket sorts by
  // address (Lucene's 16-byte order), every other by compareKeyValues.
  const ipColumns = (plan.filters[n - 1]?.keys ?? []).map((k) => fieldType(k.path) === "ip");
  const compareBuckets = (a: readonly KeyValue[], b: readonly KeyValue[]): number => {
    for (let i = 0; i < a.length; i++) {
      const x = a[i]!;
      const y = b[i]!;
      if (ipColumns[i] && typeof x === "string" && typeof y === "string") {
        const c = compareIp(parseIp(x) ?? 0n, parseIp(y) ?? 0n);
        if (c !== 0) return c;
        continue;
      }
      const c = compareKeys([x], [y]);
      if (c !== 0) return c;
    }
    return a.length - b.length;
  };

  const push = (event: E, meta?: M, verdicts?: number): void => {
    st.events++;
    truncated = false;
    const member: SampleMember<E, M> = { event, meta, ordinal: ordinal++ };
    let dropped = false;
    for (let f = 0; f < n; f++) {
      const hit =
        verdicts !== undefined && n <= 30 ? ((verdicts >>> f) & 1) === 1 : plan.filters[f]!.matches(event);
      if (!hit) continue;
      for (const key of extractors[f]!(event) as readonly EventKey[]) {
        let entry = keys.get(key.id);
        if (entry === undefined) {
          if (keys.size >= maxKeys) {
            dropped = true;
            continue;
          }
          entry = { values: key.values, perFilter: Array.from({ length: n }, () => []) };
          keys.set(key.id, entry);
        }
        const list = entry.perFilter[f]!;
        if (list.length < keep) list.push(member);
      }
    }
    if (truncated) st.truncatedKeys++;
    if (dropped) {
      st.droppedEvents++;
      if (!st.limitReached) {
        st.limitReached = true;
        options.onLimit?.({ limit: maxKeys, droppedEvents: st.droppedEvents });
      }
    }
    st.keys = keys.size;
  };

  const flush = (size?: number): SampleMatch<E, M>[] => {
    if (size !== undefined && (!Number.isInteger(size) || size < 0)) {
      throw new RangeError(`size must be a non-negative integer, got ${String(size)}`);
    }
    const limit = size ?? Number.POSITIVE_INFINITY;
    const candidates = [...keys.values()].filter((e) => e.perFilter.every((l) => l.length > 0));
    candidates.sort((a, b) => compareBuckets(a.values, b.values));
    const out: SampleMatch<E, M>[] = [];
    for (const entry of candidates) {
      if (out.length >= limit) break;
      for (const combo of combinations(entry.perFilter, perKey)) {
        if (out.length >= limit) break;
        out.push({
          kind: "sample",
          joinKeys: entry.values,
          events: combo.map((m) => m.event),
          members: combo,
        });
      }
    }
    keys.clear();
    st.keys = 0;
    return out;
  };

  const relevant = (event: unknown): boolean => plan.filters.some((f) => f.matches(event));
  return { push, flush, relevant, stats: () => ({ ...st }) };
}

/** SampleIterator.match: depth-first, filter by filter, each event at most once per sample. */
function combinations<T extends { readonly ordinal: number }>(
  lists: readonly (readonly T[])[],
  max: number,
): T[][] {
  const out: T[][] = [];
  const partial: T[] = [];
  const visit = (i: number): boolean => {
    for (const m of lists[i]!) {
      if (partial.some((p) => p.ordinal === m.ordinal)) continue;
      partial.push(m);
      if (i === lists.length - 1) out.push(partial.slice());
      else if (visit(i + 1)) return true;
      partial.pop();
      if (out.length >= max) return true;
    }
    return false;
  };
  if (lists.length > 0) visit(0);
  return out;
}

export interface EvaluateSampleOptions extends SampleMatcherOptions {
  readonly size?: number;
  readonly location?: PlanLocation;
}

/** Runs a sample over a list of events in index order (evaluateQuery's path). */
export function evaluateSample<E = unknown>(
  query: SampleQuery,
  compiled: { readonly steps: readonly EventPredicate[] },
  events: readonly E[],
  options: EvaluateSampleOptions = {},
): SampleMatch<E, number>[] {
  const matcher = createSampleMatcher<E, number>(planSample(query, compiled, options.location), options);
  events.forEach((e, i) => {
    matcher.push(e, i);
  });
  return matcher.flush(options.size);
}
