/**
 * Automata for Lucene regular expressions, built so that matching never backtracks.
 *
 * The AST becomes a Thompson NFA over code points. Complement (`~`) and intersection (`&`) have no
 * NFA construction, so their operands are determinized (subset construction over the alphabet
 * partition their ranges induce), complemented or multiplied, and the DFA is spliced back into the
 * NFA. Determinization is capped by DETERMINIZE_EFFORT_LIMIT, Lucene's own measure; beyond it the
 * pattern is refused by name rather than run. The whole pattern is also explored once at compile
 * time under the same cap, because Elasticsearch determinizes every `regexp` query and refuses
 * the ones that are too complex.
 *
 * Matching walks the whole NFA as a lazily built DFA (RE2's approach): each step maps the code
 * point to its alphabet class and follows a cached transition, computing it from the NFA state set
 * the first time. The cache is bounded; when full it is dropped and rebuilt from the current set,
 * so memory stays bounded and time stays O(value length x NFA size) in the worst case and
 * O(value length) once warm. A 300 KB value never stalls a scan, whatever the pattern.
 * Over 400 lines because NFA construction, subset construction (for ~ and &) and the lazy DFA
 * share one state representation and its effort accounting.
 */

import { RegexUnsupportedError } from "./errors.ts";
import { MAX_CODE_POINT, type RegexNode } from "./parse.ts";

/**
 * Lucene refuses to determinize an automaton (TooComplexToDeterminizeException, so Elasticsearch
 * fails the query) once its "effort" reaches 10 x the work limit Elasticsearch passes (10000):
 * effort is the sum, over the determinized states, of the number of NFA states each stands for.
 * We account the same way over our NFA (whose states differ in detail from Lucene's, so the
 * threshold is approximate) and refuse such patterns by name: they are exactly the ones whose
 * matching cost would otherwise grow with the pattern (`.*a.{30}` has 2^31 determinized states).
 */
export const DETERMINIZE_EFFORT_LIMIT = 100_000;

/** NFA states allowed for one pattern (repetitions are expanded into copies). */
export const MAX_NFA_STATES = 200_000;

interface Edge {
  readonly r: readonly number[];
  readonly to: number;
}

class Nfa {
  readonly eps: number[][] = [];
  readonly edges: Edge[][] = [];

  add(): number {
    if (this.eps.length >= MAX_NFA_STATES) {
      throw new RegexUnsupportedError(
        `the pattern expands to more than ${MAX_NFA_STATES} automaton states (nested or large repetitions)`,
        0,
        "pattern too large",
      );
    }
    this.eps.push([]);
    this.edges.push([]);
    return this.eps.length - 1;
  }
}

interface Frag {
  readonly start: number;
  readonly end: number;
}

function inRanges(r: readonly number[], c: number): boolean {
  // Ranges are sorted: binary search over pairs.
  let lo = 0;
  let hi = (r.length >> 1) - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c < r[2 * mid]!) hi = mid - 1;
    else if (c > r[2 * mid + 1]!) lo = mid + 1;
    else return true;
  }
  return false;
}

function build(nfa: Nfa, node: RegexNode): Frag {
  switch (node.k) {
    case "set": {
      const s = nfa.add();
      const e = nfa.add();
      if (node.ranges.length > 0) nfa.edges[s]!.push({ r: node.ranges, to: e });
      return { start: s, end: e };
    }
    case "eps": {
      const s = nfa.add();
      return { start: s, end: s };
    }
    case "none": {
      return { start: nfa.add(), end: nfa.add() };
    }
    case "cat": {
      let first: Frag | undefined;
      let prev: Frag | undefined;
      for (const x of node.xs) {
        const f = build(nfa, x);
        if (prev) nfa.eps[prev.end]!.push(f.start);
        else first = f;
        prev = f;
      }
      return { start: first!.start, end: prev!.end };
    }
    case "alt": {
      const s = nfa.add();
      const e = nfa.add();
      for (const x of node.xs) {
        const f = build(nfa, x);
        nfa.eps[s]!.push(f.start);
        nfa.eps[f.end]!.push(e);
      }
      return { start: s, end: e };
    }
    case "rep": {
      const s = nfa.add();
      let cur = s;
      for (let i = 0; i < node.min; i++) {
        const f = build(nfa, node.x);
        nfa.eps[cur]!.push(f.start);
        cur = f.end;
      }
      if (node.max === -1) {
        const loop = nfa.add();
        nfa.eps[cur]!.push(loop);
        const f = build(nfa, node.x);
        nfa.eps[loop]!.push(f.start);
        nfa.eps[f.end]!.push(loop);
        return { start: s, end: loop };
      }
      const e = nfa.add();
      for (let i = node.min; i < node.max; i++) {
        const f = build(nfa, node.x);
        nfa.eps[cur]!.push(f.start, e);
        cur = f.end;
      }
      nfa.eps[cur]!.push(e);
      return { start: s, end: e };
    }
    case "not": {
      const d = determinize(node.x);
      return embed(nfa, complement(d));
    }
    case "and": {
      return embed(nfa, intersect(determinize(node.a), determinize(node.b)));
    }
  }
}

