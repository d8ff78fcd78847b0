/**
 * Byte stream -> decompressed chunks, pushed synchronously into a sink.
 *
 * Compression is sniffed from the magic bytes only (never the key's extension or Content-Type).
 * The sink is synchronous on purpose: the framer and the rules run inside it, so a chunk is
 * fully consumed before the next one is produced, and a decompressor that cannot be paused
 * mid-call (fzstd decodes a whole input chunk at once, and a zstd RLE block turns 4 bytes into
 * 128 KiB) never builds up output in memory.
 */
import { Readable } from "node:stream";
import { setImmediate as nextTick } from "node:timers/promises";
import zlib from "node:zlib";
import { Decompress as ZstdStreamDecoder } from "fzstd";
import {
  CorruptCompressedStreamError,
  DecompressionLimitError,
  IngestError,
  InputReadError,
  ScanAbortedError,
  UnsupportedCompressionError,
} from "./errors.ts";
import type { Compression } from "./result.ts";

/** What the caller's input may be: an S3 GetObject body, a file stream, any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array | string> | NodeJS.ReadableStream;

export type Sniffed =
  | { readonly kind: Compression }
  | { readonly kind: "unsupported"; readonly format: string };

interface Magic {
  readonly bytes: readonly number[];
  readonly format: string;
}

/** Longest magic below; the sniffer waits for this many bytes (or the end of the stream). */
export const SNIFF_BYTES = 10;

const UNSUPPORTED: readonly Magic[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], format: "zip" },
  { bytes: [0x50, 0x4b, 0x05, 0x06], format: "zip" }, // empty archive
  { bytes: [0x50, 0x4b, 0x07, 0x08], format: "zip" }, // spanned archive
  { bytes: [0x42, 0x5a, 0x68], format: "bzip2" },
  { bytes: [0x50, 0x41, 0x52, 0x31], format: "parquet" },
  { bytes: [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59], format: "snappy-framed" },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], format: "xz" },
  { bytes: [0x04, 0x22, 0x4d, 0x18], format: "lz4" },
  { bytes: [0x37, 0x7a, 0xbc, 0xaf, 0x27, 0x1c], format: "7z" },
];

