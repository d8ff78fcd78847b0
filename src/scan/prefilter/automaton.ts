/**
 * A multi-pattern byte automaton (Aho-Corasick, compiled to a DFA) that finds every occurrence of
 * many patterns in one pass over the bytes, whatever their number. It replaces one
 * `Buffer.indexOf` pass per literal per rule, whose cost grew linearly with the rule count
 * (issue 15: 92.7% of a 100-rule profile).
 *
 * Matching is ASCII case-insensitive: A-Z and a-z share one input class, so every pattern is
 * found in every case variant. A case-sensitive caller verifies the exact bytes of a hit (cheap:
 * hits are rare next to the bytes scanned).
 *
 * Layout, chosen for the inner loop: bytes map to a few input classes (the bytes that occur in
 * some pattern, the backslash, and "everything else"), and `delta[state + class]` holds the next
 * state premultiplied by the class count, negated when that state ends a pattern or was entered
 * on a backslash. The loop is one table load, one add and one sign test per byte.
 *
 * The loop runs in WebAssembly (automaton-wasm.ts: no bounds checks, eight chains in registers;
 * about 3x the JavaScript loop on the bench data, test/bench/automaton.ts) and falls back to the
 * JavaScript loop where WebAssembly is unavailable. Both report the same hits with the same states.
 */
import {
  CLASS,
  CTRL,
  DELTA,
  HIT_POS,
  HIT_STATE,
  instantiateKernel,
  LANE_BYTES,
  type LockstepKernel,
  lockstepModule,
  MAX_LANES,
  SLOT,
  type WasmModule,
} from "./automaton-wasm.ts";

const BACKSLASH = 0x5c;

/** ASCII lower-casing of one byte. */
const lowerByte = (b: number): number => (b >= 65 && b <= 90 ? b | 0x20 : b);

export interface ByteAutomatonOptions {
  /**
   * The inner loop: "wasm" or "js" (for tests and benchmarks). By default, WebAssembly where it
   * runs, from construction for a large table and from the first long scan for a small one.
   */
  readonly engine?: "wasm" | "js";
  /** Chains scanned in lockstep by the WebAssembly loop (1-8, default 8); for benchmarks. */
  readonly lanes?: number;
}

export class ByteAutomaton {
  /** Byte -> input class (A-Z and a-z share one). */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  /** [state * classes + class] -> next state * classes, negated for a marked state (the "js" engine only). */
  private delta: Int32Array;
  /** Per state: patterns ending there (its own and its suffixes'), as [first, end) into outList. */
  private readonly outFirst: Int32Array;
  private readonly outEnd: Int32Array;
  private readonly outList: Int32Array;
  readonly patternLengths: readonly number[];
  /** The longest pattern's length, in bytes. */
  readonly maxLength: number;
  readonly states: number;
  private kernel: LockstepKernel | null = null;
  private lanes = 4;
  private mem8: Uint8Array = new Uint8Array(0);
  private mem32: Int32Array = new Int32Array(0);
  /** The module to move to on the first long scan (a small table starts in JavaScript). */
  private lazyModule: WasmModule | null = null;

  /** The inner loop in use now. */
  get engine(): "wasm" | "js" {
    return this.kernel === null ? "js" : "wasm";
  }

