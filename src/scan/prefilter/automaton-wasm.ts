/**
 * The byte automaton's inner loop as a WebAssembly function, assembled here byte by byte (no
 * toolchain, no network: the module is a few hundred bytes built from this code at first use).
 *
 * Why WebAssembly: the JavaScript loop pays a bounds check on each of its three loads per byte
 * (the byte, its class, the next state) and keeps its chains' states in a few registers; V8 runs
 * WebAssembly memory accesses against guard pages (no bounds checks) and a generated loop can
 * keep eight chains in registers. The loop is the same DFA walk: `state = delta[state + class]`,
 * a negative entry marking a hit.
 *
 * Memory layout (bytes), shared with automaton.ts which fills it:
 * - CTRL: per lane i32 state in/out (+0), hit count * 4 in/out (+32), position base (+64);
 * - CLASS: byte -> class * 4 (u8, or u16 when there are more than 63 classes);
 * - SLOT + lane * LANE_BYTES: each lane's input bytes, n of them at the slot's end;
 * - HIT_POS / HIT_STATE + lane * LANE_BYTES * 4: each lane's hits (at most one per input byte,
 *   so a round never overflows them);
 * - DELTA: the transition table, entry = DELTA + 4 * (premultiplied next state), negated when
 *   marked. Hits store the premultiplied state (the entry's value without DELTA and scale), the
 *   unit automaton.ts's HitList holds.
 */

export const MAX_LANES = 8;
/** Input bytes per lane per call. */
export const LANE_BYTES = 16 * 1024;
export const CTRL = 0;
export const CLASS = 128;
export const SLOT = 1024;
export const HIT_POS = SLOT + MAX_LANES * LANE_BYTES;
export const HIT_STATE = HIT_POS + MAX_LANES * LANE_BYTES * 4;
export const DELTA = HIT_STATE + MAX_LANES * LANE_BYTES * 4;

// Opcodes used (WebAssembly core spec, binary format).
const OP = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  end: 0x0b,
  br_if: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  i32Load8u: 0x2d,
  i32Load16u: 0x2f,
  i32Store: 0x36,
  i32Const: 0x41,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GeU: 0x4f,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Or: 0x72,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  void: 0x40,
  i32: 0x7f,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const bytesOf = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, "latin1")];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];

/**
 * One function `(n) -> ()`: `lanes` chains, each over the last n bytes of its slot, from and back
 * to the states in CTRL. Only the states and the index live in registers through the loop (more
 * live values made V8 spill a state, which doubles that chain's latency): the byte loads take
 * the lane's slot as an immediate offset, the loop ends at the constant LANE_BYTES, and the hit
 * counts and position bases are read and written in CTRL on the (rare) hit path.
 */
function lockstepBody(lanes: number, wideClasses: boolean): number[] {
  const N = 0;
  const P = 1;
  const S = (j: number) => 2 + j;
  const T = 2 + lanes; // the hit path's count (a byte offset into the lane's hit area)
  const get = (i: number) => [OP.localGet, ...uleb(i)];
  const set = (i: number) => [OP.localSet, ...uleb(i)];
  const konst = (v: number) => [OP.i32Const, ...sleb(v)];
  const mem = (op: number, align: number, offset: number) => [op, align, ...uleb(offset)];
  const code: number[] = [];
  code.push(...konst(LANE_BYTES), ...get(N), OP.i32Sub, ...set(P));
  for (let j = 0; j < lanes; j++) code.push(...konst(0), ...mem(OP.i32Load, 2, CTRL + 4 * j), ...set(S(j)));
  code.push(OP.block, OP.void);
  code.push(...get(P), ...konst(LANE_BYTES), OP.i32GeU, OP.br_if, 0);
  code.push(OP.loop, OP.void);
  for (let j = 0; j < lanes; j++) {
    code.push(...get(P), ...mem(OP.i32Load8u, 0, SLOT + j * LANE_BYTES));
    if (wideClasses) code.push(...konst(1), OP.i32Shl, ...mem(OP.i32Load16u, 1, CLASS));
    else code.push(...mem(OP.i32Load8u, 0, CLASS));
    code.push(...get(S(j)), OP.i32Add, ...mem(OP.i32Load, 2, 0), ...set(S(j)));
  }
  // The common case, no lane marked: one test for all.
  code.push(...get(S(0)));
  for (let j = 1; j < lanes; j++) code.push(...get(S(j)), OP.i32Or);
  code.push(...konst(0), OP.i32LtS, OP.if, OP.void);
  for (let j = 0; j < lanes; j++) {
    code.push(...get(S(j)), ...konst(0), OP.i32LtS, OP.if, OP.void);
    code.push(...konst(0), ...get(S(j)), OP.i32Sub, ...set(S(j)));
    code.push(...konst(0), ...mem(OP.i32Load, 2, CTRL + 32 + 4 * j), ...set(T));
    code.push(...get(T), ...get(P), ...konst(0), ...mem(OP.i32Load, 2, CTRL + 64 + 4 * j), OP.i32Add);
    code.push(...konst(1), OP.i32Add, ...mem(OP.i32Store, 2, HIT_POS + j * LANE_BYTES * 4));
    code.push(...get(T), ...get(S(j)), ...konst(DELTA), OP.i32Sub, ...konst(2), OP.i32ShrU);
    code.push(...mem(OP.i32Store, 2, HIT_STATE + j * LANE_BYTES * 4));
    code.push(...konst(0), ...get(T), ...konst(4), OP.i32Add, ...mem(OP.i32Store, 2, CTRL + 32 + 4 * j));
    code.push(OP.end);
  }
  code.push(OP.end);
  code.push(...get(P), ...konst(1), OP.i32Add, OP.localTee, ...uleb(P), ...konst(LANE_BYTES), OP.i32LtU);
  code.push(OP.br_if, 0, OP.end, OP.end);
  for (let j = 0; j < lanes; j++) code.push(...konst(0), ...get(S(j)), ...mem(OP.i32Store, 2, CTRL + 4 * j));
  code.push(OP.end);
  const locals = vec([[...uleb(2 + lanes), OP.i32]]);
  const body = [...locals, ...code];
  return [...uleb(body.length), ...body];
}