function startsWith(head: Uint8Array, bytes: readonly number[]): boolean {
  if (head.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (head[i] !== bytes[i]) return false;
  return true;
}

/** Decides the compression from the first bytes of an object (give it SNIFF_BYTES if there are that many). */
export function sniffCompression(head: Uint8Array): Sniffed {
  if (startsWith(head, [0x1f, 0x8b])) return { kind: "gzip" };
  if (startsWith(head, [0x28, 0xb5, 0x2f, 0xfd])) return { kind: "zstd" };
  // zstd skippable frame (0x184D2A50..5F, little endian) at the start of a zstd stream.
  if (
    head.length >= 4 &&
    (head[0]! & 0xf0) === 0x50 &&
    head[1] === 0x2a &&
    head[2] === 0x4d &&
    head[3] === 0x18
  ) {
    return { kind: "zstd" };
  }
  for (const m of UNSUPPORTED)
    if (startsWith(head, m.bytes)) return { kind: "unsupported", format: m.format };
  return { kind: "none" };
}

export function hexMagic(head: Uint8Array, n = 4): string {
  return Array.from(head.subarray(0, n), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** zlib output chunk: large chunks keep the per-chunk overhead negligible (notes/performance.md). */
export const ZLIB_CHUNK_BYTES = 1 << 20;
/**
 * Decompressed bytes queued ahead of the scanner. While the scanner works on one chunk, zlib keeps
 * decompressing the next ones on the libuv thread pool; measured: 1.52 s with a 16 MiB buffer vs
 * 2.0 s with default stream buffers for 635 MB (notes/performance.md).
 */
export const QUEUE_HIGH_BYTES = 16 << 20;
const QUEUE_LOW_BYTES = 8 << 20;
/** The last TAIL_BYTES of a zlib-decoded object are written TAIL_WRITE_BYTES at a time (see the writer). */
const TAIL_BYTES = 64 * 1024;
const TAIL_WRITE_BYTES = 256;
const WAITING = Symbol("waiting");
/**
 * Tuning knobs. `smallObjectBytes`: gzip objects up to this compressed size (whose output fits
 * SMALL_OUTPUT_MAX_BYTES) are decoded in one step; 0 streams every object (tests use it to
 * exercise the stream path on small fixtures).
 */
export const decompressTuning = { smallObjectBytes: 256 * 1024 };
const SMALL_OUTPUT_MAX_BYTES = 16 << 20;
const SMALL_OBJECT_WAIT_MS = 2;

/** Counters the caller can read even when decompression fails half-way. */
export interface DecompressStats {
  compression: Compression;
  compressedBytes: number;
  decompressedBytes: number;
}

export interface DecompressOptions {
  /** Names the object in errors. */
  readonly uri: string;
  readonly maxDecompressedBytes: number;
  /** 0 = off. Checked once more than RATIO_GRACE_BYTES have been decompressed. */
  readonly maxCompressionRatio: number;
  readonly signal?: AbortSignal;
}

/** Below this much output a high ratio is normal (tiny, repetitive objects) and not checked. */
export const RATIO_GRACE_BYTES = 64 << 20;

type Next = () => Promise<Buffer | null>;

function toBuffer(c: unknown): Buffer {
  if (Buffer.isBuffer(c)) return c;
  if (c instanceof Uint8Array) return Buffer.from(c.buffer, c.byteOffset, c.byteLength);
  if (typeof c === "string") return Buffer.from(c, "utf8");
  throw new TypeError(`input chunk is ${c === null ? "null" : typeof c}, expected bytes (Uint8Array)`);
}

/** An async iterator over the input; a plain (sync) iterable of chunks is accepted too. */
function iteratorOf(source: unknown, uri: string): AsyncIterator<unknown> {
  const s = source as Partial<AsyncIterable<unknown> & Iterable<unknown>> | null;
  if (s !== null && typeof s === "object") {
    if (typeof s[Symbol.asyncIterator] === "function") return s[Symbol.asyncIterator]!();
    if (typeof s[Symbol.iterator] === "function" && !(s instanceof Uint8Array)) {
      const it = s[Symbol.iterator]!();
      return {
        next: async () => it.next(),
        return: async () => it.return?.() ?? { done: true, value: undefined },
      };
    }
  }
  throw new TypeError(`${uri}: scanObject input must be an async iterable of bytes or a Node Readable`);
}

/** Decoded bytes the output check looks at (longest: a UTF-32 BOM, or two NUL-interleaved UTF-16 units). */
const OUTPUT_HEAD_BYTES = 4;

/**
 * What the first decoded bytes say about the text, or undefined when they look like UTF-8/ASCII.
 * Without this check a second compression layer (CloudWatch Logs data is gzipped and Firehose may
 * gzip it again) or a UTF-16 export would be framed as garbage: a few "malformed" records and a
 * clean-looking scan whose hits were all lost.
 */
export function sniffOutput(
  head: Uint8Array,
  outer: Compression,
): { format: string; message: string } | undefined {
  const magic = hexMagic(head);
  if (outer !== "none") {
    const inner = sniffCompression(head);
    if (inner.kind !== "none") {
      const format = `${inner.kind === "unsupported" ? inner.format : inner.kind} inside ${outer}`;
      return {
        format,
        message:
          `unsupported compression: ${format} (decompressed bytes start ${magic}); ` +
          "the object is compressed twice: decompress the outer layer first (e.g. gunzip -c obj | gunzip -c)",
      };
    }
  }
  let encoding: string | undefined;
  let how = `BOM ${hexMagic(head, 2)}`;
  const b = (i: number) => (i < head.length ? head[i]! : -1);
  if (b(0) === 0xff && b(1) === 0xfe && b(2) === 0 && b(3) === 0) {
    encoding = "UTF-32LE";
    how = `BOM ${magic}`;
  } else if (b(0) === 0 && b(1) === 0 && b(2) === 0xfe && b(3) === 0xff) {
    encoding = "UTF-32BE";
    how = `BOM ${magic}`;
  } else if (b(0) === 0xff && b(1) === 0xfe) encoding = "UTF-16LE";
  else if (b(0) === 0xfe && b(1) === 0xff) encoding = "UTF-16BE";
  else if (head.length >= 4 && b(0) > 0 && b(1) === 0 && b(2) > 0 && b(3) === 0) {
    encoding = "UTF-16LE";
    how = `no BOM, NUL-interleaved: ${magic}`;
  } else if (head.length >= 4 && b(0) === 0 && b(1) > 0 && b(2) === 0 && b(3) > 0) {
    encoding = "UTF-16BE";
    how = `no BOM, NUL-interleaved: ${magic}`;
  }
  if (encoding === undefined) return undefined;
  return {
    format: encoding,
    message: `unsupported encoding: ${encoding} text (${how}); convert it to UTF-8 first (e.g. iconv -f ${encoding} -t UTF-8)`,
  };
}

/**
 * Reads `source`, decompresses it and calls `sink` with each decompressed chunk, in order.
 * Throws an IngestError subclass for object-level failures (after delivering every byte decoded
 * before the failure); rethrows whatever the sink throws. `stats` is updated as it goes.
 * Decoded output that is compressed again, or UTF-16/UTF-32 text, fails the object with
 * UnsupportedCompressionError before any of it reaches the sink.
 */
export async function decompressTo(
  source: ByteSource,
  sink: (chunk: Buffer) => void,
  options: DecompressOptions,
  stats: DecompressStats,
): Promise<void> {
  // The first OUTPUT_HEAD_BYTES decoded bytes are held until they can be checked (chunks may be
  // one byte each), so nothing of a refused object is framed.
  let held: Buffer[] | null = [];
  let heldLen = 0;
  const check = (): void => {
    if (held === null) return;
    const head = held.length === 1 ? held[0]! : Buffer.concat(held, heldLen);
    held = null;
    const bad = sniffOutput(head, stats.compression);
    if (bad !== undefined) {
      throw new UnsupportedCompressionError(options.uri, bad.format, hexMagic(head), bad.message);
    }
    if (head.length > 0) sink(head);
  };
  const guarded = (chunk: Buffer): void => {
    if (held === null) {
      sink(chunk);
      return;
    }
    if (heldLen === 0 && chunk.length >= OUTPUT_HEAD_BYTES) {
      // The usual case: the first chunk is long enough to be checked as it is (no copy).
      held = [chunk];
      heldLen = chunk.length;
      check();
      return;
    }
    // Copied: the decoder may reuse its buffer for the next chunk.
    held.push(Buffer.from(chunk));
    heldLen += chunk.length;
    if (heldLen >= OUTPUT_HEAD_BYTES) check();
  };
  try {
    await decompressStage(source, guarded, options, stats);
  } catch (e) {
    // A damaged stream's decoded bytes are still scanned (the caller ends the framer): hand over
    // what was held, unless it is refused.
    if (e instanceof CorruptCompressedStreamError) check();
    throw e;
  }
  check();
}

async function decompressStage(
  source: ByteSource,
  sink: (chunk: Buffer) => void,
  options: DecompressOptions,
  stats: DecompressStats,
): Promise<void> {
  const { uri, signal } = options;
  const iterator = iteratorOf(source, uri);
  let finished = false;
  let copyInput = false;
  // An abort must also end a wait on a stalled input (a network body that sends nothing).
  let aborted: Promise<never> | undefined;
  let onAbort: (() => void) | undefined;
  if (signal !== undefined) {
    aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(new ScanAbortedError(uri, signal.reason));
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
    aborted.catch(() => {});
  }
  const next: Next = async () => {
    let r: IteratorResult<unknown>;
    try {
      r = await (aborted === undefined ? iterator.next() : Promise.race([iterator.next(), aborted]));
    } catch (e) {
      if (e instanceof ScanAbortedError) throw e;
      throw new InputReadError(uri, e);
    }
    if (r.done) {
      finished = true;
      return null;
    }
    const b = toBuffer(r.value);
    // Compressed input is held across reads (look-ahead, zlib's write queue, fzstd's partial
    // block): from a plain async iterable it is copied, so a caller that reuses its buffer for
    // the next chunk cannot change bytes we still hold.
    return copyInput ? Buffer.from(b) : b;
  };
  const checkAbort = () => {
    if (signal?.aborted) throw new ScanAbortedError(uri, signal.reason);
  };

  const deliver = (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    const room = options.maxDecompressedBytes - stats.decompressedBytes;
    if (chunk.length > room) {
      // Scan up to the ceiling, so records before it still count, then stop the object.
      if (room > 0) {
        stats.decompressedBytes += room;
        sink(chunk.subarray(0, room));
      }
      throw new DecompressionLimitError(
        uri,
        `decompressed size exceeds maxDecompressedBytes (${options.maxDecompressedBytes} bytes); ` +
          "raise the limit (--max-decompressed-bytes) if the object is legitimate",
        options.maxDecompressedBytes,
        "maxDecompressedBytes",
      );
    }
    stats.decompressedBytes += chunk.length;
    const ratio = options.maxCompressionRatio;
    if (
      ratio > 0 &&
      stats.decompressedBytes > RATIO_GRACE_BYTES &&
      stats.decompressedBytes > ratio * Math.max(stats.compressedBytes, 1)
    ) {
      throw new DecompressionLimitError(
        uri,
        `decompressed/compressed ratio exceeds maxCompressionRatio (${ratio}): ` +
          `${stats.decompressedBytes} bytes from ${stats.compressedBytes}; likely a decompression bomb`,
        ratio,
        "maxCompressionRatio",
      );
    }
    sink(chunk);
  };

  try {
    checkAbort();
    // Sniff: gather the first SNIFF_BYTES (chunks may be a single byte each).
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < SNIFF_BYTES) {
      const c = await next();
      if (c === null) break;
      if (c.length === 0) continue;
      head.push(headLen + c.length < SNIFF_BYTES ? Buffer.from(c) : c);
      headLen += c.length;
    }
    let first = head.length === 1 ? head[0]! : Buffer.concat(head, headLen);
    stats.compressedBytes = headLen;
    const sniffed = sniffCompression(first);
    if (sniffed.kind === "unsupported") {
      throw new UnsupportedCompressionError(uri, sniffed.format, hexMagic(first));
    }
    stats.compression = sniffed.kind;
    // A Node Readable hands over its chunks for good (stream contract), so no copy is needed.
    copyInput = sniffed.kind !== "none" && !(source instanceof Readable);
    if (copyInput && head.length === 1) first = Buffer.from(first);
    switch (sniffed.kind) {
      case "none":
        await copyPlain(first, next, deliver, stats, checkAbort);
        return;
      case "gzip": {
        // A small object (one PUT of a few KB is common) is decoded in one step: a zlib stream
        // costs a 1 MiB output buffer and several thread-pool round trips, about 10x the work
        // of the decoding itself for 1 KB. Anything unusual (damage, a large output) falls back
        // to the stream, which then reports it exactly as for a large object.
        // Only what is there without waiting is gathered: a body that makes us wait is streamed.
        const pieces = [first];
        let len = first.length;
        let then: Next = next;
        try {
          while (!finished && len <= decompressTuning.smallObjectBytes) {
            checkAbort();
            const p = next();
            // A short grace: a file or in-memory body reports its end within it; a network
            // body that makes us wait longer is streamed.
            let timer: NodeJS.Timeout | undefined;
            const c = await Promise.race([
              p,
              new Promise<typeof WAITING>((resolve) => {
                timer = setTimeout(resolve, SMALL_OBJECT_WAIT_MS, WAITING);
              }),
            ]).finally(() => clearTimeout(timer));
            if (c === WAITING) {
              let waiting: Promise<Buffer | null> | undefined = p;
              then = () => {
                const w = waiting;
                waiting = undefined;
                return w ?? next();
              };
              break;
            }
            if (c === null) break;
            const piece = c as Buffer;
            pieces.push(piece);
            len += piece.length;
            stats.compressedBytes += piece.length;
          }
        } catch (e) {
          // A read error: decode what arrived, then report it (as the stream path does).
          if (!(e instanceof InputReadError)) throw e;
          then = () => Promise.reject(e);
        }
        const start = pieces.length === 1 ? first : Buffer.concat(pieces, len);
        if (finished && len <= decompressTuning.smallObjectBytes) {
          let out: Buffer | undefined;
          try {
            out = zlib.gunzipSync(start, {
              maxOutputLength: Math.min(options.maxDecompressedBytes, SMALL_OUTPUT_MAX_BYTES),
            });
          } catch {
            out = undefined;
          }
          if (out !== undefined) {
            deliver(out);
            return;
          }
        }
        await throughZlib(
          zlib.createGunzip({ chunkSize: ZLIB_CHUNK_BYTES }),
          "gzip",
          start,
          then,
          deliver,
          options,
          stats,
        );
        return;
      }
      case "zstd": {
        const native = nativeZstd();
        if (native !== undefined) {
          await throughZlib(native(), "zstd", first, next, deliver, options, stats);
        } else {
          await throughFzstd(first, next, deliver, options, stats, checkAbort);
        }
        return;
      }
      default:
        throw new TypeError(`unhandled compression ${JSON.stringify(sniffed)}`);
    }
  } finally {
    if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
    if (!finished) {
      // We stopped early (failure, limit, abort): release the input (an S3 body holds a socket).
      const s = source as { destroy?: () => void };
      if (typeof s.destroy === "function") s.destroy();
      else void iterator.return?.()?.catch(() => {});
    }
  }
}

async function copyPlain(
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  stats: DecompressStats,
  checkAbort: () => void,
): Promise<void> {
  deliver(first);
  for (;;) {
    checkAbort();
    const c = await next();
    if (c === null) return;
    stats.compressedBytes += c.length;
    deliver(c);
  }
}

type ZstdFactory = () => zlib.Gunzip;

/** node:zlib has zstd from Node 22.15 (the Lambda runtime); Node 20 falls back to fzstd. */
function nativeZstd(): ZstdFactory | undefined {
  if (process.env.EDR_SCANNER_FORCE_FZSTD === "1") return undefined;
  const create = (zlib as unknown as Record<string, unknown>)["createZstdDecompress"];
  if (typeof create !== "function") return undefined;
  return () => (create as (o: object) => zlib.Gunzip)({ chunkSize: ZLIB_CHUNK_BYTES });
}

/**
 * Feeds the input into a zlib stream and drains its output through our own queue. We do not
 * iterate the stream with `for await`: once a zlib stream errors, its async iterator drops the
 * output still buffered, and that output holds the last good records before the damage.
 */
async function throughZlib(
  z: zlib.Gunzip,
  name: string,
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  options: DecompressOptions,
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

  let pending: Buffer | null = null;
  const writer = (async () => {
    try {
      // One piece of look-ahead, so that the end of the object can be written in small steps
      // (below). While the input makes us wait (a network body), all but the last TAIL_BYTES of
      // the held piece go to zlib, so at most 64 KiB of compressed input waits for the next
      // piece (or the end, or a read error, which also writes it).
      let held: Buffer = first;
      pending = held;
      while (!stop) {
        const p = next();
        let c = await Promise.race([p, nextTick().then(() => WAITING)]);
        if (c === WAITING) {
          if (held.length > TAIL_BYTES) {
            if (!z.write(held.subarray(0, held.length - TAIL_BYTES))) await drained(z);
            held = held.subarray(held.length - TAIL_BYTES);
            pending = held;
          }
          c = await p;
        }
        if (c === null) break;
        if (stop) return;
        const piece = c as Buffer;
        stats.compressedBytes += piece.length;
        if (!z.write(held)) await drained(z);
        held = piece;
        pending = held;
      }
      pending = null;
      // node:zlib drops the output of a decoding step that fails. Bytes after the last gzip
      // member that are not zero padding fail the step that ends the member, so the tail of
      // the object goes in small writes: such junk then costs at most one small step's output
      // (a few records) instead of up to a whole 1 MiB chunk.
      const tail = Math.max(0, held.length - TAIL_BYTES);
      if (tail > 0 && !stop && !z.write(held.subarray(0, tail))) await drained(z);
      for (let off = tail; off < held.length && !stop; off += TAIL_WRITE_BYTES) {
        if (!z.write(held.subarray(off, Math.min(held.length, off + TAIL_WRITE_BYTES)))) await drained(z);
      }
      // Let every write be decoded before end(): the last write would otherwise carry the
      // finish flag, and a truncated stream would fail in the step that decodes it, losing its
      // output; after a flush, a truncation fails in an empty step.
      if (!stop && !z.destroyed) await flushed(z);
      if (!stop && !z.destroyed) z.end();
    } catch (e) {
      // Decode what zlib was already given before reporting the read error: those bytes
      // hold records that were delivered intact.
      if (!(stop || z.destroyed || e instanceof ScanAbortedError) && pending !== null) z.write(pending);
      if (stop || z.destroyed || e instanceof ScanAbortedError) {
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

  options.signal?.addEventListener("abort", notify);
  try {
    for (;;) {
      if (options.signal?.aborted) throw new ScanAbortedError(options.uri, options.signal.reason);
      const c = queue.shift();
      if (c !== undefined) {
        queued -= c.length;
        if (z.isPaused() && queued < QUEUE_LOW_BYTES) z.resume();
        deliver(c);
        // Give zlib's completion callbacks a turn so the thread pool never idles while we scan.
        if (queue.length > 0) await nextTick();
        continue;
      }
      if (zError !== undefined) {
        // Only the decoder emits errors on this stream (input errors are kept apart by the
        // writer), so whatever its code (Z_*, ZSTD_*, ERR_*), the compressed data is bad.
        throw new CorruptCompressedStreamError(
          options.uri,
          name,
          zError.message,
          stats.compressedBytes,
          zError,
        );
      }
      if (inputError !== undefined) throw inputError;
      if (ended) return;
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    stop = true;
    options.signal?.removeEventListener("abort", notify);
    z.destroy();
    // Not awaited: the writer may be waiting on a stalled input, which the caller now destroys.
    void writer;
  }
}

/** Resolves when everything written so far has been decoded (or the stream closed/errored). */
function flushed(z: zlib.Gunzip): Promise<void> {
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
function drained(z: zlib.Gunzip): Promise<void> {
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

/** zstd's own default ceiling for a decoder's window (windowLogMax 27); node:zlib enforces it too. */
export const ZSTD_MAX_WINDOW_BYTES = 128 * 1024 * 1024;

/**
 * The window a zstd frame header asks for (the memory fzstd allocates for it), or undefined when
 * `b` does not start with a complete frame header (a skippable frame, or too few bytes).
 */
export function zstdFrameWindowBytes(b: Uint8Array): number | undefined {
  if (b.length < 6 || b[0] !== 0x28 || b[1] !== 0xb5 || b[2] !== 0x2f || b[3] !== 0xfd) return undefined;
  const fhd = b[4]!;
  const single = (fhd >> 5) & 1;
  if (!single) {
    const wd = b[5]!;
    const base = 2 ** (10 + (wd >> 3));
    return base + (base / 8) * (wd & 7);
  }
  // Single segment: the window is the frame content size.
  const dictBytes = [0, 1, 2, 4][fhd & 3]!;
  const fcsFlag = fhd >> 6;
  const fcsBytes = [1, 2, 4, 8][fcsFlag]!;
  const at = 5 + dictBytes;
  if (b.length < at + fcsBytes) return undefined;
  let size = 0;
  for (let i = fcsBytes - 1; i >= 0; i--) size = size * 256 + b[at + i]!;
  return fcsFlag === 1 ? size + 256 : size;
}

async function throughFzstd(
  first: Buffer,
  next: Next,
  deliver: (c: Buffer) => void,
  options: DecompressOptions,
  stats: DecompressStats,
  checkAbort: () => void,
): Promise<void> {
  // fzstd allocates the frame's whole window up front (up to 2 GiB for zstd --long=31): refuse
  // what zstd itself refuses by default. Only the first frame's header is checked here.
  while (first.length < 18) {
    const c = await next();
    if (c === null) break;
    stats.compressedBytes += c.length;
    first = Buffer.concat([first, c]);
  }
  const window = zstdFrameWindowBytes(first);
  if (window !== undefined && window > ZSTD_MAX_WINDOW_BYTES) {
    throw new DecompressionLimitError(
      options.uri,
      `zstd frame needs a ${Math.ceil(window / 1048576)} MiB window, more than the ${ZSTD_MAX_WINDOW_BYTES / 1048576} MiB ` +
        "a decoder accepts by default; recompress without --long (or with --long=27 or less)",
      ZSTD_MAX_WINDOW_BYTES,
      "zstd window",
    );
  }
  let sinkError: unknown;
  const decoder = new ZstdStreamDecoder((block: Uint8Array) => {
    // fzstd hands out a fresh array per block; no copy needed.
    try {
      deliver(Buffer.from(block.buffer, block.byteOffset, block.byteLength));
    } catch (e) {
      sinkError = e;
      throw e;
    }
  });
  const push = (c: Uint8Array, final: boolean): void => {
    try {
      decoder.push(c, final);
    } catch (e) {
      if (e === sinkError || e instanceof IngestError) throw e;
      const reason = e instanceof Error ? e.message : String(e);
      throw new CorruptCompressedStreamError(options.uri, "zstd", reason, stats.compressedBytes, e);
    }
  };
  push(first, false);
  for (;;) {
    checkAbort();
    const c = await next();
    if (c === null) break;
    stats.compressedBytes += c.length;
    push(c, false);
  }
  push(new Uint8Array(0), true);
}
