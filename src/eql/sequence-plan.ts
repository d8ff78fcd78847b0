/**
 * A sequence query as the matcher runs it (what Elasticsearch's planner makes of the AST):
 *
 * - `with runs=N` repeats its step N times (N stages with the same filter and keys), as
 *   Elasticsearch's parser expands it; a missing step with runs gives N missing stages.
 * - Every stage's join key is the query's `by` fields followed by the step's own `by` fields; a
 *   stage's key position i joins every other stage's position i, whatever the field names.
 * - `maxspan=0` is no limit (SequenceMatcher: `maxSpanInNanos > 0 && delta > maxSpanInNanos`).
 * - Missing stages (`![...]`) take no part in matching; they are checked against the positive
 *   stages around them (see sequence.ts). They are leading (before the first positive stage),
 *   trailing (after the last) or in between.
 */
import type { Expr, FieldRef, SequenceQuery, SequenceStep } from "./ast.ts";
import { EqlSyntaxError, EqlUnsupportedError, type SourceOrigin } from "./errors.ts";
import type { KeyField } from "./sequence-keys.ts";

/** A compiled step filter (the step's `category where condition`). */
export type EventPredicate = (event: unknown) => boolean;

/** The compiled filters of a sequence's steps, in the AST's order, and of its `until`. */
export interface CompiledSteps {
  readonly steps: readonly EventPredicate[];
  readonly until?: EventPredicate | null;
}

/** Where the query came from, so a refusal points at it (`file:line:col`). */
export interface PlanLocation {
  readonly file?: string;
  readonly source?: string;
  readonly origin?: SourceOrigin;
}

export interface PlannedStage {
  /** Position among the expanded stages (0-based). */
  readonly index: number;
  /** Index of the AST step it comes from (stages of one step share its filter and keys). */
  readonly step: number;
  readonly missing: boolean;
}

export interface PlannedFilter {
  readonly matches: EventPredicate;
  readonly keys: readonly KeyField[];
}

export interface SequencePlan {
  readonly stages: readonly PlannedStage[];
  /** One per AST step. */
  readonly filters: readonly PlannedFilter[];
  readonly until: PlannedFilter | null;
  /** 0 when there is no maxspan. */
  readonly maxspanMs: number;
  /** Stage indexes of the positive (not missing) stages, ascending. */
  readonly positive: readonly number[];
  /** Missing stages before the first positive stage. */
  readonly leading: readonly number[];
  /** Missing stages after the last positive stage. */
  readonly trailing: readonly number[];
  /** For each positive stage index, the missing stages between it and the previous positive stage. */
  readonly between: ReadonlyMap<number, readonly number[]>;
  readonly keyCount: number;
}

function locate(loc: PlanLocation | undefined, offset: number) {
  return { file: loc?.file ?? "<query>", source: loc?.source ?? "", offset, origin: loc?.origin };
}

function keyFields(exprs: readonly Expr[], loc: PlanLocation | undefined): KeyField[] {
  return exprs.map((e) => {
    if (e.kind !== "field") {
      // Elasticsearch joins on field values only (the key is read from each hit's fields).
      throw new EqlUnsupportedError(
        "a join key must be a field",
        locate(loc, e.span.start),
        "join key expression",
      );
    }
    const f: FieldRef = e;
    return { path: f.path, optional: f.optional };
  });
}

function filterOf(
  shared: readonly KeyField[],
  step: SequenceStep,
  matches: EventPredicate | undefined,
  expected: number,
  loc: PlanLocation | undefined,
): PlannedFilter {
  if (matches === undefined)
    throw new RangeError("compiled steps: one predicate per sequence step is required");
  const keys = [...shared, ...keyFields(step.by, loc)];
  if (keys.length !== expected) {
    throw new EqlSyntaxError(
      `inconsistent number of join keys: expected ${expected} but found ${keys.length}`,
      locate(loc, step.span.start),
    );
  }
  return { matches, keys };
}

/** Each step's filter with its join key fields (shared `by` first), checked for equal key counts. */
export function planFilters(
  by: readonly Expr[],
  steps: readonly SequenceStep[],
  predicates: readonly EventPredicate[],
  loc?: PlanLocation,
): PlannedFilter[] {
  const shared = keyFields(by, loc);
  const first = steps[0];
  if (first === undefined) throw new RangeError("a sequence or sample has at least one step");
  const expected = shared.length + first.by.length;
  return steps.map((s, i) => filterOf(shared, s, predicates[i], expected, loc));
}

/** Builds the plan; throws EqlError for what Elasticsearch refuses or this engine cannot do. */
export function planSequence(
  query: SequenceQuery,
  compiled: CompiledSteps,
  loc?: PlanLocation,
): SequencePlan {
  const filters = planFilters(query.by, query.steps, compiled.steps, loc);
  const expected = filters[0]!.keys.length;
  let until: PlannedFilter | null = null;
  if (query.until !== null) {
    const u = compiled.until;
    if (u === undefined || u === null)
      throw new RangeError("compiled steps: the until predicate is required");
    until = filterOf(keyFields(query.by, loc), query.until, u, expected, loc);
  }
  const stages: PlannedStage[] = [];
  query.steps.forEach((s, step) => {
    for (let r = 0; r < Math.max(1, s.runs); r++)
      stages.push({ index: stages.length, step, missing: s.missing });
  });
  const positive = stages.filter((s) => !s.missing).map((s) => s.index);
  const firstPositive = positive[0];
  const lastPositive = positive[positive.length - 1];
  if (firstPositive === undefined || lastPositive === undefined) {
    throw new EqlSyntaxError(
      "a sequence needs at least one step that is not a missing event",
      locate(loc, query.span.start),
    );
  }
  const between = new Map<number, number[]>();
  for (let i = 1; i < positive.length; i++) {
    const from = positive[i - 1]!;
    const to = positive[i]!;
    const gap: number[] = [];
    for (let m = from + 1; m < to; m++) gap.push(m);
    if (gap.length > 0) between.set(to, gap);
  }
  const leading = stages.filter((s) => s.index < firstPositive).map((s) => s.index);
  const trailing = stages.filter((s) => s.index > lastPositive).map((s) => s.index);
  const maxspanMs = query.maxspan !== null && query.maxspan.millis > 0 ? query.maxspan.millis : 0;
  const firstMissing = query.steps.find((s) => s.missing);
  if (firstMissing !== undefined && maxspanMs === 0) {
    // Elasticsearch PR #92348: "Queries with missing events for now have to define a maxspan".
    throw new EqlSyntaxError(
      "a sequence with a missing-event step (`![...]`) needs `with maxspan=...`",
      locate(loc, firstMissing.span.start),
    );
  }
  return { stages, filters, until, maxspanMs, positive, leading, trailing, between, keyCount: expected };
}
