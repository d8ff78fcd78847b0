/**
 * `edr-scan [options] INPUT...`: the CLI as a function of (argv, io, deps) so tests can run it
 * in-process with fakes; src/cli.ts wires the real reader, rule loader and process streams.
 * Over 400 lines because runCli is the CLI's one wiring point (options, rule-set loading,
 * inputs, concurrency, output pacing, summary); the parts with logic of their own live beside it
 * (options.ts, inputs.ts, progress.ts, render.ts, tuning.ts, rules-command.ts).
 */
import { once, setMaxListeners } from "node:events";
import type { S3Client } from "@aws-sdk/client-s3";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import type { Alert } from "../alerts/index.ts";
import {
  applyPipes,
  builtinRulesDir,
  parseRuleFilter,
  queryRule,
  type Rule,
  type RuleSet,
  type RuleSetOptions,
} from "../rules/index.ts";
import { hasSequenceRules, type ScanOptions, type ScanResult, SequenceRun } from "../scan/index.ts";
import type { SourceOption } from "../sources/index.ts";
import { SOURCE_OPTIONS } from "../sources/index.ts";
import { expandInputs, type InputItem, InputOpenError, type ObjectTask, type OpenedInput } from "./inputs.ts";
import {
  bytesOption,
  type CliOptions,
  choiceOption,
  DEFAULT_CONCURRENCY,
  intOption,
  MAX_CONCURRENCY,
  type OutputFormat,
} from "./options.ts";
import { ProgressLine, RunTotals, summaryText } from "./progress.ts";
import { renderAlert } from "./render.ts";
import { loadReport, RunTuning } from "./tuning.ts";

export interface CliDeps {
  /** The body is an async iterable, or a plain array of chunks (a small file read whole). */
  readonly scanObject: (
    input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    options: ScanOptions,
  ) => Promise<ScanResult>;
  readonly loadRules: (path: string, options?: { ignoreAbove?: number }) => Promise<Rule[]>;
  readonly loadBuiltinRules: (options?: { ignoreAbove?: number }) => Promise<Rule[]>;
  /**
   * Loads a rule set with its exceptions, filters and lenient mode (src/rules loadRuleSet). When
   * absent, loadRules/loadBuiltinRules are used and tuning flags are refused.
   */
  readonly loadRuleSet?: (paths: readonly string[], options: RuleSetOptions) => Promise<RuleSet>;
  readonly createS3Client?: (env: Readonly<Record<string, string | undefined>>) => S3Client;
  readonly version?: string;
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Aborts the run (Ctrl-C): objects in flight stop, the summary is still printed. */
  readonly signal?: AbortSignal;
}

export const EXIT_CLEAN = 0;
export const EXIT_ALERTS = 1;
export const EXIT_FAILED = 2;
export const EXIT_INTERRUPTED = 130;

const FORMATS: readonly OutputFormat[] = ["ndjson", "text"];
const SOURCES: readonly SourceOption[] = SOURCE_OPTIONS;

function program(io: CliIo, version: string): Command {
  return new Command()
    .name("edr-scan")
    .description(
      "Scan EDR logs (Elastic Defend, SentinelOne Cloud Funnel, Elastic Endgame) in files, directories and S3 " +
        "with Elastic detection rules. Alerts go to stdout, the summary to stderr.\n" +
        "Exit codes: 0 no alerts, 1 alerts, 2 an input failed or a usage error.",
    )
    .version(version, "-V, --version")
    .argument("<inputs...>", "files, directories (scanned recursively) and s3://bucket/prefix URIs")
    .option(
      "--query <eql>",
      "run one EQL query instead of rules (ad-hoc hunting); `| head N` / `| tail N` keep the first / last N hits in @timestamp order",
    )
    .option(
      "--rules <path>",
      "a detection-rules .toml file or a directory of them (default: the built-in rules)",
    )
    .option(
      "--exceptions <path>",
      "a Kibana exception-list export (NDJSON) whose lists the rules reference (repeatable)",
      collect,
      [],
    )
    .option(
      "--rule-filter <filter>",
      "load only rules matching (repeatable, all must hold): tag:<tag>, severity>=<level>, severity:<level>, id:<rule id>, name:<wildcard>, index:<index name>",
      filterOption,
      [],
    )
    .option(
      "--skip-unsupported-rules",
      "start even when some rules cannot be loaded; each skipped rule is listed on stderr and counted in the summary",
    )
    .option(
      "--index-name <name>",
      "the index (data stream) every record belongs to, for archives whose records do not say, e.g. logs-endpoint.events.process-default: rules run only where their index patterns select it",
    )
    .addOption(
      new Option("--format <format>", "alert output: ndjson (one JSON alert per line) or text (for people)")
        .argParser(choiceOption(FORMATS))
        .default("ndjson"),
    )
    .addOption(
      new Option("--source <source>", "source of every record, or auto to detect per record")
        .argParser(choiceOption(SOURCES))
        .default("auto"),
    )
    .addOption(
      new Option(
        "--ignore-above <n>",
        "emulate Elasticsearch's keyword ignore_above: values longer than n characters have no value (default: off)",
      ).argParser(intOption(1, 2 ** 31 - 1, "a character count")),
    )
    .addOption(
      new Option(
        "--max-record-bytes <bytes>",
        "longest record evaluated; longer ones are skipped and reported (default 8MiB)",
      ).argParser(bytesOption),
    )
    .addOption(
      new Option(
        "--max-decompressed-bytes <bytes>",
        "ceiling on decompressed bytes per object; beyond it the object fails (default 64GiB)",
      ).argParser(bytesOption),
    )
    .addOption(
      new Option("--concurrency <n>", "objects scanned at the same time")
        .argParser(intOption(1, MAX_CONCURRENCY, "a number of objects"))
        .default(DEFAULT_CONCURRENCY),
    )
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    })
    .showHelpAfterError("(run edr-scan --help for usage)")
    .exitOverride();
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

