/**
 * The sequence stage: a HitStage that takes the "hits" of sequence and sample rules (events that
 * match some step or the `until`: rules/correlation.ts dispatches them like any rule) out of the
 * single-event alert path and hands each, projected, to a SequenceSink, which orders them by time
 * and runs the matcher. What owns the sink decides the scope of a sequence:
 *
 * - scanObject without a sink: one SequenceRun per object (sequence-run.ts), decided at its end;
 * - the CLI: one SequenceRun for the whole run, so sequences span files, directories and S3
 *   prefixes, decided at the end of the run;
 * - the Lambda: a sink that writes to its state store, then re-runs the matcher over what the
 *   store holds for the keys the object touched (src/lambda/sequences.ts).
 *
 * The sink is the one interface between the pure core and those drivers (no I/O here).
 */
import { CONTEXT_FIELDS } from "../alerts/index.ts";
import { compileFieldPath, type FieldPath, fieldNodes } from "../document/index.ts";
import type { CompiledQuery } from "../eql/index.ts";
import type { Rule } from "../rules/index.ts";
import type { Hit, HitStage } from "./stages.ts";

/** Where a step event was read. */
export interface StepRef {
  readonly uri: string;
  readonly version?: string;
  /** 1-based ordinal of the record in its object. */
  readonly record: number;
}

/** An event that matched a step (or the until) of a sequence or sample rule. */
export interface StepEvent extends StepRef {
  readonly rule: Rule;
  /** The fields the rule reads plus the alert context fields (see projectStep). */
  readonly event: Record<string, unknown>;
  /**
   * Which filters of correlationFilters(rule) `event` matches (bit i: filter i), when the scan
   * knew it: the matcher then need not evaluate them again. Absent: unknown (evaluate).
   */
  readonly steps?: number;
}

/**
 * The step verdicts a dispatch already took for the event it matched last: the mask of
 * correlationFilters(rule) (see stepMask), or undefined when it does not know them.
 */
export type StepMasks = (rule: Rule, event: unknown) => number | undefined;

/** Receives the step events of one object, in record order. */
export interface SequenceSink {
  add(step: StepEvent): void;
  /**
   * True when the sink keeps no further step events (a cap reached); the stage then calls
   * `skip` instead of building them (the projection is most of a step event's cost).
   */
  readonly full?: boolean;
  skip?(rule: Rule): void;
}

/**
 * Every field a projection reads gets a slot, shared by all rules: the values of one record are
 * read once per field (one walk), whichever rules and however many project it. Names come from
 * rule files and CONTEXT_FIELDS only, so the table stays small.
 */
const slotOf = new Map<string, number>();
const slotPaths: FieldPath[] = [];
function slot(field: string): number {
  let s = slotOf.get(field);
  if (s === undefined) {
    s = slotPaths.length;
    slotPaths.push(compileFieldPath(field));
    slotOf.set(field, s);
  }
  return s;
}

