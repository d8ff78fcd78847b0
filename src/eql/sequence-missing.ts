/**
 * Missing-event checks (`![...]` steps), as Elasticsearch's TumblingWindow.doCheckMissingEvents
 * decides them once the positive steps have matched. Elasticsearch runs a search per missing
 * stage (by timestamp, strictly, with the sequence's key): leading stages take the latest event
 * before the first positive event, trailing stages the first after the last one, and any event of
 * an in-between stage strictly between its two positive neighbours discards the sequence.
 *
 * Incrementally, events come in time order, so "the latest event before t" only ever needs the
 * latest timestamp seen and the latest one before it (t is never below the latest: a later event
 * with the same timestamp is not "before"). That pair per (missing stage, key) is a History.
 */

/** Timestamps of a missing stage's events for one key: the latest and the latest before it. */
export interface History {
  last: number;
  prev: number;
}

export function newHistory(ts: number): History {
  return { last: ts, prev: Number.NEGATIVE_INFINITY };
}

/** Records an event at `ts` (never below `h.last`: events come in time order). */
export function addToHistory(h: History, ts: number): void {
  if (ts > h.last) {
    h.prev = h.last;
    h.last = ts;
  }
}

/** The latest recorded timestamp strictly before `t` (t at or after the latest), or null. */
export function latestBefore(h: History | undefined, t: number): number | null {
  if (h === undefined) return null;
  if (h.last < t) return h.last;
  return h.prev === Number.NEGATIVE_INFINITY ? null : h.prev;
}

/** What a missing-event check needs of a completed sequence. */
export interface MissingCheckSubject {
  /** An in-between missing event was found. */
  readonly discarded: boolean;
  /** Latest leading missing-stage event before the first positive event (null: none). */
  readonly leading: number | null;
  readonly startTs: number;
  readonly lastTs: number;
}

export interface SequenceShape {
  /** The first / last stage is a missing one. */
  readonly missingFirst: boolean;
  readonly missingLast: boolean;
  /** 0: none. */
  readonly maxspanMs: number;
}

/**
 * doCheckMissingEvents' six-way condition, written as Elasticsearch writes it; `trailing` is the
 * first trailing missing-stage event after the last positive one (null: none). A null bound
 * counts as beyond maxspan (biggerThanMaxSpan), and without maxspan nothing is beyond it.
 */
export function acceptMissing(
  p: MissingCheckSubject,
  trailing: number | null,
  shape: SequenceShape,
): boolean {
  if (p.discarded) return false;
  const { missingFirst, missingLast, maxspanMs } = shape;
  const exceeds = (from: number | null, to: number | null): boolean =>
    from === null || to === null ? true : maxspanMs > 0 && to - from > maxspanMs;
  const lead = p.leading;
  if (trailing === null && lead === null) return true;
  if (lead === null && missingFirst) return true;
  if (trailing === null && missingLast) return true;
  if (missingFirst && missingLast && exceeds(lead, trailing)) return true;
  if (missingFirst && !missingLast && exceeds(lead, p.lastTs)) return true;
  if (!missingFirst && missingLast && exceeds(p.startTs, trailing)) return true;
  return false;
}
