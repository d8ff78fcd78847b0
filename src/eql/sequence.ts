/**
 * The sequence matcher: Elasticsearch's sequence semantics as a pure, incremental stage. Events
 * go in one at a time in Elasticsearch's order (@timestamp, then the tiebreaker, then arrival,
 * which stands for the implicit `_shard_doc` tiebreaker); matches come out as they are decided.
 * The CLI, the Lambda's re-run over its state store and evaluateQuery all drive this same code.
 *
 * The rules, each from Elasticsearch's x-pack/plugin/eql execution/sequence (SequenceMatcher,
 * OrdinalGroup, KeyToSequences, TumblingWindow, Ordinal):
 *
 * 1. An event matching stage n (n > first) extends the pending sequence of its key that sits at
 *    the previous positive stage and was last extended by an earlier event (OrdinalGroup.trimBefore
 *    takes the latest one before the event and drops it and every older one). Because events come
 *    in order, that is always the most recent one, so each (stage, key) keeps one sequence.
 * 2. An event can match several stages (a step repeated with runs, or two steps with overlapping
 *    filters); each stage sees only what earlier events built (ordinals compare strictly), so the
 *    stages are applied from the last to the first. An event matching the first stage always starts
 *    a new sequence, even when it also completed one.
 * 3. maxspan: the sequence is rejected when the timestamp of the event that would extend it minus
 *    the first event's exceeds maxspan (`delta > maxspan`, so equal is inside); it is dropped.
 * 4. until: an until event of a key discards every pending sequence of that key whose last event
 *    is at or before it (Ordinal.between is inclusive), including one the same event extended; a
 *    sequence the until event itself completes stands (UntilGroup.before is strict).
 * 5. Join keys: see sequence-keys.ts (multi-values as separate keys, `?field` -> null joins null).
 * 6. Missing events (TumblingWindow.checkMissingEvents): positive stages match as if the missing
 *    ones were absent; a completed sequence is then checked with timestamps, per key, strictly:
 *    between two positive events, any event of a missing stage in between discards it; leading
 *    missing stages find the latest such event before the first event, trailing ones the first after
 *    the last, and the sequence is kept by Elasticsearch's six-way condition (acceptMissing below).
 * 7. Order of results: by the last event (Sequence.compareTo), which is the order they complete in.
 *
 * Events that match no step and not the until are dropped at once, unread beyond the filters
 * (they cannot move a sequence); measured on 1M synthetic events with a 3-step rule on this
 * 2-core machine: ~1.4 M events/s through push, the step filters alone ~3.5 M events/s.
 *
 * Memory: only pending sequences, per-key histories of missing-stage timestamps and sequences
 * waiting for a trailing check; with maxspan (or the driver's windowMs) all are pruned once they
 * can no longer matter. Measured: ~610 bytes per pending sequence besides the events it holds
 * (which the driver owns). The total is capped by `maxPendingSequences`; at the cap the least
 * recently touched key's state is evicted, counted in stats() and reported once through
 * `onLimit` (never silently).
 * Over 400 lines because the matcher is one state machine over per-stage, per-key pending
 * sequences; its trimming, until and missing-event checks read and write the same structures.
 */

import { compileKeyExtractor, type EventKey, type KeyExtractor } from "./sequence-keys.ts";
import { acceptMissing, addToHistory, latestBefore, newHistory } from "./sequence-missing.ts";
import type { SequencePlan } from "./sequence-plan.ts";
import { type KeyState, type PendingSequence, positiveInt, SEQUENCE_DEFAULTS } from "./sequence-state.ts";
import { compileTimestampReader } from "./sequence-time.ts";
import type {
  SequenceMatch,
  SequenceMatcher,
  SequenceMatcherOptions,
  SequenceMember,
} from "./sequence-types.ts";

export { SEQUENCE_DEFAULTS } from "./sequence-state.ts";
export type {
  SequenceLimitReport,
  SequenceMatch,
  SequenceMatcher,
  SequenceMatcherOptions,
  SequenceMatcherStats,
  SequenceMember,
} from "./sequence-types.ts";

