/**
 * The scanning pipeline's public API (docs/reader.md): scanObject and its options and result,
 * and the stages for callers that compose their own pipeline.
 */
export { SAMPLE_LIMIT, type ScanCounts } from "./counts.ts";
export { anyExceptions, type ExceptionDrop, ExceptionStage, exceptedEvent } from "./exceptions.ts";
export { gateFor, type RecordGate } from "./gate.ts";
export {
  MAX_RECORD_BYTES_CEILING,
  type ResolvedScanOptions,
  resolveScanOptions,
  SCAN_DEFAULTS,
  type ScanOptions,
  type ScanProgress,
} from "./options.ts";
export { createParseStage, type ParsedSink, type ParseStage } from "./parse.ts";
// For the build-time rule artefact (scripts/compile-rules.mjs): the prefilter clauses it carries.
export { precomputedClauses } from "./prefilter/index.ts";
export type { ScanFailure, ScanResult } from "./result.ts";
export { PROGRESS_EVERY_BYTES, scanObject } from "./scan-object.ts";
export {
  type CorrelateOptions,
  type CorrelateResult,
  comparePlace,
  correlate,
  SEQUENCE_RUN_DEFAULTS,
  SequenceRun,
  type SequenceRunOptions,
  type SequenceRunReport,
} from "./sequence-run.ts";
export {
  type ClaimResult,
  type CorrelateObjectOptions,
  type CorrelateObjectReport,
  type CorrelateObjectResult,
  correlateObject,
  DEFAULT_LOOKBACK_MS,
  lookbackMs,
  MemorySequenceStore,
  type SequenceStateStore,
  STORE_DEFAULTS,
  type StoredStep,
  sequenceWindowMs,
} from "./sequence-store.ts";
export {
  hasSequenceRules,
  projectStep,
  type SequenceSink,
  SequenceStage,
  type StepEvent,
  type StepRef,
} from "./sequences.ts";
export { chainHitStages, createAlertStage, createMatchStage, type Hit, type HitStage } from "./stages.ts";
