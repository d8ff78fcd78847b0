/**
 * Byte stream -> decompressed chunks, pushed synchronously into a sink.
 *
 * Compression is sniffed from the magic bytes only (sniff.ts). The sink is synchronous on
 * purpose: the framer and the rules run inside it, so a chunk is fully consumed before the next
 * one is produced, and a decompressor that cannot be paused mid-call (fzstd decodes a whole input
 * chunk at once, and a zstd RLE block turns 4 bytes into 128 KiB) never builds up output in memory.
 */

import zlib from "node:zlib";
import { CorruptCompressedStreamError, DamagedTailError, UnsupportedCompressionError } from "../errors.ts";
import { throughZlib, ZLIB_CHUNK_BYTES } from "./gzip.ts";
import { type ByteSource, type Input, type Next, openInput } from "./input.ts";
import { type DecompressLimits, type DecompressStats, limitedSink } from "./limits.ts";
import { decodeSmallGzip, gatherSmall, SMALL_GZIP_BYTES, SMALL_OUTPUT_MAX_BYTES } from "./small-gzip.ts";
import { hexMagic, OUTPUT_HEAD_BYTES, SNIFF_BYTES, sniffCompression, sniffOutput } from "./sniff.ts";
import { throughZstd, type ZstdDecoderChoice } from "./zstd.ts";

export { QUEUE_HIGH_BYTES, ZLIB_CHUNK_BYTES } from "./gzip.ts";
export type { ByteSource } from "./input.ts";
export { type DecompressLimits, type DecompressStats, RATIO_GRACE_BYTES } from "./limits.ts";
export { gzipHeaderLength, SMALL_GZIP_BYTES } from "./small-gzip.ts";
export {
  type Compression,
  hexMagic,
  SNIFF_BYTES,
  type Sniffed,
  sniffCompression,
  sniffOutput,
} from "./sniff.ts";
export {
  ZSTD_MAX_WINDOW_BYTES,
  type ZstdDecoderChoice,
  ZstdFrameWalker,
  zstdFrameWindowBytes,
} from "./zstd.ts";

/**
 * Choices that change how, not what, the reader decodes: results are the same either way. Tests
 * and benchmarks use them to exercise a road they could not reach otherwise.
 */
export interface DecompressTuning {
  /**
   * gzip objects up to this compressed size (whose output fits 16 MiB) are decoded in one step;
   * 0 streams every object. Default SMALL_GZIP_BYTES (256 KiB).
   */
  readonly smallGzipBytes?: number;
  /** "auto" (default): node:zlib's zstd where it exists, else fzstd; "fzstd" forces fzstd. */
  readonly zstdDecoder?: ZstdDecoderChoice;
}

export interface DecompressOptions extends DecompressLimits {
  readonly signal?: AbortSignal | undefined;
  readonly tuning?: DecompressTuning | undefined;
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
    if (e instanceof CorruptCompressedStreamError || e instanceof DamagedTailError) check();
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
  const input = openInput(source, uri, signal);
  const deliver = limitedSink(options, stats, sink);
  try {
    input.checkAbort();
    // Sniff: gather the first SNIFF_BYTES (chunks may be a single byte each).
    const head: Buffer[] = [];
    let headLen = 0;
    while (headLen < SNIFF_BYTES) {
      const c = await input.next();
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
    if (sniffed.kind !== "none" && input.copyFromNowOn() && head.length === 1) first = Buffer.from(first);
    switch (sniffed.kind) {
      case "none":
        await copyPlain(first, input, deliver, stats);
        return;
      case "gzip":
        await gunzip(first, input, deliver, options, stats);
        return;
      case "zstd":
        await throughZstd(
          first,
          input.next,
          deliver,
          { uri, signal, decoder: options.tuning?.zstdDecoder ?? "auto", checkAbort: input.checkAbort },
          stats,
        );
        return;
      default:
        throw new TypeError(`unhandled compression ${JSON.stringify(sniffed)}`);
    }
  } finally {
    // We stopped early (failure, limit, abort): release the input (an S3 body holds a socket).
    input.release();
  }
}

async function copyPlain(
  first: Buffer,
  input: Input,
  deliver: (c: Buffer) => void,
  stats: DecompressStats,
): Promise<void> {
  deliver(first);
  for (;;) {
    input.checkAbort();
    const c = await input.next();
    if (c === null) return;
    stats.compressedBytes += c.length;
    deliver(c);
  }
}

async function gunzip(
  first: Buffer,
  input: Input,
  deliver: (c: Buffer) => void,
  options: DecompressOptions,
  stats: DecompressStats,
): Promise<void> {
  const small = options.tuning?.smallGzipBytes ?? SMALL_GZIP_BYTES;
  let start = first;
  let rest: Next = input.next;
  if (small > 0) {
    const g = await gatherSmall(first, input, small, stats);
    start = g.body;
    rest = g.rest;
    if (g.whole) {
      const d = decodeSmallGzip(start, Math.min(options.maxDecompressedBytes, SMALL_OUTPUT_MAX_BYTES));
      if (d !== undefined) {
        deliver(d.out);
        if (d.junkAt !== undefined) {
          throw new DamagedTailError(
            options.uri,
            "gzip",
            `the ${start.length - d.junkAt} bytes after the last complete gzip member (from compressed byte ${d.junkAt}) are not gzip data`,
            d.junkAt,
          );
        }
        return;
      }
    }
  }
  await throughZlib(
    zlib.createGunzip({ chunkSize: ZLIB_CHUNK_BYTES }),
    "gzip",
    start,
    rest,
    deliver,
    { uri: options.uri, signal: options.signal },
    stats,
  );
}
