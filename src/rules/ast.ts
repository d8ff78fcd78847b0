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
/** Rules whose text is not their compiled query's (edited copies), parsed once each. */
const byRule = new WeakMap<Rule, Known>();

/** Records the statement a compiled query was compiled from (the loaders call this). */
export function rememberAst(compiled: CompiledQuery, query: string, statement: Statement): void {
  known.set(compiled, { query, statement });
}

interface Pending {
  readonly query: string;
  readonly json: string;
  readonly file: string;
}

/** Statements kept as JSON text until first read (the build-time artefact's, see rememberAstJson). */
const pending = new WeakMap<CompiledQuery, Pending>();

/**
 * rememberAst for a statement held as JSON text (the build-time artefact's): it is parsed on the
 * first read instead of at start-up, where building the pack's ASTs as objects was about half of
 * the artefact's JSON.parse (~20 ms cold) and most of its garbage, for rules that may never be
 * read. Text that does not parse to an object is ignored then, and the query is parsed instead.
 */
export function rememberAstJson(compiled: CompiledQuery, query: string, json: string, file: string): void {
  known.delete(compiled);
  pending.set(compiled, { query, json, file });
}

/** The compiled query's recorded statement, parsing the JSON text kept for it on first read. */
function knownOf(compiled: CompiledQuery): Known | undefined {
  const k = known.get(compiled);
  if (k !== undefined) return k;
  const p = pending.get(compiled);
  if (p === undefined) return undefined;
  pending.delete(compiled);
  let statement: unknown;
  try {
    statement = JSON.parse(p.json);
  } catch {
    statement = undefined;
  }
  const ok = typeof statement === "object" && statement !== null && !Array.isArray(statement);
  const out: Known = {
    query: p.query,
    statement: ok ? (statement as Statement) : parseStatement(p.query, { file: p.file }),
  };
  known.set(compiled, out);
  return out;
}

/**
 * The rule's query as parsed (the whole statement: event query, sequence or sample; a rule's
 * pipes are refused at load). Memoised: a rule from the loaders costs a lookup; any other rule is
 * parsed once. Shared between callers: treat it as read-only. Throws EqlError when `rule.query`
 * does not parse (never for a loaded rule).
 */
export function ruleAst(rule: Rule): Statement {
  const k = knownOf(rule.compiled);
  if (k !== undefined && k.query === rule.query) return k.statement;
  const own = byRule.get(rule);
  if (own !== undefined && own.query === rule.query) return own.statement;
  const statement = parseStatement(rule.query, { file: rule.file });
  // A copy whose text differs from its compiled query's keeps its own AST: the loader's entry
  // stays for the rules that share that compiled query.
  if (k === undefined) known.set(rule.compiled, { query: rule.query, statement });
  else byRule.set(rule, { query: rule.query, statement });
  return statement;
}

/** ruleAst for the parts of a rule (a rule whose predicate is compiled on first use needs it). */
export function statementOf(compiled: CompiledQuery, query: string, file: string): Statement {
  const k = knownOf(compiled);
  if (k !== undefined && k.query === query) return k.statement;
  const statement = parseStatement(query, { file });
  if (k === undefined) known.set(compiled, { query, statement });
  return statement;
}

/** The rule's event query, or null for a sequence or a sample (see ruleAst). */
export function ruleEventQuery(rule: Rule): EventQuery | null {
  const q = ruleAst(rule).query;
  return q.kind === "event-query" ? q : null;
}

/** One step (or the `until`) of a sequence or sample rule, as a query of its own. */
export interface CorrelationStep {
  /** The step's event query as written: from its first token to the step's closing `]`. */
  readonly text: string;
  /** The step's compiled filter (the rule's `sequence.steps[i]`, then `sequence.until`). */
  readonly compiled: CompiledQuery;
  /** `text` parsed: the step's AST with its positions counted from the start of `text`. */
  readonly statement: Statement;
}

const stepsOf = new WeakMap<object, readonly CorrelationStep[] | null>();

/**
 * The steps (then the `until`) of a sequence or sample rule, each with its own text and AST,
 * taken from the statement the rule was compiled from instead of parsing each step's text again
 * (the scan dispatches correlation rules by step). Each step's AST is also what ruleAst gives
 * for a rule `{ query: text, compiled }`. Null for an event rule, and for a rule whose query is
 * not the text its `sequence` was compiled from (a rule built by hand or edited afterwards).
 */
export function correlationSteps(rule: Rule): readonly CorrelationStep[] | null {
  const c = rule.sequence;
  // The rule's own text must be what `sequence` was compiled from (a lookup for loaded rules).
  if (c === undefined || ruleAst(rule) !== c.statement) return null;
  const cached = stepsOf.get(c);
  if (cached !== undefined) return cached;
  let out: CorrelationStep[] | null = null;
  const q = c.statement.query;
  if (q.kind !== "event-query") {
    const steps = q.kind === "sequence" && q.until !== null ? [...q.steps, q.until] : q.steps;
    const filters = c.kind === "sequence" && c.until !== null ? [...c.steps, c.until] : c.steps;
    if (steps.length === filters.length) {
      out = [];
      for (const [i, step] of steps.entries()) {
        const ast = step.query;
        const end = closingBracket(rule.query, ast.span.end);
        if (end < 0) {
          out = null;
          break;
        }
        const text = rule.query.slice(ast.span.start, end);
        const query = rebased(ast, ast.span.start) as EventQuery;
        const statement: Statement = { kind: "statement", query, pipes: [], span: query.span };
        rememberAst(filters[i]!, text, statement);
        out.push({ text, compiled: filters[i]!, statement });
      }
    }
  }
  stepsOf.set(c, out);
  return out;
}

/**
 * Where the `]` that closes a step lies, from the end of its event query: only `)`, whitespace
 * and comments can come between them in the grammar. -1 when something else does.
 */
function closingBracket(src: string, from: number): number {
  let i = from;
  while (i < src.length) {
    const ch = src[i]!;
    if (ch === "]") return i;
    if (ch === ")" || ch === " " || ch === "\t" || ch === "\n" || ch === "\r") i++;
    else if (src.startsWith("//", i)) {
      const nl = src.indexOf("\n", i);
      i = nl < 0 ? src.length : nl + 1;
    } else if (src.startsWith("/*", i)) {
      // Block comments nest, as in the lexer.
      let depth = 0;
      while (i < src.length) {
        if (src.startsWith("/*", i)) {
          depth++;
          i += 2;
        } else if (src.startsWith("*/", i)) {
          depth--;
          i += 2;
          if (depth === 0) break;
        } else i++;
      }
      if (depth !== 0) return -1;
    } else return -1;
  }
  return -1;
}

/**
 * A copy of an AST node with every source position moved back by `by`. Written as plain loops:
 * it runs once per step at start-up, cold, where closures and Object.entries cost the most.
 */
function rebased(node: unknown, by: number): unknown {
  if (typeof node !== "object" || node === null) return node;
  if (Array.isArray(node)) {
    const out: unknown[] = [];
    for (let i = 0; i < node.length; i++) out.push(rebased(node[i], by));
    return out;
  }
  const src = node as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) {
    if (!Object.hasOwn(src, k) || k === "__proto__") continue; // an own key from JSON.parse (a compiled artefact): never a prototype
    const v = src[k];
    const isSpan =
      (k === "span" || k.endsWith("Span")) &&
      typeof v === "object" &&
      v !== null &&
      typeof (v as { start?: unknown }).start === "number";
    out[k] = isSpan
      ? { start: (v as { start: number }).start - by, end: (v as { end: number }).end - by }
      : rebased(v, by);
  }
  return out;
}
