/**
 * The byte automaton's contract, checked against a plain search: every occurrence of every
 * pattern (ASCII case-insensitively), every backslash marked, marks in increasing position order,
 * and each mark's state naming exactly the patterns that end there and lie inside the range.
 * Checked for each inner loop (WebAssembly with 8, 4 and 1 chains, and the JavaScript fallback),
 * on short ranges (one chain) and long ones (cut into parts scanned in lockstep, with patterns
 * planted across the cuts and across the WebAssembly loop's 16 KiB rounds).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import fc from "fast-check";
import { ByteAutomaton, type ByteAutomatonOptions, HitList } from "../../../src/scan/prefilter/automaton.ts";
import { prng } from "../../eql/json-escape.ts";

const ENGINES: readonly ByteAutomatonOptions[] = [
  { engine: "wasm" },
  { engine: "wasm", lanes: 4 },
  { engine: "wasm", lanes: 1 },
  { engine: "js" },
  {}, // the default: JavaScript for a small table until its first long scan
];
const nameOf = (o: ByteAutomatonOptions): string => `${o.engine ?? "auto"}${o.lanes ? `/${o.lanes}` : ""}`;

const fold = (b: number): number => (b >= 65 && b <= 90 ? b | 0x20 : b);

/** The reference: position (just past the last byte) -> ids of the patterns ending there, plus backslashes. */
function reference(
  patterns: readonly Uint8Array[],
  buf: Uint8Array,
  start: number,
  end: number,
): Map<number, number[]> {
  const text = Buffer.from(buf.subarray(start, end).map(fold));
  const marks = new Map<number, number[]>();
  const at = (p: number): number[] => {
    let l = marks.get(p);
    if (l === undefined) {
      l = [];
      marks.set(p, l);
    }
    return l;
  };
  for (let i = 0; i < text.length; i++) if (text[i] === 0x5c) at(start + i + 1);
  patterns.forEach((p, id) => {
    const needle = Buffer.from(p.map(fold));
    for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1))
      at(start + i + p.length).push(id);
  });
  for (const l of marks.values()) l.sort((a, b) => a - b);
  return marks;
}

/** What a scan reports, in the reference's form; asserts the order on the way. */
function scanned(a: ByteAutomaton, buf: Uint8Array, start: number, end: number): Map<number, number[]> {
  const hits = new HitList();
  a.scan(buf, start, end, hits);
  const marks = new Map<number, number[]>();
  let last = start;
  for (let i = 0; i < hits.n; i++) {
    const p = hits.pos[i]!;
    assert.ok(p > last && p <= end, `mark ${i} at ${p} after ${last} (range ${start}-${end})`);
    last = p;
    const s = hits.state[i]!;
    const ids: number[] = [];
    for (let o = a.outputFirst(s); o < a.outputEnd(s); o++) ids.push(a.outputs[o]!);
    marks.set(
      p,
      ids.sort((x, y) => x - y),
    );
  }
  return marks;
}

function check(patterns: readonly Uint8Array[], buf: Uint8Array, start: number, end: number): void {
  const want = reference(patterns, buf, start, end);
  for (const options of ENGINES) {
    const a = new ByteAutomaton(patterns, options);
    if (options.engine !== undefined) assert.equal(a.engine, options.engine);
    const got = scanned(a, buf, start, end);
    if (got.size !== want.size || [...want].some(([p, ids]) => String(got.get(p)) !== String(ids))) {
      const missing = [...want].filter(([p, ids]) => String(got.get(p)) !== String(ids)).slice(0, 5);
      const extra = [...got].filter(([p]) => !want.has(p)).slice(0, 5);
      assert.fail(
        `${nameOf(options)}: ${got.size} marks, want ${want.size}; differing ${JSON.stringify(missing)} (got ${JSON.stringify(missing.map(([p]) => got.get(p)))}); extra ${JSON.stringify(extra)}`,
      );
    }
  }
}

/** Bytes that make patterns collide often: letters in both cases, the backslash, quotes, UTF-8, NUL. */
const ALPHABET = [0x61, 0x62, 0x41, 0x42, 0x63, 0x5c, 0x2f, 0x22, 0x78, 0xc3, 0xa9, 0x89, 0x00];