// Validated at parse time so a typo is a usage error before any rule file is read.
function filterOption(value: string, previous: string[]): string[] {
  try {
    parseRuleFilter(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return [...previous, value];
}

function parseArgs(
  argv: readonly string[],
  io: CliIo,
  version: string,
): { options: CliOptions; inputs: string[] } | number {
  const cmd = program(io, version);
  try {
    cmd.parse([...argv], { from: "user" });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version" || err.exitCode === 0) {
        return EXIT_CLEAN;
      }
      return EXIT_FAILED;
    }
    throw err;
  }
  const o = cmd.opts<{
    query?: string;
    rules?: string;
    format: OutputFormat;
    source: SourceOption;
    ignoreAbove?: number;
    maxRecordBytes?: number;
    maxDecompressedBytes?: number;
    concurrency: number;
    exceptions: string[];
    ruleFilter: string[];
    skipUnsupportedRules?: boolean;
    indexName?: string;
  }>();
  const options: CliOptions = {
    ...(o.query === undefined ? {} : { query: o.query }),
    ...(o.rules === undefined ? {} : { rules: o.rules }),
    format: o.format,
    source: o.source,
    ...(o.ignoreAbove === undefined ? {} : { ignoreAbove: o.ignoreAbove }),
    ...(o.maxRecordBytes === undefined ? {} : { maxRecordBytes: o.maxRecordBytes }),
    ...(o.maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes: o.maxDecompressedBytes }),
    concurrency: o.concurrency,
    exceptions: o.exceptions,
    ruleFilters: o.ruleFilter,
    skipUnsupportedRules: o.skipUnsupportedRules === true,
    ...(o.indexName === undefined ? {} : { indexName: o.indexName }),
  };
  return { options, inputs: cmd.args };
}

/**
 * S3 settings the CLI takes from its environment (region, endpoint, credentials: the SDK's chain).
 * src/s3 is loaded here, at the first s3:// input, not at start (see inputs.ts).
 */
async function defaultS3Client(env: Readonly<Record<string, string | undefined>>): Promise<S3Client> {
  const { createS3Client, parseForcePathStyle, S3_FORCE_PATH_STYLE_ENV } = await import("../s3/index.ts");
  return createS3Client({ forcePathStyle: parseForcePathStyle(env[S3_FORCE_PATH_STYLE_ENV]) === true });
}

function openErrorReason(err: unknown): string {
  // S3 errors carry a short reason already (code, HTTP status); the URI is printed once, by the summary.
  if (err instanceof InputOpenError) return err.reason;
  const e = err as { name?: unknown };
  return `${typeof e?.name === "string" && e.name !== "Error" ? `${e.name}: ` : ""}${errorMessage(err)}`;
}

/**
 * Hands the reader its next chunk only once stdout has drained. Alerts are written as they are
 * found and onAlert cannot wait, so on a pipe (async in Node on POSIX) to a slower reader every
 * alert of the object used to queue in memory (131,072 alerts of a 635 MB object: peak RSS 1.6 GB,
 * test/bench/memory.ts); now at most one slice's alerts per object in flight wait.
 */
