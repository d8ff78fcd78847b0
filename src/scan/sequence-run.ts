/**
 * Running sequence and sample rules over collected step events, and the in-memory driver.
 *
 * Order: the matcher needs events in @timestamp order, but objects are cut by time AND by writer,
 * so records of one object are only mostly ordered and objects interleave. Rather than a bounded
 * reordering buffer (which would have to guess how late an event may be), the step events of a
 * rule are collected whole (they are few: steps are selective; the count is capped), sorted as
 * Elasticsearch orders them (@timestamp, then arrival for `_shard_doc`: orderEvents in src/eql)
 * and only then fed to the matcher. Out-of-order input therefore costs nothing in fidelity; what
 * it costs is that sequences are decided at the end of the scope (the object, the CLI run) and
 * not as they happen.
 *
 * Memory: a SequenceRun holds at most `maxStepEvents` projected step events over all rules (about
 * 1-2 KB each). Beyond the cap, further step events are not kept: they are counted per rule and
 * reported (the rules whose sequences may then be incomplete are named), never dropped silently.
 */
import { buildSequenceAlert, type SequenceAlert, type SequenceAlertMember } from "../alerts/index.ts";
import {
  createSampleMatcher,
  createSequenceMatcher,
  orderEvents,
  type SampleMatcherStats,
  type SequenceMatcherStats,
} from "../eql/index.ts";
import type { Rule } from "../rules/index.ts";
import type { SequenceSink, StepEvent } from "./sequences.ts";

export interface CorrelateOptions {
  /**
   * A window no sequence may exceed besides maxspan (the Lambda's look-back for a rule without
   * maxspan: SequenceMatcherOptions.windowMs). Default: none.
   */
  readonly windowMs?: number;
  /** The matcher's cap on pending state (SequenceMatcherOptions.maxPendingSequences). */
  readonly maxPendingSequences?: number;
  /**
   * Keep back sequences whose trailing missing-event check passed only because the input ended
   * (SequenceMatch.settled false): a driver that will see later events (the Lambda) sets this.
   */
  readonly settledOnly?: boolean;
}

export interface CorrelateResult {
  readonly alerts: SequenceAlert[];
  /** For each alert, the timestamp (epoch ms) of the event that completed it (0 for samples). */
  readonly completedAtMs: readonly number[];
  /** Sequences kept back by settledOnly. */
  readonly unsettled: number;
  readonly stats: SequenceMatcherStats | SampleMatcherStats;
  /** The matcher's own state cap was reached (its stats say how much was evicted). */
  readonly limitReached: boolean;
}

function memberOf(step: StepEvent): SequenceAlertMember {
  return step.version === undefined
    ? { uri: step.uri, record: step.record, event: step.event }
    : { uri: step.uri, version: step.version, record: step.record, event: step.event };
}

/** Object, then version, then record: the order of equal-time step events. */
export function comparePlace(a: StepEvent, b: StepEvent): number {
  if (a.uri !== b.uri) return a.uri < b.uri ? -1 : 1;
  const va = a.version ?? "";
  const vb = b.version ?? "";
  if (va !== vb) return va < vb ? -1 : 1;
  return a.record - b.record;
}

/**
 * Runs one sequence or sample rule over its step events (any order: they are sorted here by
 * @timestamp, then object and record). Pure. Returns the completed sequences as alerts in Elasticsearch's order.
 */
export function correlate(
  rule: Rule,
  input: readonly StepEvent[],
  options: CorrelateOptions = {},
): CorrelateResult {
  const c = rule.sequence;
  if (c === undefined) throw new RangeError(`rule ${rule.id} is not a sequence or sample rule`);
  // Equal timestamps: Elasticsearch falls back to `_shard_doc` (index order); here the object
  // and record number, so that every driver (a CLI run with concurrent reads, any Lambda
  // invocation reading the store) sees one order whatever the arrival order.
  const steps = [...input].sort(comparePlace);
  const order = orderEvents(
    steps.map((s) => s.event),
    "@timestamp",
  );
  if (c.kind === "sample") {
    const m = createSampleMatcher<unknown, number>(c.plan);
    for (const i of order) m.push(steps[i]!.event, i, steps[i]!.steps);
    const alerts = m.flush().map((s) =>
      buildSequenceAlert({
        rule,
        kind: "sample",
        joinKeys: s.joinKeys,
        members: s.members.map((x) => memberOf(steps[x.meta!]!)),
      }),
    );
    const stats = m.stats();
    // A sample has no order in time; its alerts keep the matcher's (key) order.
    return {
      alerts,
      completedAtMs: alerts.map(() => 0),
      unsettled: 0,
      stats,
      limitReached: stats.limitReached,
    };
  }
  const m = createSequenceMatcher<unknown, number>(c.plan, {
    ...(options.windowMs === undefined ? {} : { windowMs: options.windowMs }),
    ...(options.maxPendingSequences === undefined
      ? {}
      : { maxPendingSequences: options.maxPendingSequences }),
  });
  const matches = [];
  for (const i of order) {
    const step = steps[i]!;
    // The scan's verdicts (StepEvent.steps) spare the matcher evaluating the filters again.
    for (const x of m.push(step.event, i, step.steps)) matches.push(x);
  }
  matches.push(...m.flush());
  matches.sort((a, b) => a.rank - b.rank);
  let unsettled = 0;
  const alerts: SequenceAlert[] = [];
  const completedAtMs: number[] = [];
  for (const s of matches) {
    if (options.settledOnly === true && !s.settled) {
      unsettled++;
      continue;
    }
    const members: SequenceAlertMember[] = [];
    let last = 0;
    for (const x of s.members) {
      if (x === null) continue;
      members.push(memberOf(steps[x.meta!]!));
      last = x.timestampMs;
    }
    alerts.push(buildSequenceAlert({ rule, kind: "sequence", joinKeys: s.joinKeys, members }));
    completedAtMs.push(last);
  }
  const stats = m.stats();
  return { alerts, completedAtMs, unsettled, stats, limitReached: stats.limitReached };
}

