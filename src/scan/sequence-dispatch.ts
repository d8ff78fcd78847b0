/**
 * Dispatch of sequence and sample rules by step: each step (and the `until`) of a correlation
 * rule is an event query with its own category and literals, so the dispatch (dispatch.ts) and
 * the prefilter see one entry per step instead of one per rule. Measured on the bench object
 * with Elastic's Linux pack: one entry per rule, whose literal set is the union of its steps'
 * (`linux` for most: every record holds it) and whose category is none, had every step of every
 * rule evaluated on every record; per step, a `network where` step is never evaluated on a
 * process event, and a step's own clauses apply.
 *
 * Verdicts are unchanged: a rule's step predicate (rules/correlation.ts stepPredicate) is the
 * disjunction of its filters, and the dispatch only skips a filter the prefilter or the category
 * proves false; the rule is a hit exactly when one of its entries is. What the dispatch learns on
 * the way, which filters matched, is kept for the sequence stage (`masks`), so the filters are
 * not evaluated again there.
 */
import { type EventQuery, parse, type Token, tokenize } from "../eql/index.ts";
import { correlationSteps, type Rule } from "../rules/index.ts";
import { createRuleDispatch, type DispatchOptions, type RuleDispatch } from "./dispatch.ts";
import { correlationFilters, MAX_MASK_FILTERS, type StepMasks } from "./sequences.ts";

/** The entry of step `bit` of correlation rule `owner`, or of a plain rule (bit -1). */
interface Entry {
  readonly owner: number;
  readonly bit: number;
}

interface Expanded {
  readonly rules: readonly Rule[];
  readonly entries: readonly Entry[];
  /** Some rule is a correlation rule with a mask (else the plain dispatch is the same). */
  readonly any: boolean;
}

/**
 * Each step as a rule the dispatch understands: the step's own text (the prefilter derives its
 * clauses and the dispatch its category from it), its compiled filter, and the rule's index
 * patterns. No exceptions, no alert settings: those stay with the rule, whose hit it becomes.
 */
const stepRules = new WeakMap<Rule, readonly Rule[] | null>();
function stepRulesOf(rule: Rule): readonly Rule[] | null {
  let out = stepRules.get(rule);
  if (out !== undefined) return out;
  out = null;
  const c = rule.sequence;
  const filters = correlationFilters(rule);
  // The loader's statement gives each step's text and AST without parsing (src/rules ast.ts).
  const known = c === undefined || filters.length > MAX_MASK_FILTERS ? null : correlationSteps(rule);
  if (known !== null && known.length === filters.length && known.every((s, i) => s.compiled === filters[i])) {
    out = known.map((s) => stepRule(rule, s.text, s.compiled));
  } else if (c !== undefined && filters.length <= MAX_MASK_FILTERS) {
    const q = c.statement.query;
    const asts =
      q.kind === "event-query"
        ? []
        : [
            ...q.steps.map((s) => s.query),
            ...(q.kind === "sequence" && q.until !== null ? [q.until.query] : []),
          ];
    const texts = stepTexts(rule.query, asts);
    // The clauses come from the text: it must be the step's own (a rule whose query text was
    // changed after compiling keeps the rule-level entry, whose literal set is the engine's).
    if (asts.length === filters.length && asts.every((ast, i) => sameQuery(ast, texts[i]!))) {
      out = asts.map((_, i) => stepRule(rule, texts[i]!, filters[i]!));
    }
  }
  stepRules.set(rule, out);
  return out;
}

function stepRule(rule: Rule, query: string, compiled: Rule["compiled"]): Rule {
  return {
    id: rule.id,
    name: rule.name,
    description: rule.description,
    severity: rule.severity,
    riskScore: rule.riskScore,
    threat: rule.threat,
    tags: rule.tags,
    indices: rule.indices,
    references: rule.references,
    falsePositives: rule.falsePositives,
    query,
    file: rule.file,
    compiled,
  };
}

/**
 * The source of each step's event query: from its start to the step's closing `]` (an event
 * query's span ends with its condition, before the parentheses that may close around it).
 */
function stepTexts(query: string, asts: readonly EventQuery[]): string[] {
  let tokens: Token[];
  try {
    tokens = tokenize(query);
  } catch {
    return asts.map(() => "");
  }
  return asts.map((ast) => {
    const close = tokens.find((t) => t.kind === "punct" && t.text === "]" && t.span.start >= ast.span.end);
    return close === undefined ? "" : query.slice(ast.span.start, close.span.start);
  });
}

