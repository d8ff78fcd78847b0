/**
 * Start-up with a rule pack, as users meet it (issue 15: at most 300 ms). Each figure is a fresh
 * node process, run several times interleaved with the others so machine noise hits them alike:
 *
 * - the bundled CLI (esbuild as scripts/build.mjs bundles it) scanning a one-record file: bare
 *   `node -e ""`; the shipped rule; `--rules PACK` loaded in full (as today without a build
 *   step); `--rules PACK` compiled at build time (`npm run build -- --compile-rules PACK`, a copy
 *   of the pack here). Wall time to the first byte of output and to exit (the CLI prints its
 *   summary at the end, so both are close), and the child's CPU when /usr/bin/time exists.
 * - the Lambda bundle (src/handler.ts bundled as infra does: ESM, node22, minified) with the
 *   pack as its rules/ folder, with and without the build-time artefact, and with the shipped
 *   rule: `node -e "import(bundle)"` runs the handler's whole init (config, clients, rules)
 *   before node exits. The prefilter is built by the first scan, not at init: the CLI figures
 *   include it (they scan a record), the Lambda figures do not.
 *
 * `node_modules/.bin/tsx test/bench/startup.ts [--rules-dir DIR] [--runs N] [--out-dir DIR]`
 * (default pack: ../shared/conformance/detection-rules/rules/linux; 7 runs).
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { build } from "esbuild";
import { listRuleFiles, writeCompiledRuleSet } from "../../src/rules/index.ts";
import { precomputedClauses } from "../../src/scan/index.ts";

/** As scripts/compile-rules.mjs writes it: with the scan's prefilter clauses. */
const writeArtefact = (dir: string, files: readonly string[], engine: string) =>
  writeCompiledRuleSet(dir, files, engine, { extras: precomputedClauses });

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const BANNER =
  "import { createRequire as __bench_cr } from 'node:module'; const require = __bench_cr(import.meta.url);";
const TIME = existsSync("/usr/bin/time") ? "/usr/bin/time" : undefined;
const HANDLER_ENV = {
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:edr-alerts",
  AWS_REGION: "us-east-1",
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
};

interface Run {
  /** Wall ms to the first byte on stdout or stderr (exit when there is none). */
  readonly firstMs: number;
  readonly exitMs: number;
  /** user + system CPU ms of the child (undefined without /usr/bin/time). */
  readonly cpuMs: number | undefined;
}

/** One fresh process; fails loudly if it does not exit 0 (a broken start measures nothing). */
function runOnce(args: readonly string[], env: NodeJS.ProcessEnv, cpuFile: string): Promise<Run> {
  const cmd = TIME ?? process.execPath;
  const argv = TIME ? ["-f", "%U %S", "-o", cpuFile, process.execPath, ...args] : [...args];
  return new Promise((resolvePromise, reject) => {
    const t0 = performance.now();
    let first: number | undefined;
    let stderr = "";
    const child = spawn(cmd, argv, { env, stdio: ["ignore", "pipe", "pipe"] });
    const mark = (): void => {
      first ??= performance.now() - t0;
    };
    child.stdout.on("data", mark);
    child.stderr.on("data", (d: Buffer) => {
      mark();
      if (stderr.length < 4000) stderr += d.toString();
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const exitMs = performance.now() - t0;
      if (code !== 0) {
        reject(new Error(`${args.join(" ")} exited ${code}: ${stderr.slice(0, 2000)}`));
        return;
      }
      let cpuMs: number | undefined;
      if (TIME) {
        const [u, s] = readFileSync(cpuFile, "utf8").trim().split(/\s+/).slice(-2).map(Number);
        cpuMs = ((u ?? 0) + (s ?? 0)) * 1000;
      }
      resolvePromise({ firstMs: first ?? exitMs, exitMs, cpuMs });
    });
  });
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};
const min = (xs: readonly number[]): number => Math.min(...xs);

interface Variant {
  readonly label: string;
  readonly args: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly runs: Run[];
}

