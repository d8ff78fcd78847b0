/**
 * The ceilings on decoded output (docs/reader.md, Limits): bytes per object and the
 * decompressed/compressed ratio. Output up to a ceiling is still delivered, so records before it
 * count; then the object stops with DecompressionLimitError.
 */
import { DecompressionLimitError } from "../errors.ts";
import type { Compression } from "./sniff.ts";

/** Counters the caller can read even when decompression fails half-way. */
export interface DecompressStats {
  compression: Compression;
  compressedBytes: number;
  decompressedBytes: number;
}

export interface DecompressLimits {
  /** Names the object in errors. */
  readonly uri: string;
  readonly maxDecompressedBytes: number;
  /** 0 = off. Checked once more than RATIO_GRACE_BYTES have been decompressed. */
  readonly maxCompressionRatio: number;
}

/** Below this much output a high ratio is normal (tiny, repetitive objects) and not checked. */
export const RATIO_GRACE_BYTES = 64 << 20;

/** Wraps `sink` so that every decoded chunk is counted in `stats` and checked against the limits. */
export function limitedSink(
  limits: DecompressLimits,
  stats: DecompressStats,
  sink: (chunk: Buffer) => void,
): (chunk: Buffer) => void {
  const { uri, maxDecompressedBytes: max, maxCompressionRatio: ratio } = limits;
  return (chunk: Buffer): void => {
    if (chunk.length === 0) return;
    const room = max - stats.decompressedBytes;
    if (chunk.length > room) {
      // Scan up to the ceiling, so records before it still count, then stop the object.
      if (room > 0) {
        stats.decompressedBytes += room;
        sink(chunk.subarray(0, room));
      }
      throw new DecompressionLimitError(
        uri,
        `decompressed size exceeds maxDecompressedBytes (${max} bytes); ` +
          "raise the limit (--max-decompressed-bytes) if the object is legitimate",
        max,
        "maxDecompressedBytes",
      );
    }
    stats.decompressedBytes += chunk.length;
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
}
