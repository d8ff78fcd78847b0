/** What scanning one object produces. Object-level failure is a value here, never a throw. */
import type { Compression } from "../ingest/index.ts";
import type { ExceptionDrop } from "./exceptions.ts";

export interface ScanFailure {
  /**
   * Machine-readable kind (src/ingest ScanFailureKind): "unsupported-compression",
   * "corrupt-compressed-stream", "damaged-tail", "decompression-limit", "read-error" or "aborted".
   * Typed `string` so that a kind added later does not break a caller's exhaustive handling.
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
  /**
   * Alerts handed to `onAlert`. The alerts themselves are not kept (issue 12: a flood of hits
   * costs no memory here); a caller that needs them collects them in onAlert.
   */
  readonly alertCount: number;
  /** Alerts that rules' exception items removed, per rule and item (empty when none applied). */
  readonly exceptionDrops?: readonly ExceptionDrop[];
  /**
   * Sequence rules whose step events this object's own sequence run could not all keep (its
   * maxStepEvents cap), with the number not kept: their sequences in this object may be missed.
   */
  readonly sequenceStepsNotKept?: Readonly<Record<string, number>>;
  /**
   * Records evaluated per index and how many of the rules apply there (index routing: a rule runs
   * only where its `index` patterns select the record). Records the prefilter skipped are not in it.
   */
  readonly indices?: readonly { readonly index: string; readonly records: number; readonly rules: number }[];
  readonly durationMs: number;
  /** Set when the object could not be read to its end; alerts found before the damage were delivered. */
  readonly failure?: ScanFailure;
}
