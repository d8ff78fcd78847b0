/**
 * scanObject: one object's bytes -> alerts and counts. The one reader used by the CLI, the Lambda
 * and the tests (ARCHITECTURE.md: decompress -> frame -> prefilter -> parse -> normalise ->
 * evaluate). Bad records are counted, never thrown; object-level failures are `result.failure`.
 */
import type { Alert } from "../alerts/alert.ts";
import { buildAlert } from "../alerts/alert.ts";
import { createRawPrefilter, type RawPrefilter } from "../scan/prefilter/index.ts";
import type { Rule } from "../rules/index.ts";
import { SOURCE_OPTIONS, toEcs } from "../sources/index.ts";
import { type ByteSource, type DecompressStats, decompressTo } from "./decompress.ts";
import { IngestError } from "./errors.ts";
import { Framer, RecordKind } from "./frame.ts";
import type { ScanFailure, ScanOptions, ScanResult, SourceOption } from "./result.ts";

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

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
/** Progress callbacks every this many decompressed bytes. */
export const PROGRESS_EVERY_BYTES = 8 * MiB;
/** Malformed and skipped records whose ordinals are reported. */
export const SAMPLE_LIMIT = 10;
const REASON_MAX = 120;

interface ResolvedOptions {
  readonly maxRecordBytes: number;
  readonly maxDecompressedBytes: number;
  readonly maxCompressionRatio: number;
  readonly source: SourceOption;
}

const SOURCES: readonly SourceOption[] = SOURCE_OPTIONS;