/** A complete DFA over an alphabet partition: class i is [bounds[i], bounds[i+1] - 1]. */
interface Dfa {
  readonly bounds: readonly number[];
  /** trans[state][class] = next state (always defined: the DFA is total). */
  readonly trans: Int32Array[];
  readonly accept: boolean[];
}

/** Alphabet partition induced by every edge of `nfa`: sorted class start points, starting at 0. */
function partition(nfa: Nfa): number[] {
  const pts = new Set<number>([0]);
  for (const list of nfa.edges) {
    for (const e of list) {
      for (let i = 0; i < e.r.length; i += 2) {
        pts.add(e.r[i]!);
        if (e.r[i + 1]! < MAX_CODE_POINT) pts.add(e.r[i + 1]! + 1);
      }
    }
  }
  return [...pts].sort((a, b) => a - b);
}

/** The epsilon closure of `seeds`, as sorted ids of the states that matter (char edges or final). */
function closure(nfa: Nfa, seeds: Iterable<number>, final: number, mark: Uint32Array, gen: number): number[] {
  const stack = [...seeds];
  const out: number[] = [];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (mark[s] === gen) continue;
    mark[s] = gen;
    if (nfa.edges[s]!.length > 0 || s === final) out.push(s);
    for (const t of nfa.eps[s]!) if (mark[t] !== gen) stack.push(t);
  }
  return out.sort((a, b) => a - b);
}

function tooComplex(what: string): RegexUnsupportedError {
  return new RegexUnsupportedError(
    `${what} is too complex to determinize (more than ${DETERMINIZE_EFFORT_LIMIT} units of Lucene's determinization ` +
      "effort; Elasticsearch refuses such a query with TooComplexToDeterminizeException)",
    0,
    "automaton too complex to determinize",
  );
}

/** Subset construction of `node` on its own partition (or `bounds` when given). */
function determinize(node: RegexNode, bounds?: readonly number[]): Dfa {
  const nfa = new Nfa();
  const f = build(nfa, node);
  const b = bounds ?? partition(nfa);
  const mark = new Uint32Array(nfa.eps.length);
  let gen = 0;
  const ids = new Map<string, number>();
  const sets: number[][] = [];
  const trans: Int32Array[] = [];
  const accept: boolean[] = [];
  let effort = 0;
  const intern = (set: number[]): number => {
    const key = set.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      effort += set.length;
      if (effort >= DETERMINIZE_EFFORT_LIMIT) throw tooComplex("the operand of `~` or `&`");
      id = sets.length;
      ids.set(key, id);
      sets.push(set);
      trans.push(new Int32Array(b.length));
      accept.push(set.includes(f.end));
    }
    return id;
  };
  intern(closure(nfa, [f.start], f.end, mark, ++gen));
  for (let d = 0; d < sets.length; d++) {
    const set = sets[d]!;
    for (let c = 0; c < b.length; c++) {
      const rep = b[c]!;
      const targets: number[] = [];
      for (const s of set) for (const e of nfa.edges[s]!) if (inRanges(e.r, rep)) targets.push(e.to);
      trans[d]![c] = intern(closure(nfa, targets, f.end, mark, ++gen));
    }
  }
  return { bounds: b, trans, accept };
}

function complement(d: Dfa): Dfa {
  return { bounds: d.bounds, trans: d.trans, accept: d.accept.map((a) => !a) };
}

