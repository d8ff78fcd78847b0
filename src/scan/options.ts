/** scanObject's options: defaults plus overrides, validated once (ARCHITECTURE.md, house style 9). */
import type { Alert } from "../alerts/index.ts";
import type { DecompressTuning } from "../ingest/index.ts";
import type { Rule } from "../rules/index.ts";
import { SOURCE_OPTIONS, type SourceOption } from "../sources/index.ts";
import type { SequenceSink } from "./sequences.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export interface ScanProgress {
  readonly compressedBytes: number;
  readonly decompressedBytes: number;
  readonly records: number;
}

export interface ScanOptions {
  /** Names the object in alerts and errors: a file path or s3://bucket/key. */
  readonly uri: string;
  /** S3 version id or ETag; part of each alert id. */
  readonly version?: string;
  /** Compiled rules (src/rules). */
  readonly rules: readonly Rule[];
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
  /**
   * Called for each alert as soon as it is found. This is the only way to receive alerts: the
   * result only counts them (`alertCount`), so memory stays bounded whatever the number of hits.
   */
  readonly onAlert?: (alert: Alert) => void;
  /**
   * Where the step events of sequence and sample rules go (src/scan/sequences.ts): a SequenceRun
   * shared by several scans (sequences across objects) or the Lambda's store. Default: a run for
   * this object alone, whose sequence alerts reach onAlert at the end of the object.
   */
  readonly sequences?: SequenceSink;
  /** Called now and then with decompressed bytes so far (for progress lines). */
  readonly onProgress?: (p: ScanProgress) => void;
  readonly signal?: AbortSignal;
  /**
   * How, not what, to decode (tests and benchmarks reach the stream road or fzstd with it):
   * `{ smallGzipBytes: 0 }` streams every gzip object, `{ zstdDecoder: "fzstd" }` forces fzstd.
   */
  readonly tuning?: DecompressTuning;
  /**
   * The clock, in epoch milliseconds, that decides which exception items have expired (default:
   * the time the scan starts). Kibana compares expire_time with the time the rule runs.
   */
  readonly nowMs?: number;
  /**
   * The index (data stream) every record of the object belongs to, for archives whose records do
   * not say (docs/sources.md, "Index routing"): rules run on a record only when their `index`
   * patterns select it. Default: each record's own index (Defend's data_stream, SentinelOne's and
   * Endgame's indices, an Elasticsearch hit's _index).
   */
  readonly indexName?: string;
}

/** Defaults for the limits (their names carry the unit; docs/reader.md explains the policy). */
export const SCAN_DEFAULTS = {
  /** Longest record kept; longer ones are skipped (counted, ordinal reported) without buffering them. */
  maxRecordBytes: 8 * MiB,
  /** Decompressed bytes per object; beyond it the object fails with "decompression-limit". */
  maxDecompressedBytes: 64 * GiB,
  /** Decompressed/compressed ratio; 0 = off (the byte ceiling above already bounds the work). */
  maxCompressionRatio: 0,
} as const;

/**
 * V8 cannot hold a string much longer than 2^29 UTF-16 units; a record is decoded to one string
 * for JSON.parse, so the record limit must stay below that.
 */
export const MAX_RECORD_BYTES_CEILING = 512 * MiB;

export interface ResolvedScanOptions {
  readonly maxRecordBytes: number;
  readonly maxDecompressedBytes: number;
  readonly maxCompressionRatio: number;
  readonly source: SourceOption;
  readonly tuning: DecompressTuning | undefined;
  readonly nowMs: number;
  readonly indexName: string | undefined;
}

function positiveInteger(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `scanObject: option ${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

function validTuning(t: unknown): DecompressTuning | undefined {
  if (t === undefined) return undefined;
  if (t === null || typeof t !== "object")
    throw new RangeError("scanObject: option tuning must be an object");
  const { smallGzipBytes, zstdDecoder } = t as DecompressTuning;
  if (
    smallGzipBytes !== undefined &&
    (typeof smallGzipBytes !== "number" || !Number.isSafeInteger(smallGzipBytes) || smallGzipBytes < 0)
  ) {
    throw new RangeError(
      `scanObject: option tuning.smallGzipBytes must be an integer >= 0 (0 = always stream), got ${JSON.stringify(smallGzipBytes)}`,
    );
  }
  if (zstdDecoder !== undefined && zstdDecoder !== "auto" && zstdDecoder !== "fzstd") {
    throw new RangeError(
      `scanObject: option tuning.zstdDecoder must be "auto" or "fzstd", got ${JSON.stringify(zstdDecoder)}`,
    );
  }
  return t as DecompressTuning;
}

/** Validates the options once; a bad value throws a RangeError naming the option, the value and what is expected. */
export function resolveScanOptions(options: ScanOptions): ResolvedScanOptions {
  if (options === null || typeof options !== "object")
    throw new RangeError("scanObject: options must be an object");
  if (typeof options.uri !== "string" || options.uri.length === 0) {
    throw new RangeError(
      `scanObject: option uri must be a non-empty string, got ${JSON.stringify(options.uri)}`,
    );
  }
  if (!Array.isArray(options.rules))
    throw new RangeError("scanObject: option rules must be an array of compiled rules");
  const source = options.source ?? "auto";
  if (!SOURCE_OPTIONS.includes(source)) {
    throw new RangeError(
      `scanObject: option source must be one of ${SOURCE_OPTIONS.join(", ")}, got ${JSON.stringify(source)}`,
    );
  }
  const ratio = options.maxCompressionRatio;
  if (ratio !== undefined && (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0)) {
    throw new RangeError(
      `scanObject: option maxCompressionRatio must be a number >= 0 (0 = off), got ${JSON.stringify(ratio)}`,
    );
  }
  const nowMs = options.nowMs ?? Date.now();
  if (typeof nowMs !== "number" || !Number.isFinite(nowMs)) {
    throw new RangeError(
      `scanObject: option nowMs must be a finite number (epoch ms), got ${JSON.stringify(nowMs)}`,
    );
  }
  const indexName = options.indexName;
  if (
    indexName !== undefined &&
    (typeof indexName !== "string" || !/^[^\s,*"<>|?\\/]{1,255}$/.test(indexName))
  ) {
    throw new RangeError(
      `scanObject: option indexName must be an index or data stream name (1-255 characters, no spaces, commas, wildcards or quotes), got ${JSON.stringify(indexName)}`,
    );
  }
  return {
    source,
    nowMs,
    indexName,
    maxRecordBytes: positiveInteger(
      "maxRecordBytes",
      options.maxRecordBytes,
      SCAN_DEFAULTS.maxRecordBytes,
      MAX_RECORD_BYTES_CEILING,
    ),
    maxDecompressedBytes: positiveInteger(
      "maxDecompressedBytes",
      options.maxDecompressedBytes,
      SCAN_DEFAULTS.maxDecompressedBytes,
      Number.MAX_SAFE_INTEGER,
    ),
    maxCompressionRatio: ratio ?? SCAN_DEFAULTS.maxCompressionRatio,
    tuning: validTuning(options.tuning),
  };
}
