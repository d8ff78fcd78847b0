/** The sequence matcher's internal state shapes and option defaults (sequence.ts). */
import type { EventKey } from "./sequence-keys.ts";
import type { History } from "./sequence-missing.ts";
import type { SequenceMember } from "./sequence-types.ts";

/** A pending sequence: its members so far (null for stages not reached or missing). */
export interface PendingSequence<E, M> {
  readonly key: EventKey;
  readonly members: (SequenceMember<E, M> | null)[];
  readonly startTs: number;
  lastTs: number;
  /** Latest leading missing-stage event before the start (null: none). */
  leading: number | null;
  discarded: boolean;
  rank: number;
}

export interface KeyState<E, M> {
  readonly slots: (PendingSequence<E, M> | undefined)[];
  readonly history: (History | undefined)[];
  readonly waiting: PendingSequence<E, M>[];
  entries: number;
}

export const SEQUENCE_DEFAULTS = {
  timestampField: "@timestamp",
  maxPendingSequences: 100_000,
  maxKeysPerEvent: 10_000,
};

export function positiveInt(name: string, v: number | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  if (!Number.isInteger(v) || v < 1)
    throw new RangeError(`${name} must be a positive integer, got ${String(v)}`);
  return v;
}
