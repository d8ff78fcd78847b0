/**
 * scanObject: one object's bytes -> alerts (streamed to onAlert) and counts. The one reader the
 * CLI, the Lambda and the tests call: decompress -> frame (src/ingest) -> gate (prefilter) ->
 * parse -> ECS view + rules -> hit stages -> alerts. Bad records are counted, never thrown;
 * object-level failures are `result.failure`.
 */
import { type ByteSource, type DecompressStats, decompressTo, Framer, IngestError } from "../ingest/index.ts";
import type { Rule } from "../rules/index.ts";
import { ruleAppliesToIndex } from "../sources/index.ts";
import { OTHER_INDICES, ScanCounts, UNKNOWN_INDEX } from "./counts.ts";
import { anyExceptions, ExceptionStage } from "./exceptions.ts";
import { resolveScanOptions, type ScanOptions } from "./options.ts";
import { createParseStage } from "./parse.ts";
import type { ScanFailure, ScanResult } from "./result.ts";
import { createScanDispatch } from "./sequence-dispatch.ts";
import { SequenceRun } from "./sequence-run.ts";
import { hasSequenceRules, SequenceStage, withSequenceStage } from "./sequences.ts";
import { chainHitStages, createAlertStage, createMatchStage, type HitStage } from "./stages.ts";

/** Progress callbacks every this many decompressed bytes. */
export const PROGRESS_EVERY_BYTES = 8 * 1024 * 1024;

/** Hit stages every scan runs (the exceptions stage is added when a rule has exceptions). */
const HIT_STAGES: readonly HitStage[] = [];

/**
 * Scans one object. Never throws for bad data or a failed object (see result.failure); throws a
 * RangeError for invalid options, and rethrows what the caller's onAlert/onProgress throw.
 */
export async function scanObject(input: ByteSource, options: ScanOptions): Promise<ScanResult> {
  const started = performance.now();
  const opts = resolveScanOptions(options);
  const { uri, version, rules, onAlert, onProgress, signal } = options;

  const counts = new ScanCounts();
  // Sequence and sample rules: their step hits go to the caller's sink (the CLI's run over all its
  // inputs, the Lambda's state store) or, without one, to a run for this object alone.
  const ownRun = options.sequences === undefined && hasSequenceRules(rules) ? new SequenceRun() : undefined;
  const sink = options.sequences ?? ownRun;
  // The dispatch knows which steps of a rule a record matched (sequence-dispatch.ts).
  const sequenceStage =
    sink === undefined
      ? undefined
      : new SequenceStage(sink, { uri, version }, (rule, event) => dispatch.masks(rule, event));
  const exceptions = anyExceptions(rules) ? new ExceptionStage(opts.nowMs) : undefined;
  const hits = chainHitStages(
    withSequenceStage(exceptions === undefined ? HIT_STAGES : [exceptions, ...HIT_STAGES], sequenceStage),
    createAlertStage({ uri, version }, counts, onAlert),
  );
  // The gate (prefilter) and the match stage share one dispatch: the rules the gate names for a
  // record are the only ones evaluated on it (dispatch.ts).
  const dispatch = createScanDispatch(rules, { indexFilter: ruleAppliesToIndex, source: opts.source });
  const parse = createParseStage(
    dispatch,
    counts,
    createMatchStage(rules, opts.source, counts, hits.push, dispatch, opts.indexName),
  );
  const framer = new Framer(parse, opts.maxRecordBytes);
  const stats: DecompressStats = { compression: "none", compressedBytes: 0, decompressedBytes: 0 };
  let nextProgress = PROGRESS_EVERY_BYTES;
  const progress = () =>
    onProgress?.({
      compressedBytes: stats.compressedBytes,
      decompressedBytes: stats.decompressedBytes,
      records: counts.records,
    });

  let failure: ScanFailure | undefined;
  try {
    await decompressTo(
      input,
      (chunk) => {
        parse.newChunk();
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
        signal,
        tuning: opts.tuning,
      },
      stats,
    );
    framer.end();
  } catch (e) {
    if (!(e instanceof IngestError)) throw e;
    failure = { kind: e.kind, message: e.message };
    // A damaged stream's last bytes are what was decoded before the damage: scan them (a record
    // cut by the damage is then counted as malformed; after a damaged tail, the last record is
    // complete and counts). After a limit, an abort or a read error the object was not read to
    // its end, and a partial last record says nothing about the data.
    if (e.kind === "corrupt-compressed-stream" || e.kind === "damaged-tail") framer.end();
  }
  hits.flush();
  if (ownRun !== undefined) {
    for (const alert of ownRun.finish()) {
      counts.alerts++;
      onAlert?.(alert);
    }
  }
  if (onProgress !== undefined) progress();

  return {
    uri,
    compression: stats.compression,
    framing:
      parse.onlySortedCwlPayloads() && framer.framing !== "cloudwatch-logs"
        ? "cloudwatch-logs"
        : framer.framing,
    compressedBytes: stats.compressedBytes,
    decompressedBytes: stats.decompressedBytes,
    records: counts.records,
    malformed: counts.malformed,
    malformedSamples: counts.malformedSamples,
    skipped: counts.skipped,
    skippedSamples: counts.skippedSamples,
    alertCount: counts.alerts,
    ...(exceptions === undefined ? {} : { exceptionDrops: exceptions.dropped() }),
    ...(ownRun === undefined || Object.keys(ownRun.report().notKept).length === 0
      ? {}
      : { sequenceStepsNotKept: ownRun.report().notKept }),
    ...(counts.byIndex.size === 0 ? {} : { indices: indexCounts(rules, counts.byIndex) }),
    durationMs: performance.now() - started,
    ...(failure === undefined ? {} : { failure }),
  };
}

function indexCounts(
  rules: readonly Rule[],
  byIndex: ReadonlyMap<string, number>,
): { index: string; records: number; rules: number }[] {
  return [...byIndex].map(([index, records]) => ({
    index,
    records,
    rules: index === UNKNOWN_INDEX || index === OTHER_INDICES ? rules.length : rulesForIndex(rules, index),
  }));
}

/**
 * How many rules apply to `index`, remembered per rules array (the same for every object of a
 * run): counted afresh, every object of a small-file run walked the whole pack per index name.
 */
const ruleCounts = new WeakMap<readonly Rule[], Map<string, number>>();

function rulesForIndex(rules: readonly Rule[], index: string): number {
  let byIndex = ruleCounts.get(rules);
  if (byIndex === undefined) {
    byIndex = new Map();
    ruleCounts.set(rules, byIndex);
  }
  let n = byIndex.get(index);
  if (n === undefined) {
    n = rules.filter((r) => ruleAppliesToIndex(r.indices, index)).length;
    if (byIndex.size < 1024) byIndex.set(index, n);
  }
  return n;
}
