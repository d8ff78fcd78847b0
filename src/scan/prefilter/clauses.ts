/**
 * What a rule needs in a raw record, as clauses: every clause is a set of literals at least one of
 * which must occur in the raw text of a record the rule can match (a conjunction of disjunctions).
 *
 * The engine derives one such set per query (compiled.prefilter, src/eql/literals.ts): the most
 * selective conjunct's. One set is often weak: many of Elastic's Linux rules start with
 * `host.os.type == "linux"`, which every Linux record holds, and then name a few processes. A
 * top-level `and` needs every conjunct, so the literal set of each conjunct (derived by the same
 * engine function, deriveLiterals) is a clause too; a record must satisfy them all. Soundness
 * stays the engine's: each clause is deriveLiterals' answer for a query that every match of the
 * rule also matches.
 *
 * Two derivations per rule: `ruleClauses` holds for any record (only fields a source copies
 * verbatim, no anchors); `wholeValueClauses` holds for a record whose ECS view is the record
 * itself (Elastic Defend, unknown shapes): every field is verbatim there, so `event.type ==
 * "start"` and `process where` give literals too, and a literal can be anchored to a value's
 * quotes (`"exec"`, not the `exec` of every `executable` key: src/eql/literals.ts, wholeValues).
 * Which of the two applies to a record is decided from its bytes (rules.ts, viewMarkers).
 */
import {
  deriveLiterals,
  type EventQuery,
  type Expr,
  type LiteralOptions,
  literalKey,
  type PrefilterLiteral,
  parse,
} from "../../eql/index.ts";
import { type Rule, ruleEventQuery, ruleExtras } from "../../rules/index.ts";

/** Clauses of one rule; `null` when nothing is known (every record is a candidate). */
export type RuleClauses = readonly (readonly PrefilterLiteral[])[] | null;

/** At most this many clauses per rule: each one costs a little per record that reaches it. */
const MAX_CLAUSES = 8;

/**
 * A clause with a literal shorter than this (UTF-8 bytes) is dropped unless it is all there is:
 * such literals (`i`, `/`, `sh`, `nc`) occur in nearly every record, so they reject little and
 * cost a mark in the automaton at every occurrence (10 million per 100 MB with the Linux pack).
 * Three bytes stay: process names such as `gdb` or `xxd` are among the best rejecters.
 */
export const MIN_CLAUSE_LITERAL_BYTES = 3;

/**
 * The engine caps a set at 32 literals (more were too costly to search one indexOf pass each);
 * the automaton finds any number in one pass, so long lists of process names or paths
 * (`process.name in~ (...)`, `file.path : (...)`) make clauses too.
 */
const MAX_CONJUNCT_LITERALS = 4096;
const CONJUNCT_OPTIONS: LiteralOptions = { maxPrefilterLiterals: MAX_CONJUNCT_LITERALS };
/** For records whose view is the record: every field verbatim, values anchored to their quotes. */
const WHOLE_VALUE_OPTIONS: LiteralOptions = {
  maxPrefilterLiterals: MAX_CONJUNCT_LITERALS,
  nonVerbatimFields: [],
  wholeValues: true,
};

/** Bytes the raw search looks for: the text's JSON spelling (`\\x` is 3) and the quotes of its anchors. */
export const searchedBytes = (l: PrefilterLiteral): number =>
  Buffer.byteLength(JSON.stringify(l.text), "utf8") - 2 + (l.valueStart ? 1 : 0) + (l.valueEnd ? 1 : 0);

/** The shortest literal of a clause decides how often it is satisfied by chance. */
/**
 * Fields with a handful of values in any archive (`event.type == "start"`, `host.os.type ==
 * "linux"`, `process where`): a clause of their values is satisfied by most records, however long
 * its literals, so it is ordered after the others (the first clause decides when a rule is looked at).
 */
const FEW_VALUED_FIELDS: ReadonlySet<string> = new Set([
  "event.category",
  "event.type",
  "event.action",
  "event.kind",
  "event.outcome",
  "event.module",
  "event.dataset",
  "host.os.type",
  "host.os.family",
  "host.os.name",
  "host.os.platform",
  "network.direction",
  "network.transport",
  "network.type",
  "network.protocol",
  "agent.type",
  "data_stream.type",
  "data_stream.dataset",
  "data_stream.namespace",
]);

