/**
 * One measurement in its own process (bundled by throughput.ts into <out-dir>/measure.mjs and
 * run with plain node), so each figure's peak RSS is its own and no run warms another's JIT.
 * argv[2] is a JSON Task; the last stdout line is a JSON Measurement.
 */
import { createReadStream, readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { Readable } from "node:stream";
import { createGunzip, gunzipSync } from "node:zlib";
import type { Rule } from "../../src/rules/index.ts";
import { createRuleDispatch } from "../../src/scan/dispatch.ts";
import { readSmallObjects } from "./generate.ts";
import { IMPL_NOTE, scanObject } from "./impl.ts";
import { loadBenchRules, type RuleSetSpec } from "./rulesets.ts";

export type TaskKind = "idle" | "gunzip" | "scan" | "scan-plain" | "naive" | "small-scan" | "small-naive";

export interface Task {
  readonly kind: TaskKind;
  readonly file?: string;
  readonly objects?: number;
  /** For small-*: the file written by ensureSmallObjects (length-prefixed gzip objects). */
  readonly smallFile?: string;
  /** The rules (default: the shipped rule). */
  readonly rules?: RuleSetSpec;
}

export interface Measurement {
  readonly kind: TaskKind;
  readonly wallMs: number;
  /** user + system CPU of the whole process during the timed part (all threads). */
  readonly cpuMs: number;
  /** Peak resident set of the process, KiB (process.resourceUsage().maxRSS). */
  readonly maxRssKiB: number;
  readonly bytes: number;
  readonly records: number;
  readonly objects?: number;
  /** 1-based ordinals of the records that alerted. */
  readonly alerts: readonly number[];
  readonly alertBytes: number;
  readonly failure?: string;
  readonly impl: string;
  /** Rules loaded, files refused, and the set-up outside the clock (as a Lambda's init). */
  readonly rules: number;
  readonly refused: number;
  /** Sequence and sample rules of the set left out (rulesets.ts). */
  readonly sequences: number;
  /** Loading, validating and compiling the rules, ms. */
  readonly loadMs: number;
  /** Building the prefilter and dispatch for them (scanObject would do it on its first object), ms. */
  readonly prefilterMs: number;
}

const READ_HWM = 4 << 20;
// Large zlib output chunks and a large readable buffer let the thread pool keep decompressing
// while the main thread works (performance.md: 1.52 s vs 2.0 s with default buffers).
const GUNZIP_OPTIONS = { chunkSize: 1 << 20, readableHighWaterMark: 16 << 20 } as object;

function gunzipFile(file: string): NodeJS.ReadableStream {
  const gunzip = createGunzip(GUNZIP_OPTIONS);
  const src = createReadStream(file, { highWaterMark: READ_HWM });
  src.on("error", (e) => gunzip.destroy(e));
  return src.pipe(gunzip);
}

async function plainGunzip(file: string): Promise<{ bytes: number }> {
  let bytes = 0;
  for await (const chunk of gunzipFile(file) as AsyncIterable<Buffer>) bytes += chunk.length;
  return { bytes };
}

/** What a careful user writes first: readline over gunzip, JSON.parse of every line. */
async function naiveScan(
  file: string,
  rules: readonly Rule[],
): Promise<{ bytes: number; records: number; alerts: number[]; alertBytes: number }> {
  let bytes = 0;
  let records = 0;
  let alertBytes = 0;
  const alerts: number[] = [];
  const gunzip = gunzipFile(file);
  gunzip.on("data", (c: Buffer) => {
    bytes += c.length;
  });
  const rl = createInterface({ input: gunzip, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of rl) {
    if (line.length === 0) continue;
    records++;
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    for (const rule of rules) {
      if (rule.compiled.matches(record)) {
        alerts.push(records);
        alertBytes += JSON.stringify({ rule: rule.id, record: records, raw: record }).length + 1;
      }
    }
  }
  return { bytes, records, alerts, alertBytes };
}

type Timed = Omit<
  Measurement,
  | "wallMs"
  | "cpuMs"
  | "maxRssKiB"
  | "kind"
  | "impl"
  | "rules"
  | "refused"
  | "sequences"
  | "loadMs"
  | "prefilterMs"
>;

async function scanWith(
  input: AsyncIterable<Uint8Array> | NodeJS.ReadableStream,
  file: string,
  rules: readonly Rule[],
) {
  const alerts: number[] = [];
  let alertBytes = 0;
  // As the CLI and the Lambda do: a signal that would abort the scan (never fired here).
  const abort = new AbortController();
  const r = await scanObject(input, {
    uri: `file://${file}`,
    rules,
    signal: abort.signal,
    onAlert: (a) => {
      alerts.push(a.source.record);
      alertBytes += JSON.stringify(a).length + 1;
    },
  });
  return {
    bytes: r.decompressedBytes,
    records: r.records,
    alerts,
    alertBytes,
    ...(r.failure ? { failure: `${r.failure.kind}: ${r.failure.message}` } : {}),
  };
}

async function run(
  task: Task,
  rules: readonly Rule[],
  small: readonly Buffer[],
  plain: readonly Buffer[],
): Promise<Timed> {
  switch (task.kind) {
    case "idle":
      return { bytes: 0, records: 0, alerts: [], alertBytes: 0 };
    case "gunzip":
      return { ...(await plainGunzip(task.file!)), records: 0, alerts: [], alertBytes: 0 };
    case "naive":
      return naiveScan(task.file!, rules);
    case "scan":
      return scanWith(createReadStream(task.file!, { highWaterMark: READ_HWM }), task.file!, rules);
    case "scan-plain":
      // The decompressed NDJSON from memory in 1 MiB chunks: the scanner's own (main-thread) cost.
      return scanWith(Readable.from(plain), task.file!, rules);
    case "small-scan": {
      let bytes = 0;
      let records = 0;
      let alertBytes = 0;
      const alerts: number[] = [];
      const abort = new AbortController();
      for (let i = 0; i < small.length; i++) {
        let hits = 0;
        const r = await scanObject(Readable.from([small[i]!]), {
          uri: `s3://bench-bucket/small/${i}.ndjson.gz`,
          rules,
          signal: abort.signal,
          onAlert: (a) => {
            hits++;
            alertBytes += JSON.stringify(a).length + 1;
          },
        });
        if (hits > 0) alerts.push(i + 1);
        bytes += r.decompressedBytes;
        records += r.records;
      }
      return { bytes, records, alerts, alertBytes, objects: small.length };
    }
    case "small-naive": {
      let bytes = 0;
      let records = 0;
      const alerts: number[] = [];
      for (let i = 0; i < small.length; i++) {
        const text = gunzipSync(small[i]!).toString("utf8");
        bytes += text.length;
        for (const line of text.split("\n")) {
          if (line.length === 0) continue;
          records++;
          const rec: unknown = JSON.parse(line);
          if (rules.some((r) => r.compiled.matches(rec))) alerts.push(i + 1);
        }
      }
      return { bytes, records, alerts, alertBytes: 0, objects: small.length };
    }
  }
}

async function main(): Promise<void> {
  const task = JSON.parse(process.argv[2] ?? "{}") as Task;
  // Set-up stays outside the clock (on Lambda it is the init phase): rules, in-memory objects.
  const l0 = performance.now();
  const set = loadBenchRules(task.rules ?? { kind: "builtin" });
  const rules = set.rules;
  const loadMs = performance.now() - l0;
  const p0 = performance.now();
  createRuleDispatch(rules);
  const prefilterMs = performance.now() - p0;
  // Read from a file the parent generated, so this process's peak RSS is the scan's, not the generator's.
  const small = task.kind.startsWith("small-") ? readSmallObjects(task.smallFile!) : [];
  const plain: Buffer[] = [];
  if (task.kind === "scan-plain") {
    const all = gunzipSync(readFileSync(task.file!));
    for (let i = 0; i < all.length; i += 1 << 20)
      plain.push(all.subarray(i, Math.min(all.length, i + (1 << 20))));
  }
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await run(task, rules, small, plain);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(c0);
  const m: Measurement = {
    kind: task.kind,
    wallMs,
    cpuMs: (cpu.user + cpu.system) / 1000,
    maxRssKiB: process.resourceUsage().maxRSS,
    impl: IMPL_NOTE,
    rules: rules.length,
    refused: set.refused,
    sequences: set.sequences,
    loadMs,
    prefilterMs,
    ...r,
  };
  process.stdout.write(`\n${JSON.stringify(m)}\n`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