  constructor(patterns: readonly Uint8Array[], options: ByteAutomatonOptions = {}) {
    this.patternLengths = patterns.map((p) => p.length);
    let maxLength = 1;
    let totalBytes = 0;
    for (const p of patterns) {
      if (p.length === 0) throw new RangeError("ByteAutomaton: empty pattern");
      if (p.length > maxLength) maxLength = p.length;
      totalBytes += p.length;
    }
    this.maxLength = maxLength;

    // Input classes: 0 = a byte in no pattern; the backslash always has its own class so that
    // entering any state on it is marked (the caller must see escapes).
    const classOf = new Uint8Array(256);
    let classes = 1;
    classOf[BACKSLASH] = classes++;
    for (const p of patterns) {
      for (let i = 0; i < p.length; i++) {
        const l = lowerByte(p[i]!);
        if (classOf[l] !== 0) continue;
        if (classes > 255) throw new RangeError("ByteAutomaton: too many input classes");
        classOf[l] = classes++;
        if (l >= 97 && l <= 122) classOf[l & ~0x20] = classOf[l]!;
      }
    }
    this.classOf = classOf;
    this.classes = classes;

    // The trie, in a dense goto table (a state per pattern byte at most, so the size is known):
    // 0 = no edge, as the root is nobody's child. Each state's parent and class are kept so that
    // the breadth-first pass visits children without reading whole rows.
    const goto = new Int32Array((totalBytes + 1) * classes);
    const parent = new Int32Array(totalBytes + 1);
    const edgeClass = new Int32Array(totalBytes + 1);
    const own: (number[] | undefined)[] = [];
    let n = 1;
    for (let id = 0; id < patterns.length; id++) {
      const p = patterns[id]!;
      let s = 0;
      for (let i = 0; i < p.length; i++) {
        const c = classOf[p[i]!]!;
        const at = s * classes + c;
        let t = goto[at]!;
        if (t === 0) {
          t = n++;
          goto[at] = t;
          parent[t] = s;
          edgeClass[t] = c;
        }
        s = t;
      }
      const mine = own[s];
      if (mine === undefined) own[s] = [id];
      else mine.push(id);
    }
    this.states = n;
    // Children lists by parent (a counting sort of the states).
    const childFirst = new Int32Array(n + 1);
    for (let t = 1; t < n; t++) childFirst[parent[t]! + 1] = childFirst[parent[t]! + 1]! + 1;
    for (let s = 0; s < n; s++) childFirst[s + 1] = childFirst[s + 1]! + childFirst[s]!;
    const children = new Int32Array(Math.max(0, n - 1));
    const fillAt = childFirst.slice(0, n);
    for (let t = 1; t < n; t++) children[fillAt[parent[t]!]!++] = t;

    // Where the transition rows go: the module's memory (entries are byte addresses there, so the
    // table must stay below 2^31) or a JavaScript array.
    // Row 0 is a dummy and the root is row 1, so that every real state's premultiplied index is
    // positive and can carry the mark as its sign.
    const rows = (n + 1) * classes;
    const asked = options.lanes;
    const lanes =
      asked !== undefined && Number.isInteger(asked) ? Math.max(1, Math.min(MAX_LANES, asked)) : MAX_LANES;
    const module =
      options.engine === "js" || DELTA + rows * 4 >= 0x7fffffff ? null : lockstepModule(lanes, classes > 63);
    let out: Int32Array;
    let at: number;
    let scale: number;
    let offset: number;
    // A module memory costs ~0.1 ms and its address-space reservation to create, which a small
    // automaton (property tests build thousands) may never earn back: it starts in JavaScript.
    const eager = options.engine === "wasm" || rows >= EAGER_ROWS;
    this.lanes = lanes;
    const kernel = module === null || !eager ? null : this.adopt(module, rows);
    if (kernel !== null) {
      this.delta = new Int32Array(0);
      [out, at, scale, offset] = [this.mem32, DELTA >> 2, 4, DELTA];
    } else {
      this.delta = new Int32Array(rows);
      this.lazyModule = module;
      [out, at, scale, offset] = [this.delta, 0, 1, 0];
    }
    this.parts = Array.from({ length: Math.max(4, this.lanes) }, () => new HitList());

    // Breadth-first: failure links, outputs, and the rows, encoded as the loop reads them
    // (offset + scale * (next + 1) * classes, negated when the next state ends a pattern or the
    // byte is a backslash). A state's row is its failure state's row (complete, as that state is
    // shallower) with its own children written over it: one native copy per state instead of a
    // loop over every class, which mattered for the start-up (this runs once, before the JIT).
    const bsClass = classOf[BACKSLASH]!;
    const unit = scale * classes;
    const ends = new Uint8Array(n);
    const fail = new Int32Array(n);
    // States are renumbered in breadth-first order, so the pass is a plain loop: a state's
    // failure state (shallower) comes before it and its children have consecutive numbers. The
    // shallow states, where the scan spends most bytes, also get neighbouring rows (no
    // measurable change on the pack's 2 MB table at load 10, test/bench/automaton.ts).
    // byBfs[new] = trie state; kids[s] .. kids[s + 1] - 1 = the children of s. The loops below
    // are written out (no helper closures): they run once, cold, at start-up.
    const byBfs = new Int32Array(n);
    const kids = new Int32Array(n + 1);
    let tail = 1;
    for (let head = 0; head < n; head++) {
      kids[head] = tail;
      const old = byBfs[head]!;
      for (let k = childFirst[old]!; k < childFirst[old + 1]!; k++) byBfs[tail++] = children[k]!;
    }
    kids[n] = n;
    const cls = new Int32Array(n); // the class of the edge into each state
    for (let t = 1; t < n; t++) {
      const old = byBfs[t]!;
      cls[t] = edgeClass[old]!;
      if (own[old] !== undefined) ends[t] = 1; // completed with the failure state's below
    }
    const outIds: number[] = [];
    const outFirst = new Int32Array(n + 1);
    const outEnd = new Int32Array(n + 1);
    const root = at + classes;
    const rootRow = out.subarray(root, root + classes);
    rootRow.fill(offset + unit);
    rootRow[bsClass] = -(offset + unit);
    for (let t = kids[0]!; t < kids[1]!; t++) {
      const v = offset + (t + 1) * unit;
      out[root + cls[t]!] = ends[t] === 1 || cls[t] === bsClass ? -v : v;
    }
    for (let s = 1; s < n; s++) {
      const f = fail[s]!;
      // Outputs: its own, then its failure state's (the same range when it has none of its own).
      const mine = own[byBfs[s]!];
      if (mine === undefined) {
        outFirst[s + 1] = outFirst[f + 1]!;
        outEnd[s + 1] = outEnd[f + 1]!;
      } else {
        outFirst[s + 1] = outIds.length;
        for (const id of mine) outIds.push(id);
        for (let o = outFirst[f + 1]!; o < outEnd[f + 1]!; o++) outIds.push(outIds[o]!);
        outEnd[s + 1] = outIds.length;
      }
      const row = at + (s + 1) * classes;
      const frow = at + (f + 1) * classes;
      const kEnd = kids[s + 1]!;
      for (let t = kids[s]!; t < kEnd; t++) {
        const e = out[frow + cls[t]!]!;
        const tf = ((e < 0 ? -e : e) - offset) / unit - 1;
        fail[t] = tf;
        if (ends[tf] === 1) ends[t] = 1;
      }
      out.copyWithin(row, frow, frow + classes);
      for (let t = kids[s]!; t < kEnd; t++) {
        const v = offset + (t + 1) * unit;
        out[row + cls[t]!] = ends[t] === 1 || cls[t] === bsClass ? -v : v;
      }
    }
    this.outFirst = outFirst;
    this.outEnd = outEnd;
    this.outList = Int32Array.from(outIds);
  }

