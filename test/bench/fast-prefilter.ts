/**
 * PROPOSAL, measured by the bench as row "(b+)": a drop-in replacement for
 * src/eql/prefilter.ts (same exports, same verdict contract) that does the per-byte work once
 * per decompressed chunk instead of once per record. throughput.ts bundles the real scanObject
 * with this module in place of src/eql/prefilter.ts; nothing in src/ imports it.
 *
 * What changes against the per-record prefilter:
 * - Folding (OR 0x20) runs over the rest of the buffer on the first test() of that buffer, in a
 *   ~120-byte WebAssembly SIMD function (16 bytes per instruction; measured 1.1-1.4 GB/s for copy +
 *   fold + search vs ~0.4 GB/s for the JS Uint32 loop, which was as slow as gunzip itself);
 *   a JS fallback is kept for runtimes without WebAssembly SIMD.
 * - Searches are lazy and shared by the records of a buffer: for each literal, the next
 *   occurrence at or after the current record is remembered, so a buffer is searched at most
 *   once per literal however many records it holds (no per-record indexOf/fold/subarray).
 * - The escape check (`\u`, `\/`) first looks for those two-byte sequences with the same lazy
 *   search; only a record that holds one runs the exact odd-backslash-run check.
 * The sharing needs to know that consecutive records come from one unchanged buffer, so it is a
 * new method, `forBuffer(buf)`, which scan.ts calls when the framer hands it a new buffer
 * (3 lines there; `test()` keeps its per-record contract and its tests). Records are tested in
 * increasing `start` order within a buffer (the framer does); an earlier `start` starts over,
 * so any order is still sound.
 */
import type { PrefilterLiteral } from "../../src/rules/rule.ts";

export interface RawPrefilter {
  /** True when the record in `buf[start, end)` may match some rule (it must then be parsed). */
  test(buf: Uint8Array, start: number, end: number): boolean;
  /**
   * A tester for the records of one buffer whose bytes do not change while it is used: the same
   * verdicts as test(), with the folding and searching shared by all the buffer's records.
   */
  forBuffer(buf: Uint8Array): (start: number, end: number) => boolean;
  readonly acceptsAll: boolean;
  readonly rejectsAll: boolean;
}

const BACKSLASH = 0x5c;

export function canonicalJsonBytes(text: string): Buffer {
  return Buffer.from(JSON.stringify(text).slice(1, -1), "utf8");
}

