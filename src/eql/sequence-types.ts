/** The sequence matcher's public types (sequence.ts implements them). */
import type { KeyValue } from "./sequence-keys.ts";

export interface SequenceMember<E = unknown, M = unknown> {
  readonly event: E;
  /** What the driver passed with the event (object key, record number, ...). */
  readonly meta: M | undefined;
  readonly timestampMs: number;
  /** Arrival position (0-based) among the pushed events that matched a step or the until. */
  readonly ordinal: number;
}

export interface SequenceMatch<E = unknown, M = unknown> {
  readonly kind: "sequence";
  /** The key values: the shared `by` keys, then the steps' own (Elasticsearch's `join_keys`). */
  readonly joinKeys: readonly KeyValue[];
  /** One entry per stage (a step with runs=N counts N times); null for a missing-event stage. */
  readonly events: readonly (E | null)[];
  readonly members: readonly (SequenceMember<E, M> | null)[];
  /** Position in Elasticsearch's result order (completion order: by last event, then key order). */
  readonly rank: number;
  /**
   * False when a missing-event check could not be fully established: the trailing check was
   * passed only because the input ended before maxspan elapsed (flush; Elasticsearch answers the
   * same at the end of its query range, its issue #145323, but a driver that will see later
   * events should hold such a match back), or a missing-event history this check might have
   * needed was evicted at maxPendingSequences.
   */
  readonly settled: boolean;
}

export interface SequenceLimitReport {
  readonly limit: number;
  /** Pending entries (sequences, waiting checks, missing-event histories) evicted so far. */
  readonly evicted: number;
}

export interface SequenceMatcherOptions {
  /** Default `@timestamp`. */
  readonly timestampField?: string;
  /** Cap on pending state entries (default 100000). */
  readonly maxPendingSequences?: number;
  /** Cap on the keys one event stands for (cartesian product of multi-valued keys; default 10000). */
  readonly maxKeysPerEvent?: number;
  /**
   * A window no sequence may exceed besides maxspan: the Lambda's stand-in for a rule without
   * maxspan, which Kibana runs over its look-back (`from`) only. A pending sequence whose first
   * event is more than this before the event that would extend it is dropped (stats().expired).
   * Default: none (Elasticsearch over all the data it is given).
   */
  readonly windowMs?: number;
  /** Told once, when the cap is first reached (evictions keep being counted in stats()). */
  readonly onLimit?: (report: SequenceLimitReport) => void;
}

export interface SequenceMatcherStats {
  readonly events: number;
  /** Events without a single parseable timestamp (Elasticsearch would fail the query). */
  readonly skippedNoTimestamp: number;
  /** Events older than one already pushed (the driver must sort); they are not matched. */
  readonly outOfOrder: number;
  readonly rejectedMaxspan: number;
  readonly rejectedUntil: number;
  readonly rejectedMissing: number;
  /** Pending sequences dropped for exceeding windowMs. */
  readonly expired: number;
  readonly pending: number;
  readonly evicted: number;
  readonly limitReached: boolean;
  /** Events whose keys were cut at maxKeysPerEvent. */
  readonly truncatedKeys: number;
}

export interface SequenceMatcher<E = unknown, M = unknown> {
  /**
   * Feeds the next event (in order); returns the sequences it decided. `verdicts`: the step
   * filters' verdicts on this event when the driver has them already (bit f: filter f of the
   * plan, bit filters.length: the until); they must be what the filters answer for `event`.
   */
  push(event: E, meta?: M, verdicts?: number): SequenceMatch<E, M>[];
  /** End of input: decides sequences still waiting for a trailing missing-event check. */
  flush(): SequenceMatch<E, M>[];
  /** True when the event matches some step or the until: what a state store must keep. */
  relevant(event: unknown): boolean;
  stats(): SequenceMatcherStats;
}
