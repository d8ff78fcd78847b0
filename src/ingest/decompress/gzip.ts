/**
 * Streaming through node:zlib (gzip, and zstd where node:zlib has it): the input is written from
 * one async loop and the output drained by another through our own bounded queue, so zlib keeps
 * decoding on the thread pool while the scanner works on the previous chunk.
 */
import { setImmediate as nextTick } from "node:timers/promises";
import zlib from "node:zlib";
import { CorruptCompressedStreamError, DamagedTailError, ScanAbortedError } from "../errors.ts";
import type { Next } from "./input.ts";
import type { DecompressStats } from "./limits.ts";

/** zlib output chunk: large chunks keep the per-chunk overhead negligible (docs/performance.md). */
export const ZLIB_CHUNK_BYTES = 1 << 20;
/**
 * Decompressed bytes queued ahead of the scanner. While the scanner works on one chunk, zlib keeps
 * decompressing the next ones on the libuv thread pool; measured: 1.52 s with a 16 MiB buffer vs
 * 2.0 s with default stream buffers for 635 MB (docs/performance.md).
 */
export const QUEUE_HIGH_BYTES = 16 << 20;
const QUEUE_LOW_BYTES = 8 << 20;
/** The last TAIL_BYTES of a zlib-decoded object are written in small steps (see `tailStep`). */
const TAIL_BYTES = 64 * 1024;
const WAITING = Symbol("waiting");

/**
 * Size of the next write when `left` bytes of the object remain. node:zlib drops the output of a
 * decoding step that fails, and bytes after the last gzip member that are not zero padding fail
 * the step that ends the member: the steps shrink towards the end so that such junk costs at most
 * one small step's output, and nothing at all when it is at most 64 bytes long (`printf XYZ`):
 * the member's last byte is then decoded in a step of its own. About 380 writes per object.
 */
function tailStep(left: number): number {
  if (left > 1024) return 256;
  if (left > 64) return 16;
  return 1;
}

/** A zlib decoder, as node:zlib's createGunzip and createZstdDecompress return. */
export type ZlibDecoder = zlib.Gunzip;