/** Clauses are ordered by this: the weakest literal's length, few-valued fields last. */
const selectivity = (set: readonly PrefilterLiteral[]): number => {
  const fewValued =
    set.length > 0 && set.every((l) => l.field !== undefined && FEW_VALUED_FIELDS.has(l.field));
  return weakest(set) - (fewValued ? 1000 : 0);
};

const weakest = (set: readonly PrefilterLiteral[]): number => {
  let w = Number.POSITIVE_INFINITY;
  for (const l of set) w = Math.min(w, searchedBytes(l));
  return w;
};

const strong = (set: readonly PrefilterLiteral[]): boolean =>
  set.every((l) => searchedBytes(l) >= MIN_CLAUSE_LITERAL_BYTES);

const cache = new WeakMap<Rule, RuleClauses>();
const wholeCache = new WeakMap<Rule, RuleClauses>();

const key = (set: readonly PrefilterLiteral[]): string => set.map(literalKey).sort().join("\u0000");

/**
 * The rule's event query, or null for a sequence or sample, or for a rule whose query text is not
 * EQL (a rule built in code with its own predicate): its engine set (compiled.prefilter) stands.
 */
export function eventQueryOf(rule: Rule): EventQuery | null {
  try {
    return ruleEventQuery(rule);
  } catch {
    return null;
  }
}

/** The clauses of a rule for any record (computed once per Rule object). */
export function ruleClauses(rule: Rule): RuleClauses {
  return clausesFor(rule, "general", cache);
}

/**
 * The clauses of a rule for a record whose ECS view is the record itself (module comment): every
 * field verbatim, literals anchored to their values' quotes.
 */
export function wholeValueClauses(rule: Rule): RuleClauses {
  return clausesFor(rule, "whole", wholeCache);
}

/** A rule's clauses of one kind: from the build-time artefact when it holds them, else derived; once per Rule. */
function clausesFor(rule: Rule, kind: "general" | "whole", memo: WeakMap<Rule, RuleClauses>): RuleClauses {
  let c = memo.get(rule);
  if (c === undefined) {
    // (Stored clauses may be null, "nothing known": only undefined means "derive".)
    const stored = precomputed(rule, kind);
    c =
      stored !== undefined
        ? stored
        : clausesOf(eventQueryOf(rule), rule.compiled.prefilter, { wholeValues: kind === "whole" });
    memo.set(rule, c);
  }
  return c;
}

export interface ClauseOptions {
  /** Derive for records whose view is the record (default false: any record). */
  readonly wholeValues?: boolean;
}

/** The clauses of a query text, given the engine's own set for it. */
export function deriveClauses(
  query: string,
  compiled: readonly PrefilterLiteral[] | null,
  options: ClauseOptions = {},
): RuleClauses {
  let ast: EventQuery | null = null;
  try {
    const parsed = parse(query) as { kind?: string };
    // Only event queries: sequences and samples keep the engine's single set.
    if (parsed.kind === "event-query") ast = parsed as EventQuery;
  } catch {
    ast = null; // the rule compiled, so this does not happen; the engine's set stands
  }
  return clausesOf(ast, compiled, options);
}

/** The clauses of a parsed event query (null: a sequence or sample, which keeps the engine's set). */
function clausesOf(
  ast: EventQuery | null,
  compiled: readonly PrefilterLiteral[] | null,
  options: ClauseOptions = {},
): RuleClauses {
  const conjunctOptions = options.wholeValues === true ? WHOLE_VALUE_OPTIONS : CONJUNCT_OPTIONS;
  const out: (readonly PrefilterLiteral[])[] = [];
  const seen = new Set<string>();
  const add = (set: readonly PrefilterLiteral[] | null): void => {
    if (set === null) return;
    const k = key(set);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(set);
  };
  if (compiled !== null && compiled.length === 0) return [[]]; // cannot match at all
  // The engine's set is the best of its conjuncts' general sets; for whole values each conjunct's
  // own set is at least as selective (anchored), and a floating `linux` beside `"linux"` would only
  // add a hit at every occurrence.
  if (ast === null || options.wholeValues !== true) add(compiled);
  if (ast !== null) {
    for (const conjunct of conjuncts(ast.condition)) {
      add(deriveLiterals({ ...ast, category: null, condition: conjunct }, conjunctOptions));
    }
    // `process where`: with every field verbatim, the category's value is a clause of its own.
    if (options.wholeValues === true && ast.category !== null) {
      add(
        deriveLiterals(
          { ...ast, condition: { kind: "bool", value: true, span: ast.category.span } },
          conjunctOptions,
        ),
      );
    }
  }
  if (out.some((set) => set.length === 0)) return [[]]; // a conjunct that cannot match
  // The most selective clauses first, so the cap keeps the ones that reject the most.
  // (Each clause's weakest literal is measured once: a clause can hold thousands of literals.)
  const kept = out
    .filter(strong)
    .map((set) => ({ set, w: selectivity(set) }))
    .sort((a, b) => b.w - a.w)
    .slice(0, MAX_CLAUSES)
    .map((k) => k.set);
  if (kept.length > 0) return kept;
  return compiled === null ? null : [compiled];
}

