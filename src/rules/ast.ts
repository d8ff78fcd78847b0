/**
 * The parsed query of each rule, kept from loading so that nothing after it parses the text again
 * (the scan's prefilter clauses and dispatch read the AST; each parse of the Linux pack cost tens
 * of milliseconds of start-up). Keyed by the rule's compiled query, which copies of a rule
 * (`{ ...rule, exceptions }`) share, and checked against the query text, so a rule built by hand
 * or edited after loading still gets the AST of its own text.
 */
import { type CompiledQuery, type EventQuery, parseStatement, type Statement } from "../eql/index.ts";
import type { Rule } from "./rule.ts";

interface Known {
  readonly query: string;
  readonly statement: Statement;
}

const known = new WeakMap<CompiledQuery, Known>();

/** Records the statement a compiled query was compiled from (the loaders call this). */
export function rememberAst(compiled: CompiledQuery, query: string, statement: Statement): void {
  known.set(compiled, { query, statement });
}

/**
 * The rule's query as parsed (the whole statement: event query, sequence or sample; a rule's
 * pipes are refused at load). Memoised: a rule from the loaders costs a lookup; any other rule is
 * parsed once. Shared between callers: treat it as read-only. Throws EqlError when `rule.query`
 * does not parse (never for a loaded rule).
 */
export function ruleAst(rule: Rule): Statement {
  return statementOf(rule.compiled, rule.query, rule.file);
}

/** ruleAst for the parts of a rule (a rule whose predicate is compiled on first use needs it). */
export function statementOf(compiled: CompiledQuery, query: string, file: string): Statement {
  const k = known.get(compiled);
  if (k !== undefined && k.query === query) return k.statement;
  const statement = parseStatement(query, { file });
  known.set(compiled, { query, statement });
  return statement;
}

/** The rule's event query, or null for a sequence or a sample (see ruleAst). */
export function ruleEventQuery(rule: Rule): EventQuery | null {
  const q = ruleAst(rule).query;
  return q.kind === "event-query" ? q : null;
}
