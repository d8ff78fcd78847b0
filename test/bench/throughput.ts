/**
 * `npm run bench`: throughput of scanObject against plain gunzip (the floor) and a naive
 * readline + JSON.parse scanner, on deterministic synthetic Elastic Defend data
 * (issue 6). Prints figures and PASS/MISS per target; exits 1 when the scanners disagree on
 * which records alert (the figures would be meaningless), 2 on a usage error.
 *
 * Each measurement runs in its own node process (peak RSS is per figure; no shared JIT state),
 * from an esbuild bundle of measure.ts (plain node as on Lambda, no tsx loader in the RSS).
 */
import { spawn, spawnSync } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { type CliSmallSeries, cliSmallRate, runCliSmall, seriesLines } from "./cli-small.ts";
import { type DatasetInfo, ensureDataset, ensureSmallObjects } from "./generate.ts";
import type { Measurement, Task } from "./measure.ts";
import { summariseProfile } from "./profile.ts";
import type { RuleSetSpec } from "./rulesets.ts";
import { measureStartup, type StartupFigures } from "./startup.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const ESM_REQUIRE_BANNER =
  "import { createRequire as __bench_cr } from 'node:module'; const require = __bench_cr(import.meta.url);";

// ---------------------------------------------------------------------------------------------
// Options

const USAGE = `usage: npm run bench -- [--size-mb N] [--rounds N] [--out-dir DIR] [--quick]
                      [--worst-mb N] [--objects N] [--load-runs N] [--seed N] [--plant-every N]
                      [--profile] [--rules-dir DIR] [--synthetic N]
  --size-mb N      uncompressed size of the main data set, MB (10^6 bytes)  default 300 (--quick: 30)
  --rounds N       rounds per measurement (median and min are reported)      default 3 (--quick: 1)
  --out-dir DIR    data, bundles, profiles and results                       default .bench/
  --quick          a fast smoke run
  --worst-mb N     size of the worst-case data set, MB                       default 100 (--quick: 10)
  --objects N      number of ~1 KB objects for the small-objects case        default 10000 (--quick: 1000)
  --load-runs N    module-load timings of the Lambda bundle                  default 10 (--quick: 3)
  --seed N         PRNG seed of the generated data                           default 1
  --plant-every N  a dispatcher.d creation every N records (half excluded)   default 20000 (--quick: 2000)
  --profile        also run (b) once under --cpu-prof and print its top self-time functions
  --rules-dir DIR  a rule pack for the rules dimension (the files that load)  default ../shared/conformance/detection-rules/rules/linux when present
  --synthetic N    the size of the synthetic rule set (0: none)               default 500`;

interface Options {
  readonly sizeMb: number;
  readonly worstMb: number;
  readonly rounds: number;
  readonly outDir: string;
  readonly objects: number;
  readonly loadRuns: number;
  readonly seed: number;
  readonly plantEvery: number;
  readonly profile: boolean;
  readonly quick: boolean;
  readonly rulesDir: string | undefined;
  readonly synthetic: number;
}

const DEFAULT_PACK = resolve(ROOT, "../shared/conformance/detection-rules/rules/linux");

function positive(name: string, raw: string | undefined, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new RangeError(`--${name}: expected a positive ${integer ? "integer" : "number"}, got "${raw}"`);
  }
  return n;
}

