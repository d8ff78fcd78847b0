/**
 * Sequences across objects through a state store (the Lambda): the pure half. Objects arrive in
 * any order, possibly at the same moment in different invocations, so no invocation can hold a
 * matcher's state. Instead, after each object:
 *
 * 1. its step events are written to the store, one item per (rule, join key) partition
 *    (partitionKeys in src/eql), under a key made of their time, object and record: a rescan of
 *    the object rewrites the same items, never adds any;
 * 2. for each partition it touched, the store is read (consistently) over
 *    [earliest - window, latest + window], where window is the rule's maxspan, or its look-back
 *    when it has none: every sequence that contains one of this object's events lies inside it;
 * 3. the matcher re-runs over what was read (correlate: sorted by time, then object and record,
 *    so every invocation sees the same order) and keeps the sequences that contain an event of
 *    this object and belong to that partition;
 * 4. each such sequence's alert (id from its members) is claimed in the store: "claimed" means
 *    publish it, "published" means another run already did, "held" means another run is
 *    publishing it right now (then this object fails for a retry rather than risk losing it).
 *
 * Because every write completes before the reads, of two invocations whose objects complete one
 * sequence together the later reader sees both halves (strongly consistent reads): at least one
 * finds the sequence, and the claim lets only one publish it.
 *
 * Limits: at most `maxItemsPerQuery` items are read per partition and window (beyond it the run
 * is reported as truncated); sequences whose trailing missing-event check is not yet decided are
 * kept back (they are published by a later object of the same key that settles them).
 */
import type { SequenceAlert } from "../alerts/index.ts";
import { matchPartition, parseDate, partitionKeys, type SequencePlan } from "../eql/index.ts";
import type { Rule } from "../rules/index.ts";
import { correlate } from "./sequence-run.ts";
import type { StepEvent } from "./sequences.ts";

/** One step event as the store keeps it, under one partition. */
export interface StoredStep {
  readonly ruleId: string;
  /** The canonical join key id (partitionKeys). */
  readonly partition: string;
  readonly timestampMs: number;
  readonly uri: string;
  readonly version?: string;
  readonly record: number;
  readonly event: Record<string, unknown>;
}

export type ClaimResult = "claimed" | "published" | "held";

