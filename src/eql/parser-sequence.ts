/**
 * `sequence` and `sample` syntax: join keys (`by`), `with maxspan=`, the `[ ... ]` / `![ ... ]`
 * steps with `with runs=`, `until`, and the join-key count check.
 */
import type { Expr, SampleQuery, SequenceQuery, SequenceStep, TimeSpan, TimeUnit } from "./ast.ts";
import { describe, isInteger } from "./parser-cursor.ts";
import { parseEventFilter } from "./parser-event-query.ts";
import type { ExprParser } from "./parser-expr.ts";

/** Elasticsearch refuses larger `with runs=` values (a step repeated more often). */
export const MAX_RUNS = 100;

const TIME_UNITS: Readonly<Record<string, { unit: TimeUnit; ms: number }>> = {
  ms: { unit: "ms", ms: 1 },
  s: { unit: "s", ms: 1000 },
  m: { unit: "m", ms: 60_000 },
  h: { unit: "h", ms: 3_600_000 },
  d: { unit: "d", ms: 86_400_000 },
};

function parseJoinKeys(p: ExprParser): Expr[] {
  const keys: Expr[] = [];
  p.next(); // by
  for (;;) {
    keys.push(p.parseExpr());
    if (!p.isPunct(p.peek(), ",")) return keys;
    p.next();
  }
}

/** `with maxspan=<integer><unit>` (the `with` already peeked). */
function parseMaxspan(p: ExprParser): TimeSpan {
  p.next(); // with
  const kw = p.peek();
  if (!p.isKeyword(kw, "maxspan")) {
    throw p.syntax(`expected \`maxspan\` after \`with\`, found ${describe(kw)}`, kw.span.start);
  }
  p.next();
  p.expectPunct("=", "after `maxspan`");
  const num = p.peek();
  if (num.kind !== "number") {
    throw p.syntax(
      `expected a time span such as \`30s\` after \`maxspan=\`, found ${describe(num)}`,
      num.span.start,
    );
  }
  p.next();
  if (!isInteger(num.text)) {
    throw p.syntax(
      `decimal time interval \`${num.text}\` is not supported: use a positive integer`,
      num.span.start,
    );
  }
  const value = Number(num.text);
  if (value <= 0) throw p.syntax(`a positive maxspan value is required, found ${num.text}`, num.span.start);
  const unitTok = p.peek();
  // The unit is its own token (`30s`, `5 m`): an identifier right after the number.
  if (unitTok.kind !== "ident" || unitTok.quoted) {
    throw p.syntax(
      `no time unit after \`maxspan=${num.text}\`: write one of ms, s, m, h, d (e.g. \`${num.text}s\`)`,
      unitTok.span.start,
    );
  }
  const unit = TIME_UNITS[unitTok.path];
  if (unit === undefined || !Object.hasOwn(TIME_UNITS, unitTok.path)) {
    throw p.syntax(
      `unrecognised time unit \`${unitTok.path}\`: use one of ms, s, m, h, d`,
      unitTok.span.start,
    );
  }
  p.next();
  return {
    value,
    unit: unit.unit,
    millis: value * unit.ms,
    text: `${num.text}${unitTok.path}`,
    span: { start: num.span.start, end: unitTok.span.end },
  };
}

function parseStep(p: ExprParser, allowMissing: boolean, allowRuns: boolean, what: string): SequenceStep {
  const open = p.peek();
  const missing = p.isPunct(open, "![");
  if (!p.isPunct(open, "[") && !missing) {
    throw p.syntax(`expected \`[\` and an event query for ${what}, found ${describe(open)}`, open.span.start);
  }
  if (missing && !allowMissing) {
    throw p.syntax(`a missing-event step (\`![ ... ]\`) is not allowed in ${what}`, open.span.start);
  }
  p.next();
  p.enter(open.span.start);
  const query = parseEventFilter(p);
  p.depth--;
  const close = p.expectPunct("]", "to close the step");
  let end = close.span.end;
  let by: Expr[] = [];
  if (p.isKeyword(p.peek(), "by")) {
    by = parseJoinKeys(p);
    end = by[by.length - 1]!.span.end;
  }
  let runs = 1;
  if (p.isKeyword(p.peek(), "with") && !p.isKeyword(p.peek(1), "maxspan")) {
    const withTok = p.next();
    const key = p.peek();
    if (!p.isIdent(key, "runs")) {
      throw p.syntax(`unrecognised step option ${describe(key)}: expected \`runs\``, key.span.start);
    }
    if (!allowRuns) throw p.syntax(`\`with runs\` is not allowed in ${what}`, withTok.span.start);
    p.next();
    p.expectPunct("=", "after `runs`");
    const num = p.peek();
    if (num.kind !== "number" || !isInteger(num.text)) {
      throw p.syntax(`\`runs\` needs a positive integer, found ${describe(num)}`, num.span.start);
    }
    p.next();
    runs = Number(num.text);
    if (runs <= 0) throw p.syntax(`a positive runs value is required, found ${num.text}`, num.span.start);
    if (runs > MAX_RUNS) {
      throw p.syntax(
        `a step cannot be repeated more than ${MAX_RUNS} times, found ${num.text}`,
        num.span.start,
      );
    }
    end = num.span.end;
  }
  return { kind: "sequence-step", query, by, runs, missing, span: { start: open.span.start, end } };
}

