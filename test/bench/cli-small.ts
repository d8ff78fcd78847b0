/**
 * `npx tsx test/bench/cli-small.ts [--files N] [--rounds N]`: the CLI's many-small-files rate
 * (issue 15 target: 10,000 gzip objects of ~1 KB at 5,000 objects/s or more). It runs what users
 * run: the bundled CLI (`node cli.js DIR`, default options, its Ctrl-C abort signal wired) over a
 * directory of N ~1 KB gzip Defend NDJSON files, in its own process per round, alerts piped back
 * to us and counted. Prints objects/s (median and best), CPU per object, peak RSS and the load
 * average; no PASS/FAIL in a test, figures only.
 *
 * The bundle is built from the current source as scripts/build.mjs builds it, into
 * <out-dir>/cli-small/ (so a concurrent `npm run build` by someone else cannot pull dist/ away
 * mid-run); `--cli dist/cli.js` measures a prebuilt bundle instead, `--tsx` adds `tsx src/cli.ts`.
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { loadavg } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { listRuleFiles, writeCompiledRuleSet } from "../../src/rules/index.ts";
import { ensureSmallObjects, GENERATOR_VERSION, readSmallObjects } from "./generate.ts";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

const USAGE = `usage: npx tsx test/bench/cli-small.ts [--files N] [--rounds N] [--out-dir DIR]
                                         [--cli FILE] [--tsx] [--concurrency N] [--rules DIR] [--json FILE]
  --files N        number of ~1 KB gzip files in the directory           default 10000
  --rounds N       runs of the CLI over the directory (median, best)     default 5
  --out-dir DIR    data and bundle                                       default .bench/
  --cli FILE       measure this bundle (e.g. dist/cli.js) instead of building one
  --tsx            also run \`tsx src/cli.ts\` (the source through the loader)
  --concurrency N  pass --concurrency N to the CLI                       default: the CLI's default
  --rules DIR      pass --rules DIR --skip-unsupported-rules (e.g. a rule pack) default: the built-in rules
  --json FILE      also write the figures as JSON (for throughput.ts)`;

export interface CliSmallRound {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly maxRssMb: number;
  readonly objects: number;
  readonly alerts: number;
  readonly load1: number;
}

export interface CliSmallSeries {
  readonly label: string;
  readonly files: number;
  readonly rounds: readonly CliSmallRound[];
  /** The same CLI over a directory of one file: start-up (rules loaded) plus one object. */
  readonly startup: readonly CliSmallRound[];
}

function positive(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0)
    throw new RangeError(`--${name}: expected a positive integer, got "${raw}"`);
  return n;
}

/** Writes (once) `n` ~1 KB gzip files, one Defend record each, into their own directory. */
export async function ensureSmallDir(outDir: string, n: number): Promise<string> {
  const dir = join(outDir, "data", `cli-small-${n}-v${GENERATOR_VERSION}`);
  if (existsSync(join(dir, ".done"))) return join(dir, "files");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "files"), { recursive: true });
  const objects = readSmallObjects(await ensureSmallObjects(join(outDir, "data"), n, 7));
  const width = String(n).length;
  objects.forEach((o, i) => {
    writeFileSync(join(dir, "files", `${String(i).padStart(width, "0")}.ndjson.gz`), o);
  });
  writeFileSync(join(dir, ".done"), "");
  return join(dir, "files");
}

/**
 * The CLI bundle, built as scripts/build.mjs builds dist/cli.js: an engine id defined, the
 * built-in rules beside it with their compiled artefact (so start-up is the shipped one).
 */
export async function bundleCli(outDir: string): Promise<string> {
  const dir = join(outDir, "cli-small");
  rmSync(join(dir, "rules"), { recursive: true, force: true });
  mkdirSync(join(dir, "rules"), { recursive: true });
  const outfile = join(dir, "cli.js");
  // Any id will do: the bundle and its artefact are written by this run alone.
  const engine = `cli-small-bench-${process.pid}-${Date.now()}`;
  await build({
    entryPoints: [join(ROOT, "src", "cli.ts")],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    minifySyntax: true,
    minifyWhitespace: true,
    legalComments: "none",
    logLevel: "error",
    define: { __EDR_ENGINE_ID__: JSON.stringify(engine) },
    banner: {
      js: 'import { createRequire as __edrCreateRequire } from "node:module"; const require = __edrCreateRequire(import.meta.url);',
    },
  });
  const rulesSrc = join(ROOT, "src", "rules");
  for (const f of readdirSync(rulesSrc).filter((x) => x.endsWith(".toml"))) {
    copyFileSync(join(rulesSrc, f), join(dir, "rules", f));
  }
  const rulesDir = join(dir, "rules");
  await writeCompiledRuleSet(rulesDir, await listRuleFiles(rulesDir), engine);
  return outfile;
}