export const SEQUENCE_RUN_DEFAULTS = {
  /** Step events held over all rules (about 1-2 KB each once projected). */
  maxStepEvents: 100_000,
} as const;

export interface SequenceRunOptions extends CorrelateOptions {
  readonly maxStepEvents?: number;
  /** Told once, when the cap is first reached. */
  readonly onLimit?: (report: { readonly limit: number; readonly ruleId: string }) => void;
}

export interface SequenceRunReport {
  readonly stepEvents: number;
  readonly limit: number;
  /** Step events not kept (cap reached), per rule id; those rules' sequences may be incomplete. */
  readonly notKept: Readonly<Record<string, number>>;
  /** Rules whose matcher reached its own pending-state cap. */
  readonly matcherLimit: readonly string[];
  readonly sequences: number;
}

/**
 * The in-memory driver: collects the step events of every object it is given (it is the
 * SequenceSink of each scanObject call) and, at `finish`, runs each rule once over all of them.
 */
export class SequenceRun implements SequenceSink {
  private readonly byRule = new Map<Rule, StepEvent[]>();
  private held = 0;
  private readonly notKept: Record<string, number> = Object.create(null);
  private readonly matcherLimit: string[] = [];
  private sequences = 0;
  private readonly limit: number;

  constructor(private readonly options: SequenceRunOptions = {}) {
    const v = options.maxStepEvents ?? SEQUENCE_RUN_DEFAULTS.maxStepEvents;
    if (!Number.isInteger(v) || v < 1)
      throw new RangeError(`maxStepEvents must be a positive integer, got ${String(v)}`);
    this.limit = v;
  }

  /** The cap is reached: further step events are only counted (see skip). */
  get full(): boolean {
    return this.held >= this.limit;
  }

  /** Counts a step event of `rule` not kept (the cap is reached); the stage need not build it. */
  skip(rule: Rule): void {
    const id = rule.id;
    if (!this.told) {
      this.told = true;
      this.options.onLimit?.({ limit: this.limit, ruleId: id });
    }
    this.notKept[id] = (this.notKept[id] ?? 0) + 1;
  }
  /** onLimit was called (once per run: it is told when the cap is first reached). */
  private told = false;

  add(step: StepEvent): void {
    if (this.held >= this.limit) {
      this.skip(step.rule);
      return;
    }
    let list = this.byRule.get(step.rule);
    if (list === undefined) {
      list = [];
      this.byRule.set(step.rule, list);
    }
    list.push(step);
    this.held++;
  }

  /** True when no step event was collected (nothing to decide). */
  get empty(): boolean {
    return this.held === 0;
  }

  /**
   * Decides every rule's sequences over what was collected, and forgets it. Alerts come ordered
   * by the time of the event that completed them (the story's order), rule order for ties.
   */
  finish(): SequenceAlert[] {
    const all: { alert: SequenceAlert; ts: number; n: number }[] = [];
    for (const [rule, steps] of this.byRule) {
      const r = correlate(rule, steps, this.options);
      if (r.limitReached) this.matcherLimit.push(rule.id);
      r.alerts.forEach((alert, i) => {
        all.push({ alert, ts: r.completedAtMs[i]!, n: all.length });
      });
    }
    this.byRule.clear();
    this.held = 0;
    all.sort((a, b) => a.ts - b.ts || a.n - b.n);
    this.sequences += all.length;
    return all.map((x) => x.alert);
  }

  report(): SequenceRunReport {
    return {
      stepEvents: this.held,
      limit: this.limit,
      notKept: { ...this.notKept },
      matcherLimit: [...this.matcherLimit],
      sequences: this.sequences,
    };
  }
}