async function* pacedByOutput(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  out: NodeJS.WritableStream,
  signal: AbortSignal | undefined,
): AsyncIterable<Uint8Array> {
  const o = out as { writableNeedDrain?: boolean; writableLength?: number };
  for await (const chunk of body) {
    for (let at = 0; at < chunk.length; ) {
      if (o.writableNeedDrain === true && signal?.aborted !== true) await drained(out, signal);
      // While alerts are still queued (a flood), smaller slices (views, no copy): the alerts of a
      // whole 4 MiB read, written in one burst, outlive young-generation GCs and swell the heap.
      const end =
        (o.writableLength ?? 0) > 0 ? Math.min(chunk.length, at + OUTPUT_PACED_SLICE) : chunk.length;
      yield at === 0 && end === chunk.length ? chunk : chunk.subarray(at, end);
      at = end;
    }
  }
}

const OUTPUT_PACED_SLICE = 256 * 1024;

/**
 * The body the reader gets. A small file read whole (one chunk, no larger than a paced slice)
 * is handed over as the array it is, after stdout has drained: the reader then sees a body whose
 * reads never wait, and an async generator per object is saved; pacing is the same, since
 * pacedByOutput would yield that one chunk whole too.
 */
async function pacedBody(
  body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  out: NodeJS.WritableStream,
  signal: AbortSignal | undefined,
): Promise<AsyncIterable<Uint8Array> | Iterable<Uint8Array>> {
  if (Array.isArray(body) && body.length === 1 && (body[0] as Uint8Array).length <= OUTPUT_PACED_SLICE) {
    const o = out as { writableNeedDrain?: boolean };
    if (o.writableNeedDrain === true && signal?.aborted !== true) await drained(out, signal);
    return body;
  }
  return pacedByOutput(body, out, signal);
}

/** One "drain" listener per stream, shared by every object waiting (64 at --concurrency 64). */
const drains = new WeakMap<NodeJS.WritableStream, Promise<unknown>>();

