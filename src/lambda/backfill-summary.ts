/**
 * The back-scan's summary (infra/backfill.ts, state Summarise): the same function, invoked with
 * `{"BackfillSummary": {"bucket", "manifest"}}`, reads the Distributed Map's ResultWriter output
 * (the manifest and its JSON Lines result files) and adds up every batch, so the execution ends
 * with objects listed, scanned and failed (each with its reason), records and alerts, and fails
 * when any object failed. A batch whose child execution failed as a whole (the function crashed
 * or timed out) counts each of its objects as failed with the child's error: nothing the map
 * tolerated goes unreported.
 *
 * Memory stays bounded: result files are read line by line, counters are numbers, and the list of
 * failed objects in the output is cut at FAILED_LISTED_BYTES (the count is always exact); the
 * state machine's payload limit is 256 KiB and the re-run input (docs/deploy.md) must fit in it.
 */
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";

/** Bytes of failed `{key, reason}` entries the summary lists (the count is always complete). */
export const FAILED_LISTED_BYTES = 96 * 1024;
/** Longest reason kept per failed object (a child's Cause can be 32 KiB). */
const REASON_CHARS = 300;

export interface BackfillSummaryEvent {
  BackfillSummary: { bucket: string; manifest: string };
}

export interface BackfillFailure {
  key: string;
  reason: string;
  transient?: boolean;
}

export interface BackfillSummary {
  /** Objects the map handed to batches (listed by the ItemReader, or the re-run's keys). */
  listed: number;
  scanned: number;
  /** Already scanned with the same rules and configuration (idempotency): not scanned again. */
  duplicate: number;
  /** Read in part (damaged, over a limit): recovered hits published; counted as failed. */
  partial: number;
  /** Gone or unreadable for good: counted as failed. */
  missing: number;
  /** Every object not fully scanned: partial + missing + errors (transient after the last attempt). */
  failedCount: number;
  records: number;
  malformed: number;
  alerts: number;
  /** Batches (child executions) that failed as a whole; their objects are in failedCount. */
  failedBatches: number;
  /** The failed objects, in result order, up to FAILED_LISTED_BYTES. */
  failed: BackfillFailure[];
  /** True when `failed` lists fewer than failedCount entries. */
  failedTruncated: boolean;
  /** The keys of `failed`, ready for a re-run input `{"keys": [...]}`. */
  failedKeys: string[];
  results: { bucket: string; manifest: string };
}

export function isBackfillSummaryEvent(event: unknown): event is BackfillSummaryEvent {
  if (typeof event !== "object" || event === null || !Object.hasOwn(event, "BackfillSummary")) return false;
  const s = (event as Record<string, unknown>)["BackfillSummary"];
  return (
    typeof s === "object" &&
    s !== null &&
    typeof (s as Record<string, unknown>)["bucket"] === "string" &&
    typeof (s as Record<string, unknown>)["manifest"] === "string"
  );
}

/** Adds up the result files the manifest names. S3 errors propagate: the state machine retries. */
export async function summariseBackfill(event: BackfillSummaryEvent, s3: S3Client): Promise<BackfillSummary> {
  const { bucket, manifest } = event.BackfillSummary;
  const m = parseJson(await readText(s3, bucket, manifest), manifest);
  const files = isRecord(m) && isRecord(m["ResultFiles"]) ? m["ResultFiles"] : {};
  const destination =
    isRecord(m) && typeof m["DestinationBucket"] === "string" ? m["DestinationBucket"] : bucket;
  const acc = new Accumulator({ bucket, manifest });
  for (const status of ["SUCCEEDED", "FAILED", "PENDING"]) {
    const list = files[status];
    if (!Array.isArray(list)) continue;
    for (const f of list) {
      if (!isRecord(f) || typeof f["Key"] !== "string") continue;
      for await (const line of readLines(s3, destination, f["Key"])) {
        if (line.trim() === "") continue;
        acc.add(parseJson(line, f["Key"]));
      }
    }
  }
  return acc.summary;
}

