/**
 * The Lambda's logic as plain functions (the handler, scripts/invoke.ts and the tests share them):
 * event -> object refs -> GetObject -> scanObject -> SNS, with the retry semantics AWS needs.
 *
 * Per object, failures are sorted once:
 * - permanent (object gone, archived, corrupt, unsupported): logged with the reason, counted,
 *   never retried; hits recovered from a damaged object are published once with the damage noted;
 * - transient (S3 throttling/5xx/network/access, stream read errors, SNS unreachable): the error
 *   reaches the caller so the notification is redelivered (an SQS message via batchItemFailures,
 *   an async invocation by throwing).
 * Alerts are published as the scan finds them (src/lambda/publisher.ts), so a retry can follow a
 * partial publish: the messages SNS accepted are recorded per object version (src/lambda/
 * progress.ts, in the idempotency table) and the retry, which produces the same deterministic
 * messages, sends only the missing ones. Without the table, a retry may repeat messages.
 * Over 400 lines because one object's processing (open, scan, publish, archive, suppress,
 * correlate, report) is one sequence of steps whose failure handling must stay in one place;
 * each step's mechanics live in their own files (publisher, alert-archive, suppression-gate, ...).
 */
import { randomUUID } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Alert, ObjectContext, PlannedMessage, RuleContext } from "../alerts/index.ts";
import { MemorySuppressionStore, type Rule, type SuppressionStore } from "../rules/index.ts";
import { openObject, PermanentObjectError, s3Uri, TransientObjectError } from "../s3/index.ts";
import {
  type CorrelateObjectResult,
  correlateObject,
  hasSequenceRules,
  type ScanOptions,
  type ScanResult,
  type SequenceStateStore,
  type StepEvent,
} from "../scan/index.ts";
import { AlertArchive } from "./alert-archive.ts";
import { type BackfillSummary, isBackfillSummaryEvent, summariseBackfill } from "./backfill-summary.ts";
import { Backpressure, gated } from "./backpressure.ts";
import type { Config } from "./config.ts";
import { METRIC } from "./env.ts";
import { scanFingerprint } from "./fingerprint.ts";
import type { ProgressStore } from "./progress.ts";
import { PublishError, type PublishProgress, publishMessages } from "./publish.ts";
import { ObjectPublisher } from "./publisher.ts";
import { digestMessages, SuppressionGate } from "./suppression-gate.ts";
import { type ObjectRef, parseTrigger, type Trigger } from "./triggers.ts";

/** Sequence step events held for the state store per object (~1-2 KB each); beyond, counted and logged. */
export const MAX_STEP_EVENTS_PER_OBJECT = 100_000;

/** Message and alert-copy bytes waiting for SNS and S3 before the object's stream waits (per object). */
const MAX_QUEUED_BYTES = 32 * 1024 * 1024;

export type ScanFn = (
  input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  options: ScanOptions,
) => Promise<ScanResult>;

