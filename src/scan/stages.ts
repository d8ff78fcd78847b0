/**
 * The pipeline after parsing, as small stages: record -> ECS view -> rules -> hits -> alerts.
 * Between the rules and the alerts sits a list of hit stages, the place for a filter stage
 * (exceptions drop a hit) and a stateful one (a sequence matcher holds events and emits its
 * matches, possibly at the end of the object: `flush`).
 */
import { type Alert, buildAlert } from "../alerts/index.ts";
import { shortReason } from "../ingest/index.ts";
import type { Rule } from "../rules/index.ts";
import { hitIndexOf, ruleAppliesToIndex, type SourceOption, toEcs } from "../sources/index.ts";
import type { ScanCounts } from "./counts.ts";
import type { RuleDispatch } from "./dispatch.ts";
import type { ParsedSink } from "./parse.ts";

/** A rule matched an event. */
export interface Hit {
  readonly rule: Rule;
  /** The ECS view the rule evaluated. */
  readonly event: unknown;
  /** The record as read (an Elasticsearch hit keeps its _index/_id). */
  readonly raw: unknown;
  /** 1-based ordinal of the record in the object. */
  readonly ordinal: number;
}

/** A stage between the rules and the alerts: may drop, hold, or add hits. */
export interface HitStage {
  push(hit: Hit, emit: (hit: Hit) => void): void;
  /** The object ended (also after a failure): emit what is held. */
  flush?(emit: (hit: Hit) => void): void;
}

/**
 * View + match: maps each record to its ECS view and evaluates the rules `dispatch` admits for it
 * (the gate's candidates, category, index: dispatch.ts), or every rule without one. A record of a shape
 * the mapping or a rule did not expect is one bad record, not a failed object (nor a crash);
 * what the hit sink throws (the caller's onAlert) is not caught here.
 */
export function createMatchStage(
  rules: readonly Rule[],
  source: SourceOption,
  counts: ScanCounts,
  emit: (hit: Hit) => void,
  dispatch?: RuleDispatch,
  indexName?: string,
): ParsedSink {
  return (record, raw, ordinal, gated) => {
    let event: unknown;
    const hits: Rule[] = [];
    try {
      // Index routing (src/sources): a rule sees only records of the indices its patterns select.
      const hitIndex = hitIndexOf(raw);
      const view = toEcs(
        record,
        source,
        indexName !== undefined ? { indexName } : hitIndex === undefined ? undefined : { hitIndex },
      );
      event = view.event;
      counts.indexed(view.index);
      if (dispatch !== undefined) dispatch.match(event, gated, hits, view.index);
      else {
        for (let r = 0; r < rules.length; r++) {
          const rule = rules[r]!;
          if (ruleAppliesToIndex(rule.indices, view.index) && rule.compiled.matches(event)) hits.push(rule);
        }
      }
    } catch (e) {
      counts.bad(ordinal, `could not be evaluated: ${shortReason(e)}`);
      return;
    }
    for (const rule of hits) emit({ rule, event, raw, ordinal });
  };
}

/** Hits -> alerts, streamed to `onAlert` (none are kept: issue 12, alerts are streamed). */
export function createAlertStage(
  object: { readonly uri: string; readonly version: string | undefined },
  counts: ScanCounts,
  onAlert: ((alert: Alert) => void) | undefined,
): (hit: Hit) => void {
  const { uri, version } = object;
  return (hit) => {
    const alert = buildAlert(
      version === undefined
        ? { rule: hit.rule, ecs: hit.event, raw: hit.raw, uri, record: hit.ordinal }
        : { rule: hit.rule, ecs: hit.event, raw: hit.raw, uri, version, record: hit.ordinal },
    );
    counts.alerts++;
    onAlert?.(alert);
  };
}

/** Chains hit stages in front of `last`; `flush` flushes them in order, each into the next. */
export function chainHitStages(
  stages: readonly HitStage[],
  last: (hit: Hit) => void,
): { push: (hit: Hit) => void; flush: () => void } {
  const emits: ((hit: Hit) => void)[] = new Array(stages.length + 1);
  emits[stages.length] = last;
  for (let i = stages.length - 1; i >= 0; i--) {
    const stage = stages[i]!;
    const down = emits[i + 1]!;
    emits[i] = (hit) => stage.push(hit, down);
  }
  return {
    push: emits[0]!,
    flush: () => {
      for (let i = 0; i < stages.length; i++) stages[i]!.flush?.(emits[i + 1]!);
    },
  };
}