async function bundle(
  entry: string,
  outfile: string,
  target: string,
  engine: string,
  minify: boolean,
  split = false,
): Promise<void> {
  await build({
    entryPoints: [entry],
    // The CLI as scripts/build.mjs splits it (what only s3:// inputs need, in chunks beside it).
    ...(split
      ? { outdir: dirname(outfile), entryNames: "[name]", chunkNames: "[name]-[hash]", splitting: true }
      : { outfile }),
    bundle: true,
    platform: "node",
    format: "esm",
    target,
    ...(minify ? { minify: true } : { minifySyntax: true, minifyWhitespace: true }),
    legalComments: "none",
    banner: { js: BANNER },
    define: { __EDR_ENGINE_ID__: JSON.stringify(engine) },
    logLevel: "error",
  });
}

function copyTree(from: string, to: string): void {
  mkdirSync(to, { recursive: true });
  for (const e of readdirSync(from, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    if (e.isDirectory()) copyTree(join(from, e.name), join(to, e.name));
    else if (e.isFile()) copyFileSync(join(from, e.name), join(to, e.name));
  }
}

async function compiledCopy(from: string, to: string, engine: string): Promise<number> {
  copyTree(from, to);
  return (await writeArtefact(to, await listRuleFiles(to), engine)).compiled;
}

export interface StartupOptions {
  readonly rulesDir: string;
  readonly runs: number;
  readonly outDir: string;
  readonly log?: (line: string) => void;
}

export interface StartupFigures {
  /** The lines printed. */
  readonly lines: readonly string[];
  /** Median wall ms to exit: the CLI and the Lambda init with the pack compiled at build time. */
  readonly cliCompiledMs: number;
  readonly lambdaCompiledMs: number;
}

/** Measures and prints (for the throughput bench's report too). */
export async function measureStartup(opts: StartupOptions): Promise<StartupFigures> {
  const lines: string[] = [];
  const p = (s: string): void => {
    lines.push(s);
    (opts.log ?? console.log)(s);
  };
  const out = opts.outDir;
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Any id will do: the bundles and the artefacts below are written by this run alone.
  const engine = `startup-bench-${process.pid}-${Date.now()}`;
  const shipped = join(ROOT, "src/rules");

  // The CLI, as scripts/build.mjs builds it (dist/cli.js + rules/ with its artefact).
  const cliDir = join(out, "cli");
  await bundle(join(ROOT, "src/cli.ts"), join(cliDir, "cli.js"), "node20", engine, false, true);
  mkdirSync(join(cliDir, "rules"));
  for (const f of readdirSync(shipped).filter((n) => n.endsWith(".toml")))
    copyFileSync(join(shipped, f), join(cliDir, "rules", f));
  await writeArtefact(join(cliDir, "rules"), await listRuleFiles(join(cliDir, "rules")), engine);
  const packCompiled = join(out, "pack-compiled");
  const compiledCount = await compiledCopy(opts.rulesDir, packCompiled, engine);
  const packFiles = (await listRuleFiles(opts.rulesDir)).length;
  const tiny = join(out, "one-record.ndjson");
  writeFileSync(
    tiny,
    `${JSON.stringify({ "@timestamp": "2026-01-01T00:00:00Z", event: { category: ["process"], type: ["start"] }, process: { name: "true" } })}\n`,
  );

  // The Lambda bundle, three rules/ folders beside three copies of it.
  const lambda = (name: string): string => join(out, `lambda-${name}`, "handler.mjs");
  await bundle(join(ROOT, "src/handler.ts"), lambda("shipped"), "node22", engine, true);
  const bundleBytes = statSync(lambda("shipped")).size;
  for (const name of ["pack-full", "pack-compiled"]) {
    mkdirSync(dirname(lambda(name)), { recursive: true });
    copyFileSync(lambda("shipped"), lambda(name));
  }
  copyTree(shipped, join(out, "lambda-shipped", "rules"));
  await writeArtefact(
    join(out, "lambda-shipped", "rules"),
    await listRuleFiles(join(out, "lambda-shipped", "rules")),
    engine,
  );
  copyTree(opts.rulesDir, join(out, "lambda-pack-full", "rules"));
  await compiledCopy(opts.rulesDir, join(out, "lambda-pack-compiled", "rules"), engine);

  const env = { ...process.env };
  const lambdaEnv = { ...process.env, ...HANDLER_ENV };
  const cli = join(cliDir, "cli.js");
  const rel = (d: string): string => relative(ROOT, d) || d;
  const variants: Variant[] = [
    { label: 'node -e ""', args: ["-e", ""], env, runs: [] },
    { label: "cli, shipped rule", args: [cli, tiny], env, runs: [] },
    {
      label: "cli --rules PACK (loaded in full)",
      args: [cli, "--rules", opts.rulesDir, tiny],
      env,
      runs: [],
    },
    {
      label: "cli --rules PACK (compiled at build)",
      args: [cli, "--rules", packCompiled, tiny],
      env,
      runs: [],
    },
    ...(["shipped", "pack-full", "pack-compiled"] as const).map((name) => ({
      label: `lambda init, ${name === "shipped" ? "shipped rule" : name === "pack-full" ? "PACK (loaded in full)" : "PACK (compiled at build)"}`,
      args: ["-e", `import(${JSON.stringify(lambda(name))})`],
      env: lambdaEnv,
      runs: [] as Run[],
    })),
  ];

  const load0 = loadavg();
  p(
    `start-up with a rule pack (issue 15 target: at most 300 ms); node ${process.version}, ${cpus().length} CPUs`,
  );
  p(
    `  PACK: ${rel(opts.rulesDir)} (${packFiles} files, ${compiledCount} compiled at build time); lambda bundle ${(bundleBytes / 1024).toFixed(0)} KiB`,
  );
  p(`  load average at start: ${load0.map((x) => x.toFixed(2)).join(" ")}`);
  const cpuFile = join(out, "cpu.txt");
  // One warm-up round (file cache, node's own start-up files), not counted.
  for (const v of variants) await runOnce(v.args, v.env, cpuFile);
  for (let r = 0; r < opts.runs; r++) {
    for (const v of variants) v.runs.push(await runOnce(v.args, v.env, cpuFile));
  }
  const load1 = loadavg();
  const bare = median(variants[0]!.runs.map((r) => r.exitMs));
  const f = (x: number): string => x.toFixed(0).padStart(5);
  p(`  ${opts.runs} runs each, interleaved; ms (median / min); "+node" = exit median minus bare node's`);
  p(
    `  ${"".padEnd(40)} ${"first out".padStart(13)} ${"exit".padStart(13)} ${"+node".padStart(6)} ${"cpu".padStart(13)}`,
  );
  for (const v of variants) {
    const first = v.runs.map((r) => r.firstMs);
    const exit = v.runs.map((r) => r.exitMs);
    const cpu = v.runs.flatMap((r) => (r.cpuMs === undefined ? [] : [r.cpuMs]));
    const cpuText = cpu.length > 0 ? `${f(median(cpu))} / ${f(min(cpu))}` : "n/a".padStart(13);
    p(
      `  ${v.label.padEnd(40)} ${f(median(first))} / ${f(min(first))} ${f(median(exit))} / ${f(min(exit))} ${f(median(exit) - bare).padStart(6)} ${cpuText}`,
    );
  }
  p(`  load average at end: ${load1.map((x) => x.toFixed(2)).join(" ")}`);
  const exitOf = (label: string): number =>
    median(variants.find((v) => v.label === label)!.runs.map((r) => r.exitMs));
  return {
    lines,
    cliCompiledMs: exitOf("cli --rules PACK (compiled at build)"),
    lambdaCompiledMs: exitOf("lambda init, PACK (compiled at build)"),
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      "rules-dir": { type: "string" },
      runs: { type: "string" },
      "out-dir": { type: "string" },
    },
  });
  const rulesDir = resolve(
    values["rules-dir"] ?? join(ROOT, "../shared/conformance/detection-rules/rules/linux"),
  );
  if (!existsSync(rulesDir)) {
    console.error(`startup bench: no rule pack at ${rulesDir}; pass --rules-dir DIR`);
    process.exit(2);
  }
  const runs = Number(values.runs ?? "7");
  if (!Number.isInteger(runs) || runs < 1) {
    console.error(`startup bench: --runs must be a positive integer, got ${values.runs}`);
    process.exit(2);
  }
  await measureStartup({
    rulesDir,
    runs,
    outDir: resolve(values["out-dir"] ?? join(tmpdir(), "edr-startup-bench")),
  });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