/** Structured logging (Powertools Logger satisfies it). */
export interface LogSink {
  info(message: string, ...extra: Record<string, unknown>[]): void;
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Metrics (Powertools Metrics satisfies it with MetricUnit values "Count" and "Bytes"). */
export interface MetricSink {
  addMetric(name: string, unit: "Count" | "Bytes", value: number): void;
}

/**
 * Runs the object's work at most once per object version and configuration (see
 * src/lambda/idempotency.ts): `config` is scanFingerprint() of the rules and limits, so a change of
 * either scans the object again. A work that throws leaves nothing remembered.
 */
export type OnceFn = (
  key: {
    readonly bucket: string;
    readonly key: string;
    readonly version: string;
    readonly config: string;
  },
  work: () => Promise<ObjectOutcome>,
) => Promise<ObjectOutcome>;

export interface Deps {
  readonly config: Config;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly rules: readonly Rule[];
  readonly scan: ScanFn;
  readonly logger: LogSink;
  readonly metrics?: MetricSink;
  /** Object-level idempotency; absent = every notification is processed. */
  readonly once?: OnceFn;
  /** scanFingerprint(rules, config), computed once at cold start; absent = computed on first use. */
  readonly fingerprint?: string;
  /** Objects scanned at the same time within one invocation. */
  readonly concurrency?: number;
  /** Per-message publish progress per object version; absent = a retry may repeat messages. */
  readonly progress?: ProgressStore;
  /**
   * Sequences across objects (SEQUENCE_TABLE, src/lambda/sequence-store.ts; docs/sequences.md);
   * absent = each object's sequences are decided within that object alone.
   */
  readonly sequenceStore?: SequenceStateStore;
  /**
   * Where alert-suppression groups live across objects and invocations (SUPPRESSION_TABLE, else
   * IDEMPOTENCY_TABLE; src/lambda/suppression-store.ts); absent = suppression within each object.
   */
  readonly suppressionStore?: SuppressionStore;
}

export type Outcome =
  /** Read to the end; alerts (if any) published. */
  | "scanned"
  /** Damaged or over a limit: recovered hits published with the failure noted; not retried. */
  | "partial"
  /** Gone or unreadable for good (NoSuchKey, archived): counted, not retried. */
  | "missing"
  /** Already scanned (idempotency): nothing published again. */
  | "duplicate";

export interface ObjectOutcome {
  readonly uri: string;
  readonly outcome: Outcome;
  readonly bytes: number;
  readonly records: number;
  readonly malformed: number;
  readonly alerts: number;
  readonly messages: number;
  /** Hits over the per-rule cap: counted, not listed in messages. */
  readonly notListed?: number;
  /** Alerts the rules' exception items dropped (docs/tuning.md). */
  readonly excepted?: number;
  /** Alerts held back by alert suppression (counted in a digest message per rule). */
  readonly suppressed?: number;
  readonly durationMs: number;
  readonly reason?: string;
  /** Identifies the run that did the work (a replayed idempotent result carries an older one). */
  readonly runId?: string;
}

export interface SqsBatchResult {
  batchItemFailures: { itemIdentifier: string }[];
}

export interface Summary {
  objects: number;
  records: number;
  malformed: number;
  alerts: number;
  failed: { key: string; reason: string; transient?: boolean }[];
  /**
   * Back-scan batches only: one entry per listed object, in batch order, so the state machine
   * (infra/backfill.ts) retries exactly the transient ones and the execution summary
   * (src/lambda/backfill-summary.ts) accounts for every object.
   */
  results?: BackfillObjectResult[];
}

/** What happened to one object of a back-scan batch. */
export interface BackfillObjectResult {
  key: string;
  /** `failed`: not scanned (transient: retried by the state machine; else reported). */
  outcome: Outcome | "failed";
  records: number;
  alerts: number;
  reason?: string;
  transient?: boolean;
}

export type ProcessResult = SqsBatchResult | Summary | BackfillSummary;

/** Scans one object and publishes its alerts. Throws TransientObjectError or PublishError to ask for a retry. */
export async function processObject(
  ref: ObjectRef,
  deps: Deps,
  signal?: AbortSignal,
): Promise<ObjectOutcome> {
  const version = ref.versionId ?? ref.eTag;
  if (deps.once === undefined || version === undefined) return scanAndPublish(ref, deps, undefined, signal);
  const runId = randomUUID();
  const key = { bucket: ref.bucket, key: ref.key, version, config: fingerprintOf(deps) };
  const out = await deps
    .once(key, async () => {
      const o = await scanAndPublish(ref, deps, runId, signal);
      // Nothing was read: throwing keeps it out of the store, so a restored or re-uploaded object
      // (same version id or ETag) is scanned when it is notified again.
      if (o.outcome === "missing") throw new NotScanned(o);
      return o;
    })
    .catch((err: unknown) => {
      if (err instanceof NotScanned) return err.outcome;
      throw err;
    });
  if (out.runId === runId) return out;
  // A stored result from an earlier run: this notification is a redelivery.
  const duplicate: ObjectOutcome = {
    uri: out.uri,
    outcome: "duplicate",
    bytes: 0,
    records: 0,
    malformed: 0,
    alerts: 0,
    messages: 0,
    durationMs: 0,
    reason: `already scanned (${out.outcome}, ${out.alerts} alerts)`,
  };
  deps.logger.info("object already scanned", { ...duplicate });
  return duplicate;
}

class NotScanned extends Error {
  override readonly name = "NotScanned";
  constructor(readonly outcome: ObjectOutcome) {
    super(`not scanned: ${outcome.reason ?? outcome.outcome}`);
  }
}

const fingerprints = new WeakMap<Deps, string>();
function fingerprintOf(deps: Deps): string {
  if (deps.fingerprint !== undefined) return deps.fingerprint;
  let fp = fingerprints.get(deps);
  if (fp === undefined) {
    fp = scanFingerprint(deps.rules, deps.config);
    fingerprints.set(deps, fp);
  }
  return fp;
}

async function scanAndPublish(
  ref: ObjectRef,
  deps: Deps,
  runId?: string,
  signal?: AbortSignal,
): Promise<ObjectOutcome> {
  const started = performance.now();
  const uri = s3Uri(ref.bucket, ref.key);
  const version = ref.versionId ?? ref.eTag;
  const elapsed = () => Math.round(performance.now() - started);
  let result: ScanResult;
  let publisher: ObjectPublisher | undefined;
  let archive: AlertArchive | undefined;
  let steps: StepEvent[] | undefined;
  let stepsNotKept = 0;
  let gate: SuppressionGate | undefined;
  let publishProgress: PublishProgress | undefined;
  try {
    if (signal?.aborted)
      throw new TransientObjectError(uri, "not started: the invocation is about to time out");
    const object = await openObject(deps.s3, ref, signal);
    let progress: PublishProgress | undefined;
    if (deps.progress !== undefined && version !== undefined) {
      progress = await deps.progress.open({
        bucket: ref.bucket,
        key: ref.key,
        version,
        config: fingerprintOf(deps),
      });
    }
    // What SNS and S3 have not taken yet is bounded: the object's stream waits beyond it.
    const pressure = new Backpressure(MAX_QUEUED_BYTES);
    const bucket = deps.config.alertsBucket;
    const arc =
      bucket === undefined
        ? undefined
        : new AlertArchive({
            s3: deps.s3,
            bucket,
            ...(deps.config.alertsPrefix === undefined ? {} : { prefix: deps.config.alertsPrefix }),
            object: { uri, ...(version === undefined ? {} : { version }) },
            ...(object.lastModified === undefined ? {} : { objectDate: object.lastModified }),
            pressure,
          });
    archive = arc;
    const pub = new ObjectPublisher({
      sns: deps.sns,
      topicArn: deps.config.alertTopicArn,
      object: { bucket: ref.bucket, key: ref.key, uri, ...(version === undefined ? {} : { version }) },
      ruleContexts: ruleContexts(deps.rules),
      ...(deps.config.maxHitsPerRule === undefined ? {} : { maxHitsPerRule: deps.config.maxHitsPerRule }),
      ...(progress === undefined ? {} : { progress }),
      ...(arc === undefined ? {} : { alertsLocation: (ruleId: string) => arc.location(ruleId) }),
      pressure,
    });
    publisher = pub;
    publishProgress = progress;
    // Rules with alert_suppression: their alerts reach the publisher through the gate.
    const supp = deps.rules.some((r) => r.suppression !== undefined)
      ? new SuppressionGate(
          deps.suppressionStore ?? new MemorySuppressionStore(),
          (a) => pub.add(a),
          Date.now(),
        )
      : undefined;
    gate = supp;
    steps = deps.sequenceStore !== undefined && hasSequenceRules(deps.rules) ? [] : undefined;
    const collected = steps;
    stepsNotKept = 0;
    result = await deps.scan(gated(object.body, pressure), {
      uri,
      // Streamed: each hit goes to the copy in the alerts bucket and to the publisher, which
      // sends a message whenever one is full.
      onAlert: (alert) => {
        // Suppressed alerts are still kept in the alerts bucket: every hit is kept durably.
        arc?.add(alert);
        if (supp !== undefined) supp.add(alert);
        else pub.add(alert);
      },
      ...(signal === undefined ? {} : { signal }),
      // Step events of sequence rules are kept for the state store (correlated after the scan).
      // At most MAX_STEP_EVENTS_PER_OBJECT are held (bounded memory); the rest is counted and logged.
      ...(collected === undefined
        ? {}
        : {
            sequences: {
              add: (step: StepEvent) => {
                if (collected.length < MAX_STEP_EVENTS_PER_OBJECT) collected.push(step);
                else stepsNotKept++;
              },
              // Past the cap the scan counts step events without projecting them first.
              get full() {
                return collected.length >= MAX_STEP_EVENTS_PER_OBJECT;
              },
              skip: () => {
                stepsNotKept++;
              },
            },
          }),
      rules: deps.rules,
      ...(version === undefined ? {} : { version }),
      ...indexNameFor(ref.key, deps.config.indexNameByPrefix),
      ...(deps.config.maxRecordBytes === undefined ? {} : { maxRecordBytes: deps.config.maxRecordBytes }),
      ...(deps.config.maxDecompressedBytes === undefined
        ? {}
        : { maxDecompressedBytes: deps.config.maxDecompressedBytes }),
    });
  } catch (err) {
    await publisher?.abandon();
    await archive?.abandon();
    if (err instanceof PermanentObjectError) {
      const outcome: ObjectOutcome = {
        uri,
        outcome: "missing",
        bytes: 0,
        records: 0,
        malformed: 0,
        alerts: 0,
        messages: 0,
        durationMs: elapsed(),
        reason: err.reason,
        ...(runId === undefined ? {} : { runId }),
      };
      deps.logger.warn("object not scanned", { ...outcome });
      return outcome;
    }
    throw err;
  }
  const failure = result.failure;
  if (failure !== undefined && (failure.kind === "read-error" || failure.kind === "aborted")) {
    // The stream broke, not the data: the retry scans the whole object again and, with the
    // progress record, publishes only the messages not yet accepted.
    await publisher.abandon();
    await archive?.abandon();
    throw new TransientObjectError(uri, `${failure.kind}: ${failure.message.slice(0, 300)}`);
  }
  const object: ObjectContext = {
    bucket: ref.bucket,
    key: ref.key,
    uri,
    ...(version === undefined ? {} : { version }),
    records: result.records,
    malformed: result.malformed,
    skipped: result.skipped,
    ...(failure === undefined ? {} : { failure: { kind: failure.kind, message: failure.message } }),
  };
  // Sequences across objects: this object's step events go to the store, the matcher re-runs over
  // the partitions they touched, and the sequences this run may publish come back claimed. A
  // store error fails the object for a retry (its step events are never dropped).
  let sequences: CorrelateObjectResult | undefined;
  if (steps !== undefined && deps.sequenceStore !== undefined) {
    try {
      sequences = await correlateObject(steps, {
        store: deps.sequenceStore,
        // A retry of this object version may take back its own claims at once.
        owner: `${uri}#${version ?? ""}`,
        object: { uri, ...(version === undefined ? {} : { version }) },
        nowMs: Date.now(),
      });
    } catch (err) {
      await publisher.abandon();
      await archive?.abandon();
      throw new TransientObjectError(uri, `sequence store: ${describeError(err)}`);
    }
    for (const alert of sequences.alerts) {
      archive?.add(alert);
      publisher.add(alert);
    }
    deps.logger.info("sequences correlated", { uri, ...sequences.report, held: sequences.held });
    if (stepsNotKept > 0) {
      deps.logger.warn("sequence step events over the per-object cap were not correlated", {
        uri,
        notKept: stepsNotKept,
        cap: MAX_STEP_EVENTS_PER_OBJECT,
      });
    }
  }
  // Suppression decided for every alert of the object: the counts become one digest per rule.
  let digests: PlannedMessage[] = [];
  if (gate !== undefined) {
    try {
      digests = digestMessages(await gate.finish(), { uri, ...(version === undefined ? {} : { version }) });
    } catch (err) {
      await publisher.abandon();
      await archive?.abandon();
      throw new TransientObjectError(uri, `suppression store: ${describeError(err)}`);
    }
  }
  // The copy first: the rules' last messages name it, so it must exist when they arrive.
  try {
    await archive?.finish();
  } catch (err) {
    await publisher.abandon();
    throw err;
  }
  const published = await publisher.finish(object);
  if (digests.length > 0) {
    await publishMessages(
      deps.sns,
      deps.config.alertTopicArn,
      digests,
      publishProgress === undefined ? {} : { progress: publishProgress },
    );
  }
  const excepted = (result.exceptionDrops ?? []).reduce((n, d) => n + d.dropped, 0);
  if (sequences !== undefined) {
    try {
      await sequences.commit();
    } catch (err) {
      throw new TransientObjectError(uri, `sequence store: ${describeError(err)}`);
    }
    // A sequence another live run claimed is that run's to publish: if its publish fails, its own
    // object is redelivered (SQS, or the dead-letter queue's redrive) and takes its claim back.
    // Failing this object too would only make it retry for nothing (sequences.held is logged).
  }
  return {
    uri,
    outcome: failure === undefined ? "scanned" : "partial",
    bytes: result.compressedBytes,
    records: result.records,
    malformed: result.malformed,
    alerts: published.alerts,
    messages: published.messages,
    ...(published.notListed === 0 ? {} : { notListed: published.notListed }),
    ...(excepted === 0 ? {} : { excepted }),
    ...(gate === undefined || gate.suppressed === 0 ? {} : { suppressed: gate.suppressed }),
    durationMs: elapsed(),
    ...(failure === undefined ? {} : { reason: `${failure.kind}: ${failure.message.slice(0, 300)}` }),
    ...(runId === undefined ? {} : { runId }),
  };
}

const contextCache = new WeakMap<readonly Rule[], Map<string, RuleContext>>();
function ruleContexts(rules: readonly Rule[]): Map<string, RuleContext> {
  let m = contextCache.get(rules);
  if (m === undefined) {
    m = new Map(
      rules.map((r) => [
        r.id,
        {
          description: r.description,
          references: r.references,
          ...(r.note === undefined ? {} : { note: r.note }),
          falsePositives: r.falsePositives,
          fields: r.compiled.fields,
          file: r.file,
        },
      ]),
    );
    contextCache.set(rules, m);
  }
  return m;
}

interface Totals {
  objects: number;
  bytes: number;
  records: number;
  malformed: number;
  alerts: number;
  failures: number;
  excepted: number;
  suppressed: number;
}

export interface ProcessOptions {
  /**
   * Aborted shortly before the Lambda times out: scans in flight stop and, like objects not yet
   * started, are reported as transient failures, so a timeout never fails (and redelivers) the
   * objects of the batch that did finish.
   */
  readonly signal?: AbortSignal | undefined;
}

/** Any supported event -> the result Lambda expects for it. */
export async function processEvent(
  event: unknown,
  deps: Deps,
  options: ProcessOptions = {},
): Promise<ProcessResult> {
  // The back-scan's last step asks the same function to add up the batch results it wrote to S3.
  if (isBackfillSummaryEvent(event)) return summariseBackfill(event, deps.s3);
  const trigger = parseTrigger(event);
  for (const s of trigger.skipped) deps.logger.info("notification skipped", { ...s });
  for (const inv of trigger.invalid) deps.logger.error("unrecognised SQS message", { ...inv });
  const totals: Totals = {
    objects: 0,
    bytes: 0,
    records: 0,
    malformed: 0,
    alerts: 0,
    failures: 0,
    excepted: 0,
    suppressed: 0,
  };
  const settled = await mapLimit(trigger.refs, deps.concurrency ?? 4, (ref) =>
    runOne(ref, deps, totals, options.signal),
  );
  emitMetrics(deps.metrics, totals);
  return shapeResult(trigger, settled);
}

type Settled =
  | { ref: ObjectRef; ok: true; outcome: ObjectOutcome }
  | { ref: ObjectRef; ok: false; reason: string };

async function runOne(ref: ObjectRef, deps: Deps, totals: Totals, signal?: AbortSignal): Promise<Settled> {
  const started = performance.now();
  try {
    const outcome = await processObject(ref, deps, signal);
    if (outcome.outcome !== "duplicate") {
      totals.objects++;
      totals.bytes += outcome.bytes;
      totals.records += outcome.records;
      totals.malformed += outcome.malformed;
      totals.alerts += outcome.alerts;
      totals.excepted += outcome.excepted ?? 0;
      totals.suppressed += outcome.suppressed ?? 0;
      if (outcome.outcome !== "scanned") totals.failures++;
      // A missing object was logged as "object not scanned" where it was found missing.
      if (outcome.outcome !== "missing") deps.logger.info("object scanned", summaryLine(outcome));
    }
    return { ref, ok: true, outcome };
  } catch (err) {
    totals.failures++;
    const reason = describeError(err);
    deps.logger.error("object failed, will be retried", {
      uri: s3Uri(ref.bucket, ref.key),
      outcome: "retry",
      reason,
      durationMs: Math.round(performance.now() - started),
      ...(ref.messageId === undefined ? {} : { messageId: ref.messageId }),
    });
    return { ref, ok: false, reason };
  }
}

function summaryLine(o: ObjectOutcome): Record<string, unknown> {
  return {
    uri: o.uri,
    bytes: o.bytes,
    records: o.records,
    malformed: o.malformed,
    alerts: o.alerts,
    messages: o.messages,
    ...(o.notListed === undefined ? {} : { notListed: o.notListed }),
    durationMs: o.durationMs,
    outcome: o.outcome,
    ...(o.reason === undefined ? {} : { reason: o.reason }),
  };
}

function shapeResult(trigger: Trigger, settled: readonly Settled[]): ProcessResult {
  if (trigger.kind === "sqs") {
    const failed = new Set<string>(trigger.invalid.map((i) => i.messageId));
    for (const s of settled) if (!s.ok && s.ref.messageId !== undefined) failed.add(s.ref.messageId);
    return { batchItemFailures: [...failed].map((itemIdentifier) => ({ itemIdentifier })) };
  }
  const summary: Summary = { objects: 0, records: 0, malformed: 0, alerts: 0, failed: [] };
  const results: BackfillObjectResult[] = [];
  for (const s of settled) {
    if (!s.ok) {
      summary.failed.push({ key: s.ref.key, reason: s.reason, transient: true });
      results.push({
        key: s.ref.key,
        outcome: "failed",
        records: 0,
        alerts: 0,
        reason: s.reason,
        transient: true,
      });
      continue;
    }
    const o = s.outcome;
    results.push({
      key: s.ref.key,
      outcome: o.outcome,
      records: o.records,
      alerts: o.alerts,
      ...(o.reason === undefined ? {} : { reason: o.reason }),
    });
    if (o.outcome === "duplicate") continue;
    summary.objects++;
    summary.records += o.records;
    summary.malformed += o.malformed;
    summary.alerts += o.alerts;
    if (o.outcome !== "scanned") summary.failed.push({ key: s.ref.key, reason: o.reason ?? o.outcome });
  }
  if (trigger.kind === "backfill") summary.results = results;
  if (trigger.kind !== "backfill" && summary.failed.some((f) => f.transient)) {
    // Asynchronous invocations (S3, SNS, EventBridge) are retried by Lambda only if we throw.
    throw new RetryableError(summary);
  }
  return summary;
}

export class RetryableError extends Error {
  override readonly name = "RetryableError";
  constructor(readonly summary: Summary) {
    const f = summary.failed.filter((x) => x.transient);
    super(
      `${f.length} object(s) failed transiently and will be retried: ${f
        .map((x) => `${x.key} (${x.reason})`)
        .join("; ")
        .slice(0, 1000)}`,
    );
  }
}

function emitMetrics(metrics: MetricSink | undefined, t: Totals): void {
  if (metrics === undefined) return;
  metrics.addMetric(METRIC.objectsScanned, "Count", t.objects);
  metrics.addMetric(METRIC.bytesScanned, "Bytes", t.bytes);
  metrics.addMetric(METRIC.records, "Count", t.records);
  metrics.addMetric(METRIC.malformedRecords, "Count", t.malformed);
  metrics.addMetric(METRIC.alerts, "Count", t.alerts);
  metrics.addMetric(METRIC.objectFailures, "Count", t.failures);
  metrics.addMetric(METRIC.exceptionDrops, "Count", t.excepted);
  metrics.addMetric(METRIC.suppressedAlerts, "Count", t.suppressed);
}

/** Error name and short message only: no response bodies, no record content. */
export function describeError(err: unknown): string {
  if (err instanceof TransientObjectError || err instanceof PermanentObjectError) return err.reason;
  if (err instanceof PublishError) return err.message;
  if (err instanceof Error) return `${err.name}: ${err.message.slice(0, 300)}`;
  return String(err).slice(0, 300);
}

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, worker));
  return out;
}

export type { Alert };

/** The configured index of an object's records: the longest matching key prefix wins. */
function indexNameFor(
  key: string,
  byPrefix: Readonly<Record<string, string>> | undefined,
): { indexName?: string } {
  if (byPrefix === undefined) return {};
  let best: string | undefined;
  for (const prefix of Object.keys(byPrefix)) {
    if (key.startsWith(prefix) && (best === undefined || prefix.length > best.length)) best = prefix;
  }
  return best === undefined ? {} : { indexName: byPrefix[best]! };
}