function checkKeyCount(p: ExprParser, steps: readonly SequenceStep[]): void {
  const n = steps[0]?.by.length ?? 0;
  for (const s of steps) {
    if (s.by.length !== n) {
      const at = s.by[0]?.span.start ?? s.span.start;
      throw p.syntax(`inconsistent number of join keys: expected ${n} but found ${s.by.length}`, at);
    }
  }
}

export function parseSequence(p: ExprParser): SequenceQuery {
  const kw = p.next();
  let by: Expr[] = [];
  let maxspan: TimeSpan | null = null;
  if (p.isKeyword(p.peek(), "by")) {
    by = parseJoinKeys(p);
    if (p.isKeyword(p.peek(), "with")) maxspan = parseMaxspan(p);
  } else if (p.isKeyword(p.peek(), "with")) {
    maxspan = parseMaxspan(p);
    const after = p.peek();
    if (p.isKeyword(after, "by")) {
      throw p.syntax("write `sequence by ...` before `with maxspan=...`, not after", after.span.start);
    }
  }
  const steps: SequenceStep[] = [];
  while (p.isPunct(p.peek(), "[") || p.isPunct(p.peek(), "![")) {
    steps.push(parseStep(p, true, true, "a sequence"));
  }
  let until: SequenceStep | null = null;
  const u = p.peek();
  if (p.isKeyword(u, "until")) {
    p.next();
    until = parseStep(p, false, false, "`until`");
  }
  const total = steps.reduce((n, s) => n + s.runs, 0);
  if (total < 2) {
    const at = steps[0]?.span.start ?? p.peek().span.start;
    throw p.syntax(`a sequence needs at least 2 steps (counting \`with runs\`), found ${total}`, at);
  }
  if (steps.every((s) => s.missing)) {
    throw p.syntax(
      "a sequence needs at least one step that is not a missing event (`![...]`)",
      steps[0]!.span.start,
    );
  }
  checkKeyCount(p, until === null ? steps : [...steps, until]);
  const last = until ?? steps[steps.length - 1]!;
  return {
    kind: "sequence",
    by,
    maxspan,
    steps,
    until,
    span: { start: kw.span.start, end: last.span.end },
  };
}

export function parseSample(p: ExprParser): SampleQuery {
  const kw = p.next();
  let by: Expr[] = [];
  if (p.isKeyword(p.peek(), "by")) by = parseJoinKeys(p);
  const w = p.peek();
  if (p.isKeyword(w, "with")) throw p.syntax("`with` options are not allowed on a `sample`", w.span.start);
  const steps: SequenceStep[] = [];
  while (p.isPunct(p.peek(), "[") || p.isPunct(p.peek(), "![")) {
    steps.push(parseStep(p, false, false, "a sample"));
  }
  if (steps.length < 2) {
    const at = steps[0]?.span.start ?? p.peek().span.start;
    throw p.syntax(`a sample needs at least 2 steps, found ${steps.length}`, at);
  }
  const u = p.peek();
  if (p.isKeyword(u, "until")) throw p.syntax("`until` is not allowed in a `sample`", u.span.start);
  checkKeyCount(p, steps);
  return {
    kind: "sample",
    by,
    steps,
    span: { start: kw.span.start, end: steps[steps.length - 1]!.span.end },
  };
}