/** A rule's projection: its distinct field names in output order, and their slots. */
interface Projection {
  readonly keys: readonly string[];
  readonly slots: Int32Array;
}
const projections = new WeakMap<Rule, Projection>();
function projectionOf(rule: Rule): Projection {
  let p = projections.get(rule);
  if (p === undefined) {
    const keys = [...new Set([...rule.compiled.fields, ...CONTEXT_FIELDS])];
    p = { keys, slots: Int32Array.from(keys, slot) };
    projections.set(rule, p);
  }
  return p;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/** No scalar value at that field (distinct from any value a record can hold). */
const NONE: unique symbol = Symbol("none");
type SlotValue = string | number | boolean | readonly (string | number | boolean)[] | typeof NONE;

/**
 * Reads the projected values of one event, each field once. The step events of one record for
 * several rules come one after another (the hits of a record are emitted together), so the
 * values of the last event are kept, marked by an epoch per slot rather than cleared.
 */
export class StepProjector {
  private event: unknown = NONE;
  private epoch = 0;
  private stamps = new Int32Array(0);
  private values: SlotValue[] = [];

  private valueAt(ecs: unknown, s: number): SlotValue {
    if (this.stamps[s] === this.epoch) return this.values[s]!;
    const nodes = fieldNodes(ecs, slotPaths[s]!);
    let v: SlotValue = NONE;
    let many: (string | number | boolean)[] | undefined;
    for (let i = 0; i < nodes.length; i++) {
      const n = nodes[i];
      if (!isScalar(n)) continue;
      if (v === NONE) v = n;
      else if (many === undefined) many = [v as string | number | boolean, n];
      else many.push(n);
    }
    if (many !== undefined) v = many;
    this.stamps[s] = this.epoch;
    this.values[s] = v;
    return v;
  }

  /** See projectStep. */
  project(rule: Rule, ecs: unknown): Record<string, unknown> {
    if (ecs !== this.event) {
      this.event = ecs;
      this.epoch = this.epoch === 0x7fffffff ? 1 : this.epoch + 1;
      if (this.epoch === 1) this.stamps.fill(0);
    }
    if (this.stamps.length < slotPaths.length) {
      const grown = new Int32Array(slotPaths.length + 64);
      grown.set(this.stamps);
      this.stamps = grown;
    }
    const { keys, slots } = projectionOf(rule);
    // Filled in one fixed key order per rule, then copied: the copy of an object this large is a
    // compact fast-properties object (~440 bytes for 45 fields where the filled one, a
    // dictionary, takes ~3 KB), and records with the same fields share its hidden class.
    const out: Record<string, unknown> = {};
    for (let k = 0; k < keys.length; k++) {
      const v = this.valueAt(ecs, slots[k]!);
      if (v === NONE) continue;
      const key = keys[k]!;
      // A rule may name a field `__proto__`: an own data property, never the prototype.
      if (key === "__proto__")
        Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return { ...out };
  }
}

const defaultProjector = new StepProjector();

/**
 * What a step event keeps: every scalar value (types kept, unlike Alert.event's strings: the
 * matcher re-reads timestamps and typed join keys from it) of the fields the rule reads (filters
 * and join keys) and of CONTEXT_FIELDS, under flat dotted keys, which the field model reads as
 * Elasticsearch does: one value as itself, several as an array in document order. A step event
 * is held until the run (CLI) or the window (Lambda) ends, so keeping a few dozen fields rather
 * than the whole record is what bounds that memory and the store's item size. The arrays of
 * several values may be shared between the projections of one record for different rules.
 */
export function projectStep(rule: Rule, ecs: unknown): Record<string, unknown> {
  return defaultProjector.project(rule, ecs);
}

/** The step filters of a correlation rule and its until (last), in the order of a step mask's bits. */
export function correlationFilters(rule: Rule): readonly CompiledQuery[] {
  const c = rule.sequence;
  if (c === undefined) return [];
  if (c.kind === "sample" || c.until === null) return c.steps;
  let f = withUntil.get(c);
  if (f === undefined) {
    f = [...c.steps, c.until];
    withUntil.set(c, f);
  }
  return f;
}
const withUntil = new WeakMap<object, readonly CompiledQuery[]>();

/**
 * Bit i set when filter i of correlationFilters matches `event`. Rules with more than 30 filters
 * have no mask (undefined): drivers evaluate the filters themselves.
 */
export function stepMask(rule: Rule, event: unknown): number | undefined {
  const filters = correlationFilters(rule);
  if (filters.length > MAX_MASK_FILTERS) return undefined;
  let mask = 0;
  for (let i = 0; i < filters.length; i++) if (filters[i]!.matches(event)) mask |= 1 << i;
  return mask;
}

/** Filters a step mask can describe (bits of a small integer). */
export const MAX_MASK_FILTERS = 30;

/**
 * Whether the projection decides every step filter and the until as the full event did (`mask`:
 * the full event's verdicts). It can differ only for a filter that reads a structure a
 * projection of scalar leaves does not keep (an object-valued field, say); then the full ECS
 * view is kept instead, never a wrong verdict.
 */
function faithful(rule: Rule, full: unknown, mask: number | undefined, projected: unknown): boolean {
  const filters = correlationFilters(rule);
  for (let i = 0; i < filters.length; i++) {
    const was = mask === undefined ? filters[i]!.matches(full) : ((mask >>> i) & 1) === 1;
    if (filters[i]!.matches(projected) !== was) return false;
  }
  return true;
}

export interface SequenceStageStats {
  /** Step events handed to the sink. */
  stepEvents: number;
  /** Of those, events kept whole because a projection would have changed a filter's verdict. */
  keptWhole: number;
}

/** True when any rule is a sequence or sample (the stage is needed). */
export function hasSequenceRules(rules: readonly Rule[]): boolean {
  return rules.some((r) => r.sequence !== undefined);
}

/** The HitStage: step hits of sequence/sample rules go to `sink`; every other hit passes on. */
export class SequenceStage implements HitStage {
  readonly stats: SequenceStageStats = { stepEvents: 0, keptWhole: 0 };

  private readonly projector = new StepProjector();

  /** `masks`: the dispatch's step verdicts for the record it last matched (sequence-dispatch.ts). */
  constructor(
    private readonly sink: SequenceSink,
    private readonly object: { readonly uri: string; readonly version: string | undefined },
    private readonly masks?: StepMasks,
  ) {}

  push(hit: Hit, emit: (hit: Hit) => void): void {
    const rule = hit.rule;
    if (rule.sequence === undefined) {
      emit(hit);
      return;
    }
    const sink = this.sink;
    if (sink.full === true && sink.skip !== undefined) {
      this.stats.stepEvents++;
      sink.skip(rule);
      return;
    }
    const mask = this.masks?.(rule, hit.event) ?? stepMask(rule, hit.event);
    let event = this.projector.project(rule, hit.event);
    if (!faithful(rule, hit.event, mask, event)) {
      event = hit.event as Record<string, unknown>;
      this.stats.keptWhole++;
    }
    this.stats.stepEvents++;
    const { uri, version } = this.object;
    const record = hit.ordinal;
    this.sink.add(
      mask === undefined
        ? version === undefined
          ? { rule, event, uri, record }
          : { rule, event, uri, version, record }
        : version === undefined
          ? { rule, event, uri, record, steps: mask }
          : { rule, event, uri, version, record, steps: mask },
    );
  }
}

/** `stages` followed by the sequence stage when there is one (it runs after the exceptions). */
export function withSequenceStage(
  stages: readonly HitStage[],
  stage: SequenceStage | undefined,
): readonly HitStage[] {
  return stage === undefined ? stages : [...stages, stage];
}