const patternArb = (maxLength: number, fullRange: boolean) =>
  fc
    .array(fullRange ? fc.integer({ min: 0, max: 255 }) : fc.constantFrom(...ALPHABET), {
      minLength: 1,
      maxLength,
    })
    .map((b) => Uint8Array.from(b));

/** A random case variant of a pattern (what the text holds where one is planted). */
const flip = (p: Uint8Array, rnd: () => number): Uint8Array =>
  p.map((b) => (rnd() < 0.5 && ((b >= 65 && b <= 90) || (b >= 97 && b <= 122)) ? b ^ 0x20 : b));

/**
 * A text of `length` random alphabet bytes with patterns planted at random places and across
 * every place where some engine cuts the range (each lane count's part boundaries, and the
 * WebAssembly loop's 16 KiB rounds inside a part).
 */
function textWith(patterns: readonly Uint8Array[], length: number, start: number, seed: number): Uint8Array {
  const rnd = prng(seed);
  const buf = new Uint8Array(length);
  for (let i = 0; i < length; i++) buf[i] = ALPHABET[Math.floor(rnd() * ALPHABET.length)]!;
  if (patterns.length === 0) return buf;
  const plant = (endAt: number): void => {
    const p = flip(patterns[Math.floor(rnd() * patterns.length)]!, rnd);
    const from = endAt - p.length;
    if (from >= 0 && endAt <= length) buf.set(p, from);
  };
  const len = length - start;
  const cuts: number[] = [];
  for (const lanes of [8, 4]) {
    const q = Math.ceil(len / lanes);
    for (let j = 1; j < lanes; j++) {
      cuts.push(start + j * q);
      for (let r = 16384; r < q; r += 16384) cuts.push(start + j * q + r);
    }
    for (let r = 16384; r < q; r += 16384) cuts.push(start + r);
  }
  for (const c of cuts) plant(c + 1 + Math.floor(rnd() * 8));
  for (let k = 0; k < 20; k++) plant(Math.floor(rnd() * (length + 1)));
  return buf;
}

