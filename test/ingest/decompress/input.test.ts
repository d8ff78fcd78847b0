/**
 * The input's reads with an AbortSignal (issue 12 item 1): a chunk the sink has consumed must be
 * collectable while the object is still being read. Checked with WeakRefs and a forced full GC,
 * which is deterministic for unreachable objects (no timing, no RSS threshold).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import v8 from "node:v8";
import vm from "node:vm";
import { type DecompressStats, decompressTo, ScanAbortedError } from "../../../src/ingest/index.ts";

v8.setFlagsFromString("--expose-gc");
const gc = vm.runInNewContext("gc") as () => void;

const CHUNKS = 40;

/** Yields 256 KiB chunks of NDJSON-looking text; from chunk 10 on, counts how many earlier ones survive a GC. */
async function* tracked(alive: number[]): AsyncGenerator<Buffer> {
  const refs: WeakRef<Buffer>[] = [];
  for (let i = 0; i < CHUNKS; i++) {
    if (i >= 10) {
      // A macrotask first: WeakRef targets touched in the current job are kept until it ends.
      await new Promise((r) => setImmediate(r));
      gc();
      alive.push(refs.filter((r) => r.deref() !== undefined).length);
    }
    const chunk = Buffer.alloc(256 * 1024, `{"n":${i}}\n`);
    refs.push(new WeakRef(chunk));
    yield chunk;
  }
}

const stats = (): DecompressStats => ({ compression: "none", compressedBytes: 0, decompressedBytes: 0 });
const limits = { uri: "mem://x", maxDecompressedBytes: 1e12, maxCompressionRatio: 0 };

describe("reads with an AbortSignal keep no chunk alive", () => {
  for (const withSignal of [false, true]) {
    test(`consumed chunks are collectable while reading (signal: ${withSignal})`, async () => {
      const alive: number[] = [];
      let bytes = 0;
      const ac = new AbortController();
      await decompressTo(
        tracked(alive),
        (c) => {
          bytes += c.length;
        },
        { ...limits, ...(withSignal ? { signal: ac.signal } : {}) },
        stats(),
      );
      assert.equal(bytes, CHUNKS * 256 * 1024);
      assert.equal(alive.length, CHUNKS - 10);
      // The generator's own local and the sniffed head may keep one or two; a leak keeps them all.
      assert.ok(Math.max(...alive) <= 3, `chunks alive at each check: ${alive.join(",")}`);
    });
  }

  test("an abort still ends a read that waits on a stalled input", async () => {
    const ac = new AbortController();
    async function* stalled(): AsyncGenerator<Buffer> {
      yield Buffer.from('{"a":1}\n');
      setTimeout(() => ac.abort(new Error("deadline")), 20);
      await new Promise(() => {});
    }
    await assert.rejects(
      decompressTo(stalled(), () => {}, { ...limits, signal: ac.signal }, stats()),
      (e: unknown) => e instanceof ScanAbortedError && /deadline/.test(e.message),
    );
  });
});