function positiveInteger(name: string, value: unknown, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new RangeError(
      `scanObject: option ${name} must be an integer from 1 to ${max}, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value;
}

/** Validates the options once; a bad value throws a RangeError naming the option, the value and what is expected. */
export function resolveScanOptions(options: ScanOptions): ResolvedOptions {
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
  if (!SOURCES.includes(source)) {
    throw new RangeError(
      `scanObject: option source must be one of ${SOURCES.join(", ")}, got ${JSON.stringify(source)}`,
    );
  }
  const ratio = options.maxCompressionRatio;
  if (ratio !== undefined && (typeof ratio !== "number" || !Number.isFinite(ratio) || ratio < 0)) {
    throw new RangeError(
      `scanObject: option maxCompressionRatio must be a number >= 0 (0 = off), got ${JSON.stringify(ratio)}`,
    );
  }
  return {
    source,
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
  };
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  return typeof v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shortReason(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.length > REASON_MAX ? `${m.slice(0, REASON_MAX - 3)}...` : m;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** A CloudWatch Logs subscription payload (as parsed): a `logEvents` array and a known messageType. */
function isCwlPayload(v: Record<string, unknown>): boolean {
  const t = v["messageType"];
  return (
    hasOwn.call(v, "logEvents") &&
    Array.isArray(v["logEvents"]) &&
    (t === "DATA_MESSAGE" || t === "CONTROL_MESSAGE")
  );
}

const LOG_EVENTS_KEY = Buffer.from('"logEvents"');

/** Does the object in `buf[start, end)` (starting with `{`) have `"logEvents"` as its first key? */
function startsWithLogEvents(buf: Buffer, start: number, end: number): boolean {
  let i = start + 1;
  while (i < end && (buf[i] === 32 || buf[i] === 10 || buf[i] === 13 || buf[i] === 9)) i++;
  if (end - i < LOG_EVENTS_KEY.length) return false;
  for (let k = 0; k < LOG_EVENTS_KEY.length; k++) if (buf[i + k] !== LOG_EVENTS_KEY[k]) return false;
  return true;
}

/**
 * Building a prefilter costs ~70 us, as much as scanning a 1 KB object; the CLI and the Lambda
 * scan many objects with one rules array, so it is built once per array. The literal sets are
 * compared on every call, so a caller that changes the array gets a new prefilter. Sharing one
 * between concurrent scans is safe: a per-buffer tester is only used within one synchronous
 * chunk, and is renewed for every chunk.
 */
const prefilters = new WeakMap<readonly Rule[], { sets: unknown[]; prefilter: RawPrefilter }>();

function prefilterFor(rules: readonly Rule[]): RawPrefilter {
  const sets = rules.map((r) => r.compiled.prefilter);
  const cached = prefilters.get(rules);
  if (
    cached !== undefined &&
    cached.sets.length === sets.length &&
    cached.sets.every((s, i) => s === sets[i])
  ) {
    return cached.prefilter;
  }
  const prefilter = createRawPrefilter(sets);
  prefilters.set(rules, { sets, prefilter });
  return prefilter;
}

/**
 * Scans one object. Never throws for bad data or a failed object (see result.failure); throws a
 * RangeError for invalid options, and rethrows what the caller's onAlert/onProgress throw.
 */
export async function scanObject(input: ByteSource, options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const opts = resolveScanOptions(options);
  const { uri, version, rules, onAlert, onProgress, signal } = options;
  const source = opts.source;
  // A record is parsed only when its raw bytes may hold a literal some rule needs.
  const prefilter = prefilterFor(rules);
  const usePrefilter = !prefilter.acceptsAll;
  // The prefilter's per-buffer tester shares its searches among the records of one buffer (the
  // framer hands records in increasing order within a buffer). It is renewed for every buffer
  // and every chunk, so a caller that reuses one Buffer object for new bytes is still safe.
  let testerBuf: Uint8Array | null = null;
  let tester: (s: number, e: number) => boolean = () => true;
  const testerFor = (buf: Uint8Array): ((s: number, e: number) => boolean) => {
    if (buf !== testerBuf) {
      testerBuf = buf;
      tester = prefilter.forBuffer(buf);
    }
    return tester;
  };

  const alerts: Alert[] = [];
  const malformedSamples: { record: number; reason: string }[] = [];
  const skippedSamples: { record: number; bytes: number }[] = [];
  let records = 0;
  let malformed = 0;
  let skipped = 0;

  const bad = (ordinal: number, reason: string): void => {
    malformed++;
    if (malformedSamples.length < SAMPLE_LIMIT) malformedSamples.push({ record: ordinal, reason });
  };

  const evaluate = (record: Record<string, unknown>, raw: unknown, ordinal: number): void => {
    // A record of a shape the mapping or a rule did not expect is one bad record, not a failed
    // object (nor a crash). Errors from the caller's onAlert are not caught here.
    let event: unknown;
    const hits: Rule[] = [];
    try {
      event = toEcs(record, source).event;
      for (let r = 0; r < rules.length; r++) {
        const rule: Rule = rules[r]!;
        if (rule.compiled.matches(event)) hits.push(rule);
      }
    } catch (e) {
      bad(ordinal, `could not be evaluated: ${shortReason(e)}`);
      return;
    }
    for (const rule of hits) {
      const alert = buildAlert(
        version === undefined
          ? { rule, ecs: event, raw, uri, record: ordinal }
          : { rule, ecs: event, raw, uri, version, record: ordinal },
      );
      alerts.push(alert);
      onAlert?.(alert);
    }
  };

  /** One element of a CloudWatch Logs payload's logEvents: its message is the record. */
  const cwlEvent = (value: unknown, ordinal: number): void => {
    if (!isPlainObject(value)) {
      bad(ordinal, `not a JSON object (${kindOf(value)})`);
      return;
    }
    const message = value["message"];
    if (typeof message !== "string") {
      bad(ordinal, "CloudWatch Logs event without a string message");
      return;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(message);
    } catch (e) {
      bad(ordinal, `CloudWatch Logs message is not JSON: ${shortReason(e)}`);
      return;
    }
    if (!isPlainObject(parsed)) {
      bad(ordinal, `CloudWatch Logs message is not a JSON object (${kindOf(parsed)})`);
      return;
    }
    if (Object.keys(parsed).length === 0) {
      bad(ordinal, "empty JSON object");
      return;
    }
    evaluate(parsed, parsed, ordinal);
  };

  let sortedPayloads = 0;
  let otherRecords = 0;
  const onRecord = (buf: Buffer, start: number, end: number, kind: RecordKind): void => {
    const ordinal = ++records;
    if (kind !== RecordKind.CwlEvent) otherRecords++;
    if (kind !== RecordKind.CwlEvent && usePrefilter) {
      // A record no rule can match is not parsed. Only its shape is checked, so that obvious
      // garbage (not `{...}`, or `{}`) is still counted as malformed. A CloudWatch Logs payload
      // the framer could not recognise (keys sorted: `logEvents` first) must be parsed anyway:
      // its messages are JSON escaped inside strings, which the prefilter cannot see through.
      if (buf[start] === 123 && buf[end - 1] === 125 && end - start > 2) {
        if (!testerFor(buf)(start, end) && !startsWithLogEvents(buf, start, end)) return;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(buf.toString("utf8", start, end));
    } catch (e) {
      bad(ordinal, `not JSON: ${shortReason(e)}`);
      return;
    }
    if (kind === RecordKind.CwlEvent) {
      cwlEvent(value, ordinal);
      return;
    }
    if (!isPlainObject(value)) {
      bad(ordinal, `not a JSON object (${kindOf(value)})`);
      return;
    }
    if (kind === RecordKind.Plain && isCwlPayload(value)) {
      // A payload whose keys were sorted (Python sort_keys, jq -S, Go maps) reaches us whole:
      // read it as the framer reads one in CloudWatch Logs order, so the payload itself is no
      // record and each DATA_MESSAGE event gets the next ordinal.
      records--;
      otherRecords--;
      sortedPayloads++;
      if (value["messageType"] !== "DATA_MESSAGE") return;
      for (const ev of value["logEvents"] as unknown[]) cwlEvent(ev, ++records);
      return;
    }
    let record: Record<string, unknown> = value;
    const raw: unknown = value;
    if (
      kind === RecordKind.EsHit ||
      (hasOwn.call(value, "_source") && (hasOwn.call(value, "_index") || hasOwn.call(value, "_id")))
    ) {
      // An Elasticsearch hit: evaluate its _source; keep the whole hit as raw (its _index/_id find the document).
      const src = value["_source"];
      if (!isPlainObject(src)) {
        bad(ordinal, "Elasticsearch hit without a _source object");
        return;
      }
      record = src;
    }
    if (Object.keys(record).length === 0) {
      bad(ordinal, "empty JSON object");
      return;
    }
    evaluate(record, raw, ordinal);
  };

  const onOversize = (bytes: number): void => {
    const ordinal = ++records;
    skipped++;
    if (skippedSamples.length < SAMPLE_LIMIT) skippedSamples.push({ record: ordinal, bytes });
  };

  const framer = new Framer({ record: onRecord, oversize: onOversize }, opts.maxRecordBytes);
  const stats: DecompressStats = { compression: "none", compressedBytes: 0, decompressedBytes: 0 };
  let nextProgress = PROGRESS_EVERY_BYTES;
  const progress = () =>
    onProgress?.({
      compressedBytes: stats.compressedBytes,
      decompressedBytes: stats.decompressedBytes,
      records,
    });

  let failure: ScanFailure | undefined;
  try {
    await decompressTo(
      input,
      (chunk) => {
        testerBuf = null;
        framer.write(chunk);
        if (stats.decompressedBytes >= nextProgress) {
          nextProgress = stats.decompressedBytes + PROGRESS_EVERY_BYTES;
          progress();
        }
      },
      {
        uri,
        maxDecompressedBytes: opts.maxDecompressedBytes,
        maxCompressionRatio: opts.maxCompressionRatio,
        ...(signal === undefined ? {} : { signal }),
      },
      stats,
    );
    framer.end();
  } catch (e) {
    if (!(e instanceof IngestError)) throw e;
    failure = { kind: e.kind, message: e.message };
    // A damaged stream's last bytes are what was decoded before the damage: scan them (a cut
    // record is then counted as malformed). After a limit, an abort or a read error the object
    // was not read to its end, and a partial last record says nothing about the data.
    if (e.kind === "corrupt-compressed-stream") framer.end();
  }
  if (onProgress !== undefined) progress();

  const result: ScanResult = {
    uri,
    compression: stats.compression,
    // Only sorted-key CloudWatch Logs payloads: the layout the framer would have named.
    framing:
      sortedPayloads > 0 && otherRecords === 0 && framer.framing !== "cloudwatch-logs"
        ? "cloudwatch-logs"
        : framer.framing,
    compressedBytes: stats.compressedBytes,
    decompressedBytes: stats.decompressedBytes,
    records,
    malformed,
    malformedSamples,
    skipped,
    skippedSamples,
    alerts,
    durationMs: performance.now() - started,
    ...(failure === undefined ? {} : { failure }),
  };
  return result;
}