describe("ByteAutomaton: every occurrence, as a plain search finds them", () => {
  test("property: short ranges (one chain), random patterns and bytes with backslashes and case variants", () => {
    fc.assert(
      fc.property(
        fc.array(patternArb(6, false), { maxLength: 12 }),
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 0, max: 5 }),
        fc.integer(),
        (patterns, length, start, seed) => {
          const buf = textWith(patterns, length + start, start, seed);
          check(patterns, buf, start, buf.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  test("property: long ranges cut into parts, patterns across the cuts and across rounds", () => {
    fc.assert(
      fc.property(
        fc.array(patternArb(12, false), { minLength: 1, maxLength: 16 }),
        fc.oneof(fc.integer({ min: 8192, max: 20000 }), fc.integer({ min: 65536, max: 140000 })),
        fc.integer({ min: 0, max: 3 }),
        fc.integer(),
        (patterns, length, start, seed) => {
          const buf = textWith(patterns, length + start, start, seed);
          check(patterns, buf, start, buf.length);
        },
      ),
      { numRuns: 12 },
    );
  });

  test("property: many input classes (any byte) and patterns longer than a part", () => {
    fc.assert(
      fc.property(
        fc.array(patternArb(40, true), { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        fc.integer({ min: 8192, max: 24000 }),
        fc.integer(),
        (patterns, long, length, seed) => {
          // A pattern of 3,000 bytes leaves no room for eight parts' warm-ups: one chain runs.
          const all = long
            ? [...patterns, Uint8Array.from({ length: 3000 }, (_, i) => ALPHABET[i % 3]!)]
            : patterns;
          const buf = textWith(all, length, 0, seed);
          check(all, buf, 0, buf.length);
        },
      ),
      { numRuns: 10 },
    );
  });

  test("a range inside a buffer: bytes outside it are never read into a match", () => {
    const patterns = [Buffer.from("abc"), Buffer.from("bcd")];
    const buf = Buffer.from("abcd".repeat(5000));
    for (const [start, end] of [
      [1, 3],
      [1, 4],
      [2, 20000],
      [0, 20000],
      [5, 19997],
    ] as const) {
      check(patterns, buf, start, end);
    }
  });
});

describe("ByteAutomaton: marks and outputs", () => {
  test("every backslash is marked, with no pattern at all", () => {
    const buf = Buffer.from("a\\b\\\\c".repeat(3000));
    for (const options of ENGINES) {
      const a = new ByteAutomaton([], options);
      const hits = new HitList();
      a.scan(buf, 0, buf.length, hits);
      assert.equal(hits.n, 3 * 3000, nameOf(options));
      for (let i = 0; i < hits.n; i++) {
        assert.equal(buf[hits.pos[i]! - 1], 0x5c);
        assert.equal(a.outputEnd(hits.state[i]!) - a.outputFirst(hits.state[i]!), 0);
      }
    }
  });

  test("ASCII case only: é and É are different bytes, A and a are not", () => {
    const patterns = [Buffer.from("café"), Buffer.from("LINUX")];
    for (const options of ENGINES) {
      const a = new ByteAutomaton(patterns, options);
      const text = Buffer.from('"CAFÉ" "Café" "linux" "LiNuX"');
      const got = scanned(a, text, 0, text.length);
      const ids = [...got.values()].flat();
      assert.deepEqual(ids, [0, 1, 1], nameOf(options));
    }
  });

  test("the same bytes twice and a pattern inside another: all of them at one position", () => {
    const patterns = [Buffer.from("process"), Buffer.from("cess"), Buffer.from("PROCESS"), Buffer.from("ss")];
    const a = new ByteAutomaton(patterns);
    const text = Buffer.from("xprocessx");
    assert.deepEqual([...scanned(a, text, 0, text.length)], [[8, [0, 1, 2, 3]]]);
  });

  test("scan appends to the hits already in the list", () => {
    const a = new ByteAutomaton([Buffer.from("ab")]);
    const hits = new HitList();
    hits.push(1, 0);
    const text = Buffer.from("ab".repeat(10000));
    a.scan(text, 0, text.length, hits);
    assert.equal(hits.n, 10001);
    assert.equal(hits.pos[0], 1);
    assert.equal(hits.pos[1], 2);
    assert.equal(hits.pos[10000], 20000);
  });

  test("an empty pattern is refused", () => {
    assert.throws(() => new ByteAutomaton([Buffer.from("a"), new Uint8Array(0)]), RangeError);
  });

  test("by default a rule set's table starts in WebAssembly (Node runs it)", () => {
    const rnd = prng(7);
    const patterns = Array.from({ length: 600 }, () =>
      Uint8Array.from({ length: 8 }, () => 97 + Math.floor(rnd() * 26)),
    );
    assert.equal(new ByteAutomaton(patterns).engine, "wasm");
  });

  test("a small automaton moves to WebAssembly at its first long scan; hits mean the same before and after", () => {
    const patterns = [Buffer.from("ab"), Buffer.from("b\\"), Buffer.from("xab")];
    const a = new ByteAutomaton(patterns);
    assert.equal(a.engine, "js");
    const text = Buffer.from("xab\\ ab b\\ ".repeat(2000));
    const ranges: [number, number][] = [
      [0, 300],
      [1, 20000],
      [5, 305],
    ];
    for (const [start, end] of ranges) {
      const want = reference(patterns, text, start, end);
      const byPos = (m: Map<number, number[]>) => [...m].sort((x, y) => x[0] - y[0]);
      assert.deepEqual(
        byPos(scanned(a, text, start, end)),
        byPos(want),
        `range ${start}-${end} (${a.engine})`,
      );
    }
    assert.equal(a.engine, "wasm");
  });

  test("without WebAssembly (node --jitless) the JavaScript loop finds the same hits", () => {
    const script = `
      const { ByteAutomaton, HitList } = await import(process.argv[1]);
      const a = new ByteAutomaton(Array.from({ length: 700 }, (_, i) => Buffer.from("p-" + i + "-x")));
      const b = Buffer.from("p-5-x \\\\ P-699-X ".repeat(2000));
      const h = new HitList();
      a.scan(b, 0, b.length, h);
      console.log(JSON.stringify({ engine: a.engine, n: h.n }));`;
    const url = new URL("../../../src/scan/prefilter/automaton.ts", import.meta.url);
    const r = spawnSync(
      process.execPath,
      ["--jitless", "--import", "tsx", "--input-type=module", "-e", script, url.href],
      {
        encoding: "utf8",
      },
    );
    assert.equal(r.status, 0, r.stderr);
    // Per copy of the text: p-5-x, one backslash, P-699-X.
    assert.deepEqual(JSON.parse(r.stdout), { engine: "js", n: 3 * 2000 });
  });
});