/**
 * Preloaded into the CLI's process: at exit it writes its own CPU time and peak RSS to a file
 * (node's child_process gives neither), without touching the CLI's stdout, stderr or exit code.
 */
function preloadFile(outDir: string): string {
  const file = join(outDir, "cli-small", "rusage-preload.mjs");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(
    file,
    `import { writeFileSync } from "node:fs";
const out = process.env.CLI_SMALL_RUSAGE;
if (out) process.on("exit", () => {
  const u = process.resourceUsage();
  writeFileSync(out, JSON.stringify({ cpuMs: (u.userCPUTime + u.systemCPUTime) / 1000, maxRssKb: u.maxRSS }));
});
`,
  );
  return file;
}

interface Command {
  readonly label: string;
  readonly cmd: string;
  readonly args: readonly string[];
}

function runOnce(
  c: Command,
  dir: string,
  extra: readonly string[],
  rusageFile: string,
): Promise<CliSmallRound> {
  const load1 = loadavg()[0]!;
  rmSync(rusageFile, { force: true });
  const t0 = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(c.cmd, [...c.args, ...extra, dir], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CLI_SMALL_RUSAGE: rusageFile },
    });
    let alerts = 0;
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      for (let i = d.indexOf(10); i !== -1; i = d.indexOf(10, i + 1)) alerts++;
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const wallMs = performance.now() - t0;
      // 0: no alerts, 1: alerts; anything else means the run itself failed and the figure is void.
      if (code !== 0 && code !== 1) {
        reject(new Error(`${c.label} exited ${code}:\n${err.slice(-2000)}`));
        return;
      }
      const m = /edr-scan: (\d+) objects? scanned(?! \()/.exec(err);
      if (m === null) {
        reject(new Error(`${c.label}: no clean summary line (failed objects?):\n${err.slice(-2000)}`));
        return;
      }
      let cpuMs = Number.NaN;
      let maxRssMb = Number.NaN;
      try {
        const u = JSON.parse(readFileSync(rusageFile, "utf8")) as { cpuMs: number; maxRssKb: number };
        cpuMs = u.cpuMs;
        maxRssMb = u.maxRssKb / 1024;
      } catch {
        // tsx runs the CLI in a child of its own: no figure from the preload there.
      }
      resolvePromise({ wallMs, cpuMs, maxRssMb, objects: Number(m[1]), alerts, load1 });
    });
  });
}

function median(xs: readonly number[]): number {
  const s = [...xs].filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const fmt = (n: number, d = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d })
    : "n/a";

/** Objects per second over the whole run (process start to exit), median of the rounds. */
export function cliSmallRate(s: CliSmallSeries): number {
  return (s.files * 1000) / median(s.rounds.map((r) => r.wallMs));
}

/** Lines for one series: the figures the issue's target is judged on. */
export function seriesLines(s: CliSmallSeries): string[] {
  const walls = s.rounds.map((r) => r.wallMs);
  const med = median(walls);
  const best = Math.min(...walls);
  const startup = median(s.startup.map((r) => r.wallMs));
  const cpuPer = median(s.rounds.map((r) => (r.cpuMs * 1000) / r.objects));
  const startupCpu = median(s.startup.map((r) => r.cpuMs));
  const cpuPerNet = median(s.rounds.map((r) => ((r.cpuMs - startupCpu) * 1000) / (r.objects - 1)));
  const rss = Math.max(...s.rounds.map((r) => r.maxRssMb));
  const loads = s.rounds.map((r) => r.load1);
  // With few files the one-file run's noise can exceed the scanning itself: no rate then.
  const net = (wall: number) => (wall > startup ? ((s.files - 1) * 1000) / (wall - startup) : Number.NaN);
  return [
    `${s.label}: ${fmt(s.files)} files, ${s.rounds.length} rounds, ${fmt(s.rounds[0]?.alerts ?? 0)} alerts each`,
    `  objects/s (whole run, start-up included): median ${fmt((s.files * 1000) / med)}, best ${fmt((s.files * 1000) / best)}` +
      `   (wall ${fmt(med / 1000, 2)} s median, ${fmt(best / 1000, 2)} s best)`,
    `  objects/s after start-up (wall - one-file run's ${fmt(startup)} ms): median ${fmt(net(med))}, ` +
      `best ${fmt(net(best))}`,
    `  CPU per object: ${fmt(cpuPer)} us (whole run / objects), ${fmt(cpuPerNet)} us beyond start-up (${fmt(startupCpu)} ms CPU)`,
    `  peak RSS ${fmt(rss, 1)} MB; load average (1 min) at each round's start: ${loads.map((l) => fmt(l, 2)).join(", ")}`,
  ];
}