export interface ZlibRun {
  readonly uri: string;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Feeds the input into a zlib stream and drains its output through our own queue. We do not
 * iterate the stream with `for await`: once a zlib stream errors, its async iterator drops the
 * output still buffered, and that output holds the last good records before the damage.
 */
export async function throughZlib(
  z: ZlibDecoder,
  name: "gzip" | "zstd",
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  run: ZlibRun,
  stats: DecompressStats,
): Promise<void> {
  const queue: Buffer[] = [];
  let queued = 0;
  let zError: Error | undefined;
  let inputError: unknown;
  let ended = false;
  let stop = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  z.on("data", (c: Buffer) => {
    queue.push(c);
    queued += c.length;
    if (queued >= QUEUE_HIGH_BYTES) z.pause();
    notify();
  });
  z.on("end", () => {
    ended = true;
    notify();
  });
  z.on("error", (e: Error) => {
    zError = e;
    notify();
  });

  // Look-ahead: the pieces not yet written, at least the last TAIL_BYTES of what was read, so
  // that the end of the object can be written in small steps (tailStep) whatever the size of the
  // last reads.
  let held: Buffer[] = [first];
  let heldLen = first.length;
  /** Writes all but the last `keep` bytes held (splitting a piece if needed). */
  const writeAllBut = async (keep: number): Promise<void> => {
    while (heldLen > keep && !stop) {
      const b = held[0]!;
      const excess = heldLen - keep;
      const part = b.length <= excess ? b : b.subarray(0, excess);
      if (part === b) held.shift();
      else held[0] = b.subarray(excess);
      heldLen -= part.length;
      if (!z.write(part)) await drained(z);
    }
  };
  const writer = (async () => {
    try {
      while (!stop) {
        const p = next();
        let c = await Promise.race([p, nextTick().then(() => WAITING)]);
        if (c === WAITING) {
          // The input makes us wait (a network body): let zlib have all but the tail meanwhile.
          await writeAllBut(TAIL_BYTES);
          c = await p;
        }
        if (c === null) break;
        if (stop) return;
        const piece = c as Buffer;
        stats.compressedBytes += piece.length;
        held.push(piece);
        heldLen += piece.length;
        // Whole pieces go as they came while at least TAIL_BYTES stay held.
        while (held.length > 1 && heldLen - held[0]!.length >= TAIL_BYTES && !stop) {
          const b = held.shift()!;
          heldLen -= b.length;
          if (!z.write(b)) await drained(z);
        }
      }
      await writeAllBut(TAIL_BYTES);
      const tail = held.length === 1 ? held[0]! : Buffer.concat(held, heldLen);
      held = [];
      heldLen = 0;
      for (let off = 0; off < tail.length && !stop; ) {
        const end = Math.min(tail.length, off + tailStep(tail.length - off));
        if (!z.write(tail.subarray(off, end))) await drained(z);
        off = end;
      }
      // Let every write be decoded before end(): the last write would otherwise carry the
      // finish flag, and a truncated stream would fail in the step that decodes it, losing its
      // output; after a flush, a truncation fails in an empty step.
      if (!stop && !z.destroyed) await flushed(z);
      if (!stop && !z.destroyed) z.end();
    } catch (e) {
      // Decode what was read before reporting the read error: those bytes hold records that
      // were delivered intact.
      const quit = stop || z.destroyed || e instanceof ScanAbortedError;
      if (!quit) for (const b of held) z.write(b);
      held = [];
      if (quit) {
        inputError = e;
        notify();
        return;
      }
      z.flush(zlib.constants.Z_SYNC_FLUSH, () => {
        inputError = e;
        notify();
      });
    }
  })();

  const signal = run.signal;
  signal?.addEventListener("abort", notify);
  try {
    for (;;) {
      if (signal?.aborted) throw new ScanAbortedError(run.uri, signal.reason);
      const c = queue.shift();
      if (c !== undefined) {
        queued -= c.length;
        if (z.isPaused() && queued < QUEUE_LOW_BYTES) z.resume();
        deliver(c);
        // Give zlib's completion callbacks a turn so the thread pool never idles while we scan.
        if (queue.length > 0) await nextTick();
        continue;
      }
      if (zError !== undefined) throw decoderError(run.uri, name, zError, stats);
      if (inputError !== undefined) throw inputError;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stop = true;
    signal?.removeEventListener("abort", notify);
    z.destroy();
    // Not awaited: the writer may be waiting on a stalled input, which the caller now destroys.
    void writer;
  }
}

/**
 * Only the decoder emits errors on its stream (input errors are kept apart by the writer), so
 * whatever its code (Z_*, ZSTD_*, ERR_*), the compressed data is bad. A gzip stream whose first
 * bytes were sniffed as `1f 8b` reports "incorrect header check" only for a later member: bytes
 * after a complete member that are not gzip data, i.e. a damaged tail.
 */
function decoderError(uri: string, name: string, e: Error, stats: DecompressStats): Error {
  if (name === "gzip" && e.message === "incorrect header check") {
    return new DamagedTailError(
      uri,
      "gzip",
      "bytes after a complete gzip member are not gzip data",
      undefined,
      e,
    );
  }
  return new CorruptCompressedStreamError(uri, name, e.message, stats.compressedBytes, e);
}

/** Resolves when everything written so far has been decoded (or the stream closed/errored). */
function flushed(z: ZlibDecoder): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      z.off("close", done);
      z.off("error", done);
      resolve();
    };
    z.on("close", done);
    z.on("error", done);
    z.flush(done);
  });
}

/** Resolves when the writable side can take more, or when it will never (closed/errored). */
function drained(z: ZlibDecoder): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      z.off("drain", done);
      z.off("close", done);
      z.off("error", done);
      resolve();
    };
    z.on("drain", done);
    z.on("close", done);
    z.on("error", done);
  });
}
