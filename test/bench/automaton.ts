/**
 * Micro-bench of the prefilter's byte automaton (src/scan/prefilter/automaton.ts), the pass that
 * issue 15's many-rule targets hinge on. It builds the automaton from the rules' clause literals
 * (the Linux pack's, and N synthetic rules') with each inner loop, then scans the decompressed
 * bench data from memory the way rules.ts does (256 KiB windows, one HitList), and prints per
 * pass: CPU ms, MB/s, hits; per build: CPU ms, states, classes. Then, per rule set, the automata
 * the real scan builds (rules.ts picks their patterns; found by watching one scanObject) are
 * timed the same way, and scanObject's own CPU per object (gunzip included) is printed with its
 * ratio to the one-rule scan, issue 15's "500 rules at most 2x one rule".
 *
 *   tsx test/bench/automaton.ts [--data FILE.ndjson.gz] [--rules-dir DIR] [--synthetic N]
 *                               [--rounds N] [--module PATH]
 *
 * `--module` loads another copy of automaton.ts (e.g. `git show REV:src/scan/prefilter/automaton.ts
 * > /tmp/old-automaton.ts`) so that a before/after pair runs back to back in one process.
 */
import { existsSync, readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { resolve } from "node:path";
import { Readable } from "node:stream";
import { pathToFileURL } from "node:url";
import { gunzipSync } from "node:zlib";
import type { PrefilterLiteral } from "../../src/eql/index.ts";
import type { Rule } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import * as current from "../../src/scan/prefilter/automaton.ts";
import { canonicalJsonBytes, type RuleClauses, ruleClauses } from "../../src/scan/prefilter/index.ts";
import { loadBenchRules, type RuleSetSpec } from "./rulesets.ts";

type AutomatonModule = typeof current;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1]! : fallback;
}

const DATA = arg("--data", ".bench/data/defend-mixed-30MB-seed1-plant20000-v5.ndjson.gz");
const PACK = arg("--rules-dir", "/work/shared/conformance/detection-rules/rules/linux");
const SYNTHETIC = Number(arg("--synthetic", "500"));
const ROUNDS = Number(arg("--rounds", "5"));
const MODULE = arg("--module", "");
const WINDOW = 256 * 1024; // as rules.ts

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The distinct literals rules.ts hands the automaton (its model(): usable clauses only). */
function patternsOf(clauses: readonly RuleClauses[]): Uint8Array[] {
  const seen = new Set<string>();
  const out: Uint8Array[] = [];
  for (const rc of clauses) {
    if (rc === null) continue;
    for (const clause of rc) {
      if (clause.some((l: PrefilterLiteral) => l.text.length === 0 || LONE_SURROGATE.test(l.text))) continue;
      for (const l of clause) {
        const k = `${l.caseInsensitive ? "i" : "s"}:${l.text}`;
        if (seen.has(k)) continue;
        seen.add(k);
        out.push(canonicalJsonBytes(l.text));
      }
    }
  }
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1]!;
};
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const load = (): string =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");

function passOnce(
  mod: AutomatonModule,
  a: InstanceType<AutomatonModule["ByteAutomaton"]>,
  buf: Buffer,
): number {
  const hits = new mod.HitList();
  let total = 0;
  for (let from = 0; from < buf.length; from += WINDOW) {
    hits.n = 0;
    a.scan(buf, from, Math.min(buf.length, from + WINDOW), hits);
    total += hits.n;
  }
  return total;
}

type Options = ConstructorParameters<AutomatonModule["ByteAutomaton"]>[1];

/** Build and pass figures for `patterns`, or pass figures only for an automaton already built. */
function benchAutomaton(
  label: string,
  mod: AutomatonModule,
  options: Options,
  patterns: Uint8Array[] | InstanceType<AutomatonModule["ByteAutomaton"]>,
  buf: Buffer,
): void {
  const builds: number[] = [];
  let a: InstanceType<AutomatonModule["ByteAutomaton"]>;
  if (Array.isArray(patterns)) {
    a = new mod.ByteAutomaton(patterns, options);
    for (let r = 0; r < ROUNDS; r++) {
      const t = cpuMs();
      a = new mod.ByteAutomaton(patterns, options);
      builds.push(cpuMs() - t);
    }
  } else {
    a = patterns;
    builds.push(Number.NaN);
  }
  passOnce(mod, a, buf); // warm-up: the JIT's optimised loop
  const passes: number[] = [];
  let hits = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = cpuMs();
    hits = passOnce(mod, a, buf);
    passes.push(cpuMs() - t);
  }
  const ms = median(passes);
  const classes = (a as unknown as { classes?: number }).classes ?? "?";
  console.log(
    `  ${label.padEnd(34)} ${String(a.patternLengths.length).padStart(5)} ${String(a.states).padStart(6)} ${String(classes).padStart(4)}` +
      ` ${median(builds).toFixed(1).padStart(8)} ${ms.toFixed(1).padStart(8)} ${Math.min(...passes)
        .toFixed(1)
        .padStart(
          7,
        )} ${((buf.length / 1e6 / ms) * 1000).toFixed(0).padStart(6)} ${hits.toLocaleString("en-US").padStart(11)}`,
  );
}

