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
 */
import { deriveLiterals, type EventQuery, type Expr, type PrefilterLiteral, parse } from "../../eql/index.ts";
import type { Rule } from "../../rules/index.ts";

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
const CONJUNCT_OPTIONS = { maxPrefilterLiterals: 4096 } as const;

/** The shortest literal of a clause decides how often it is satisfied by chance. */
const weakest = (set: readonly PrefilterLiteral[]): number =>
  Math.min(...set.map((l) => Buffer.byteLength(l.text, "utf8")));

const strong = (set: readonly PrefilterLiteral[]): boolean =>
  set.every((l) => Buffer.byteLength(l.text, "utf8") >= MIN_CLAUSE_LITERAL_BYTES);

const cache = new WeakMap<Rule, RuleClauses>();

const key = (set: readonly PrefilterLiteral[]): string =>
  set
    .map((l) => `${l.caseInsensitive ? "i" : "s"}:${l.text}`)
    .sort()
    .join("\u0000");

/** The clauses of a rule (computed once per Rule object). */
export function ruleClauses(rule: Rule): RuleClauses {
  let c = cache.get(rule);
  if (c === undefined) {
    c = deriveClauses(rule.query, rule.compiled.prefilter);
    cache.set(rule, c);
  }
  return c;
}

/** The clauses of a query text, given the engine's own set for it. */
export function deriveClauses(query: string, compiled: readonly PrefilterLiteral[] | null): RuleClauses {
  const out: (readonly PrefilterLiteral[])[] = [];
  const seen = new Set<string>();
  const add = (set: readonly PrefilterLiteral[] | null): void => {
    if (set === null) return;
    const k = key(set);
    if (seen.has(k)) return;
    seen.add(k);
    out.push(set);
  };
  add(compiled);
  if (compiled !== null && compiled.length === 0) return [[]]; // cannot match at all
  let ast: EventQuery | undefined;
  try {
    const parsed = parse(query) as { kind?: string };
    // Only event queries: sequences and samples keep the engine's single set.
    if (parsed.kind === "event-query") ast = parsed as EventQuery;
  } catch {
    ast = undefined; // the rule compiled, so this does not happen; the engine's set stands
  }
  if (ast !== undefined) {
    for (const conjunct of conjuncts(ast.condition)) {
      add(deriveLiterals({ ...ast, category: null, condition: conjunct }, CONJUNCT_OPTIONS));
    }
  }
  if (out.some((set) => set.length === 0)) return [[]]; // a conjunct that cannot match
  // The most selective clauses first, so the cap keeps the ones that reject the most.
  const kept = out
    .filter(strong)
    .sort((a, b) => weakest(b) - weakest(a))
    .slice(0, MAX_CLAUSES);
  if (kept.length > 0) return kept;
  return compiled === null ? null : [compiled];
}

function conjuncts(e: Expr): Expr[] {
  if (e.kind !== "and") return [e];
  return e.operands.flatMap((o) => conjuncts(o));
}