export interface CliSmallOptions {
  readonly files: number;
  readonly rounds: number;
  readonly outDir: string;
  readonly cli?: string | undefined;
  readonly tsx?: boolean;
  readonly concurrency?: number | undefined;
  readonly rules?: string | undefined;
  readonly log?: (line: string) => void;
}

/** Generates the data (once), builds or takes the bundle, and runs every series. */
export async function runCliSmall(o: CliSmallOptions): Promise<CliSmallSeries[]> {
  const log = o.log ?? ((l: string) => console.log(l));
  const dir = await ensureSmallDir(o.outDir, o.files);
  const oneDir = await ensureSmallDir(o.outDir, 1);
  const preload = preloadFile(o.outDir);
  const bundle = o.cli === undefined ? await bundleCli(o.outDir) : resolve(o.cli);
  const commands: Command[] = [
    {
      label:
        (o.cli === undefined ? "node cli.js DIR (bundle of the current source)" : `node ${o.cli} DIR`) +
        (o.rules === undefined ? "" : ` --rules ${o.rules}`),
      cmd: process.execPath,
      args: ["--import", preload, bundle],
    },
  ];
  if (o.tsx === true) {
    commands.push({
      label: "tsx src/cli.ts DIR",
      cmd: join(ROOT, "node_modules", ".bin", "tsx"),
      args: [join(ROOT, "src", "cli.ts")],
    });
  }
  const extra = [
    ...(o.concurrency === undefined ? [] : ["--concurrency", String(o.concurrency)]),
    ...(o.rules === undefined ? [] : ["--rules", resolve(o.rules), "--skip-unsupported-rules"]),
  ];
  const rusage = join(o.outDir, "cli-small", `rusage-${process.pid}.json`);
  const out: CliSmallSeries[] = [];
  for (const c of commands) {
    const rounds: CliSmallRound[] = [];
    const startup: CliSmallRound[] = [];
    // Interleaved, so machine noise hits the start-up figure and the full runs alike.
    for (let i = 0; i < o.rounds; i++) {
      startup.push(await runOnce(c, oneDir, extra, rusage));
      const r = await runOnce(c, dir, extra, rusage);
      if (r.objects !== o.files)
        throw new Error(`${c.label}: scanned ${r.objects} objects, expected ${o.files}`);
      rounds.push(r);
      log(
        `  ${c.label} round ${i + 1}: ${fmt(r.wallMs)} ms wall, ${fmt(r.cpuMs)} ms CPU, ${fmt(r.maxRssMb, 1)} MB, load ${fmt(r.load1, 2)}`,
      );
    }
    out.push({ label: c.label, files: o.files, rounds, startup });
  }
  rmSync(rusage, { force: true });
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      files: { type: "string" },
      rounds: { type: "string" },
      "out-dir": { type: "string" },
      cli: { type: "string" },
      tsx: { type: "boolean", default: false },
      concurrency: { type: "string" },
      rules: { type: "string" },
      json: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const files = positive("files", values.files, 10_000);
  const o: CliSmallOptions = {
    files,
    rounds: positive("rounds", values.rounds, 5),
    outDir: resolve(values["out-dir"] ?? join(ROOT, ".bench")),
    cli: values.cli,
    tsx: values.tsx === true,
    concurrency:
      values.concurrency === undefined ? undefined : positive("concurrency", values.concurrency, 4),
    rules: values.rules,
  };
  console.log(
    `cli-small: ${fmt(files)} gzip files of ~1 KB${o.rules === undefined ? "" : `, --rules ${o.rules}`}; load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(" ")}`,
  );
  const series = await runCliSmall(o);
  console.log("");
  for (const s of series) for (const l of seriesLines(s)) console.log(l);
  console.log(`target: at least 5,000 objects/s for 10,000 objects of 1 KB (issue 15)`);
  if (values.json !== undefined) writeFileSync(values.json, JSON.stringify(series, null, 2));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : e);
    process.exit(2);
  });
}