function foldBytes(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  for (let i = 0; i < b.length; i++) out[i] = b[i]! | 0x20;
  return out;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  const l = c | 0x20;
  if (l >= 97 && l <= 102) return l - 87;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Folding: copy src[start, end) into a scratch area with every byte OR 0x20.

interface Folder {
  /** Folds src[start, end) and returns a Buffer view of the folded bytes (valid until the next call). */
  fold(src: Uint8Array, start: number, end: number): Buffer;
}

/**
 * (module (memory (export "mem") 1)
 *   (func (export "fold") (param $p i32) (param $n i32) (local $end i32)
 *     end = p + n; while (p < end) { v128.store(p, v128.or(v128.load(p), i8x16.splat(0x20))); p += 16 }))
 * It may fold up to 15 bytes past `n`: the scratch area always has 16 spare bytes.
 */
function wasmFoldBytes(): Uint8Array {
  const leb = (n: number): number[] => {
    const o: number[] = [];
    do {
      let x = n & 0x7f;
      n >>>= 7;
      if (n !== 0) x |= 0x80;
      o.push(x);
    } while (n !== 0);
    return o;
  };
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  const section = (id: number, body: number[]) => out.push(id, ...leb(body.length), ...body);
  const name = (s: string) => [s.length, ...Buffer.from(s)];
  section(1, [0x01, 0x60, 0x02, 0x7f, 0x7f, 0x00]); // type: (i32, i32) -> ()
  section(3, [0x01, 0x00]); // one function of type 0
  section(5, [0x01, 0x00, 0x01]); // memory: min 1 page
  section(7, [0x02, ...name("fold"), 0x00, 0x00, ...name("mem"), 0x02, 0x00]);
  const body = [
    0x01,
    0x01,
    0x7f, // one i32 local ($end)
    0x20,
    0x00,
    0x20,
    0x01,
    0x6a,
    0x21,
    0x02, // end = p + n
    0x02,
    0x40,
    0x03,
    0x40, // block, loop
    0x20,
    0x00,
    0x20,
    0x02,
    0x4f,
    0x0d,
    0x01, // br_if p >= end
    0x20,
    0x00,
    0x20,
    0x00,
    0xfd,
    0x00,
    0x04,
    0x00, // p, v128.load(p)
    0xfd,
    0x0c,
    ...new Array<number>(16).fill(0x20), // v128.const 0x20 x 16
    0xfd,
    0x50,
    0xfd,
    0x0b,
    0x04,
    0x00, // v128.or, v128.store
    0x20,
    0x00,
    0x41,
    0x10,
    0x6a,
    0x21,
    0x00, // p += 16
    0x0c,
    0x00,
    0x0b,
    0x0b,
    0x0b, // br loop, end, end, end
  ];
  section(10, [0x01, ...leb(body.length), ...body]);
  return new Uint8Array(out);
}

/** The slice of the WebAssembly API used here (tsconfig's lib has no DOM, where its types live). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
}

function wasmFolder(): Folder | undefined {
  const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
  if (wasm === undefined) return undefined;
  try {
    const inst = new wasm.Instance(new wasm.Module(wasmFoldBytes()), {});
    const foldFn = inst.exports["fold"] as (p: number, n: number) => void;
    const mem = inst.exports["mem"] as WasmMemory;
    let view = Buffer.from(mem.buffer);
    return {
      fold(src, start, end) {
        const len = end - start;
        if (view.length < len + 16) {
          mem.grow(Math.ceil((len + 16 - view.length) / 65536));
          view = Buffer.from(mem.buffer);
        }
        view.set(src.subarray(start, end), 0);
        foldFn(0, len);
        return view.subarray(0, len);
      },
    };
  } catch {
    return undefined; // no WebAssembly or no SIMD: the JS folder below
  }
}

function jsFolder(): Folder {
  let scratch = Buffer.alloc(64 * 1024);
  let scratch32 = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >>> 2);
  return {
    fold(src, start, end) {
      const len = end - start;
      if (scratch.length < len + 8) {
        scratch = Buffer.alloc(Math.max(len + 8, scratch.length * 2));
        scratch32 = new Uint32Array(scratch.buffer, scratch.byteOffset, scratch.length >>> 2);
      }
      scratch.set(src.subarray(start, end), 0);
      for (let i = 0, n = (len + 3) >>> 2; i < n; i++) scratch32[i] = scratch32[i]! | 0x20202020;
      return scratch.subarray(0, len);
    },
  };
}

// ---------------------------------------------------------------------------------------------

const yes = () => true;
const no = () => false;
const ALWAYS: RawPrefilter = { test: yes, forBuffer: () => yes, acceptsAll: true, rejectsAll: false };
const NEVER: RawPrefilter = { test: no, forBuffer: () => no, acceptsAll: false, rejectsAll: true };
const ESC_U = Buffer.from("\\u");
const ESC_SLASH = Buffer.from("\\/");

export function createRawPrefilter(
  literalSets: readonly (readonly PrefilterLiteral[] | null)[],
): RawPrefilter {
  if (literalSets.some((s) => s === null)) return ALWAYS;
  const sensitive: Buffer[] = [];
  const insensitive: Buffer[] = [];
  const seen = new Set<string>();
  const units = new Uint8Array(65536);
  for (const set of literalSets) {
    for (const lit of set ?? []) {
      if (lit.text.length === 0) return ALWAYS;
      const key = `${lit.caseInsensitive ? "i" : "s"}:${lit.text}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const bytes = canonicalJsonBytes(lit.text);
      if (lit.caseInsensitive) insensitive.push(foldBytes(bytes));
      else sensitive.push(bytes);
      for (let i = 0; i < lit.text.length; i++) {
        const u = lit.text.charCodeAt(i);
        units[u] = 1;
        if (lit.caseInsensitive && ((u >= 65 && u <= 90) || (u >= 97 && u <= 122))) units[u ^ 0x20] = 1;
      }
    }
  }
  if (sensitive.length === 0 && insensitive.length === 0) return NEVER;
  const slashMatters = units[0x2f] === 1;
  const folder = insensitive.length > 0 ? (wasmFolder() ?? jsFolder()) : undefined;

  // Needles in search order: sensitive ones over the raw bytes, insensitive ones over the folded
  // copy, then the escape sequences over the raw bytes (a hit there only means "check exactly").
  const needles: { bytes: Buffer; folded: boolean; escape: boolean }[] = [
    ...sensitive.map((bytes) => ({ bytes, folded: false, escape: false })),
    ...insensitive.map((bytes) => ({ bytes, folded: true, escape: false })),
    { bytes: ESC_U, folded: false, escape: true },
    ...(slashMatters ? [{ bytes: ESC_SLASH, folded: false, escape: true }] : []),
  ];
  /** Does the record hold a real `\u` escape of a unit that matters (or `\/` when `/` matters)? */
  const escapeMatters = (rec: Buffer, s: number, n: number): boolean => {
    let p = rec.indexOf(BACKSLASH, s);
    while (p >= 0 && p < n) {
      let q = p;
      while (q < n && rec[q] === BACKSLASH) q++;
      if (((q - p) & 1) === 1 && q < n) {
        const c = rec[q]!;
        if (c === 0x75) {
          if (q + 4 >= n) return true;
          const h0 = hexValue(rec[q + 1]!);
          const h1 = hexValue(rec[q + 2]!);
          const h2 = hexValue(rec[q + 3]!);
          const h3 = hexValue(rec[q + 4]!);
          if ((h0 | h1 | h2 | h3) < 0) return true;
          if (units[(h0 << 12) | (h1 << 8) | (h2 << 4) | h3] === 1) return true;
        } else if (c === 0x2f && slashMatters) {
          return true;
        }
      }
      p = q < n ? rec.indexOf(BACKSLASH, q + 1) : -1;
    }
    return false;
  };

  const count = needles.length;

  /**
   * Lazy per-buffer search state: next[k] is the first occurrence of needle k at or after
   * validFrom[k] (-1: none). Folding covers buf[foldFrom, foldTo) and is done on first need.
   */
  const tester = (buf: Uint8Array, foldTo: number | undefined) => {
    const raw = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const next = new Array<number>(count).fill(-1);
    const validFrom = new Array<number>(count).fill(Number.MAX_SAFE_INTEGER);
    let folded: Buffer | null = null;
    let foldFrom = 0;
    let lastStart = -1;
    return (start: number, end: number): boolean => {
      if (end <= start) return false;
      if (start < lastStart) {
        validFrom.fill(Number.MAX_SAFE_INTEGER);
        folded = null;
      }
      lastStart = start;
      for (let k = 0; k < count; k++) {
        const needle = needles[k]!;
        let at = next[k]!;
        if (start < validFrom[k]! || (at !== -1 && at < start)) {
          if (needle.folded) {
            if (folded === null) {
              foldFrom = start;
              folded = folder!.fold(raw, start, foldTo ?? raw.length);
            }
            const f = folded.indexOf(needle.bytes, start - foldFrom);
            at = f === -1 ? -1 : f + foldFrom;
          } else {
            at = raw.indexOf(needle.bytes, start);
          }
          next[k] = at;
          validFrom[k] = start;
        }
        // A hit counts only inside the record (a folded "\n" is "*", so a hit may straddle records).
        if (at === -1 || at + needle.bytes.length > end) continue;
        if (!needle.escape) return true;
        if (escapeMatters(raw, start, end)) return true;
      }
      return false;
    };
  };

  return {
    acceptsAll: false,
    rejectsAll: false,
    // One record: fold only its bytes; nothing is kept between calls.
    test: (buf, start, end) => tester(buf, end)(start, end),
    forBuffer: (buf) => tester(buf, undefined),
  };
}
