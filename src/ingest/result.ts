/** What scanning one object produces. Object-level failure is a value here, never a throw. */
import type { Alert } from "../alerts/alert.ts";
import type { SourceOption } from "../sources/index.ts";

export type { SourceName, SourceOption } from "../sources/index.ts";
export type Compression = "gzip" | "zstd" | "none";

export interface ScanOptions {
  /** Names the object in alerts and errors: a file path or s3://bucket/key. */
  readonly uri: string;
  /** S3 version id or ETag; part of each alert id. */
  readonly version?: string;
  /** Compiled rules (src/rules). */
  readonly rules: readonly import("../rules/index.ts").Rule[];
  /** Source of every record, or "auto" (default) to detect per record. */
  readonly source?: SourceOption;
  /** Longest record accepted, in bytes (default 8 MiB); longer ones are skipped and counted. */
  readonly maxRecordBytes?: number;
  /** Ceiling on decompressed bytes for the object (default 64 GiB); beyond it the object fails. */
  readonly maxDecompressedBytes?: number;
  /**
   * Ceiling on decompressed/compressed bytes, checked once 64 MiB have been decompressed
   * (default 0 = off); beyond it the object fails with "decompression-limit".
   */
  readonly maxCompressionRatio?: number;
  /** Emulate Elasticsearch's keyword ignore_above (values longer than N UTF-16 units have no value). */
  readonly ignoreAbove?: number;
  /** Called for each alert as soon as it is found (the result also lists them). */
  readonly onAlert?: (alert: Alert) => void;
  /** Called now and then with decompressed bytes so far (for progress lines). */
  readonly onProgress?: (p: { compressedBytes: number; decompressedBytes: number; records: number }) => void;
  readonly signal?: AbortSignal;
}

export interface ScanFailure {
  /**
   * Machine-readable kind: "unsupported-compression", "corrupt-compressed-stream",
   * "decompression-limit", "read-error" or "aborted" (src/ingest/errors.ts ScanFailureKind).
   */
  readonly kind: string;
  /** Human message naming the object and the reason. */
  readonly message: string;
}

export interface ScanResult {
  readonly uri: string;
  readonly compression: Compression;
  /** Framing detected, e.g. "ndjson", "json-array", "records-wrapper", "es-hits", "concatenated", "cloudwatch-logs". */
  readonly framing: string;
  readonly compressedBytes: number;
  readonly decompressedBytes: number;
  /** Records framed (including malformed and skipped ones). */
  readonly records: number;
  readonly malformed: number;
  /** The first few 1-based ordinals of malformed records, with a short reason each. */
  readonly malformedSamples: readonly { readonly record: number; readonly reason: string }[];
  /** Records longer than maxRecordBytes. */
  readonly skipped: number;
  readonly skippedSamples: readonly { readonly record: number; readonly bytes: number }[];
  readonly alerts: readonly Alert[];
  readonly durationMs: number;
  /** Set when the object could not be read to its end; alerts found before the damage are kept. */
  readonly failure?: ScanFailure;
}