/** Filters (steps and the until together) whose verdicts fit the bits of a `push` verdict mask. */
export const MAX_VERDICT_FILTERS = 30;

export function createSequenceMatcher<E = unknown, M = unknown>(
  plan: SequencePlan,
  options: SequenceMatcherOptions = {},
): SequenceMatcher<E, M> {
  const readTs = compileTimestampReader(options.timestampField ?? SEQUENCE_DEFAULTS.timestampField);
  const limit = positiveInt(
    "maxPendingSequences",
    options.maxPendingSequences,
    SEQUENCE_DEFAULTS.maxPendingSequences,
  );
  const maxKeys = positiveInt("maxKeysPerEvent", options.maxKeysPerEvent, SEQUENCE_DEFAULTS.maxKeysPerEvent);
  const st = {
    events: 0,
    skippedNoTimestamp: 0,
    outOfOrder: 0,
    rejectedMaxspan: 0,
    rejectedUntil: 0,
    rejectedMissing: 0,
    expired: 0,
    pending: 0,
    evicted: 0,
    limitReached: false,
    truncatedKeys: 0,
  };
  let truncatedThisEvent = false;
  const onTooMany = () => {
    truncatedThisEvent = true;
  };
  const extractors: KeyExtractor[] = plan.filters.map((f) => compileKeyExtractor(f.keys, maxKeys, onTooMany));
  const untilKeys = plan.until === null ? null : compileKeyExtractor(plan.until.keys, maxKeys, onTooMany);
  const { stages, positive, maxspanMs } = plan;
  const windowMs = options.windowMs;
  if (windowMs !== undefined && !(Number.isFinite(windowMs) && windowMs > 0)) {
    throw new RangeError(`windowMs must be a positive number of milliseconds, got ${String(windowMs)}`);
  }
  /** How long a pending sequence can live: maxspan, or the driver's window when shorter (0: forever). */
  const spanMs = Math.min(maxspanMs > 0 ? maxspanMs : Infinity, windowMs ?? Infinity);
  const spanLimit = Number.isFinite(spanMs) ? spanMs : 0;
  const nStages = stages.length;
  const lastStage = nStages - 1;
  const firstPositive = positive[0]!;
  const lastPositive = positive[positive.length - 1]!;
  const missingFirst = stages[0]!.missing;
  const missingLast = stages[lastStage]!.missing;
  const historyStages = stages.filter((s) => s.missing && s.index < lastPositive).map((s) => s.index);
  const keys = new Map<string, KeyState<E, M>>();
  let ordinal = 0;
  let lastTs = Number.NEGATIVE_INFINITY;
  let completions = 0;
  let sinceSweep = 0;
  /** Keys with sequences waiting for a trailing check, and the earliest time one is decided by. */
  const waitingKeys = new Set<string>();
  let nextDeadline = Number.POSITIVE_INFINITY;
  /** Latest timestamp of a missing-event history evicted at the cap (see enforceLimit). */
  let evictedHistoryLast = Number.NEGATIVE_INFINITY;

  const state = (key: EventKey, create: boolean): KeyState<E, M> | undefined => {
    let ks = keys.get(key.id);
    if (ks !== undefined) {
      // Least recently touched first: eviction takes the map's first entries.
      keys.delete(key.id);
      keys.set(key.id, ks);
      return ks;
    }
    if (!create) return undefined;
    ks = { slots: new Array(nStages), history: new Array(nStages), waiting: [], entries: 0 };
    keys.set(key.id, ks);
    return ks;
  };
  const grow = (ks: KeyState<E, M>, n: number) => {
    ks.entries += n;
    st.pending += n;
  };
  const dropKeyIfEmpty = (id: string, ks: KeyState<E, M>) => {
    if (ks.entries === 0) keys.delete(id);
  };

  const shape = { missingFirst, missingLast, maxspanMs };

  const emit = (p: PendingSequence<E, M>, settled: boolean, out: SequenceMatch<E, M>[]) => {
    out.push({
      kind: "sequence",
      joinKeys: p.key.values,
      events: p.members.map((m) => (m === null ? null : m.event)),
      members: p.members,
      rank: p.rank,
      settled,
    });
  };

  const decide = (
    p: PendingSequence<E, M>,
    trailing: number | null,
    out: SequenceMatch<E, M>[],
    settled = true,
  ) => {
    if (!acceptMissing(p, trailing, shape)) {
      st.rejectedMissing++;
      return;
    }
    // A missing-event history evicted at the cap might have held an event this check needed.
    const unsure = historyStages.length > 0 && p.startTs - maxspanMs <= evictedHistoryLast;
    emit(p, settled && !unsure, out);
  };

  /** A sequence reached its last positive stage. */
  const complete = (p: PendingSequence<E, M>, ks: KeyState<E, M>, out: SequenceMatch<E, M>[]) => {
    p.rank = completions++;
    if (plan.trailing.length === 0 || p.discarded || (p.leading === null && missingFirst)) {
      decide(p, null, out);
      return;
    }
    ks.waiting.push(p);
    waitingKeys.add(p.key.id);
    if (maxspanMs > 0) nextDeadline = Math.min(nextDeadline, trailingBase(p) + maxspanMs);
    grow(ks, 1);
  };

  /** With maxspan, the time after which any trailing event would be too far to reject `p`. */
  const trailingBase = (p: PendingSequence<E, M>): number =>
    missingFirst ? (p.leading ?? p.startTs) : p.startTs;

  /** Accepts the waiting sequences that time alone now decides (any trailing event would exceed maxspan). */
  const resolveWaiting = (now: number, out: SequenceMatch<E, M>[]) => {
    nextDeadline = Number.POSITIVE_INFINITY;
    for (const id of waitingKeys) {
      const ks = keys.get(id);
      if (ks === undefined || ks.waiting.length === 0) {
        waitingKeys.delete(id);
        continue;
      }
      const keep: PendingSequence<E, M>[] = [];
      for (const p of ks.waiting) {
        const deadline = trailingBase(p) + maxspanMs;
        if (deadline < now) decide(p, null, out);
        else {
          keep.push(p);
          nextDeadline = Math.min(nextDeadline, deadline);
        }
      }
      grow(ks, keep.length - ks.waiting.length);
      ks.waiting.length = 0;
      ks.waiting.push(...keep);
      if (keep.length === 0) waitingKeys.delete(id);
      dropKeyIfEmpty(id, ks);
    }
  };

  const sweep = (now: number) => {
    if (spanLimit <= 0) return;
    const horizon = now - spanLimit;
    // Missing-event histories matter for as long as maxspan (they exist only with one).
    const historyHorizon = now - maxspanMs;
    for (const [id, ks] of keys) {
      let freed = 0;
      for (let s = 0; s < nStages; s++) {
        const p = ks.slots[s];
        if (p !== undefined && p.startTs < horizon) {
          ks.slots[s] = undefined;
          freed++;
        }
        const h = ks.history[s];
        if (h !== undefined && h.last < historyHorizon) {
          ks.history[s] = undefined;
          freed++;
        }
      }
      grow(ks, -freed);
      dropKeyIfEmpty(id, ks);
    }
  };

  const evict = (id: string, ks: KeyState<E, M>, n: number) => {
    st.evicted += n;
    st.pending -= n;
    ks.entries -= n;
    if (!st.limitReached) {
      st.limitReached = true;
      options.onLimit?.({ limit, evicted: st.evicted });
    }
    dropKeyIfEmpty(id, ks);
  };

  /**
   * At the cap, first the least recently touched keys' pending and waiting sequences go (that can
   * only lose matches); missing-event histories go last, since losing one could accept a sequence
   * Elasticsearch rejects: the latest evicted timestamp is remembered, and every sequence whose
   * check could have needed it is reported `settled: false`.
   */
  const enforceLimit = (now: number, out: SequenceMatch<E, M>[]) => {
    if (st.pending <= limit) return;
    sweep(now);
    sinceSweep = 0;
    if (maxspanMs > 0) resolveWaiting(now, out);
    for (const [id, ks] of keys) {
      if (st.pending <= limit) return;
      let n = ks.waiting.length;
      ks.waiting.length = 0;
      for (let s = 0; s < nStages; s++) {
        if (ks.slots[s] !== undefined) {
          ks.slots[s] = undefined;
          n++;
        }
      }
      if (n > 0) evict(id, ks, n);
    }
    for (const [id, ks] of keys) {
      if (st.pending <= limit) return;
      let n = 0;
      for (let s = 0; s < nStages; s++) {
        const h = ks.history[s];
        if (h === undefined) continue;
        evictedHistoryLast = Math.max(evictedHistoryLast, h.last);
        ks.history[s] = undefined;
        n++;
      }
      if (n > 0) evict(id, ks, n);
    }
  };

  const nFilters = plan.filters.length;

  const push = (event: E, meta?: M, verdicts?: number): SequenceMatch<E, M>[] => {
    st.events++;
    // Filters first: most events of a scan match no step, and then neither their timestamp nor
    // their keys are read (the timestamp read costs more than the filters; bench figures in the
    // report). Skipping them changes nothing a sequence depends on: only step and until events
    // move sequences, and time-based decisions are taken at the next event that matters. A
    // driver that evaluated the filters already passes their verdicts (bit f: filter f, bit
    // nFilters: the until) instead.
    let matched = 0;
    // More filters than bits (a sequence of 31 steps or more): one flag each.
    let wide: boolean[] | null = null;
    let isUntil: boolean;
    if (nFilters > MAX_VERDICT_FILTERS) {
      wide = plan.filters.map((f) => f.matches(event));
      isUntil = plan.until?.matches(event) === true;
    } else if (verdicts !== undefined) {
      matched = verdicts & ((1 << nFilters) - 1);
      isUntil = plan.until !== null && ((verdicts >>> nFilters) & 1) === 1;
    } else {
      for (let f = 0; f < nFilters; f++) if (plan.filters[f]!.matches(event)) matched |= 1 << f;
      isUntil = plan.until?.matches(event) === true;
    }
    const any = wide === null ? matched !== 0 : wide.includes(true);
    if (!any && !isUntil) return [];
    const out: SequenceMatch<E, M>[] = [];
    const ts = readTs(event);
    if (ts === undefined) {
      st.skippedNoTimestamp++;
      return out;
    }
    if (ts < lastTs) {
      st.outOfOrder++;
      return out;
    }
    lastTs = ts;
    const member: SequenceMember<E, M> = { event, meta, timestampMs: ts, ordinal: ordinal++ };
    truncatedThisEvent = false;
    // Each step's keys once per event, shared by the stages a `runs` made of it.
    const keyCache: (readonly EventKey[] | undefined)[] = new Array(nFilters);
    const matchesStep = (step: number) =>
      wide === null ? ((matched >>> step) & 1) === 1 : wide[step] === true;
    const keysOf = (step: number) => {
      let k = keyCache[step];
      if (k === undefined) {
        k = extractors[step]!(event);
        keyCache[step] = k;
      }
      return k;
    };

    // Sequences waiting for a trailing check that time alone now decides (maxspan passed), and
    // now and then (amortised: after as many events as there are entries) expired state.
    if (ts > nextDeadline) resolveWaiting(ts, out);
    if (spanLimit > 0 && ++sinceSweep >= Math.max(64, st.pending)) {
      sweep(ts);
      sinceSweep = 0;
    }

    // Trailing missing stages: the first such event after a waiting sequence decides it.
    for (const t of plan.trailing) {
      const step = stages[t]!.step;
      if (!matchesStep(step)) continue;
      for (const key of keysOf(step)) {
        const ks = keys.get(key.id);
        if (ks === undefined || ks.waiting.length === 0) continue;
        const keep: PendingSequence<E, M>[] = [];
        for (const p of ks.waiting) {
          if (ts > p.lastTs) decide(p, ts, out);
          else keep.push(p);
        }
        grow(ks, keep.length - ks.waiting.length);
        ks.waiting.length = 0;
        ks.waiting.push(...keep);
        dropKeyIfEmpty(key.id, ks);
      }
    }

    // Positive stages, last to first (rule 2).
    for (let i = positive.length - 1; i >= 0; i--) {
      const s = positive[i]!;
      const step = stages[s]!.step;
      if (!matchesStep(step)) continue;
      for (const key of keysOf(step)) {
        if (s === firstPositive) {
          const ks = state(key, true)!;
          let leading: number | null = null;
          for (const m of plan.leading) {
            const lb = latestBefore(ks.history[m], ts);
            if (lb !== null && (leading === null || lb > leading)) leading = lb;
          }
          const members: (SequenceMember<E, M> | null)[] = new Array(nStages).fill(null);
          members[s] = member;
          const p: PendingSequence<E, M> = {
            key,
            members,
            startTs: ts,
            lastTs: ts,
            leading,
            discarded: false,
            rank: -1,
          };
          if (s === lastPositive) complete(p, ks, out);
          else {
            if (ks.slots[s] === undefined) grow(ks, 1);
            ks.slots[s] = p;
          }
          dropKeyIfEmpty(key.id, ks);
          continue;
        }
        const prev = positive[i - 1]!;
        const ks = state(key, false);
        const p = ks?.slots[prev];
        if (ks === undefined || p === undefined) continue;
        ks.slots[prev] = undefined;
        grow(ks, -1);
        if (maxspanMs > 0 && ts - p.startTs > maxspanMs) {
          st.rejectedMaxspan++;
          dropKeyIfEmpty(key.id, ks);
          continue;
        }
        if (windowMs !== undefined && ts - p.startTs > windowMs) {
          st.expired++;
          dropKeyIfEmpty(key.id, ks);
          continue;
        }
        for (const m of plan.between.get(s) ?? []) {
          const lb = latestBefore(ks.history[m], ts);
          if (lb !== null && lb > p.lastTs) p.discarded = true;
        }
        p.members[s] = member;
        p.lastTs = ts;
        if (s === lastPositive) complete(p, ks, out);
        else {
          if (ks.slots[s] === undefined) grow(ks, 1);
          ks.slots[s] = p;
        }
        dropKeyIfEmpty(key.id, ks);
      }
    }

    // until (rule 4), after the stages so that a sequence this event extended is discarded too.
    if (isUntil && untilKeys !== null) {
      for (const key of untilKeys(event)) {
        const ks = keys.get(key.id);
        if (ks === undefined) continue;
        let dropped = 0;
        for (let s = 0; s < nStages; s++) {
          if (ks.slots[s] !== undefined) {
            ks.slots[s] = undefined;
            dropped++;
          }
        }
        st.rejectedUntil += dropped;
        grow(ks, -dropped);
        dropKeyIfEmpty(key.id, ks);
      }
    }

    // Histories of leading and in-between missing stages, for sequences to come.
    for (const m of historyStages) {
      const step = stages[m]!.step;
      if (!matchesStep(step)) continue;
      for (const key of keysOf(step)) {
        const ks = state(key, true)!;
        const h = ks.history[m];
        if (h === undefined) {
          ks.history[m] = newHistory(ts);
          grow(ks, 1);
        } else addToHistory(h, ts);
      }
    }
    if (truncatedThisEvent) st.truncatedKeys++;
    enforceLimit(ts, out);
    return out;
  };

  const flush = (): SequenceMatch<E, M>[] => {
    const out: SequenceMatch<E, M>[] = [];
    for (const ks of keys.values()) for (const p of ks.waiting) decide(p, null, out, false);
    keys.clear();
    waitingKeys.clear();
    nextDeadline = Number.POSITIVE_INFINITY;
    st.pending = 0;
    return out;
  };

  const relevant = (event: unknown): boolean =>
    plan.filters.some((f) => f.matches(event)) || plan.until?.matches(event) === true;

  return { push, flush, relevant, stats: () => ({ ...st }) };
}
