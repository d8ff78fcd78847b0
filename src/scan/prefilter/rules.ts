/**
 * The prefilter for a whole rule set: from a record's raw bytes, which rules can still match it.
 * A record no rule can match is skipped without parsing; the others are evaluated against the
 * rules named here only (src/scan/dispatch.ts).
 *
 * Two strategies with the same verdicts:
 * - "automaton" (many literals): one pass of a byte automaton (automaton.ts) over the buffer finds
 *   every literal of every rule at once, so the cost no longer grows with the rule count;
 * - "indexOf" (a few literals, e.g. one rule): the native Buffer.indexOf search of raw.ts per
 *   clause, which beats a JavaScript byte loop while there are only a handful of needles.
 *
 * Soundness, the contract of this module: a rule left out for a record cannot match it. Each
 * rule's clauses (clauses.ts) must all be satisfied; a clause is satisfied when one of its literals
 * occurs in the record in its canonical JSON spelling (ASCII case-insensitively for a
 * case-insensitive literal). A record holding a `\uXXXX` or `\/` escape is searched in its
 * canonical rewriting (escapes.ts); one with an undecodable escape is a candidate for every rule
 * (the parser decides). Tested as a property over random rules, records, casings and escapings.
 */
import type { PrefilterLiteral } from "../../eql/index.ts";
import { ByteAutomaton, HitList } from "./automaton.ts";
import type { RuleClauses } from "./clauses.ts";
import { canonicaliseEscapes, hasRewritableEscape } from "./escapes.ts";
import { canonicalJsonBytes, createRawPrefilter, type RawPrefilter } from "./raw.ts";

/**
 * Writes to `out` the indexes (ascending) of the rules that the record `buf[start, end)` may match
 * and returns how many; 0 means no rule can match (skip the record). `out` needs room for every
 * rule. The buffer's bytes must not change while the admitter is used; records are cheapest in
 * increasing order of `start` (any order is correct).
 */
export type RecordAdmitter = (start: number, end: number, out: Int32Array) => number;

export interface RulePrefilter {
  readonly ruleCount: number;
  /** True when every record must be parsed (some rule has no clause). */
  readonly parsesAll: boolean;
  /** The strategy chosen (for benchmarks and tests). */
  readonly strategy: PrefilterStrategy;
  /** An admitter for the records of one buffer (searches are shared among them). */
  forBuffer(buf: Uint8Array): RecordAdmitter;
}

export type PrefilterStrategy = "automaton" | "indexOf";

export interface RulePrefilterOptions {
  /** Default: "indexOf" up to INDEXOF_MAX_LITERALS distinct literals, "automaton" above. */
  readonly strategy?: PrefilterStrategy;
}

/** Up to this many distinct literals, native indexOf passes beat one automaton pass (docs/performance.md). */
export const INDEXOF_MAX_LITERALS = 3;

/** Bytes scanned ahead by one automaton pass: amortises the pass over many ~2 KB records. */
const WINDOW_BYTES = 256 * 1024;

const litKey = (l: PrefilterLiteral): string => `${l.caseInsensitive ? "i" : "s"}:${l.text}`;

/** A literal that canonical JSON search cannot find reliably (a lone surrogate is spelt as an escape). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const searchable = (l: PrefilterLiteral): boolean => !LONE_SURROGATE.test(l.text);

interface Model {
  /** Per rule, its clauses as lists of literal ids; null: no clause (always a candidate). */
  readonly rules: readonly (readonly (readonly number[])[] | null)[];
  readonly literals: readonly PrefilterLiteral[];
}

/** Clauses -> literal ids; an unusable clause (empty text, unsearchable literal) is dropped (weaker, still sound). */
function model(clauses: readonly RuleClauses[]): Model {
  const ids = new Map<string, number>();
  const literals: PrefilterLiteral[] = [];
  const rules = clauses.map((rc) => {
    if (rc === null) return null;
    const kept: number[][] = [];
    for (const clause of rc) {
      if (clause.some((l) => l.text.length === 0 || !searchable(l))) continue;
      kept.push(
        clause.map((l) => {
          const k = litKey(l);
          let id = ids.get(k);
          if (id === undefined) {
            id = literals.length;
            ids.set(k, id);
            literals.push(l);
          }
          return id;
        }),
      );
    }
    return kept.length === 0 ? null : kept;
  });
  return { rules, literals };
}

export function createRulePrefilter(
  clauses: readonly RuleClauses[],
  options: RulePrefilterOptions = {},
): RulePrefilter {
  const m = model(clauses);
  const strategy = options.strategy ?? (m.literals.length <= INDEXOF_MAX_LITERALS ? "indexOf" : "automaton");
  return strategy === "indexOf" ? indexOfPrefilter(m) : automatonPrefilter(m);
}

