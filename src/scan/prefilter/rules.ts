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
 *
 * Whole values (`wholeValue`, test/scan/prefilter/whole-values.test.ts): for a record whose ECS
 * view is the record itself, a literal may carry its value's quotes and field (clauses.ts,
 * wholeValueClauses): a hit then counts only where a value can be (not a key, not behind an
 * escaped quote, not under another key). A record holding a marker of a source that maps its
 * fields (src/sources MAPPED_VIEW_MARKERS) is handed to a prefilter of the general clauses.
 */
import { literalKey, type PrefilterLiteral } from "../../eql/index.ts";
import type { RawMarker } from "../../sources/index.ts";
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

/**
 * Stronger clauses for the records whose ECS view is the record itself (clauses.ts,
 * wholeValueClauses), and how to tell those records from their bytes.
 */
export interface WholeValueModel {
  /** Per rule (same order as the clauses given to createRulePrefilter). */
  readonly clauses: readonly RuleClauses[];
  /**
   * "every-record": every record's view is the record (a scan with source "defend"); otherwise
   * literals of which every record with a mapped view holds one (src/sources: MAPPED_VIEW_MARKERS):
   * a record holding none of them gets the stronger clauses.
   */
  readonly markers: readonly RawMarker[] | "every-record";
}

export interface RulePrefilterOptions {
  /** Default: "indexOf" up to INDEXOF_MAX_LITERALS distinct literals, "automaton" above. */
  readonly strategy?: PrefilterStrategy;
  /** Whole-value clauses (automaton strategy only; the indexOf strategy keeps the general ones). */
  readonly wholeValue?: WholeValueModel;
}

/** Up to this many distinct literals, native indexOf passes beat one automaton pass (docs/performance.md). */
export const INDEXOF_MAX_LITERALS = 3;

/** Bytes scanned ahead by one automaton pass: amortises the pass over many ~2 KB records. */
const WINDOW_BYTES = 256 * 1024;

/** A literal that canonical JSON search cannot find reliably (a lone surrogate is spelt as an escape). */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const searchable = (l: PrefilterLiteral): boolean => !LONE_SURROGATE.test(l.text);

/** Distinct literals (text, case mode, anchors, field) of one model. */
class LiteralTable {
  private readonly ids = new Map<string, number>();
  readonly literals: PrefilterLiteral[] = [];
  id(l: PrefilterLiteral): number {
    const k = literalKey(l);
    let id = this.ids.get(k);
    if (id === undefined) {
      id = this.literals.length;
      this.ids.set(k, id);
      this.literals.push(l);
    }
    return id;
  }
}

interface Model {
  /** Per rule, its clauses as lists of literal ids; null: no clause (always a candidate). */
  readonly rules: readonly (readonly (readonly number[])[] | null)[];
  readonly literals: readonly PrefilterLiteral[];
}

/** Clauses -> literal ids; an unusable clause (empty text, unsearchable literal) is dropped (weaker, still sound). */
function model(clauses: readonly RuleClauses[]): Model {
  const table = new LiteralTable();
  const rules = clauses.map((rc) => {
    if (rc === null) return null;
    const kept: number[][] = [];
    for (const clause of rc) {
      if (clause.some((l) => l.text.length === 0 || !searchable(l))) continue;
      kept.push(clause.map((l) => table.id(l)));
    }
    return kept.length === 0 ? null : kept;
  });
  return { rules, literals: table.literals };
}

/**
 * `clauses` hold for any record; a function is called only when they are needed (with whole
 * values and markers, at the first record holding a marker: a Defend archive never pays for
 * deriving them at start-up).
 */