/** What the Lambda's DynamoDB table provides (src/lambda/sequence-store.ts); a memory one for tests. */
export interface SequenceStateStore {
  /** Writes the items (idempotent: the same step always lands on the same item). */
  putSteps(steps: readonly StoredStep[]): Promise<void>;
  /** The partition's steps with timestamps in [fromMs, toMs], by time then object and record; at most `limit`. */
  querySteps(
    ruleId: string,
    partition: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<StoredStep[]>;
  /**
   * Claims the right to publish alert `id`: "claimed" when nobody holds it, its lease expired, or
   * `owner` holds it already (a retry of the same object); "published" when it went out;
   * "held" when another owner's lease is live.
   */
  claimAlert(id: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult>;
  /** Records that `id` was published (after the publish succeeded). */
  markPublished(id: string, owner: string): Promise<void>;
}

/** Kibana's default look-back of a rule (`from: now-6m` with a 5 minute interval). */
export const DEFAULT_LOOKBACK_MS = 6 * 60_000;

const UNIT_MS: Readonly<Record<string, number>> = {
  s: 1_000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};

/**
 * A rule's look-back from Kibana's `from` (date math `now-<n><unit>`, units s m h d w); the
 * default when absent or in another form (a rounding such as `now-1d/d` is not a duration).
 */
export function lookbackMs(from: string | undefined): number {
  const m = from === undefined ? null : /^now-(\d{1,9})([smhdw])$/.exec(from.trim());
  if (m === null) return DEFAULT_LOOKBACK_MS;
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  return ms > 0 ? ms : DEFAULT_LOOKBACK_MS;
}

/** The span a rule's sequences may cover across objects: maxspan, else the look-back. */
export function sequenceWindowMs(rule: Rule): number {
  const c = rule.sequence;
  if (c?.kind === "sequence" && c.plan.maxspanMs > 0) return c.plan.maxspanMs;
  return lookbackMs(rule.from);
}

/** Partition queries in flight at once per object. */
const QUERY_CONCURRENCY = 16;

export const STORE_DEFAULTS = {
  /** Items read per partition and window; beyond it the re-run is incomplete (reported). */
  maxItemsPerQuery: 10_000,
  /** How long a claim protects an alert being published before another run may take it over. */
  leaseMs: 5 * 60_000,
} as const;

export interface CorrelateObjectOptions {
  readonly store: SequenceStateStore;
  /** Names this object's claims: a retry of the same object (same owner) takes its claim back. */
  readonly owner: string;
  /** The object whose step events these are. */
  readonly object: { readonly uri: string; readonly version?: string };
  readonly nowMs: number;
  readonly maxItemsPerQuery?: number;
  readonly leaseMs?: number;
}

export interface CorrelateObjectReport {
  /** Items written (one per step event and partition). */
  readonly written: number;
  /** Step events without a usable @timestamp (the matcher could not place them): not stored. */
  readonly noTimestamp: number;
  readonly partitions: number;
  /** Items read back over the windows. */
  readonly read: number;
  /** Partitions whose window held more than maxItemsPerQuery items (sequences may be missed). */
  readonly truncated: number;
  /** Sequences already published by another run (or an earlier attempt). */
  readonly alreadyPublished: number;
  /** Sequences kept back until a later event decides their trailing missing-event check. */
  readonly unsettled: number;
}

export interface CorrelateObjectResult {
  /** Claimed: publish them, then call `commit`. */
  readonly alerts: SequenceAlert[];
  /** Sequences another run is publishing right now: the object should be retried. */
  readonly held: number;
  readonly report: CorrelateObjectReport;
  /** Marks the claimed alerts published. */
  commit(): Promise<void>;
}

interface RuleParts {
  readonly partitions: (event: unknown) => string[];
}
const parts = new WeakMap<Rule, RuleParts>();
function partsOf(rule: Rule): RuleParts {
  let p = parts.get(rule);
  if (p === undefined) {
    const c = rule.sequence!;
    // partitionKeys reads the filters and the until only; a sample has no until.
    const plan: SequencePlan =
      c.kind === "sequence" ? c.plan : ({ ...c.plan, until: null } as unknown as SequencePlan);
    p = { partitions: partitionKeys(plan) };
    parts.set(rule, p);
  }
  return p;
}

/** The step's time as the matcher reads it (the engine's date parser: ES's default date format). */
function timestampOf(event: Record<string, unknown>): number | undefined {
  const v = event["@timestamp"];
  if (Array.isArray(v)) return undefined;
  const ms = parseDate(v);
  return ms === null ? undefined : ms;
}

/**
 * Steps 1-4 of the module comment for one object's step events (any rules). Throws what the
 * store throws (the caller fails the object for a retry: a step event is never dropped).
 */
export async function correlateObject(
  steps: readonly StepEvent[],
  options: CorrelateObjectOptions,
): Promise<CorrelateObjectResult> {
  const { store, owner, nowMs } = options;
  const limit = options.maxItemsPerQuery ?? STORE_DEFAULTS.maxItemsPerQuery;
  const leaseMs = options.leaseMs ?? STORE_DEFAULTS.leaseMs;
  const rules = new Map<string, Rule>();
  const items: StoredStep[] = [];
  let noTimestamp = 0;
  /** (rule id, partition) -> [earliest, latest] of this object's events there. */
  const touched = new Map<string, { rule: Rule; partition: string; min: number; max: number }>();
  for (const s of steps) {
    const ts = timestampOf(s.event);
    if (ts === undefined) {
      noTimestamp++;
      continue;
    }
    rules.set(s.rule.id, s.rule);
    for (const partition of partsOf(s.rule).partitions(s.event)) {
      items.push({
        ruleId: s.rule.id,
        partition,
        timestampMs: ts,
        uri: s.uri,
        ...(s.version === undefined ? {} : { version: s.version }),
        record: s.record,
        event: s.event,
      });
      const k = `${s.rule.id}\u0000${partition}`;
      const t = touched.get(k);
      if (t === undefined) touched.set(k, { rule: s.rule, partition, min: ts, max: ts });
      else {
        t.min = Math.min(t.min, ts);
        t.max = Math.max(t.max, ts);
      }
    }
  }
  if (items.length > 0) await store.putSteps(items);

  const mine = (m: { uri: string; version?: string }) =>
    m.uri === options.object.uri && (m.version ?? "") === (options.object.version ?? "");
  let read = 0;
  let truncated = 0;
  let unsettled = 0;
  const found = new Map<string, SequenceAlert>();
  const one = async (t: { rule: Rule; partition: string; min: number; max: number }) => {
    const w = sequenceWindowMs(t.rule);
    const stored = await store.querySteps(t.rule.id, t.partition, t.min - w, t.max + w, limit + 1);
    if (stored.length > limit) {
      truncated++;
      stored.length = limit;
    }
    read += stored.length;
    const asSteps: StepEvent[] = stored.map((x) => ({
      rule: t.rule,
      event: x.event,
      uri: x.uri,
      ...(x.version === undefined ? {} : { version: x.version }),
      record: x.record,
    }));
    const maxspan = t.rule.sequence?.kind === "sequence" ? t.rule.sequence.plan.maxspanMs : 0;
    const r = correlate(t.rule, asSteps, { settledOnly: true, ...(maxspan > 0 ? {} : { windowMs: w }) });
    unsettled += r.unsettled;
    for (const a of r.alerts) {
      if (matchPartition({ joinKeys: a.sequence.join_keys }) !== t.partition) continue;
      if (!a.sequence.events.some(mine)) continue;
      found.set(a.id, a);
    }
  };
  // Partitions are independent: a few queries in flight at once (a store round trip is ~5-10 ms,
  // and a large object touches thousands of partitions).
  const queue = [...touched.values()];
  let next = 0;
  const worker = async () => {
    while (next < queue.length) await one(queue[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(QUERY_CONCURRENCY, queue.length) }, worker));

  const alerts: SequenceAlert[] = [];
  let held = 0;
  let alreadyPublished = 0;
  // In id order: the same object always publishes its sequences in the same order (the Lambda's
  // publish progress relies on deterministic messages).
  for (const a of [...found.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0))) {
    const c = await store.claimAlert(a.id, owner, nowMs, leaseMs);
    if (c === "claimed") alerts.push(a);
    else if (c === "published") alreadyPublished++;
    else held++;
  }
  return {
    alerts,
    held,
    report: {
      written: items.length,
      noTimestamp,
      partitions: touched.size,
      read,
      truncated,
      alreadyPublished,
      unsettled,
    },
    commit: async () => {
      for (const a of alerts) await store.markPublished(a.id, owner);
    },
  };
}

/** A store in memory, with the DynamoDB store's semantics (tests, local runs). */
export class MemorySequenceStore implements SequenceStateStore {
  private readonly parts = new Map<string, Map<string, StoredStep>>();
  private readonly claims = new Map<string, { owner: string; until: number; published: boolean }>();
  /** Items written (puts, including rewrites of the same item). */
  writes = 0;