/** A module importing `env.memory`, exporting `one` (1 lane) and `many` (`lanes` lanes). */
export function assembleModule(lanes: number, wideClasses: boolean): Uint8Array {
  if (lanes < 1 || lanes > MAX_LANES) throw new RangeError(`lanes must be 1..${MAX_LANES}`);
  const type = [0x60, ...vec([[OP.i32]]), ...vec([])];
  const memoryImport = [...bytesOf("env"), ...bytesOf("memory"), 0x02, 0x00, ...uleb(1)];
  const exportOf = (name: string, index: number) => [...bytesOf(name), 0x00, ...uleb(index)];
  return Uint8Array.from([
    0x00,
    0x61,
    0x73,
    0x6d,
    0x01,
    0x00,
    0x00,
    0x00,
    ...section(1, vec([type])),
    ...section(2, vec([memoryImport])),
    ...section(3, vec([[0], [0]])),
    ...section(7, vec([exportOf("one", 0), exportOf("many", 1)])),
    ...section(10, vec([lockstepBody(1, wideClasses), lockstepBody(lanes, wideClasses)])),
  ]);
}

/**
 * The part of the WebAssembly JS API used here. TypeScript declares it only with the DOM
 * library, which this project does not load; reading it off globalThis also covers a runtime
 * without it (node --jitless).
 */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => WasmModule;
  readonly Instance: new (module: WasmModule, imports: object) => { readonly exports: unknown };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
}
/** A compiled module (opaque). */
export type WasmModule = { readonly __wasmModule?: never };

const wasm = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

const compiled = new Map<string, WasmModule | null>();

/** The compiled module for a shape (cached); null where WebAssembly is unavailable (e.g. --jitless). */
export function lockstepModule(lanes: number, wideClasses: boolean): WasmModule | null {
  const key = `${lanes}:${wideClasses}`;
  let m = compiled.get(key);
  if (m === undefined) {
    m = null;
    try {
      if (wasm !== undefined) m = new wasm.Module(assembleModule(lanes, wideClasses));
    } catch {
      m = null;
    }
    compiled.set(key, m);
  }
  return m;
}

export interface LockstepKernel {
  readonly memory: WasmMemory;
  /** Runs lane 0 over n bytes of its slot. */
  readonly one: (n: number) => void;
  /** Runs every lane over n bytes of its slot. */
  readonly many: (n: number) => void;
}

/** An instance with its own memory, big enough for a table of `tableBytes`. */
export function instantiateKernel(module: WasmModule, tableBytes: number): LockstepKernel {
  if (wasm === undefined) throw new Error("WebAssembly is not available");
  const pages = Math.ceil((DELTA + tableBytes) / 65536);
  const memory = new wasm.Memory({ initial: pages });
  const inst = new wasm.Instance(module, { env: { memory } });
  const ex = inst.exports as { one: (n: number) => void; many: (n: number) => void };
  return { memory, one: ex.one, many: ex.many };
}
