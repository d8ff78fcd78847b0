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
 */

const BACKSLASH = 0x5c;

/** ASCII lower-casing of one byte. */
const lowerByte = (b: number): number => (b >= 65 && b <= 90 ? b | 0x20 : b);

export class ByteAutomaton {
  /** Byte -> input class (A-Z and a-z share one). */
  private readonly classOf: Uint8Array;
  private readonly classes: number;
  /** [state * classes + class] -> next state * classes, negated for a marked state. */
  private readonly delta: Int32Array;
  /** Per state: patterns ending there (its own and its suffixes'), as [first, end) into outList. */
  private readonly outFirst: Int32Array;
  private readonly outEnd: Int32Array;
  private readonly outList: Int32Array;
  readonly patternLengths: readonly number[];
  /** The longest pattern's length, in bytes. */
  readonly maxLength: number;
  readonly states: number;

  constructor(patterns: readonly Uint8Array[]) {
    this.patternLengths = patterns.map((p) => p.length);
    this.maxLength = Math.max(1, ...this.patternLengths);
    for (const p of patterns) if (p.length === 0) throw new RangeError("ByteAutomaton: empty pattern");

    // Input classes: 0 = a byte in no pattern; the backslash always has its own class so that
    // entering any state on it is marked (the caller must see escapes).
    const classOf = new Uint8Array(256);
    let classes = 1;
    const classFor = (b: number): number => {
      const l = lowerByte(b);
      if (classOf[l] === 0) {
        if (classes > 255) throw new RangeError("ByteAutomaton: too many input classes");
        classOf[l] = classes++;
        if (l >= 97 && l <= 122) classOf[l & ~0x20] = classOf[l]!;
      }
      return classOf[l]!;
    };
    classFor(BACKSLASH);
    for (const p of patterns) for (const b of p) classFor(b);
    this.classOf = classOf;
    this.classes = classes;

    // The trie, as goto lists per state (sparse while building).
    const gotoMaps: Map<number, number>[] = [new Map()];
    const own: number[][] = [[]];
    patterns.forEach((p, id) => {
      let s = 0;
      for (const b of p) {
        const c = classOf[b]!;
        let t = gotoMaps[s]!.get(c);
        if (t === undefined) {
          t = gotoMaps.length;
          gotoMaps.push(new Map());
          own.push([]);
          gotoMaps[s]!.set(c, t);
        }
        s = t;
      }
      own[s]!.push(id);
    });
    const n = gotoMaps.length;
    this.states = n;

    // Breadth-first: failure links, the full transition table, and outputs along suffix links.
    const fail = new Int32Array(n);
    const table = new Int32Array(n * classes); // next state (not premultiplied) while building
    const outputs: number[][] = own.map((o) => o.slice());
    const order: number[] = [];
    for (let c = 0; c < classes; c++) {
      const t = gotoMaps[0]!.get(c);
      table[c] = t ?? 0;
      if (t !== undefined) {
        fail[t] = 0;
        order.push(t);
      }
    }
    for (let i = 0; i < order.length; i++) {
      const s = order[i]!;
      const f = fail[s]!;
      if (outputs[f]!.length > 0) outputs[s]!.push(...outputs[f]!);
      for (let c = 0; c < classes; c++) {
        const t = gotoMaps[s]!.get(c);
        if (t === undefined) {
          table[s * classes + c] = table[f * classes + c]!;
        } else {
          table[s * classes + c] = t;
          fail[t] = table[f * classes + c]!;
          order.push(t);
        }
      }
    }

    // Row 0 of `delta` is a dummy and the root is row 1, so that every real state's
    // premultiplied index is positive and can carry the mark as its sign.
    const delta = new Int32Array((n + 1) * classes);
    const bsClass = classOf[BACKSLASH]!;
    for (let s = 0; s < n; s++) {
      for (let c = 0; c < classes; c++) {
        const t = table[s * classes + c]!;
        const marked = outputs[t]!.length > 0 || c === bsClass;
        const pre = (t + 1) * classes;
        delta[(s + 1) * classes + c] = marked ? -pre : pre;
      }
    }
    this.delta = delta;

    let total = 0;
    for (const o of outputs) total += o.length;
    const outList = new Int32Array(total);
    const outFirst = new Int32Array(n + 1);
    const outEnd = new Int32Array(n + 1);
    let k = 0;
    for (let s = 0; s < n; s++) {
      outFirst[s + 1] = k;
      for (const id of outputs[s]!) outList[k++] = id;
      outEnd[s + 1] = k;
    }
    this.outFirst = outFirst;
    this.outEnd = outEnd;
    this.outList = outList;
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
   * order of position. Long ranges are cut into four parts scanned in lockstep: the automaton is
   * latency-bound (each step waits for the previous table load), and four independent chains
   * let the CPU overlap them (about 2x on this machine). Each later part starts `maxLength - 1`
   * bytes early so that a pattern across a cut is found; marks in that warm-up are dropped
   * (the previous part reports them, with its full context).
   */
  scan(buf: Uint8Array, start: number, end: number, hits: HitList): void {
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

  private readonly parts: HitList[] = [new HitList(), new HitList(), new HitList(), new HitList()];
  private readonly states4 = new Int32Array(4);

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