export function createRulePrefilter(
  clauses: readonly RuleClauses[] | (() => readonly RuleClauses[]),
  options: RulePrefilterOptions = {},
): RulePrefilter {
  const wv = options.wholeValue;
  let resolved: readonly RuleClauses[] | undefined = typeof clauses === "function" ? undefined : clauses;
  const general = (): readonly RuleClauses[] => {
    resolved ??= (clauses as () => readonly RuleClauses[])();
    if (wv !== undefined && resolved.length !== wv.clauses.length) {
      throw new RangeError("createRulePrefilter: whole-value clauses must name the same rules");
    }
    return resolved;
  };
  // A few rules: the general clauses decide the strategy (one rule's handful of literals is
  // searched fastest by indexOf). A pack always takes the automaton.
  const few = wv === undefined || wv.clauses.length <= INDEXOF_MAX_LITERALS || resolved !== undefined;
  const g = few ? model(general()) : null;
  const strategy =
    options.strategy ?? (g !== null && g.literals.length <= INDEXOF_MAX_LITERALS ? "indexOf" : "automaton");
  if (strategy === "indexOf") return indexOfPrefilter(g ?? model(general()));
  if (wv === undefined) return automatonPrefilter(g ?? model(general()), null, null);
  const whole = model(wv.clauses);
  if (wv.markers === "every-record") return automatonPrefilter(whole, null, null);
  // A record holding a marker may be mapped by its source: only the general clauses hold for
  // it, in a prefilter of their own, built at the first such record.
  let generalPrefilter: RulePrefilter | undefined;
  const generalFor = (): RulePrefilter => {
    generalPrefilter ??= automatonPrefilter(g ?? model(general()), null, null);
    return generalPrefilter;
  };
  // Every record must be parsed only when both kinds of record may need it.
  if (alwaysList(whole).length > 0 && generalFor().parsesAll) {
    return automatonPrefilter(whole, wv.markers, generalFor, true);
  }
  return automatonPrefilter(whole, wv.markers, generalFor, false);
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

/** Compressed lists: list[first[i], first[i + 1]) belong to i. */
interface Csr {
  readonly first: Int32Array;
  readonly list: Int32Array;
}
const csr = (lists: readonly (readonly number[])[]): Csr => {
  const first = new Int32Array(lists.length + 1);
  for (let i = 0; i < lists.length; i++) first[i + 1] = first[i]! + lists[i]!.length;
  return { first, list: Int32Array.from(lists.flat()) };
};

/**
 * One model's clauses, indexed for admit(). A rule is looked at only when a literal of its first
 * clause (the most selective one, clauses.ts) is found; its other clauses are then checked. A
 * literal found in nearly every record (`linux`, in hundreds of rules' other clauses) so costs
 * nothing per rule. A short clause is checked by its literals' marks; a long one (hundreds of
 * process names) is marked satisfied when one of its literals is found.
 */
interface ClauseIndex {
  readonly anchors: Csr; // literal -> rules whose first clause holds it
  readonly longs: Csr; // literal -> long clauses holding it
  readonly rest: Csr; // rule -> its other clauses
  readonly clauseLit: Csr; // clause -> its literals
  readonly isLong: Uint8Array;
  readonly always: Int32Array;
  readonly clauseEpoch: Int32Array;
  readonly ruleEpoch: Int32Array;
}

const SHORT_CLAUSE = 8;

function clauseIndex(m: Model, literalCount: number): ClauseIndex {
  const anchorOf: number[][] = Array.from({ length: literalCount }, () => []);
  const longOf: number[][] = Array.from({ length: literalCount }, () => []);
  const ruleRest: number[][] = m.rules.map(() => []);
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
  return {
    anchors: csr(anchorOf),
    longs: csr(longOf),
    rest: csr(ruleRest),
    clauseLit: csr(clauseLits),
    isLong: Uint8Array.from(clauseLong),
    always: alwaysList(m),
    clauseEpoch: new Int32Array(clauseLits.length),
    ruleEpoch: new Int32Array(m.rules.length),
  };
}

const BACKSLASH = 0x5c;
const QUOTE = 0x22;
const COLON = 0x3a;

/** The pattern a literal is searched as: its canonical JSON spelling, inside the quotes of its anchors. */
function patternBytes(l: PrefilterLiteral): Uint8Array {
  const text = canonicalJsonBytes(l.text);
  if (!l.valueStart && !l.valueEnd) return text;
  const out = new Uint8Array(text.length + (l.valueStart ? 1 : 0) + (l.valueEnd ? 1 : 0));
  if (l.valueStart) out[0] = QUOTE;
  out.set(text, l.valueStart ? 1 : 0);
  if (l.valueEnd) out[out.length - 1] = QUOTE;
  return out;
}

/**
 * Is the string token whose closing quote is at `p - 1` a key? In JSON only a key is followed by
 * `:` (after optional whitespace); a value-anchored literal found there is not a value.
 */
function followedByColon(buf: Uint8Array, p: number, end: number): boolean {
  let q = p;
  while (q < end) {
    const b = buf[q]!;
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b === COLON;
    q++;
  }
  return false;
}

const isJsonSpace = (b: number): boolean => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;

/** The index of the last non-whitespace byte at or before `i` (start - 1 when none). */
function backOverSpace(buf: Uint8Array, i: number, start: number): number {
  while (i >= start && isJsonSpace(buf[i]!)) i--;
  return i;
}

/** An odd number of backslashes right before `i`: the byte at `i` is escaped. */
function escapedAt(buf: Uint8Array, i: number, start: number): boolean {
  let n = 0;
  for (let j = i - 1; j >= start && buf[j] === BACKSLASH; j--) n++;
  return (n & 1) === 1;
}

/** The opening quote of the string whose closing quote is at `close`, or -1. */
function openingQuote(buf: Uint8Array, close: number, start: number): number {
  // (The native lastIndexOf: most values are tens of bytes long. A negative index would count
  // from the end of the buffer, hence the first test.)
  if (close <= start) return -1;
  for (let j = buf.lastIndexOf(QUOTE, close - 1); j >= start; j = buf.lastIndexOf(QUOTE, j - 1)) {
    if (!escapedAt(buf, j, start)) return j;
    if (j === 0) break;
  }
  return -1;
}

const LBRACKET = 0x5b;
const COMMA = 0x2c;
const DOT = 0x2e;

/**
 * May the string value whose opening quote is at `open` be a value of a field whose last path
 * segment is `key` (as bytes)? Reads backwards to the key of the value (`"key": "v"`, or an array
 * of strings `"key": ["a", "v"]`): false only when that key is found and is neither `key` nor ends
 * in `.key` (a dotted key); anything else (nested arrays, objects in the array, an escaped quote,
 * no key in the record's bytes) is true. Only a real string value can be rejected: a false hit
 * (an escaped quote inside another string) may be, because the real value has its own hit.
 */
function keyMayBe(buf: Uint8Array, open: number, start: number, key: Uint8Array): boolean {
  let i = backOverSpace(buf, open - 1, start);
  let inArray = false;
  while (i >= start && buf[i] === COMMA) {
    inArray = true;
    i = backOverSpace(buf, i - 1, start);
    if (i < start || buf[i] !== QUOTE || escapedAt(buf, i, start)) return true; // not a string element
    const o = openingQuote(buf, i, start);
    if (o < 0) return true;
    i = backOverSpace(buf, o - 1, start);
  }
  if (i >= start && buf[i] === LBRACKET) {
    inArray = true;
    i = backOverSpace(buf, i - 1, start);
  } else if (inArray) return true;
  if (i < start || buf[i] !== COLON) return true;
  const close = backOverSpace(buf, i - 1, start);
  if (close < start || buf[close] !== QUOTE) return true;
  const o = openingQuote(buf, close, start);
  if (o < 0) return true;
  const from = o + 1;
  const len = close - from;
  for (let j = from; j < close; j++) if (buf[j] === BACKSLASH) return true; // an escaped key: not compared
  if (len < key.length) return false;
  for (let j = 0; j < key.length; j++) if (buf[close - key.length + j] !== key[j]) return false;
  return len === key.length || buf[close - key.length - 1] === DOT;
}

/** One automaton over some of the literals: its pattern k is literal ids[k]. */
interface Searcher {
  readonly automaton: ByteAutomaton;
  readonly ids: Int32Array;
}

function searcher(ids: readonly number[], bytes: readonly Uint8Array[]): Searcher {
  return { automaton: new ByteAutomaton(ids.map((id) => bytes[id]!)), ids: Int32Array.from(ids) };
}

/** The literal ids a model's clauses use, ascending. */
function usedIds(m: Model): number[] {
  const used = new Set<number>();
  for (const r of m.rules) for (const clause of r ?? []) for (const id of clause) used.add(id);
  return [...used].sort((a, b) => a - b);
}

/**
 * One model's prefilter. With `markers`, a record holding one is handed to the prefilter
 * `markedFor()` returns (the general clauses' own, with its own pass over the buffer from that
 * record on): `m`'s clauses hold only for the records without a marker.
 */
function automatonPrefilter(
  m: Model,
  markers: readonly RawMarker[] | null,
  markedFor: (() => RulePrefilter) | null,
  parsesAllRecords?: boolean,
): RulePrefilter {
  const count = m.rules.length;
  const lits = m.literals;
  const marks = markers ?? [];
  // Pattern bytes: the canonical JSON spelling of each literal (in its anchors' quotes), then the
  // markers as they are; the automaton folds ASCII case itself. Ids past the literals are markers.
  const bytes: Uint8Array[] = [...lits.map(patternBytes), ...marks.map((mk) => Buffer.from(mk.text, "utf8"))];
  const sensitive = Uint8Array.from([...lits, ...marks], (l) => (l.caseInsensitive ? 0 : 1));
  const keyCheck = Uint8Array.from(bytes, (_, id) => (id < lits.length && lits[id]!.valueEnd ? 1 : 0));
  // Per literal with a field: the key its value must sit under (its last path segment), or null.
  const fieldKey = bytes.map((_, id) => {
    const f = id < lits.length ? lits[id]!.field : undefined;
    return f === undefined ? null : Buffer.from(f.slice(f.lastIndexOf(".") + 1), "utf8");
  });
  const anchoredStart = Uint8Array.from(bytes, (_, id) => (id < lits.length && lits[id]!.valueStart ? 1 : 0));
  const isMarker = Uint8Array.from(bytes, (_, id) => (id >= lits.length ? 1 : 0));
  const lengths = Int32Array.from(bytes, (b) => b.length);
  const index = clauseIndex(m, bytes.length);
  const primary = searcher([...usedIds(m), ...marks.map((_, k) => lits.length + k)], bytes);

  // Per-record marks, reset by bumping the epoch instead of clearing.
  let epoch = 0;
  const litEpoch = new Int32Array(bytes.length);
  const found = new Int32Array(bytes.length);

  /** Verifies a case-sensitive hit ending at `p` in place. */
  const exact = (buf: Uint8Array, p: number, id: number): boolean => {
    const b = bytes[id]!;
    const at = p - b.length;
    for (let i = 0; i < b.length; i++) if (buf[at + i] !== b[i]) return false;
    return true;
  };

  /** Set by admit(): the record holds a backslash (the caller then checks for escapes). */
  let sawBackslash = false;
  /** Set by admit(): the record holds a marker (its view may be mapped: the general clauses apply). */
  let marked = false;

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
      index.clauseEpoch.fill(0);
      index.ruleEpoch.fill(0);
    }
    const e = epoch;
    let nf = 0;
    let backslash = false;
    let marker = false;
    const pos = hits.pos;
    const state = hits.state;
    const automaton = primary.automaton;
    const outputs = automaton.outputs;
    const ids = primary.ids;
    for (let h = first; h < hits.n; h++) {
      const p = pos[h]!;
      if (p > end) break;
      const st = state[h]!;
      if (buf[p - 1] === BACKSLASH) backslash = true;
      const oEnd = automaton.outputEnd(st);
      for (let o = automaton.outputFirst(st); o < oEnd; o++) {
        const id = ids[outputs[o]!]!;
        if (litEpoch[id] === e || p - lengths[id]! < start) continue;
        // A value is never followed by `:` (most hits of `"id"`, `"process"` are keys: cheapest first).
        if (keyCheck[id] === 1 && followedByColon(buf, p, end)) continue;
        if (sensitive[id] === 1 && !exact(buf, p, id)) continue;
        // An anchor's quote that is escaped is inside another string: no value starts or ends
        // there (the real value, if any, has a hit of its own).
        if (anchoredStart[id] === 1 && escapedAt(buf, p - lengths[id]!, start)) continue;
        if (keyCheck[id] === 1 && escapedAt(buf, p - 1, start)) continue;
        const fk = fieldKey[id]!;
        if (fk !== null) {
          // The value's opening quote: the pattern's own, or the first unescaped one before it.
          const open = anchoredStart[id] === 1 ? p - lengths[id]! : openingQuote(buf, p - 1, start);
          if (open >= start && !keyMayBe(buf, open, start, fk)) continue;
        }
        litEpoch[id] = e;
        found[nf++] = id;
        if (isMarker[id] === 1) marker = true;
      }
    }
    sawBackslash = backslash;
    marked = marker;
    const { anchors, longs, rest, clauseLit, isLong, clauseEpoch, ruleEpoch } = index;
    for (let f = 0; f < nf; f++) {
      const id = found[f]!;
      const lEnd = longs.first[id + 1]!;
      for (let k = longs.first[id]!; k < lEnd; k++) clauseEpoch[longs.list[k]!] = e;
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
    sortPrefix(out, n);
    return mergeAlways(out, n, index.always);
  };

  // The rare path: a record with escapes, searched in its canonical rewriting.
  let scratch = new Uint8Array(64 * 1024);
  const scratchHits = new HitList();
  const escaped = (buf: Uint8Array, start: number, end: number, out: Int32Array): number => {
    if (scratch.length < end - start) scratch = new Uint8Array(Math.max(end - start, scratch.length * 2));
    const len = canonicaliseEscapes(buf, start, end, scratch);
    if (len < 0) return allRules(out, count);
    scratchHits.n = 0;
    primary.automaton.scan(scratch, 0, len, scratchHits);
    return admit(scratch, scratchHits, 0, 0, len, out);
  };

  return {
    ruleCount: count,
    parsesAll: parsesAllRecords ?? index.always.length > 0,
    strategy: "automaton",
    forBuffer(buf: Uint8Array): RecordAdmitter {
      const hits = new HitList();
      let from = 0;
      let to = 0; // hits cover every pattern occurrence inside buf[from, to)
      let markedAdmit: RecordAdmitter | undefined; // the general prefilter's, for this buffer
      return (start, end, out) => {
        if (end <= start) return 0;
        if (start < from || end > to) {
          from = start;
          to = Math.min(buf.length, Math.max(end, start + WINDOW_BYTES));
          hits.n = 0;
          primary.automaton.scan(buf, from, to, hits);
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
        let n = admit(buf, hits, lo, start, end, out);
        if (sawBackslash && hasRewritableEscape(buf, start, end)) n = escaped(buf, start, end, out);
        if (marked && markedFor !== null) {
          markedAdmit ??= markedFor().forBuffer(buf);
          return markedAdmit(start, end, out);
        }
        return n;
      };
    },
  };
}