function classAt(bounds: readonly number[], c: number): number {
  let lo = 0;
  let hi = bounds.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (bounds[mid]! <= c) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

function intersect(a: Dfa, b: Dfa): Dfa {
  const bounds = [...new Set([...a.bounds, ...b.bounds])].sort((x, y) => x - y);
  const ca = bounds.map((c) => classAt(a.bounds, c));
  const cb = bounds.map((c) => classAt(b.bounds, c));
  const ids = new Map<number, number>();
  const pairs: [number, number][] = [];
  const trans: Int32Array[] = [];
  const accept: boolean[] = [];
  const nb = b.trans.length;
  const intern = (x: number, y: number): number => {
    const key = x * nb + y;
    let id = ids.get(key);
    if (id === undefined) {
      if (pairs.length * 2 >= DETERMINIZE_EFFORT_LIMIT) throw tooComplex("the intersection `&`");
      id = pairs.length;
      ids.set(key, id);
      pairs.push([x, y]);
      trans.push(new Int32Array(bounds.length));
      accept.push(a.accept[x]! && b.accept[y]!);
    }
    return id;
  };
  intern(0, 0);
  for (let p = 0; p < pairs.length; p++) {
    const [x, y] = pairs[p]!;
    for (let c = 0; c < bounds.length; c++) trans[p]![c] = intern(a.trans[x]![ca[c]!]!, b.trans[y]![cb[c]!]!);
  }
  return { bounds, trans, accept };
}

/** Splices a DFA into `nfa`: one NFA state per live DFA state, accepting states lead to the end. */
function embed(nfa: Nfa, d: Dfa): Frag {
  const n = d.trans.length;
  // Drop states from which no accepting state is reachable: they only slow the simulation.
  const live = d.accept.slice();
  for (let changed = true; changed; ) {
    changed = false;
    for (let s = 0; s < n; s++) {
      if (live[s]) continue;
      for (const t of d.trans[s]!) {
        if (live[t]) {
          live[s] = true;
          changed = true;
          break;
        }
      }
    }
  }
  const base: number[] = new Array(n).fill(-1);
  for (let s = 0; s < n; s++) if (live[s] || s === 0) base[s] = nfa.add();
  const end = nfa.add();
  for (let s = 0; s < n; s++) {
    if (base[s]! < 0) continue;
    const byTarget = new Map<number, number[]>();
    const row = d.trans[s]!;
    for (let c = 0; c < row.length; c++) {
      const t = row[c]!;
      if (!live[t]) continue;
      const lo = d.bounds[c]!;
      const hi = c + 1 < d.bounds.length ? d.bounds[c + 1]! - 1 : MAX_CODE_POINT;
      let r = byTarget.get(t);
      if (!r) {
        r = [];
        byTarget.set(t, r);
      }
      if (r.length > 0 && r[r.length - 1]! + 1 === lo) r[r.length - 1] = hi;
      else r.push(lo, hi);
    }
    for (const [t, r] of byTarget) nfa.edges[base[s]!]!.push({ r, to: base[t]! });
    if (d.accept[s]) nfa.eps[base[s]!]!.push(end);
  }
  return { start: base[0]!, end };
}

/** Upper bound on cached lazy-DFA cells (states x classes) per compiled pattern: 1 MB of Int32. */
const CACHE_CELLS = 1 << 18;

/** Compiles an AST into a whole-value matcher (the value is read by code points). */
export function compileMatcher(
  ast: RegexNode,
  mustContain: readonly string[] = [],
): (value: string) => boolean {
  const nfa = new Nfa();
  const f = build(nfa, ast);
  const final = f.end;
  const bounds = partition(nfa);
  const nClasses = bounds.length;
  const ascii = new Int32Array(256);
  for (let c = 0; c < 256; c++) ascii[c] = classAt(bounds, c);
  const maxStates = Math.max(64, Math.min(4096, Math.floor(CACHE_CELLS / nClasses)));
  const mark = new Uint32Array(nfa.eps.length);
  let gen = 0;

  // A state with an any-character edge whose target's closure leads back to it and to the end
  // (a trailing `.*`) accepts every continuation: reaching it settles the answer early.
  const universal = new Uint8Array(nfa.eps.length);
  for (let x = 0; x < nfa.edges.length; x++) {
    for (const e of nfa.edges[x]!) {
      if (e.r.length === 2 && e.r[0] === 0 && e.r[1] === MAX_CODE_POINT) {
        const cl = closure(nfa, [e.to], final, mark, ++gen);
        if (mark[x] === gen && cl.includes(final)) universal[x] = 1;
      }
    }
  }

  // The lazy DFA: flat transition table (-1 = not computed yet), flags per state (bit 0
  // accepting, bit 1 dead: no match is possible any more, bit 2 accepts every continuation).
  // Tables start small and double up to maxStates, so a rule set of simple patterns stays small.
  let cap = Math.min(16, maxStates);
  let trans = new Int32Array(cap * nClasses).fill(-1);
  let flags = new Uint8Array(cap);
  let ids = new Map<string, number>();
  let sets: number[][] = [];
  let epoch = 0;

  const intern = (set: number[]): number => {
    const key = set.join(",");
    let id = ids.get(key);
    if (id === undefined) {
      if (sets.length >= maxStates) {
        // Bounded memory: forget every cached state and carry on from this one.
        ids = new Map();
        sets = [];
        trans.fill(-1);
        epoch++;
      }
      id = sets.length;
      if (id >= cap) {
        cap = Math.min(cap * 2, maxStates);
        const t = new Int32Array(cap * nClasses).fill(-1);
        t.set(trans);
        trans = t;
        const fl = new Uint8Array(cap);
        fl.set(flags);
        flags = fl;
      }
      ids.set(key, id);
      sets.push(set);
      flags[id] =
        (set.includes(final) ? 1 : 0) |
        (set.length === 0 ? 2 : 0) |
        (set.some((x) => universal[x] === 1) ? 4 : 0);
    }
    return id;
  };
  const startSet = closure(nfa, [f.start], final, mark, ++gen);
  const startKey = startSet.join(",");

  // Explore the whole subset construction once, counting Lucene's effort. When the complete DFA
  // fits the cache it is kept, so matching never has to compute a transition.
  {
    const keyIds = new Map<string, number>([[startKey, 0]]);
    const allSets: number[][] = [startSet];
    const rows: Int32Array[] = [];
    let effort = startSet.length;
    // Each edge covers whole classes: list them once, then bucket an NFA set's targets per class
    // and close each distinct bucket once (most classes share the same targets).
    const edgeClasses = nfa.edges.map((list) =>
      list.map((e) => {
        const cs: number[] = [];
        for (let i = 0; i < e.r.length; i += 2)
          cs.push(classAt(bounds, e.r[i]!), classAt(bounds, e.r[i + 1]!));
        return cs;
      }),
    );
    const buckets: number[][] = Array.from({ length: nClasses }, () => []);
    for (let d = 0; d < allSets.length; d++) {
      const set = allSets[d]!;
      const row = allSets.length <= maxStates ? new Int32Array(nClasses) : undefined;
      for (const b of buckets) b.length = 0;
      for (const s of set) {
        const list = nfa.edges[s]!;
        for (let j = 0; j < list.length; j++) {
          const to = list[j]!.to;
          const cs = edgeClasses[s]![j]!;
          for (let i = 0; i < cs.length; i += 2)
            for (let c = cs[i]!; c <= cs[i + 1]!; c++) buckets[c]!.push(to);
        }
      }
      const memo = new Map<string, number>();
      for (let c = 0; c < nClasses; c++) {
        const targets = buckets[c]!;
        const tkey = targets.join(",");
        let id = memo.get(tkey);
        if (id === undefined) {
          const next = closure(nfa, targets, final, mark, ++gen);
          const key = next.join(",");
          id = keyIds.get(key);
          if (id === undefined) {
            effort += next.length;
            if (effort >= DETERMINIZE_EFFORT_LIMIT) throw tooComplex("the pattern");
            id = allSets.length;
            keyIds.set(key, id);
            allSets.push(next);
          }
          memo.set(tkey, id);
        }
        if (row) row[c] = id;
      }
      if (row) rows.push(row);
    }
    if (allSets.length <= maxStates) {
      for (let d = 0; d < allSets.length; d++) {
        intern(allSets[d]!);
        trans.set(rows[d]!, d * nClasses);
      }
    }
  }

  const step = (state: number, cls: number): number => {
    const rep = bounds[cls]!;
    const targets: number[] = [];
    for (const s of sets[state]!) for (const e of nfa.edges[s]!) if (inRanges(e.r, rep)) targets.push(e.to);
    const before = epoch;
    const next = intern(closure(nfa, targets, final, mark, ++gen));
    // After a cache reset `state` no longer exists: only record the edge when it still does.
    if (epoch === before) trans[state * nClasses + cls] = next;
    return next;
  };

  return (value: string): boolean => {
    // Native substring search rejects most non-matching values far faster than the automaton.
    for (const lit of mustContain) if (!value.includes(lit)) return false;
    let st = ids.get(startKey) ?? intern(startSet);
    let T = trans;
    let F = flags;
    if (F[st]! & 6) return (F[st]! & 4) === 4;
    const n = value.length;
    for (let i = 0; i < n; i++) {
      let c = value.charCodeAt(i);
      let cls: number;
      if (c < 256) cls = ascii[c]!;
      else {
        if (c >= 0xd800 && c <= 0xdfff) {
          const d = i + 1 < n ? value.charCodeAt(i + 1) : 0;
          if (c <= 0xdbff && d >= 0xdc00 && d <= 0xdfff) {
            c = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
            i++;
          } else {
            // Elasticsearch indexes a lone surrogate as U+FFFD (its UTF-16 to UTF-8 conversion),
            // so that is the character Lucene's automaton sees.
            c = 0xfffd;
          }
        }
        cls = classAt(bounds, c);
      }
      let nx = T[st * nClasses + cls]!;
      if (nx < 0) {
        nx = step(st, cls);
        // step() may have grown or reset the tables.
        T = trans;
        F = flags;
      }
      if (F[nx]! & 6) return (F[nx]! & 4) === 4;
      st = nx;
    }
    return (F[st]! & 1) === 1;
  };
}