/** Rules without clauses are candidates for every record; they are merged into `out` in order. */
function alwaysList(m: Model): Int32Array {
  const out: number[] = [];
  m.rules.forEach((r, i) => {
    if (r === null) out.push(i);
  });
  return Int32Array.from(out);
}

/** Sorts out[0, n) ascending (n is small: the rules admitted for one record). */
function sortPrefix(out: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const v = out[i]!;
    let j = i - 1;
    while (j >= 0 && out[j]! > v) {
      out[j + 1] = out[j]!;
      j--;
    }
    out[j + 1] = v;
  }
}

function mergeAlways(out: Int32Array, n: number, always: Int32Array): number {
  if (always.length === 0) return n;
  for (let k = 0; k < always.length; k++) out[n++] = always[k]!;
  sortPrefix(out, n);
  return n;
}

function allRules(out: Int32Array, count: number): number {
  for (let r = 0; r < count; r++) out[r] = r;
  return count;
}

function indexOfPrefilter(m: Model): RulePrefilter {
  const always = alwaysList(m);
  // One raw prefilter per clause, shared by the rules that have the same clause.
  const byClause = new Map<string, RawPrefilter>();
  const rules = m.rules.map((r) =>
    r === null
      ? null
      : r.map((clause) => {
          const k = clause.join(",");
          let pf = byClause.get(k);
          if (pf === undefined) {
            pf = createRawPrefilter([clause.map((id) => m.literals[id]!)]);
            byClause.set(k, pf);
          }
          return pf;
        }),
  );
  const count = m.rules.length;
  return {
    ruleCount: count,
    parsesAll: always.length > 0,
    strategy: "indexOf",
    forBuffer(buf: Uint8Array): RecordAdmitter {
      const testers = new Map<RawPrefilter, (s: number, e: number) => boolean>();
      const testerOf = (pf: RawPrefilter) => {
        let t = testers.get(pf);
        if (t === undefined) {
          t = pf.forBuffer(buf);
          testers.set(pf, t);
        }
        return t;
      };
      return (start, end, out) => {
        let n = 0;
        for (let r = 0; r < count; r++) {
          const cl = rules[r];
          if (cl === null || cl === undefined) continue;
          let ok = true;
          for (let c = 0; c < cl.length && ok; c++) ok = testerOf(cl[c]!)(start, end);
          if (ok) out[n++] = r;
        }
        return mergeAlways(out, n, always);
      };
    },
  };
}