function options(argv: string[]): Options {
  const { values } = parseArgs({
    args: argv,
    options: {
      "size-mb": { type: "string" },
      "worst-mb": { type: "string" },
      rounds: { type: "string" },
      "out-dir": { type: "string" },
      objects: { type: "string" },
      "load-runs": { type: "string" },
      seed: { type: "string" },
      "plant-every": { type: "string" },
      quick: { type: "boolean", default: false },
      profile: { type: "boolean", default: false },
      "rules-dir": { type: "string" },
      synthetic: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const quick = values.quick === true;
  return {
    quick,
    sizeMb: positive("size-mb", values["size-mb"], quick ? 30 : 300, false),
    worstMb: positive("worst-mb", values["worst-mb"], quick ? 10 : 100, false),
    rounds: positive("rounds", values.rounds, quick ? 1 : 3),
    outDir: resolve(values["out-dir"] ?? join(ROOT, ".bench")),
    objects: positive("objects", values.objects, quick ? 1000 : 10_000),
    loadRuns: positive("load-runs", values["load-runs"], quick ? 3 : 10),
    seed: positive("seed", values.seed, 1),
    plantEvery: positive("plant-every", values["plant-every"], quick ? 2000 : 20_000),
    profile: values.profile === true,
    rulesDir:
      values["rules-dir"] !== undefined
        ? resolve(values["rules-dir"])
        : existsSync(DEFAULT_PACK)
          ? DEFAULT_PACK
          : undefined,
    synthetic: values.synthetic === "0" ? 0 : positive("synthetic", values.synthetic, 500),
  };
}

// ---------------------------------------------------------------------------------------------
// Child processes

function copyRules(toDir: string): number {
  const src = join(ROOT, "src/rules");
  const tomls = existsSync(src) ? readdirSync(src).filter((f) => f.endsWith(".toml")) : [];
  if (tomls.length === 0) return 0;
  mkdirSync(join(toDir, "rules"), { recursive: true });
  for (const f of tomls) copyFileSync(join(src, f), join(toDir, "rules", f));
  return tomls.length;
}

async function bundleMeasure(outDir: string, name: string): Promise<string> {
  const outfile = join(outDir, name);
  await build({
    entryPoints: [join(ROOT, "test/bench/measure.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    // Not minified: profiles keep function names and esbuild's `// src/...` module markers.
    banner: { js: ESM_REQUIRE_BANNER },
    logLevel: "error",
  });
  // builtinRulesDir() looks next to the bundle, then in <bundle dir>/rules/.
  copyRules(outDir);
  return outfile;
}

interface ChildOptions {
  /** CPU list for taskset (e.g. "0"): one core, like a Lambda of at most 1,769 MB. */
  readonly cpuList?: string;
  readonly profileDir?: string;
}

function runChild(bundle: string, task: Task, opts: ChildOptions = {}): Promise<Measurement> {
  const nodeArgs = [
    ...(opts.profileDir ? ["--cpu-prof", "--cpu-prof-dir", opts.profileDir] : []),
    bundle,
    JSON.stringify(task),
  ];
  const [cmd, args] = opts.cpuList
    ? ["taskset", ["-c", opts.cpuList, process.execPath, ...nodeArgs]]
    : [process.execPath, nodeArgs];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args as string[], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const last = out.trim().split("\n").pop() ?? "";
      if (code !== 0 || !last.startsWith("{")) {
        reject(new Error(`measurement ${task.kind} failed (exit ${code}):\n${err || out}`));
        return;
      }
      resolvePromise(JSON.parse(last) as Measurement);
    });
  });
}

// ---------------------------------------------------------------------------------------------
// Statistics and formatting

interface Series {
  readonly label: string;
  readonly runs: Measurement[];
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const min = (xs: number[]): number => Math.min(...xs);
const wall = (s: Series) => s.runs.map((r) => r.wallMs);
const medWall = (s: Series) => median(wall(s));
const minWall = (s: Series) => min(wall(s));
const medCpu = (s: Series) => median(s.runs.map((r) => r.cpuMs));
const peakRssMb = (s: Series) => Math.max(...s.runs.map((r) => r.maxRssKiB)) * 1024 * 1e-6;
const fmt = (n: number, d = 0) =>
  n.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const pad = (s: string, n: number) => (s.length >= n ? s : s + " ".repeat(n - s.length));
const lpad = (s: string, n: number) => (s.length >= n ? s : " ".repeat(n - s.length) + s);

function row(s: Series): string {
  const first = s.runs[0]!;
  const mbps = (ms: number) => (first.bytes > 0 ? fmt(first.bytes / 1e6 / (ms / 1000), 0) : "-");
  const rps = (ms: number) => (first.records > 0 ? fmt(first.records / (ms / 1000), 0) : "-");
  return [
    pad(s.label, 44),
    lpad(fmt(medWall(s) / 1000, 2), 7),
    lpad(fmt(minWall(s) / 1000, 2), 7),
    lpad(mbps(medWall(s)), 8),
    lpad(mbps(minWall(s)), 8),
    lpad(rps(medWall(s)), 11),
    lpad(fmt(median(s.runs.map((r) => r.cpuMs)) / 1000, 2), 7),
    lpad(fmt(peakRssMb(s), 0), 6),
  ].join(" ");
}

const HEADER = [
  pad("", 44),
  lpad("wall s", 7),
  lpad("min s", 7),
  lpad("MB/s", 8),
  lpad("max MB/s", 8),
  lpad("records/s", 11),
  lpad("cpu s", 7),
  lpad("RSS MB", 6),
].join(" ");

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

function shortList(xs: readonly number[]): string {
  return xs.length <= 8 ? `[${xs.join(", ")}]` : `[${xs.slice(0, 8).join(", ")}, ... ${xs.length} in all]`;
}

// ---------------------------------------------------------------------------------------------
// Lambda bundle

interface BundleFigures {
  readonly entry: string;
  readonly note: string;
  readonly variants: readonly { label: string; bytes: number; gzipBytes: number; loadMs: number[] }[];
  readonly baselineMs: number[];
}

/**
 * What the handler's cold start needs to run to the end without AWS: a topic ARN and a region
 * (clients are created, nothing is sent). Rules come from rules/ next to the bundle.
 */
const HANDLER_ENV = {
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:edr-alerts",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

function timeNode(args: string[], cwd: string): { ms: number; stderr: string } {
  const t0 = performance.now();
  const env = { ...process.env, ...HANDLER_ENV };
  const r = spawnSync(process.execPath, args, { cwd, env, stdio: ["ignore", "ignore", "pipe"] });
  const ms = performance.now() - t0;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed: ${r.stderr.toString().slice(0, 2000)}`);
  return { ms, stderr: r.stderr.toString() };
}

async function lambdaBundle(outDir: string, runs: number): Promise<BundleFigures> {
  const handler = join(ROOT, "src/handler.ts");
  const hasHandler = existsSync(handler);
  // Next to measure.mjs, whose rules/ folder the handler's loader finds too.
  const dir = outDir;
  const entry = hasHandler ? "src/handler.ts" : "src/ingest/index.ts + src/rules/index.ts";
  const note = hasHandler
    ? "src/handler.ts"
    : "src/handler.ts does not exist yet: bundled the scanner core (scanObject, loadBuiltinRules) instead";
  const variants: { label: string; bytes: number; gzipBytes: number; loadMs: number[] }[] = [];
  const configs: { label: string; external: string[] }[] = [{ label: "everything bundled", external: [] }];
  if (hasHandler) configs.push({ label: "@aws-sdk/* external (from the runtime)", external: ["@aws-sdk/*"] });
  const baselineMs: number[] = [];
  const files: string[] = [];
  for (const [i, cfg] of configs.entries()) {
    const outfile = join(dir, i === 0 ? "handler.mjs" : "handler-sdk-external.mjs");
    // As infra bundles it (aws-lambda-nodejs): platform node, ESM, target node22, minified.
    await build({
      ...(hasHandler
        ? { entryPoints: [handler] }
        : {
            stdin: {
              contents:
                'export { scanObject } from "./src/ingest/index.ts";\nexport { loadBuiltinRules } from "./src/rules/index.ts";\n',
              resolveDir: ROOT,
              sourcefile: "bench-lambda-entry.ts",
              loader: "ts",
            },
          }),
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node22",
      minify: true,
      external: cfg.external,
      banner: { js: ESM_REQUIRE_BANNER },
      logLevel: "error",
    });
    const code = readFileSync(outfile);
    files.push(outfile);
    variants.push({
      label: cfg.label,
      bytes: statSync(outfile).size,
      gzipBytes: gzipSync(code).length,
      loadMs: [],
    });
  }
  // Interleaved with a bare `node -e ""`, so machine noise hits the baseline and the bundles alike.
  // The import resolves before the handler's asynchronous cold start ends, but node exits only
  // once it has (rules loaded, clients created), so the time covers the whole init.
  let initError = "";
  for (let r = 0; r < runs; r++) {
    baselineMs.push(timeNode(["-e", ""], dir).ms);
    for (const [k, f] of files.entries()) {
      const t = timeNode(["-e", `import(${JSON.stringify(f)})`], dir);
      variants[k]!.loadMs.push(t.ms);
      if (t.stderr.includes("cold start failed")) initError = t.stderr.split("\n")[0]!.slice(0, 300);
    }
  }
  return {
    entry,
    note: initError ? `${note} (!! its cold start failed: ${initError})` : note,
    variants,
    baselineMs,
  };
}

// ---------------------------------------------------------------------------------------------
// Cost on Lambda, from the measured throughput (assumptions printed with the figures)

const PRICE_GB_SECOND_ARM64 = 0.0000133334;
const PRICE_PER_REQUEST = 0.2 / 1e6;
const PRICE_PER_GET = 0.0004 / 1000;
/** Lambda gives one full vCPU at 1,769 MB, two at 3,538 MB. */
const ONE_VCPU_MB = 1769;

function costLines(oneCpu: Series, twoCpu: Series, small1: Series, objects: number): string[] {
  const bytes = oneCpu.runs[0]!.bytes;
  const perSecond1 = bytes / (medWall(oneCpu) / 1000);
  const perSecond2 = bytes / (medWall(twoCpu) / 1000);
  const gbSecondsPerTb = (mb: number, bps: number) => (1e12 / bps) * (mb / 1024);
  const compute1 = gbSecondsPerTb(ONE_VCPU_MB, perSecond1) * PRICE_GB_SECOND_ARM64;
  const compute2 = gbSecondsPerTb(2 * ONE_VCPU_MB, perSecond2) * PRICE_GB_SECOND_ARM64;
  const smallSecondsPerObject = medWall(small1) / 1000 / objects;
  const smallBytes = (small1.runs[0]!.bytes ?? 0) / objects;
  const out = [
    "cost per TB scanned (10^12 bytes of uncompressed NDJSON) on Lambda arm64, from (b):",
    `  assumptions: $${PRICE_GB_SECOND_ARM64} per GB-second, ${fmt(ONE_VCPU_MB)} MB = 1 vCPU, $0.20 per million requests,`,
    "  S3 GET $0.0004 per 1,000, one invocation and one GET per object, transfer S3 -> Lambda in-region free;",
    "  a Graviton vCPU is assumed as fast as one core of this machine (not measured here).",
    `  1 vCPU (${fmt(ONE_VCPU_MB)} MB; figure (b) on 1 CPU, ${fmt(perSecond1 / 1e6, 0)} MB/s): compute $${fmt(compute1, 3)} per TB` +
      ` (${fmt(1e12 / perSecond1 / 3600, 2)} vCPU-hours)`,
    `  2 vCPU (${fmt(2 * ONE_VCPU_MB)} MB; figure (b), ${fmt(perSecond2 / 1e6, 0)} MB/s): compute $${fmt(compute2, 3)} per TB`,
  ];
  for (const objectMb of [1000, 100, 10]) {
    const n = 1e12 / (objectMb * 1e6);
    const fixed = n * (PRICE_PER_REQUEST + PRICE_PER_GET);
    out.push(
      `  objects of ${fmt(objectMb)} MB: ${fmt(n)} objects/TB, requests + GETs $${fmt(fixed, 4)}, total at 1 vCPU $${fmt(compute1 + fixed, 3)} per TB`,
    );
  }
  if (smallBytes > 0) {
    const n = 1e12 / smallBytes;
    const compute = n * smallSecondsPerObject * (ONE_VCPU_MB / 1024) * PRICE_GB_SECOND_ARM64;
    const fixed = n * (PRICE_PER_REQUEST + PRICE_PER_GET);
    out.push(
      `  objects of ${fmt(smallBytes, 0)} B (small objects, 1 CPU, ${fmt(smallSecondsPerObject * 1e6, 0)} us each): ` +
        `${fmt(n / 1e6, 0)} million objects/TB, compute $${fmt(compute, 0)} + requests and GETs $${fmt(fixed, 0)} per TB`,
    );
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Main

/** Which code was measured: the commit, and whether src/ had uncommitted changes (shared checkout). */
function revision(): string {
  const git = (args: string[]) => spawnSync("git", args, { cwd: ROOT, encoding: "utf8" });
  const head = git(["rev-parse", "--short", "HEAD"]);
  if (head.status !== 0) return "not a git checkout";
  const dirty = git(["status", "--porcelain", "--", "src"])
    .stdout.split("\n")
    .filter((l) => l.trim() !== "");
  return `${head.stdout.trim()}${dirty.length > 0 ? ` + uncommitted changes in ${dirty.length} file(s) under src/` : ""}`;
}

function machine(): string {
  const model = cpus()[0]?.model ?? "unknown CPU";
  return `${cpus().length} x ${model}, node ${process.version}, ${process.platform}/${process.arch}`;
}

async function main(): Promise<number> {
  let opt: Options;
  try {
    opt = options(process.argv.slice(2));
  } catch (e) {
    console.error(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const log = (s: string) => console.error(s);
  // Other processes on the machine change what 2-thread figures mean: say how busy it was.
  const loadBefore = loadavg()[0]!;
  mkdirSync(opt.outDir, { recursive: true });
  const bundle = await bundleMeasure(opt.outDir, "measure.mjs");
  const mixed = await ensureDataset(
    join(opt.outDir, "data"),
    { kind: "mixed", bytes: opt.sizeMb * 1e6, seed: opt.seed, plantEvery: opt.plantEvery },
    log,
  );
  const worst = await ensureDataset(
    join(opt.outDir, "data"),
    { kind: "worst", bytes: opt.worstMb * 1e6, seed: opt.seed + 1, plantEvery: opt.plantEvery },
    log,
  );

  const smallFile = await ensureSmallObjects(join(opt.outDir, "data"), opt.objects, 7);
  const small = { objects: opt.objects, smallFile };
  const s = (label: string): Series => ({ label, runs: [] });
  const A = s("(a) gunzip only, output discarded");
  const B = s("(b) scanObject, alerts serialised");
  const P = s("(b) on NDJSON from memory: scan cost only*");
  const C = s("(c) naive: readline + JSON.parse + rule");
  const A1 = s("(a) gunzip, 1 CPU (taskset -c 0)");
  const B1 = s("(b) scanObject, 1 CPU (taskset -c 0)");
  const WB = s("worst (b) scanObject");
  const WC = s("worst (c) naive");
  const SB = s("small (b) scanObject");
  const SC = s("small (c) gunzipSync + JSON.parse");
  const SB1 = s("small (b) scanObject, 1 CPU");
  const idle = s("idle: bundle loaded, rules compiled");
  // The rules dimension (issue 15): the same data under bigger rule sets.
  const ruleSets: { label: string; spec: RuleSetSpec; B: Series; B1: Series; C: Series }[] = [];
  if (opt.rulesDir !== undefined) {
    ruleSets.push({
      label: "pack",
      spec: { kind: "dir", dir: opt.rulesDir },
      B: s("(b) pack"),
      B1: s("(b) pack, 1 CPU"),
      C: s("(c) pack"),
    });
  }
  if (opt.synthetic > 0) {
    ruleSets.push({
      label: `${opt.synthetic} synthetic`,
      spec: { kind: "synthetic", count: opt.synthetic },
      B: s(`(b) ${opt.synthetic} synthetic`),
      B1: s(`(b) ${opt.synthetic} synthetic, 1 CPU`),
      C: s(`(c) ${opt.synthetic} synthetic`),
    });
  }

  const one = { cpuList: "0" };
  for (let round = 1; round <= opt.rounds; round++) {
    log(`round ${round}/${opt.rounds} ...`);
    // Interleaved, so slow phases of a shared machine spread over every series alike.
    A.runs.push(await runChild(bundle, { kind: "gunzip", file: mixed.file }));
    B.runs.push(await runChild(bundle, { kind: "scan", file: mixed.file }));
    C.runs.push(await runChild(bundle, { kind: "naive", file: mixed.file }));
    A1.runs.push(await runChild(bundle, { kind: "gunzip", file: mixed.file }, one));
    B1.runs.push(await runChild(bundle, { kind: "scan", file: mixed.file }, one));
    P.runs.push(await runChild(bundle, { kind: "scan-plain", file: mixed.file }));
    WB.runs.push(await runChild(bundle, { kind: "scan", file: worst.file }));
    WC.runs.push(await runChild(bundle, { kind: "naive", file: worst.file }));
    SB.runs.push(await runChild(bundle, { kind: "small-scan", ...small }));
    SC.runs.push(await runChild(bundle, { kind: "small-naive", ...small }));
    SB1.runs.push(await runChild(bundle, { kind: "small-scan", ...small }, one));
    idle.runs.push(await runChild(bundle, { kind: "idle" }));
    for (const set of ruleSets) {
      const rules = set.spec;
      set.B.runs.push(await runChild(bundle, { kind: "scan", file: mixed.file, rules }));
      set.B1.runs.push(await runChild(bundle, { kind: "scan", file: mixed.file, rules }, one));
      // The naive scanner evaluates every rule on every record: slow with hundreds of rules, and
      // only its alerts are needed (the reference the scanner must agree with), so once.
      if (round === 1) set.C.runs.push(await runChild(bundle, { kind: "naive", file: mixed.file, rules }));
    }
  }
  log("Lambda bundle ...");
  let lambda: BundleFigures | string;
  try {
    lambda = await lambdaBundle(opt.outDir, opt.loadRuns);
  } catch (e) {
    lambda = `not measured: ${(e as Error).message.split("\n")[0]}`;
  }
  // Start-up with the pack (test/bench/startup.ts): the bundled CLI and the Lambda init, fresh processes.
  let startup: StartupFigures | string | undefined;
  if (opt.rulesDir !== undefined) {
    log("start-up with the pack ...");
    try {
      const runs = Math.max(3, Math.min(opt.loadRuns, 7));
      startup = await measureStartup({
        rulesDir: opt.rulesDir,
        runs,
        outDir: join(opt.outDir, "startup"),
        log: () => {},
      });
    } catch (e) {
      startup = `start-up with the pack: not measured: ${(e as Error).message.split("\n")[0]}`;
    }
  }
  // The bundled CLI over a directory of --objects ~1 KB gzip files (test/bench/cli-small.ts).
  log("CLI over small files ...");
  let cliSmall: CliSmallSeries | string;
  try {
    const series = await runCliSmall({
      files: opt.objects,
      rounds: opt.rounds,
      outDir: opt.outDir,
      log: () => {},
    });
    cliSmall = series[0]!;
  } catch (e) {
    cliSmall = `CLI over small files: not measured: ${(e as Error).message.split("\n")[0]}`;
  }
  let profile: string[] = [];
  if (opt.profile) {
    log("profiling (b) ...");
    const dir = join(opt.outDir, "prof", String(Date.now()));
    mkdirSync(dir, { recursive: true });
    await runChild(bundle, { kind: "scan", file: mixed.file }, { profileDir: dir });
    const f = readdirSync(dir).find((x) => x.endsWith(".cpuprofile"));
    if (f !== undefined) {
      profile = summariseProfile(join(dir, f), bundle, 20).map(
        (e) =>
          `${lpad(fmt(e.ms, 0), 7)} ms ${lpad(fmt(e.share * 100, 1), 5)}%  ${pad(e.name, 34)} ${e.where}`,
      );
      profile.unshift(`profile of (b): ${join(dir, f)} (self time, top ${profile.length})`);
    }
  }

  // ----- report
  const out: string[] = [];
  const p = (x = "") => out.push(x);
  const impl = B.runs[0]!.impl;
  p(`edr-archive-scanner throughput bench, ${new Date().toISOString()}`);
  p(`machine: ${machine()}`);
  p(`code: ${revision()}`);
  if (impl.startsWith("STUB")) p(`!! ${impl}`);
  const describe = (name: string, d: DatasetInfo) =>
    `${name}: ${fmt(d.uncompressedBytes / 1e6, 1)} MB NDJSON, ${fmt(d.records)} records ` +
    `(${fmt(d.uncompressedBytes / d.records, 0)} B avg), gzip -6 ${fmt(d.compressedBytes / 1e6, 1)} MB ` +
    `(${fmt(d.uncompressedBytes / d.compressedBytes, 1)}x); ${d.planted} planted, ${d.expectedAlerts.length} must alert`;
  p(describe("data", mixed));
  p(describe("worst-case data (every record holds the rule's literals)", worst));
  p(`rounds: ${opt.rounds}; MB = 10^6 bytes of uncompressed NDJSON; cpu s = user+sys of the whole process`);
  p(
    `machine load (1-min average) at start ${fmt(loadBefore, 2)}, at end ${fmt(loadavg()[0]!, 2)}` +
      ` on ${cpus().length} CPUs (above ~1, 2-thread figures such as (b) lose their second core part of the time)`,
  );
  p();
  p(HEADER);
  for (const x of [A, B, C, A1, B1, P, WB, WC]) p(row(x));
  p("* no decompression: the decompressed NDJSON is fed from memory (its RSS includes that copy)");
  p(
    pad("idle process (bundle + rules loaded)", 44) +
      " ".repeat(6 * 7 + 3 * 8 + 11 - 38) +
      lpad(fmt(peakRssMb(idle), 0), 6),
  );
  p();
  const objs = (x: Series) => {
    const n = x.runs[0]!.objects ?? 0;
    return (
      `${fmt(n / (medWall(x) / 1000), 0)} objects/s (best ${fmt(n / (minWall(x) / 1000), 0)}), ` +
      `${fmt((medWall(x) * 1000) / n, 0)} us/object (cpu ${fmt((median(x.runs.map((r) => r.cpuMs)) * 1000) / n, 0)} us), ` +
      `peak RSS ${fmt(peakRssMb(x), 0)} MB`
    );
  };
  p(
    `small objects (${fmt(SB.runs[0]!.objects ?? 0)} x ${fmt((SB.runs[0]!.bytes ?? 0) / (SB.runs[0]!.objects || 1), 0)} B, gzip, from memory):`,
  );
  p(`  (b) scanObject:                   ${objs(SB)}`);
  p(`  (b) scanObject, 1 CPU:            ${objs(SB1)}`);
  p(`  (c) gunzipSync + JSON.parse:      ${objs(SC)}`);
  p();
  if (typeof lambda === "string") p(`Lambda bundle: ${lambda}`);
  else {
    p(
      `Lambda bundle (esbuild: platform node, esm, target node22, minify) of ${lambda.note}, in ${opt.outDir}:`,
    );
    const base = median(lambda.baselineMs);
    for (const v of lambda.variants) {
      p(
        `  ${pad(v.label + ":", 42)} ${fmt(v.bytes / 1024, 0)} KiB (${fmt(v.gzipBytes / 1024, 0)} KiB gzip); ` +
          `node -e "import(...)" median ${fmt(median(v.loadMs), 0)} ms, min ${fmt(min(v.loadMs), 0)} ms ` +
          `(bare node -e "" ${fmt(base, 0)} ms: module load ~${fmt(median(v.loadMs) - base, 0)} ms)`,
      );
    }
  }
  p();

  // ----- cost
  for (const l of costLines(B1, B, SB1, opt.objects)) p(l);
  p();

  let mismatch = false;
  // ----- rules dimension
  const dims = [{ label: "1 rule", B, B1, C }, ...ruleSets];
  const dimRatios = new Map<string, { ba: number; ba1: number; cost1: number; rss: number }>();
  p(
    "rules dimension (same data; b/a = (b) wall / (a) wall on medians; $/TB = Lambda arm64 compute, as above):",
  );
  p(
    `  ${pad("rule set", 14)} ${lpad("rules", 5)} ${lpad("load ms", 8)} ${lpad("pf ms", 6)} ` +
      `${lpad("MB/s", 6)} ${lpad("b/a", 5)} ${lpad("MB/s 1CPU", 9)} ${lpad("b/a 1CPU", 8)} ${lpad("RSS MB", 6)} ` +
      `${lpad("$/TB 1vCPU", 10)} ${lpad("$/TB 2vCPU", 10)}  alerts vs (c)`,
  );
  for (const d of dims) {
    const m = d.B.runs[0]!;
    const bytes = m.bytes;
    const mbps = (x: Series) => bytes / 1e6 / (medWall(x) / 1000);
    const ba = medWall(d.B) / medWall(A);
    const ba1 = medWall(d.B1) / medWall(A1);
    const gbs = (mb: number, x: Series) => (1e12 / (bytes / (medWall(x) / 1000))) * (mb / 1024);
    const cost1 = gbs(ONE_VCPU_MB, d.B1) * PRICE_GB_SECOND_ARM64;
    const cost2 = gbs(2 * ONE_VCPU_MB, d.B) * PRICE_GB_SECOND_ARM64;
    const rss = Math.max(peakRssMb(d.B), peakRssMb(d.B1));
    dimRatios.set(d.label, { ba, ba1, cost1, rss });
    const refAlerts = d.C.runs[0]!.alerts;
    const agree = [...d.B.runs, ...d.B1.runs].every(
      (r) => sameList(r.alerts, refAlerts) && r.failure === undefined,
    );
    if (!agree) mismatch = true;
    p(
      `  ${pad(d.label, 14)} ${lpad(fmt(m.rules), 5)} ${lpad(fmt(m.loadMs), 8)} ${lpad(fmt(m.prefilterMs), 6)} ` +
        `${lpad(fmt(mbps(d.B)), 6)} ${lpad(fmt(ba, 2), 5)} ${lpad(fmt(mbps(d.B1)), 9)} ${lpad(fmt(ba1, 2), 8)} ` +
        `${lpad(fmt(rss), 6)} ${lpad(`$${fmt(cost1, 3)}`, 10)} ${lpad(`$${fmt(cost2, 3)}`, 10)}  ` +
        `${agree ? "OK" : "MISMATCH"} ${fmt(refAlerts.length)} alerts${m.refused > 0 ? `; ${fmt(m.refused)} files refused` : ""}${m.sequences > 0 ? `; ${fmt(m.sequences)} sequence/sample rules left out` : ""}`,
    );
  }
  if (opt.rulesDir !== undefined) p(`  pack: ${opt.rulesDir}`);
  p();

  // ----- correctness
  const check = (label: string, got: Series, ref: Series, expected: readonly number[]) => {
    const g = got.runs[0]!;
    const failure = got.runs.find((r) => r.failure !== undefined)?.failure;
    const consistent = got.runs.every((r) => sameList(r.alerts, g.alerts));
    const ok = consistent && sameList(g.alerts, ref.runs[0]!.alerts) && failure === undefined;
    const vsExpected = sameList(g.alerts, expected) ? "= planted" : `!= planted ${shortList(expected)}`;
    if (!ok) mismatch = true;
    p(
      `alerts ${label}: ${ok ? "OK" : "MISMATCH"} ${shortList(g.alerts)} vs ${shortList(ref.runs[0]!.alerts)} (${vsExpected})` +
        (failure ? ` failure: ${failure}` : ""),
    );
  };
  check("(b) vs (c)", B, C, mixed.expectedAlerts);
  check("(b) from memory vs (c)", P, C, mixed.expectedAlerts);
  check("1-CPU (b) vs (c)", B1, C, mixed.expectedAlerts);
  check("worst (b) vs (c)", WB, WC, worst.expectedAlerts);
  const recordsOk = B.runs[0]!.records === mixed.records && C.runs[0]!.records === mixed.records;
  p(
    `records counted: (b) ${fmt(B.runs[0]!.records)}, (c) ${fmt(C.runs[0]!.records)}, generated ${fmt(mixed.records)}`,
  );
  if (!recordsOk) mismatch = true;
  p();

  // ----- targets
  const ba = medWall(B) / medWall(A);
  const cb = medWall(C) / medWall(B);
  const rss = peakRssMb(B);
  const worstRatio = medWall(WB) / medWall(WC);
  const verdict = (ok: boolean) => (ok ? "PASS" : "MISS");
  p("targets (issue 6), on medians:");
  p(
    `  (b)/(a) wall time <= 1.25               ${lpad(fmt(ba, 2), 6)}   ${verdict(ba <= 1.25)}   (mins: ${fmt(minWall(B) / minWall(A), 2)}; 1 CPU: ${fmt(medWall(B1) / medWall(A1), 2)}; cpu s: ${fmt(medCpu(B) / medCpu(A), 2)})`,
  );
  p(
    `  (b) >= 2.5x as fast as (c)              ${lpad(fmt(cb, 2), 6)}x  ${verdict(cb >= 2.5)}   (mins: ${fmt(minWall(C) / minWall(B), 2)}x)`,
  );
  p(
    `  peak RSS of (b) <= 200 MB               ${lpad(fmt(rss, 0), 6)}   ${verdict(rss <= 200)}   (MB = 10^6 bytes)`,
  );
  const wrss = peakRssMb(WB);
  const srss = peakRssMb(SB);
  p(`    ... on the worst-case data            ${lpad(fmt(wrss, 0), 6)}   ${verdict(wrss <= 200)}`);
  p(
    `    ... over ${pad(`${fmt(opt.objects)} small objects`, 26)} ${lpad(fmt(srss, 0), 6)}   ${verdict(srss <= 200)}`,
  );
  p(
    `  worst case (b) no slower than (c)       ${lpad(fmt(worstRatio, 2), 6)}   ${verdict(worstRatio <= 1)}   ((b)/(c) wall time)`,
  );
  p(
    `  (b) and (c) find the same alerts        ${lpad(mismatch ? "no" : "yes", 6)}   ${mismatch ? "MISMATCH" : "OK"}`,
  );
  p("targets (issue 15), on medians:");
  const pack = dimRatios.get("pack");
  if (pack !== undefined) {
    p(`  pack: (b)/(a) on 2 cores <= 1.5          ${lpad(fmt(pack.ba, 2), 6)}   ${verdict(pack.ba <= 1.5)}`);
    p(`  pack: (b)/(a) on 1 CPU <= 2.0            ${lpad(fmt(pack.ba1, 2), 6)}   ${verdict(pack.ba1 <= 2)}`);
    p(
      `  pack: peak RSS <= 200 MB                 ${lpad(fmt(pack.rss, 0), 6)}   ${verdict(pack.rss <= 200)}`,
    );
  } else p("  pack: not measured (no --rules-dir and no ../shared/conformance/detection-rules)");
  const synth = ruleSets.find((r) => r.spec.kind === "synthetic");
  const one1 = dimRatios.get("1 rule")!;
  if (synth !== undefined) {
    const x = dimRatios.get(synth.label)!;
    const times = x.cost1 / one1.cost1;
    p(
      `  ${pad(`${synth.label} rules <= 2x the cost of 1`, 39)} ${lpad(fmt(times, 2), 6)}x  ${verdict(times <= 2)}   (1-CPU wall time)`,
    );
  }
  p(
    `  1 rule: (b)/(a) about 1.2-1.5 or better   ${lpad(fmt(one1.ba, 2), 6)}   ${verdict(one1.ba <= 1.5)}   (1 CPU: ${fmt(one1.ba1, 2)})`,
  );
  if (typeof startup === "object") {
    const s = startup;
    p(
      `  pack: start-up, CLI (compiled at build) <= 300 ms ${lpad(fmt(s.cliCompiledMs, 0), 6)}   ${verdict(s.cliCompiledMs <= 300)}   (process exit, median)`,
    );
    p(
      `  pack: start-up, Lambda init (compiled) <= 300 ms ${lpad(fmt(s.lambdaCompiledMs, 0), 6)}   ${verdict(s.lambdaCompiledMs <= 300)}`,
    );
    p();
    for (const l of s.lines) p(l);
  } else if (typeof startup === "string") p(startup);
  if (typeof cliSmall === "object") {
    const rate = cliSmallRate(cliSmall);
    p(
      `  CLI: ${pad(`${fmt(opt.objects)} files of 1 KB >= 5,000 objects/s`, 37)} ${lpad(fmt(rate, 0), 6)}   ${verdict(rate >= 5000)}   (edr-scan DIR, start to exit, median)`,
    );
    for (const l of seriesLines(cliSmall)) p(`    ${l}`);
  } else p(cliSmall);
  if (profile.length > 0) {
    p();
    for (const l of profile) p(l);
  }

  const text = out.join("\n");
  console.log(text);
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  writeFileSync(join(opt.outDir, `results-${stamp}.txt`), `${text}\n`);
  writeFileSync(
    join(opt.outDir, `results-${stamp}.json`),
    JSON.stringify(
      {
        options: opt,
        machine: machine(),
        mixed,
        worst,
        series: [A, B, C, A1, B1, P, WB, WC, SB, SC, SB1, idle, ...ruleSets.flatMap((r) => [r.B, r.B1, r.C])],
        lambda,
      },
      null,
      1,
    ),
  );
  return mismatch ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