/**
 * The automata the real scan builds (src/scan/prefilter/rules.ts decides their patterns), found by
 * watching scan() during one scanObject over the gzip object from memory; then scanObject's CPU
 * per object (gunzip included, all threads) for this rule set, the figure issue 15's ratios use.
 */
async function benchScan(label: string, rules: readonly Rule[], gz: Buffer, buf: Buffer): Promise<number> {
  const seen = new Set<InstanceType<AutomatonModule["ByteAutomaton"]>>();
  const proto = current.ByteAutomaton.prototype;
  const original = proto.scan;
  proto.scan = function (this: InstanceType<AutomatonModule["ByteAutomaton"]>, ...args) {
    seen.add(this);
    original.apply(this, args);
  };
  const scanOnce = async (): Promise<number> => {
    const t = cpuMs();
    const abort = new AbortController();
    await scanObject(Readable.from([gz]), {
      uri: "file://bench",
      rules,
      signal: abort.signal,
      onAlert: () => {},
    });
    return cpuMs() - t;
  };
  try {
    await scanOnce();
  } finally {
    proto.scan = original;
  }
  let k = 0;
  for (const a of seen) benchAutomaton(`${label}: scan's automaton ${k++}`, current, undefined, a, buf);
  const times: number[] = [];
  for (let r = 0; r < ROUNDS; r++) times.push(await scanOnce());
  const ms = median(times);
  console.log(
    `  ${label}: scanObject from memory (gzip), cpu ${ms.toFixed(0)} ms (min ${Math.min(...times).toFixed(0)}), ${((buf.length / 1e6 / ms) * 1000).toFixed(0)} MB/s of NDJSON`,
  );
  return ms;
}

async function main(): Promise<void> {
  if (!existsSync(DATA)) throw new Error(`no bench data at ${DATA} (run npm run bench once to generate it)`);
  const gz = readFileSync(DATA);
  const buf = gunzipSync(gz);
  // The engines of this tree, and another copy of the module (its defaults) when given.
  const mods: [string, AutomatonModule, Options][] = [
    ["js", current, { engine: "js" }],
    ["wasm 4 lanes", current, { lanes: 4 }],
    ["wasm 8 lanes", current, { lanes: 8 }],
  ];
  if (MODULE !== "") {
    const other = (await import(pathToFileURL(resolve(MODULE)).href)) as AutomatonModule;
    mods.unshift([MODULE.replace(/^.*\//, ""), other, {}]);
  }
  const sets: [string, RuleSetSpec][] = [];
  if (existsSync(PACK)) sets.push(["pack", { kind: "dir", dir: PACK }]);
  if (SYNTHETIC > 0) sets.push([`${SYNTHETIC} synthetic`, { kind: "synthetic", count: SYNTHETIC }]);
  console.log(`data ${DATA}: ${(buf.length / 1e6).toFixed(1)} MB decompressed; ${ROUNDS} rounds, medians`);
  console.log(`load average at start: ${load()}`);
  console.log(
    `  ${"rule set / module".padEnd(34)} ${"pats".padStart(5)} ${"states".padStart(6)} ${"cls".padStart(4)} ${"build ms".padStart(8)} ${"pass ms".padStart(8)} ${"min ms".padStart(7)} ${"MB/s".padStart(6)} ${"hits".padStart(11)}`,
  );
  const oneRule = await benchScan("1 rule", loadBenchRules({ kind: "builtin" }).rules, gz, buf);
  for (const [name, spec] of sets) {
    const { rules } = loadBenchRules(spec);
    const clauses = rules.map((r) => ruleClauses(r));
    const patterns = patternsOf(clauses);
    for (const [m, mod, options] of mods) {
      benchAutomaton(`${name} (${rules.length}) ${m}`, mod, options, patterns, buf);
    }
    const ms = await benchScan(name, rules, gz, buf);
    if (oneRule !== undefined)
      console.log(`  ${name}: scanObject cpu / 1 rule's = ${(ms / oneRule).toFixed(2)}x`);
  }
  console.log(`load average at end: ${load()}`);
}

await main();