function automatonPrefilter(m: Model): RulePrefilter {
  const count = m.rules.length;
  const always = alwaysList(m);
  const lits = m.literals;
  // Pattern bytes: the canonical JSON spelling; the automaton folds ASCII case itself.
  const bytes = lits.map((l) => canonicalJsonBytes(l.text));
  const sensitive = lits.map((l) => !l.caseInsensitive);
  const lengths = Int32Array.from(bytes, (b) => b.length);
  const automaton = new ByteAutomaton(bytes);
  const outputs = automaton.outputs;

  // A rule is looked at only when a literal of its first clause (the most selective one,
  // clauses.ts) is found; its other clauses are then checked. A literal found in nearly every
  // record (`linux`, in hundreds of rules' other clauses) so costs nothing per rule. A short
  // clause is checked by its literals' marks; a long one (hundreds of process names) is marked
  // satisfied when one of its literals is found.
  const SHORT_CLAUSE = 8;
  const anchorOf: number[][] = lits.map(() => []); // literal -> rules whose first clause holds it
  const longOf: number[][] = lits.map(() => []); // literal -> long clauses holding it
  const ruleRest: number[][] = m.rules.map(() => []); // rule -> its other clauses
  const clauseLits: number[][] = [];
  const clauseLong: number[] = [];
  m.rules.forEach((r, ri) => {
    if (r === null) return;
    r.forEach((clause, k) => {
      const ids = [...new Set(clause)];
      if (k === 0) {
        for (const id of ids) anchorOf[id]!.push(ri);
        return;
      }
      const c = clauseLits.length;
      clauseLits.push(ids);
      const long = ids.length > SHORT_CLAUSE;
      clauseLong.push(long ? 1 : 0);
      if (long) for (const id of ids) longOf[id]!.push(c);
      ruleRest[ri]!.push(c);
    });
  });
  const csr = (lists: readonly (readonly number[])[]): { first: Int32Array; list: Int32Array } => {
    const first = new Int32Array(lists.length + 1);
    for (let i = 0; i < lists.length; i++) first[i + 1] = first[i]! + lists[i]!.length;
    return { first, list: Int32Array.from(lists.flat()) };
  };
  const anchors = csr(anchorOf);
  const longs = csr(longOf);
  const rest = csr(ruleRest);
  const clauseLit = csr(clauseLits);
  const isLong = Uint8Array.from(clauseLong);

  // Per-record marks, reset by bumping the epoch instead of clearing.
  let epoch = 0;
  const litEpoch = new Int32Array(lits.length);
  const clauseEpoch = new Int32Array(clauseLits.length);
  const ruleEpoch = new Int32Array(count);
  const found = new Int32Array(lits.length);
  const BACKSLASH = 0x5c;

  /** Verifies a case-sensitive hit ending at `p` in place. */
  const exact = (buf: Uint8Array, p: number, id: number): boolean => {
    const b = bytes[id]!;
    const at = p - b.length;
    for (let i = 0; i < b.length; i++) if (buf[at + i] !== b[i]) return false;
    return true;
  };

  /** Set by admit(): the record holds a backslash (the caller then checks for escapes). */
  let sawBackslash = false;

  /** Admits rules from the hits from `first` on that lie within buf[start, end); returns the number written to out. */
  const admit = (
    buf: Uint8Array,
    hits: HitList,
    first: number,
    start: number,
    end: number,
    out: Int32Array,
  ): number => {
    epoch++;
    if (epoch === 0x7fffffff) {
      epoch = 1;
      litEpoch.fill(0);
      clauseEpoch.fill(0);
      ruleEpoch.fill(0);
    }
    const e = epoch;
    let nf = 0;
    let backslash = false;
    const pos = hits.pos;
    const state = hits.state;
    for (let h = first; h < hits.n; h++) {
      const p = pos[h]!;
      if (p > end) break;
      const s = state[h]!;
      if (buf[p - 1] === BACKSLASH) backslash = true;
      const oEnd = automaton.outputEnd(s);
      for (let o = automaton.outputFirst(s); o < oEnd; o++) {
        const id = outputs[o]!;
        if (litEpoch[id] === e || p - lengths[id]! < start) continue;
        if (sensitive[id] && !exact(buf, p, id)) continue;
        litEpoch[id] = e;
        found[nf++] = id;
        const lEnd = longs.first[id + 1]!;
        for (let k = longs.first[id]!; k < lEnd; k++) clauseEpoch[longs.list[k]!] = e;
      }
    }
    let n = 0;
    for (let f = 0; f < nf; f++) {
      const id = found[f]!;
      const aEnd = anchors.first[id + 1]!;
      for (let a = anchors.first[id]!; a < aEnd; a++) {
        const r = anchors.list[a]!;
        if (ruleEpoch[r] === e) continue;
        ruleEpoch[r] = e;
        let ok = true;
        const rEnd = rest.first[r + 1]!;
        for (let k = rest.first[r]!; k < rEnd && ok; k++) {
          const c = rest.list[k]!;
          if (isLong[c] === 1) {
            ok = clauseEpoch[c] === e;
            continue;
          }
          ok = false;
          const cEnd = clauseLit.first[c + 1]!;
          for (let q = clauseLit.first[c]!; q < cEnd; q++) {
            if (litEpoch[clauseLit.list[q]!] === e) {
              ok = true;
              break;
            }
          }
        }
        if (ok) out[n++] = r;
      }
    }
    sawBackslash = backslash;
    sortPrefix(out, n);
    return mergeAlways(out, n, always);
  };

  // The rare path: a record with escapes, searched in its canonical rewriting.
  let scratch = new Uint8Array(64 * 1024);
  const scratchHits = new HitList();
  const escaped = (buf: Uint8Array, start: number, end: number, out: Int32Array): number => {
    if (scratch.length < end - start) scratch = new Uint8Array(Math.max(end - start, scratch.length * 2));
    const len = canonicaliseEscapes(buf, start, end, scratch);
    if (len < 0) return allRules(out, count);
    scratchHits.n = 0;
    automaton.scan(scratch, 0, len, scratchHits);
    return admit(scratch, scratchHits, 0, 0, len, out);
  };

  return {
    ruleCount: count,
    parsesAll: always.length > 0,
    strategy: "automaton",
    forBuffer(buf: Uint8Array): RecordAdmitter {
      const hits = new HitList();
      let from = 0;
      let to = 0; // hits cover every pattern occurrence inside buf[from, to)
      return (start, end, out) => {
        if (end <= start) return 0;
        if (start < from || end > to) {
          from = start;
          to = Math.min(buf.length, Math.max(end, start + WINDOW_BYTES));
          hits.n = 0;
          automaton.scan(buf, from, to, hits);
        }
        // First hit that can lie in the record: ends after `start`.
        const pos = hits.pos;
        let lo = 0;
        let hi = hits.n;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (pos[mid]! <= start) lo = mid + 1;
          else hi = mid;
        }
        const n = admit(buf, hits, lo, start, end, out);
        return sawBackslash && hasRewritableEscape(buf, start, end) ? escaped(buf, start, end, out) : n;
      };
    },
  };
}