  /** Pattern ids ending in a state: outputs[outputFirst(state) .. outputEnd(state)), for a state of a HitList. */
  get outputs(): Int32Array {
    return this.outList;
  }
  outputFirst(marked: number): number {
    return this.outFirst[marked / this.classes]!;
  }
  outputEnd(marked: number): number {
    return this.outEnd[marked / this.classes]!;
  }

  /**
   * Scans `buf[start, end)` from the start state and appends to `hits` every marked position:
   * where some pattern ends (ASCII case-insensitively) or a backslash is read, in increasing
   * order of position. Long ranges are cut into parts scanned in lockstep (four in JavaScript,
   * eight in WebAssembly): the automaton is latency-bound (each step waits for the previous
   * table load), and independent chains let the CPU overlap them. Each later part starts
   * `maxLength - 1` bytes early so that a pattern across a cut is found; marks in that warm-up
   * are dropped (the previous part reports them, with its full context).
   */
  scan(buf: Uint8Array, start: number, end: number, hits: HitList): void {
    if (this.kernel === null && this.lazyModule !== null && end - start >= LOCKSTEP_MIN) this.promote();
    if (this.kernel !== null) this.scanWasm(buf, start, end, hits);
    else this.scanJs(buf, start, end, hits);
  }

  /** Instantiates `module` with room for `rows` table entries and loads the class map; null if it fails. */
  private adopt(module: WasmModule, rows: number): LockstepKernel | null {
    const kernel = tryInstantiate(module, rows * 4);
    if (kernel === null) return null;
    const mem8 = new Uint8Array(kernel.memory.buffer);
    if (this.classes > 63) {
      const view = new Uint16Array(kernel.memory.buffer, CLASS, 256);
      for (let b = 0; b < 256; b++) view[b] = this.classOf[b]! * 4;
    } else for (let b = 0; b < 256; b++) mem8[CLASS + b] = this.classOf[b]! * 4;
    this.kernel = kernel;
    this.mem8 = mem8;
    this.mem32 = new Int32Array(kernel.memory.buffer);
    return kernel;
  }

  /** Moves a small automaton's table into the module (same states, so hits keep their meaning). */
  private promote(): void {
    const module = this.lazyModule!;
    this.lazyModule = null;
    const delta = this.delta;
    if (this.adopt(module, delta.length) === null) return;
    const mem32 = this.mem32;
    const base = DELTA >> 2;
    for (let i = this.classes; i < delta.length; i++) {
      const v = delta[i]!;
      mem32[base + i] = v < 0 ? -(DELTA + 4 * -v) : DELTA + 4 * v;
    }
    this.delta = new Int32Array(0);
  }

