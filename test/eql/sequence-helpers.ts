/** Shared by the sequence tests: compact events and a sequence query compiled into its steps. */
import type { SequenceQuery } from "../../src/eql/ast.ts";
import { compileAst } from "../../src/eql/compile.ts";
import { parseStatement } from "../../src/eql/parser.ts";
import type { SequenceMatch } from "../../src/eql/sequence.ts";
import type { CompiledSteps } from "../../src/eql/sequence-plan.ts";

export type Ev = Record<string, unknown> & { id: number };

/** `e(id, category, time, fields)`: a compact event. */
export function e(
  id: number,
  category: string,
  time: number | string | undefined,
  fields: Record<string, unknown> = {},
): Ev {
  const out: Ev = { id, event: { category }, ...fields };
  if (time !== undefined) out["@timestamp"] = time;
  return out;
}

export function sequenceOf(text: string): { query: SequenceQuery; compiled: CompiledSteps } {
  const st = parseStatement(text);
  const query = st.query;
  if (query.kind !== "sequence") throw new Error(`not a sequence: ${text}`);
  const pred = (q: SequenceQuery["steps"][number]) => {
    const c = compileAst(q.query);
    return (ev: unknown) => c.matches(ev);
  };
  return { query, compiled: { steps: query.steps.map(pred), until: query.until ? pred(query.until) : null } };
}

export const ids = (ms: readonly SequenceMatch<Ev, unknown>[]) =>
  ms.map((m) => m.events.map((x) => (x === null ? null : x.id)));
