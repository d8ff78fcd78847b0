/**
 * Run totals, the live progress line (only when stderr is a terminal) and the final summary.
 */

import { safeText } from "../alerts/index.ts";
import type { ScanResult } from "../scan/index.ts";
import { formatBytes } from "./options.ts";

export interface Failure {
  readonly uri: string;
  /** "input" for inputs that could not be listed/opened; else the reader's failure kind. */
  readonly kind: string;
  readonly message: string;
}

const SAMPLE_OBJECTS = 20;

export class RunTotals {
  objects = 0;
  compressedBytes = 0;
  decompressedBytes = 0;
  records = 0;
  malformed = 0;
  skipped = 0;
  alerts = 0;
  readonly failures: Failure[] = [];
  /** Per object, the first malformed/skipped ordinals (only objects that had any; capped). */
  readonly malformedSamples: { uri: string; samples: ScanResult["malformedSamples"]; count: number }[] = [];
  readonly skippedSamples: { uri: string; samples: ScanResult["skippedSamples"]; count: number }[] = [];

  add(result: ScanResult): void {
    this.objects++;
    this.compressedBytes += result.compressedBytes;
    this.decompressedBytes += result.decompressedBytes;
    this.records += result.records;
    this.malformed += result.malformed;
    this.skipped += result.skipped;
    if (result.malformed > 0 && this.malformedSamples.length < SAMPLE_OBJECTS) {
      this.malformedSamples.push({
        uri: result.uri,
        samples: result.malformedSamples,
        count: result.malformed,
      });
    }
    if (result.skipped > 0 && this.skippedSamples.length < SAMPLE_OBJECTS) {
      this.skippedSamples.push({ uri: result.uri, samples: result.skippedSamples, count: result.skipped });
    }
  }
}

function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "?";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

function count(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(0)}k`;
  return String(n);
}

/** The `\r`-rewritten status line; inert when stderr is not a terminal. */
export class ProgressLine {
  private readonly started = Date.now();
  private readonly live = new Map<string, { compressed: number; records: number }>();
  private doneBytes = 0;
  private doneRecords = 0;
  private totalBytes = 0;
  private totalKnown = false;
  private listed = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;

  constructor(
    private readonly out: NodeJS.WritableStream,
    enabled: boolean,
    private readonly totals: RunTotals,
  ) {
    if (enabled) {
      this.timer = setInterval(() => this.draw(), 250);
      this.timer.unref();
    }
  }

  listedObject(size: number | undefined): void {
    this.listed++;
    if (size !== undefined) this.totalBytes += size;
  }

  /** The size of an object listed without one (a directory entry), learnt when it was opened. */
  sizeLearnt(size: number): void {
    this.totalBytes += size;
  }

  listingDone(): void {
    this.totalKnown = true;
  }

  update(uri: string, p: { compressedBytes: number; records: number }): void {
    this.live.set(uri, { compressed: p.compressedBytes, records: p.records });
  }

  objectDone(uri: string, result: ScanResult | undefined): void {
    this.live.delete(uri);
    if (result !== undefined) {
      this.doneBytes += result.compressedBytes;
      this.doneRecords += result.records;
    }
  }

  /** Writes a message on its own line without tearing the progress line. */
  message(text: string): void {
    this.clear();
    this.out.write(text);
  }

  private clear(): void {
    if (this.shown) {
      this.out.write("\r\u001b[K");
      this.shown = false;
    }
  }

  private draw(): void {
    let bytes = this.doneBytes;
    let records = this.doneRecords;
    for (const v of this.live.values()) {
      bytes += v.compressed;
      records += v.records;
    }
    const secs = (Date.now() - this.started) / 1000;
    const rate = secs > 0 ? records / secs : 0;
    let line = `scanning: ${this.totals.objects}/${this.listed}${this.totalKnown ? "" : "+"} objects, ${formatBytes(bytes)}`;
    if (this.totalKnown && this.totalBytes > 0) {
      line += ` of ${formatBytes(this.totalBytes)}`;
      const byteRate = secs > 0 ? bytes / secs : 0;
      if (byteRate > 0) line += `, ETA ${duration((this.totalBytes - bytes) / byteRate)}`;
    }
    line += `, ${count(records)} records (${count(Math.round(rate))}/s), ${this.totals.alerts} alerts`;
    if (this.totals.failures.length > 0) line += `, ${this.totals.failures.length} failed`;
    this.out.write(`\r\u001b[K${line}`);
    this.shown = true;
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    this.clear();
  }
}

/** The end-of-run summary (always printed, on stderr). */
export function summaryText(t: RunTotals, elapsedMs: number): string {
  const secs = Math.max(elapsedMs, 1) / 1000;
  const mbps = t.decompressedBytes / 1e6 / secs;
  const lines: string[] = [];
  const failedInputs = t.failures.filter((f) => f.kind === "input").length;
  const failedObjects = t.failures.length - failedInputs;
  lines.push(
    `edr-scan: ${t.objects} object${t.objects === 1 ? "" : "s"} scanned` +
      `${failedObjects > 0 ? ` (${failedObjects} failed)` : ""}` +
      `${failedInputs > 0 ? `, ${failedInputs} input${failedInputs === 1 ? "" : "s"} failed` : ""}; ` +
      `${formatBytes(t.compressedBytes)} compressed, ${formatBytes(t.decompressedBytes)} decompressed; ` +
      `${t.records} records, ${t.malformed} malformed, ${t.skipped} skipped; ` +
      `${t.alerts} alert${t.alerts === 1 ? "" : "s"}; ${secs.toFixed(2)} s, ${mbps.toFixed(1)} MB/s`,
  );
  for (const m of t.malformedSamples) {
    const ords = m.samples.map((s) => `#${s.record} (${safeText(s.reason, 120)})`).join(", ");
    lines.push(
      `  malformed: ${safeText(m.uri)}: ${m.count} record${m.count === 1 ? "" : "s"}${ords ? `, e.g. ${ords}` : ""}`,
    );
  }
  for (const s of t.skippedSamples) {
    const ords = s.samples.map((x) => `#${x.record} (${x.bytes} bytes)`).join(", ");
    lines.push(
      `  skipped (longer than --max-record-bytes): ${safeText(s.uri)}: ${s.count} record${s.count === 1 ? "" : "s"}${ords ? `, e.g. ${ords}` : ""}`,
    );
  }
  for (const f of t.failures)
    lines.push(`  FAILED ${safeText(f.uri)}: ${safeText(f.message, 500)} [${f.kind}]`);
  return `${lines.join("\n")}\n`;
}