  private readonly parts: HitList[];
  private readonly states4 = new Int32Array(4);
  private readonly laneStates = new Int32Array(MAX_LANES);

  private scanWasm(buf: Uint8Array, start: number, end: number, hits: HitList): void {
    const root = DELTA + 4 * this.classes;
    const len = end - start;
    const lanes = this.lanes;
    const q = Math.ceil(len / lanes);
    const warm = this.maxLength - 1;
    if (len < LOCKSTEP_MIN || warm >= q || lanes === 1) {
      this.laneRun(buf, start, end, root, hits);
      return;
    }
    const parts = this.parts;
    const st = this.laneStates;
    st[0] = root;
    for (let j = 1; j < lanes; j++)
      st[j] = this.laneRun(buf, start + j * q - warm, start + j * q, root, null);
    for (let j = 0; j < lanes; j++) parts[j]!.n = 0;
    const last = end - (start + (lanes - 1) * q); // the shortest part
    const mem8 = this.mem8;
    const mem32 = this.mem32;
    const kernel = this.kernel!;
    for (let done = 0; done < last; done += LANE_BYTES) {
      const n = Math.min(LANE_BYTES, last - done);
      for (let j = 0; j < lanes; j++) {
        const from = start + j * q + done;
        mem8.set(buf.subarray(from, from + n), SLOT + (j + 1) * LANE_BYTES - n);
        mem32[(CTRL >> 2) + j] = st[j]!;
        mem32[(CTRL >> 2) + 8 + j] = 0;
        mem32[(CTRL >> 2) + 16 + j] = from - (LANE_BYTES - n);
      }
      kernel.many(n);
      for (let j = 0; j < lanes; j++) {
        st[j] = mem32[(CTRL >> 2) + j]!;
        this.collect(j, mem32[(CTRL >> 2) + 8 + j]! >> 2, parts[j]!);
      }
    }
    // The remaining bytes of the longer parts (fewer than `lanes` each).
    for (let j = 0; j < lanes - 1; j++) {
      this.laneRun(buf, start + j * q + last, start + (j + 1) * q, st[j]!, parts[j]!);
    }
    for (let j = 0; j < lanes; j++) hits.append(parts[j]!);
  }

  /** Copies lane j's `count` hits out of the module's memory. */
  private collect(j: number, count: number, into: HitList): void {
    if (count === 0) return;
    const pos = (HIT_POS >> 2) + j * LANE_BYTES;
    const state = (HIT_STATE >> 2) + j * LANE_BYTES;
    into.appendArrays(this.mem32.subarray(pos, pos + count), this.mem32.subarray(state, state + count));
  }

  /** One chain (lane 0) over buf[from, to) from state `s` (a module address); returns the final state. */
  private laneRun(buf: Uint8Array, from: number, to: number, s: number, hits: HitList | null): number {
    const mem8 = this.mem8;
    const mem32 = this.mem32;
    const kernel = this.kernel!;
    for (let at = from; at < to; at += LANE_BYTES) {
      const n = Math.min(LANE_BYTES, to - at);
      mem8.set(buf.subarray(at, at + n), SLOT + LANE_BYTES - n);
      mem32[CTRL >> 2] = s;
      mem32[(CTRL >> 2) + 8] = 0;
      mem32[(CTRL >> 2) + 16] = at - (LANE_BYTES - n);
      kernel.one(n);
      s = mem32[CTRL >> 2]!;
      if (hits !== null) this.collect(0, mem32[(CTRL >> 2) + 8]! >> 2, hits);
    }
    return s;
  }

  private scanJs(buf: Uint8Array, start: number, end: number, hits: HitList): void {
    const len = end - start;
    const q = Math.ceil(len / 4);
    const warm = this.maxLength - 1;
    if (len < LOCKSTEP_MIN || warm >= q) {
      this.run(buf, start, end, this.classes, hits);
      return;
    }
    const parts = this.parts;
    for (let j = 0; j < 4; j++) parts[j]!.n = 0;
    // Warm-up of parts 1-3 (their marks fall before their cut and are dropped).
    const s1 = this.run(buf, start + q - warm, start + q, this.classes, null);
    const s2 = this.run(buf, start + 2 * q - warm, start + 2 * q, this.classes, null);
    const s3 = this.run(buf, start + 3 * q - warm, start + 3 * q, this.classes, null);
    const last = end - (start + 3 * q); // the shortest part
    const st = this.lockstep(buf, start, q, last, s1, s2, s3);
    // The remaining bytes of parts 0-2 (part 3 is done).
    for (let j = 0; j < 3; j++) {
      const from = start + j * q + last;
      this.run(buf, from, start + (j + 1) * q, st[j]!, parts[j]!);
    }
    for (let j = 0; j < 4; j++) hits.append(parts[j]!);
  }