  async putSteps(steps: readonly StoredStep[]): Promise<void> {
    for (const s of steps) {
      const k = `${s.ruleId}\u0000${s.partition}`;
      let m = this.parts.get(k);
      if (m === undefined) {
        m = new Map();
        this.parts.set(k, m);
      }
      m.set(`${s.timestampMs}\u0000${s.uri}\u0000${s.version ?? ""}\u0000${s.record}`, s);
      this.writes++;
    }
  }

  async querySteps(ruleId: string, partition: string, fromMs: number, toMs: number, limit: number) {
    const m = this.parts.get(`${ruleId}\u0000${partition}`);
    if (m === undefined) return [];
    return [...m.values()]
      .filter((s) => s.timestampMs >= fromMs && s.timestampMs <= toMs)
      .sort(
        (a, b) =>
          a.timestampMs - b.timestampMs ||
          (a.uri < b.uri ? -1 : a.uri > b.uri ? 1 : 0) ||
          ((a.version ?? "") < (b.version ?? "") ? -1 : (a.version ?? "") > (b.version ?? "") ? 1 : 0) ||
          a.record - b.record,
      )
      .slice(0, limit);
  }

  /** Stored items in all partitions. */
  get size(): number {
    let n = 0;
    for (const m of this.parts.values()) n += m.size;
    return n;
  }

  async claimAlert(id: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    const c = this.claims.get(id);
    if (c?.published === true) return "published";
    if (c !== undefined && c.owner !== owner && c.until > nowMs) return "held";
    this.claims.set(id, { owner, until: nowMs + leaseMs, published: false });
    return "claimed";
  }

  async markPublished(id: string, owner: string): Promise<void> {
    this.claims.set(id, { owner, until: Number.POSITIVE_INFINITY, published: true });
  }
}