function conjuncts(e: Expr): Expr[] {
  if (e.kind !== "and") return [e];
  return e.operands.flatMap((o) => conjuncts(o));
}

// --- Clauses derived at build time -------------------------------------------------------------
// Deriving them (deriveLiterals per conjunct, cold in the interpreter) was most of the pack's
// start-up once the rules themselves came precompiled (docs/performance.md). The build-time rule
// artefact (src/rules/compiled-set.ts) keeps both lists per rule and per correlation step,
// written by precomputedClauses below; it is bound to the engine build (whose sources include
// this file) and to each rule file's SHA-256, so what it holds is what clausesOf gives for that
// rule in this build. It is still parsed JSON from a file: an entry that is not exactly the shape
// clausesOf returns is ignored and the clauses are derived as usual.

const STORED_FORMAT = "clauses/1";

interface StoredClauses {
  readonly format: typeof STORED_FORMAT;
  readonly general: RuleClauses;
  readonly whole: RuleClauses;
}

/**
 * What the rule artefact keeps for a rule (writeCompiledRuleSet's `extras`): its clauses for any
 * record and for whole-value records, derived exactly as ruleClauses and wholeValueClauses do.
 */
export function precomputedClauses(rule: Rule): StoredClauses {
  const ast = eventQueryOf(rule);
  return {
    format: STORED_FORMAT,
    general: clausesOf(ast, rule.compiled.prefilter),
    whole: clausesOf(ast, rule.compiled.prefilter, { wholeValues: true }),
  };
}

/** The stored clauses of `which` kind, or undefined when there are none or they are malformed. */
function precomputed(rule: Rule, which: "general" | "whole"): RuleClauses | undefined {
  const x = ruleExtras(rule);
  if (typeof x !== "object" || x === null || (x as { format?: unknown }).format !== STORED_FORMAT) {
    return undefined;
  }
  return storedClauses((x as Record<string, unknown>)[which]);
}

const LITERAL_KEYS: ReadonlySet<string> = new Set([
  "text",
  "caseInsensitive",
  "valueStart",
  "valueEnd",
  "field",
]);

/** `v` as clauses if it has exactly their shape, else undefined. */
export function storedClauses(v: unknown): RuleClauses | undefined {
  if (v === null) return null;
  if (!Array.isArray(v) || v.length === 0 || v.length > MAX_CLAUSES) return undefined;
  const out: PrefilterLiteral[][] = [];
  for (const clause of v as unknown[]) {
    if (!Array.isArray(clause) || clause.length > MAX_CONJUNCT_LITERALS) return undefined;
    const set: PrefilterLiteral[] = [];
    for (const l of clause as unknown[]) {
      const lit = storedLiteral(l);
      if (lit === undefined) return undefined;
      set.push(lit);
    }
    out.push(set);
  }
  return out;
}

function storedLiteral(l: unknown): PrefilterLiteral | undefined {
  if (typeof l !== "object" || l === null || Array.isArray(l)) return undefined;
  const o = l as Record<string, unknown>;
  // Only the literal's own keys (an own `__proto__` from JSON.parse is refused here), each with
  // its type: the parsed object is then used as it is (no copy: thousands of them at start-up).
  for (const k in o) if (!LITERAL_KEYS.has(k)) return undefined;
  if (typeof o.text !== "string" || typeof o.caseInsensitive !== "boolean") return undefined;
  if (o.valueStart !== undefined && o.valueStart !== true) return undefined;
  if (o.valueEnd !== undefined && o.valueEnd !== true) return undefined;
  if (o.field !== undefined && typeof o.field !== "string") return undefined;
  return o as unknown as PrefilterLiteral;
}