  /** One chain over buf[from, to) from state `s`; returns the final state. */
  private run(buf: Uint8Array, from: number, to: number, s: number, hits: HitList | null): number {
    const delta = this.delta;
    const classOf = this.classOf;
    for (let i = from; i < to; i++) {
      const t = delta[s + classOf[buf[i]!]!]!;
      if (t < 0) {
        s = -t;
        if (hits !== null) hits.push(i + 1, s);
      } else s = t;
    }
    return s;
  }

  /** Four chains in lockstep over `n` bytes from start + j*q (j = 0..3); returns their states. */
  private lockstep(
    buf: Uint8Array,
    start: number,
    q: number,
    n: number,
    i1: number,
    i2: number,
    i3: number,
  ): Int32Array {
    const delta = this.delta;
    const classOf = this.classOf;
    const [h0, h1, h2, h3] = this.parts as [HitList, HitList, HitList, HitList];
    let s0 = this.classes;
    let s1 = i1;
    let s2 = i2;
    let s3 = i3;
    const stop = start + n;
    for (let i = start; i < stop; i++) {
      const t0 = delta[s0 + classOf[buf[i]!]!]!;
      const t1 = delta[s1 + classOf[buf[i + q]!]!]!;
      const t2 = delta[s2 + classOf[buf[i + 2 * q]!]!]!;
      const t3 = delta[s3 + classOf[buf[i + 3 * q]!]!]!;
      if ((t0 | t1 | t2 | t3) >= 0) {
        s0 = t0;
        s1 = t1;
        s2 = t2;
        s3 = t3;
        continue;
      }
      if (t0 < 0) {
        s0 = -t0;
        h0.push(i + 1, s0);
      } else s0 = t0;
      if (t1 < 0) {
        s1 = -t1;
        h1.push(i + q + 1, s1);
      } else s1 = t1;
      if (t2 < 0) {
        s2 = -t2;
        h2.push(i + 2 * q + 1, s2);
      } else s2 = t2;
      if (t3 < 0) {
        s3 = -t3;
        h3.push(i + 3 * q + 1, s3);
      } else s3 = t3;
    }
    const out = this.states4;
    out[0] = s0;
    out[1] = s1;
    out[2] = s2;
    out[3] = s3;
    return out;
  }
}

/**
 * Each module memory reserves address space (V8 guards it instead of checking bounds); should a
 * process run out of it, the JavaScript loop does the same job more slowly rather than failing.
 */
function tryInstantiate(module: WasmModule, tableBytes: number): LockstepKernel | null {
  try {
    return instantiateKernel(module, tableBytes);
  } catch {
    return null;
  }
}

/** Tables of at least this many entries (a real rule set's) go into WebAssembly at construction. */
const EAGER_ROWS = 32 * 1024;

/** Ranges shorter than this are scanned by one chain (the lockstep's set-up is not worth it). */
const LOCKSTEP_MIN = 8192;

/** Marked positions of a scan: `pos[i]` just past the byte read, `state[i]` the (premultiplied) state entered. */
export class HitList {
  pos = new Int32Array(256);
  state = new Int32Array(256);
  n = 0;

  push(pos: number, state: number): void {
    if (this.n === this.pos.length) this.grow(this.n + 1);
    this.pos[this.n] = pos;
    this.state[this.n++] = state;
  }

  /** Appends `pos.length` hits given as two arrays (the WebAssembly loop's output). */
  appendArrays(pos: Int32Array, state: Int32Array): void {
    const count = pos.length;
    if (this.n + count > this.pos.length) this.grow(this.n + count);
    this.pos.set(pos, this.n);
    this.state.set(state, this.n);
    this.n += count;
  }

  append(other: HitList): void {
    if (this.n + other.n > this.pos.length) this.grow(this.n + other.n);
    this.pos.set(other.pos.subarray(0, other.n), this.n);
    this.state.set(other.state.subarray(0, other.n), this.n);
    this.n += other.n;
  }

  private grow(min: number): void {
    let size = this.pos.length * 2;
    while (size < min) size *= 2;
    const p = new Int32Array(size);
    p.set(this.pos.subarray(0, this.n));
    const s = new Int32Array(size);
    s.set(this.state.subarray(0, this.n));
    this.pos = p;
    this.state = s;
  }
}