class Accumulator {
  readonly summary: BackfillSummary;
  private listedBytes = 0;

  constructor(results: { bucket: string; manifest: string }) {
    this.summary = {
      listed: 0,
      scanned: 0,
      duplicate: 0,
      partial: 0,
      missing: 0,
      failedCount: 0,
      records: 0,
      malformed: 0,
      alerts: 0,
      failedBatches: 0,
      failed: [],
      failedTruncated: false,
      failedKeys: [],
      results,
    };
  }

  /** One child execution's record (Transformation NONE: Input/Output are JSON strings). */
  add(entry: unknown): void {
    if (!isRecord(entry)) return;
    const input = asObject(entry["Input"]);
    const items = input && Array.isArray(input["Items"]) ? input["Items"] : [];
    const keys = items.map((i) => (isRecord(i) && typeof i["Key"] === "string" ? i["Key"] : "(no key)"));
    const s = this.summary;
    s.listed += keys.length;
    const output = entry["Status"] === "SUCCEEDED" ? asObject(entry["Output"]) : undefined;
    if (output === undefined) {
      // The batch failed as a whole (or never finished): none of its objects is known scanned.
      s.failedBatches++;
      const reason = clip(
        `batch ${String(entry["Status"] ?? "unknown")}: ${String(entry["Error"] ?? "no error")}: ${String(entry["Cause"] ?? "")}`,
      );
      for (const key of keys) this.fail({ key, reason });
      return;
    }
    s.records += num(output["records"]);
    s.malformed += num(output["malformed"]);
    s.alerts += num(output["alerts"]);
    const results = Array.isArray(output["results"]) ? output["results"] : [];
    for (const r of results) {
      if (!isRecord(r) || typeof r["key"] !== "string") continue;
      const outcome = r["outcome"];
      if (outcome === "scanned") s.scanned++;
      else if (outcome === "duplicate") s.duplicate++;
      else {
        if (outcome === "partial") s.partial++;
        else if (outcome === "missing") s.missing++;
        this.fail({
          key: r["key"],
          reason: clip(typeof r["reason"] === "string" ? r["reason"] : String(outcome)),
          ...(r["transient"] === true ? { transient: true } : {}),
        });
      }
    }
    // Every listed object must have a result; one that has none is a failure, not a silent gap.
    const seen = new Set(results.filter(isRecord).map((r) => r["key"]));
    for (const key of keys)
      if (!seen.has(key)) this.fail({ key, reason: "no result for this object in its batch" });
  }

  private fail(f: BackfillFailure): void {
    const s = this.summary;
    s.failedCount++;
    const bytes = Buffer.byteLength(JSON.stringify(f)) + Buffer.byteLength(JSON.stringify(f.key));
    if (s.failedTruncated || this.listedBytes + bytes > FAILED_LISTED_BYTES) {
      s.failedTruncated = true;
      return;
    }
    this.listedBytes += bytes;
    s.failed.push(f);
    s.failedKeys.push(f.key);
  }
}

async function readText(s3: S3Client, bucket: string, key: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (res.Body === undefined) throw new Error(`s3://${bucket}/${key} has no body`);
  return res.Body.transformToString("utf8");
}

async function* readLines(s3: S3Client, bucket: string, key: string): AsyncGenerator<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  if (res.Body === undefined) return;
  yield* createInterface({ input: res.Body as Readable, crlfDelay: Number.POSITIVE_INFINITY });
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(`back-scan results ${where}: not JSON (${(err as Error).message.slice(0, 200)})`);
  }
}

function asObject(v: unknown): Record<string, unknown> | undefined {
  if (typeof v === "string") {
    try {
      v = JSON.parse(v);
    } catch {
      return undefined;
    }
  }
  return isRecord(v) ? v : undefined;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) ? v : 0;
}

function clip(s: string): string {
  return s.length <= REASON_CHARS ? s : `${s.slice(0, REASON_CHARS)}...`;
}