/** The AST without its source positions, for comparing two parses. */
function shape(node: unknown): string {
  return JSON.stringify(node, (k, v) =>
    k === "span" || k.endsWith("Span") ? undefined : typeof v === "bigint" ? `${v}n` : v,
  );
}

function sameQuery(ast: EventQuery, text: string): boolean {
  try {
    const again = parse(text);
    return again.kind === "event-query" && shape(again) === shape(ast);
  } catch {
    return false;
  }
}

/** Built once per rules array (the prefilter behind the dispatch is cached per array too). */
const expansions = new WeakMap<
  readonly Rule[],
  { readonly sources: readonly Rule[]; readonly x: Expanded }
>();

function expand(rules: readonly Rule[]): Expanded {
  const cached = expansions.get(rules);
  if (
    cached !== undefined &&
    cached.sources.length === rules.length &&
    cached.sources.every((r, i) => r === rules[i])
  ) {
    return cached.x;
  }
  const out: Rule[] = [];
  const entries: Entry[] = [];
  let any = false;
  rules.forEach((rule, owner) => {
    const steps = stepRulesOf(rule);
    if (steps === null) {
      out.push(rule);
      entries.push({ owner, bit: -1 });
      return;
    }
    any = true;
    steps.forEach((s, bit) => {
      out.push(s);
      entries.push({ owner, bit });
    });
  });
  const x: Expanded = { rules: out, entries, any };
  expansions.set(rules, { sources: [...rules], x });
  return x;
}

export interface ScanDispatch extends RuleDispatch {
  /** The steps of each correlation rule that matched the event of the last `match`. */
  readonly masks: StepMasks;
}

/**
 * A RuleDispatch over `rules` (same contract: hits in rule order, each rule once) that dispatches
 * correlation rules by step and remembers which steps matched.
 */
interface Tables {
  readonly owners: Int32Array;
  readonly bits: Int32Array;
  /** Entry rule -> its index in x.rules. */
  readonly index: Map<Rule, number>;
  /** Rule -> its first position in the rules array. */
  readonly position: Map<Rule, number>;
}

/** Built once per expansion (per rules array): the CLI and the Lambda scan many objects with one. */
const tables = new WeakMap<Expanded, Tables>();
function tablesOf(x: Expanded, rules: readonly Rule[]): Tables {
  let t = tables.get(x);
  if (t === undefined) {
    const index = new Map<Rule, number>();
    for (let i = 0; i < x.rules.length; i++) index.set(x.rules[i]!, i);
    const position = new Map<Rule, number>();
    for (let i = rules.length - 1; i >= 0; i--) position.set(rules[i]!, i);
    t = {
      owners: Int32Array.from(x.entries, (e) => e.owner),
      bits: Int32Array.from(x.entries, (e) => e.bit),
      index,
      position,
    };
    tables.set(x, t);
  }
  return t;
}

export function createScanDispatch(rules: readonly Rule[], options: DispatchOptions = {}): ScanDispatch {
  const x = expand(rules);
  if (!x.any) {
    const plain = createRuleDispatch(rules, options);
    return Object.assign(plain, { masks: () => undefined });
  }
  const inner = createRuleDispatch(x.rules, options);
  const { owners, bits, index, position } = tablesOf(x, rules);
  const scratch: Rule[] = [];
  // The last match's masks, per rule index; stamped with the event they belong to.
  const masks = new Int32Array(rules.length);
  const stamp = new Int32Array(rules.length);
  let epoch = 0;
  let lastEvent: unknown;
  return {
    rules,
    get parsesAll() {
      return inner.parsesAll;
    },
    forBuffer: (buf) => inner.forBuffer(buf),
    match(event, gated, hits, idx) {
      scratch.length = 0;
      epoch = epoch === 0x7fffffff ? 1 : epoch + 1;
      if (epoch === 1) stamp.fill(0);
      lastEvent = event;
      inner.match(event, gated, scratch, idx);
      let last = -1;
      for (let k = 0; k < scratch.length; k++) {
        const e = index.get(scratch[k]!)!;
        const owner = owners[e]!;
        const bit = bits[e]!;
        if (bit >= 0) {
          if (stamp[owner] !== epoch) {
            stamp[owner] = epoch;
            masks[owner] = 0;
          }
          masks[owner] = masks[owner]! | (1 << bit);
        }
        // Entries of one rule are adjacent and in rule order: the rule is a hit once.
        if (owner !== last) hits.push(rules[owner]!);
        last = owner;
      }
    },
    masks: (rule, event) => {
      if (event !== lastEvent) return undefined;
      const i = position.get(rule);
      return i !== undefined && stamp[i] === epoch ? masks[i] : undefined;
    },
  };
}