async function drained(out: NodeJS.WritableStream, signal: AbortSignal | undefined): Promise<void> {
  let wait = drains.get(out);
  if (wait === undefined) {
    wait = once(out, "drain").finally(() => drains.delete(out));
    drains.set(out, wait);
  }
  if (signal === undefined) {
    await wait;
    return;
  }
  // Ctrl-C must not wait for a reader that has stopped reading.
  let onAbort = (): void => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = resolve;
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    await Promise.race([wait, aborted]);
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The run's own signal, following the caller's (Ctrl-C). Every object in flight listens to it a
 * few times (GetObject, its body, the reader), so Node's default of 10 listeners per signal
 * printed a MaxListenersExceededWarning at --concurrency 10 and more on S3 inputs; the bound here
 * grows with the concurrency instead, and a leak beyond it is still reported.
 */
function runSignal(
  outer: AbortSignal | undefined,
  concurrency: number,
): { signal: AbortSignal; release(): void } | undefined {
  if (outer === undefined) return undefined;
  const controller = new AbortController();
  setMaxListeners(concurrency * 4 + 10, controller.signal);
  const forward = () => controller.abort(outer.reason);
  if (outer.aborted) forward();
  else outer.addEventListener("abort", forward, { once: true });
  return { signal: controller.signal, release: () => outer.removeEventListener("abort", forward) };
}

function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function release(body: unknown): void {
  const b = body as { destroy?: () => void; readableEnded?: boolean; destroyed?: boolean } | undefined;
  if (
    b !== undefined &&
    typeof b.destroy === "function" &&
    b.destroyed !== true &&
    b.readableEnded !== true
  ) {
    b.destroy();
  }
}

/** The reader's messages name the object already; the summary prints the URI once. */
function withoutUri(message: string, uri: string): string {
  return message.startsWith(`${uri}: `) ? message.slice(uri.length + 2) : message;
}

/** An alert's @timestamp in epoch milliseconds (NaN when it has none), to order --query hits. */
function alertTime(alert: Alert): number {
  const e = alert.event as Record<string, unknown>;
  const t = e["@timestamp"];
  if (typeof t === "number") return t;
  return typeof t === "string" ? Date.parse(t) : Number.NaN;
}

/** @timestamp order, then object and record (so concurrency never changes which hits a pipe keeps). */
function byTime(a: Alert, b: Alert): number {
  const ta = alertTime(a);
  const tb = alertTime(b);
  if (ta !== tb && !(Number.isNaN(ta) && Number.isNaN(tb))) {
    if (Number.isNaN(ta)) return 1;
    if (Number.isNaN(tb)) return -1;
    return ta - tb;
  }
  if (a.source.uri !== b.source.uri) return a.source.uri < b.source.uri ? -1 : 1;
  return a.source.record - b.source.record;
}

/**
 * The hits of a --query with `| head N` / `| tail N`: held (at most twice the first pipe's N at
 * any time: the window is trimmed as hits arrive), then ordered and cut by the pipes at the end.
 */
class HeldHits {
  private hits: Alert[] = [];
  private readonly keep: number;

  constructor(private readonly pipes: ReturnType<typeof queryRule>["pipes"]) {
    this.keep = pipes[0]?.count ?? 0;
  }

  /** True when the alert is held for the end of the run (the query has pipes). */
  hold(alert: Alert): boolean {
    if (this.pipes.length === 0) return false;
    this.hits.push(alert);
    if (this.hits.length > 2 * this.keep + 16) this.trim();
    return true;
  }

  private trim(): void {
    this.hits.sort(byTime);
    const n = this.keep;
    this.hits = n === 0 ? [] : this.pipes[0]!.name === "head" ? this.hits.slice(0, n) : this.hits.slice(-n);
  }

  release(): Alert[] {
    if (this.pipes.length === 0) return [];
    this.hits.sort(byTime);
    return applyPipes(this.hits, this.pipes, undefined);
  }
}

export async function runCli(argv: readonly string[], io: CliIo, deps: CliDeps): Promise<number> {
  const parsed = parseArgs(argv, io, deps.version ?? "0.0.0");
  if (typeof parsed === "number") return parsed;
  const { options, inputs } = parsed;
  const started = Date.now();

  let rules: readonly Rule[];
  let set: RuleSet | undefined;
  // --query: its pipes (head/tail) cut the run's hits, so those are held and printed at the end.
  let pipes: ReturnType<typeof queryRule>["pipes"] = [];
  try {
    const ruleOptions = options.ignoreAbove === undefined ? {} : { ignoreAbove: options.ignoreAbove };
    const tuned =
      options.exceptions.length > 0 || options.ruleFilters.length > 0 || options.skipUnsupportedRules;
    if (options.query !== undefined) {
      if (options.rules !== undefined || tuned) {
        io.stderr.write(
          "edr-scan: --query runs one query instead of rules: it cannot be combined with --rules, --exceptions, --rule-filter or --skip-unsupported-rules\n",
        );
        return EXIT_FAILED;
      }
      let q: ReturnType<typeof queryRule>;
      try {
        q = queryRule(options.query, ruleOptions);
      } catch (err) {
        io.stderr.write(`edr-scan: bad --query: ${errorMessage(err)}\n`);
        return EXIT_FAILED;
      }
      rules = [q.rule];
      pipes = q.pipes;
    } else if (deps.loadRuleSet !== undefined) {
      set = await deps.loadRuleSet(options.rules === undefined ? [builtinRulesDir()] : [options.rules], {
        ...ruleOptions,
        exceptions: options.exceptions,
        filters: options.ruleFilters.map(parseRuleFilter),
        skipUnsupported: options.skipUnsupportedRules,
      });
      rules = set.rules;
      io.stderr.write(loadReport(set));
    } else if (tuned) {
      io.stderr.write(
        "edr-scan: --exceptions, --rule-filter and --skip-unsupported-rules need the rule-set loader\n",
      );
      return EXIT_FAILED;
    } else {
      rules =
        options.rules === undefined
          ? await deps.loadBuiltinRules(ruleOptions)
          : await deps.loadRules(options.rules, ruleOptions);
    }
  } catch (err) {
    io.stderr.write(`edr-scan: cannot load rules: ${errorMessage(err)}\n`);
    return EXIT_FAILED;
  }
  if (rules.length === 0) {
    io.stderr.write(
      `edr-scan: no rules to run in ${options.rules ?? "the built-in rules"}${set !== undefined && set.rules.length === 0 && (set.filteredOut.length > 0 || set.disabled.length > 0 || set.refused.length > 0) ? ` (${set.filteredOut.length} filtered out, ${set.disabled.length} disabled, ${set.refused.length} refused)` : ""}: nothing to detect\n`,
    );
    return EXIT_FAILED;
  }

  const run = runSignal(io.signal, options.concurrency);
  const signal = run?.signal;
  const totals = new RunTotals();
  const progress = new ProgressLine(io.stderr, io.stderr.isTTY === true, totals);
  let s3: Promise<S3Client> | undefined;
  const getS3 = (): Promise<S3Client> => {
    s3 ??=
      deps.createS3Client === undefined
        ? defaultS3Client(io.env)
        : Promise.resolve(deps.createS3Client(io.env));
    return s3;
  };
  const fail = (uri: string, kind: string, message: string): void => {
    totals.failures.push({ uri, kind, message });
    progress.message(`edr-scan: ${uri}: ${message}\n`);
  };
  const tuning = new RunTuning(set);
  const held = new HeldHits(pipes);
  const emit = (alert: Alert): void => {
    if (!tuning.admit(alert, started)) return;
    if (held.hold(alert)) return;
    totals.alerts++;
    io.stdout.write(renderAlert(alert, options.format));
  };

  // Sequence and sample rules span every input of the run: one SequenceRun collects their step
  // events from all objects and decides them at the end (docs/sequences.md).
  const sequences = hasSequenceRules(rules)
    ? new SequenceRun({
        onLimit: ({ limit }) =>
          progress.message(
            `edr-scan: warning: ${limit} sequence step events held; further ones are not kept, so sequences may be missed (rules named in the summary)\n`,
          ),
      })
    : undefined;

  const scanTask = async (task: ObjectTask): Promise<void> => {
    let result: ScanResult | undefined;
    let opened: OpenedInput | undefined;
    try {
      opened = await task.open(signal);
      if (task.size === undefined && opened.size !== undefined) progress.sizeLearnt(opened.size);
      const version = opened.version;
      result = await deps.scanObject(await pacedBody(opened.body, io.stdout, signal), {
        uri: task.uri,
        ...(version === undefined ? {} : { version }),
        rules,
        source: options.source,
        ...(options.maxRecordBytes === undefined ? {} : { maxRecordBytes: options.maxRecordBytes }),
        ...(options.maxDecompressedBytes === undefined
          ? {}
          : { maxDecompressedBytes: options.maxDecompressedBytes }),
        onAlert: emit,
        ...(options.indexName === undefined ? {} : { indexName: options.indexName }),
        ...(sequences === undefined ? {} : { sequences }),
        onProgress: (p) => progress.update(task.uri, p),
        ...(signal === undefined ? {} : { signal }),
      });
    } catch (err) {
      fail(task.uri, "open-error", `cannot read: ${openErrorReason(err)}`);
    } finally {
      // A reader that stops early (unsupported compression, limit reached) leaves the rest of the
      // body unread; release the file descriptor or the HTTP socket now, not at garbage collection
      // (an S3 client has a bounded socket pool, and a leaked socket would stall later objects).
      release(opened?.body);
    }
    progress.objectDone(task.uri, result);
    if (result === undefined) return;
    totals.add(result);
    tuning.add(result);
    if (result.failure !== undefined) {
      fail(task.uri, result.failure.kind, withoutUri(result.failure.message, task.uri));
    }
  };

  const items = expandInputs(inputs, getS3, signal)[Symbol.asyncIterator]();
  // Async generators queue concurrent next() calls, so the workers can share one iterator.
  const worker = async (): Promise<void> => {
    for (;;) {
      if (signal?.aborted === true) return;
      const next: IteratorResult<InputItem> = await items.next();
      if (next.done === true) {
        progress.listingDone();
        return;
      }
      const item = next.value;
      if (item.kind === "failure") {
        fail(item.uri, "input", item.reason);
        continue;
      }
      progress.listedObject(item.task.size);
      await scanTask(item.task);
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    progress.stop();
    run?.release();
  }

  if (sequences !== undefined) {
    for (const alert of sequences.finish()) emit(alert);
    for (const [id, n] of Object.entries(sequences.report().notKept)) {
      io.stderr.write(
        `edr-scan: rule ${id}: ${n} sequence step events not kept (limit reached): its sequences may be incomplete\n`,
      );
    }
  }
  for (const alert of held.release()) {
    totals.alerts++;
    io.stdout.write(renderAlert(alert, options.format));
  }
  io.stderr.write(summaryText(totals, Date.now() - started));
  const tuned = tuning.summaryLines();
  if (tuned.length > 0) io.stderr.write(`${tuned.join("\n")}\n`);
  if (io.signal?.aborted === true) {
    io.stderr.write("edr-scan: interrupted; the summary above covers what was scanned\n");
    return EXIT_INTERRUPTED;
  }
  if (totals.failures.length > 0) return EXIT_FAILED;
  return totals.alerts > 0 ? EXIT_ALERTS : EXIT_CLEAN;
}
