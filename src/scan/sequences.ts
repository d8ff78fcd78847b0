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
}

/** Receives the step events of one object, in record order. */
export interface SequenceSink {
  add(step: StepEvent): void;
}

const paths = new Map<string, FieldPath>();
function pathOf(field: string): FieldPath {
  let p = paths.get(field);
  if (p === undefined) {
    p = compileFieldPath(field);
    // Names come from rule files and CONTEXT_FIELDS only: the map stays small.
    paths.set(field, p);
  }
  return p;
}

function isScalar(v: unknown): v is string | number | boolean {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean";
}

/**
 * What a step event keeps: every scalar value (types kept, unlike Alert.event's strings: the
 * matcher re-reads timestamps and typed join keys from it) of the fields the rule reads (filters
 * and join keys) and of CONTEXT_FIELDS, under flat dotted keys, which the field model reads as
 * Elasticsearch does. A step event is held until the run (CLI) or the window (Lambda) ends, so
 * keeping a few dozen fields rather than the whole record is what bounds that memory and the
 * store's item size.
 */
export function projectStep(rule: Rule, ecs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const f of [...rule.compiled.fields, ...CONTEXT_FIELDS]) {
    if (Object.hasOwn(out, f)) continue;
    const vals = fieldNodes(ecs, pathOf(f)).filter(isScalar);
    if (vals.length === 1) out[f] = vals[0];
    else if (vals.length > 1) out[f] = vals;
  }
  // A plain object again (JSON and deep equality), built from fixed field names only.
  return { ...out };
}

/**
 * Whether the projection decides every step filter and the until as the full event did. It can
 * differ only for a filter that reads a structure a projection of scalar leaves does not keep
 * (an object-valued field, say); then the full ECS view is kept instead, never a wrong verdict.
 */
function faithful(rule: Rule, full: unknown, projected: unknown): boolean {
  const c = rule.sequence;
  if (c === undefined) return true;
  const filters = c.kind === "sequence" && c.until !== null ? [...c.steps, c.until] : c.steps;
  return filters.every((f) => f.matches(full) === f.matches(projected));
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

  constructor(
    private readonly sink: SequenceSink,
    private readonly object: { readonly uri: string; readonly version: string | undefined },
  ) {}

  push(hit: Hit, emit: (hit: Hit) => void): void {
    const rule = hit.rule;
    if (rule.sequence === undefined) {
      emit(hit);
      return;
    }
    let event = projectStep(rule, hit.event);
    if (!faithful(rule, hit.event, event)) {
      event = hit.event as Record<string, unknown>;
      this.stats.keptWhole++;
    }
    this.stats.stepEvents++;
    const { uri, version } = this.object;
    this.sink.add(
      version === undefined
        ? { rule, event, uri, record: hit.ordinal }
        : { rule, event, uri, version, record: hit.ordinal },
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
