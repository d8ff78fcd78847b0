/**
 * Engine bench (`npm run --silent bench:engine`): prints figures, asserts nothing.
 * - compile time of the seed rule (median of many compiles, after warm-up);
 * - evaluation cost on already-normalised events (a matching Defend file event, a non-matching
 *   file event, a process event): timed in batches of BATCH calls so the timer's own cost
 *   (~40 ns per hrtime call) does not swamp sub-microsecond figures; median and p99 are over
 *   the batches' per-call means;
 * - the raw prefilter's throughput over Defend-shaped NDJSON lines (per-record `test()` calls,
 *   as the reader makes them), next to JSON.parse of the same lines for scale.
 */
import { readFileSync } from "node:fs";
import { compileQuery } from "../../src/eql/index.ts";
import { loadBuiltinRules } from "../../src/rules/index.ts";
import { createRawPrefilter } from "../../src/scan/prefilter/index.ts";

const fixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/eql/${name}`, import.meta.url), "utf8");

// Cold: the first load in the process (as at a Lambda cold start), code not yet optimised.
const load0 = process.hrtime.bigint();
const rules = await loadBuiltinRules();
const coldLoadMs = Number(process.hrtime.bigint() - load0) / 1e6;
const seed = rules[0]!;

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

// --- compile --------------------------------------------------------------------------------
for (let i = 0; i < 50; i++) compileQuery(seed.query);
const compiles: number[] = [];
for (let i = 0; i < 500; i++) {
  const t0 = process.hrtime.bigint();
  compileQuery(seed.query);
  compiles.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
compiles.sort((a, b) => a - b);
console.log(
  `compile seed rule: median ${quantile(compiles, 0.5).toFixed(3)} ms, p99 ${quantile(compiles, 0.99).toFixed(3)} ms (n=${compiles.length}; target <= 5 ms); cold loadBuiltinRules (read, TOML, compile) ${coldLoadMs.toFixed(1)} ms`,
);

// --- evaluate -------------------------------------------------------------------------------
const lines = fixture("linux_file_events.SYNTHETIC.ndjson").trim().split("\n");
const matching = JSON.parse(lines[0]!) as Record<string, unknown>;
const nonMatching = JSON.parse(lines[0]!.replaceAll("dispatcher.d", "conf.d")) as Record<string, unknown>;
const processEvent = JSON.parse(fixture("defend_process_event.SYNTHETIC.json")) as Record<string, unknown>;
const excluded = JSON.parse(lines[1]!) as Record<string, unknown>;
if (
  !seed.compiled.matches(matching) ||
  seed.compiled.matches(nonMatching) ||
  seed.compiled.matches(processEvent)
) {
  throw new Error("bench events do not have the expected verdicts");
}

const BATCH = 200;
function evalBench(label: string, event: unknown): void {
  const m = seed.compiled.matches;
  let sink = 0;
  for (let i = 0; i < 200_000; i++) if (m(event)) sink++;
  const perCall: number[] = [];
  for (let b = 0; b < 5000; b++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < BATCH; i++) if (m(event)) sink++;
    perCall.push(Number(process.hrtime.bigint() - t0) / BATCH);
  }
  perCall.sort((a, b) => a - b);
  console.log(
    `eval ${label.padEnd(28)} median ${quantile(perCall, 0.5).toFixed(0).padStart(4)} ns, p99 ${quantile(perCall, 0.99).toFixed(0).padStart(4)} ns per event (target median <= 1000 ns)${sink < 0 ? "!" : ""}`,
  );
}
evalBench("matching file event", matching);
evalBench("excluded file event (dpkg)", excluded);
evalBench("non-matching file event", nonMatching);
evalBench("process event", processEvent);

// --- raw prefilter ----------------------------------------------------------------------------
// Mostly process events, 1 in 50 a file event, 1 in 1000 under dispatcher.d; pids vary. The
// fixtures are trimmed of a few session/leader objects to the typical ~1.5 KB of Defend lines.
const trim = (text: string): string => {
  const d = JSON.parse(text) as Record<string, Record<string, unknown>>;
  delete d.elastic;
  for (const k of ["entry_leader", "session_leader", "group_leader"]) delete d.process![k];
  const os = (d.host as { os?: Record<string, unknown> }).os;
  if (os !== undefined) delete os.kernel;
  return JSON.stringify(d);
};
const procText = trim(fixture("defend_process_event.SYNTHETIC.json"));
const fileText = trim(lines[0]!.replaceAll("dispatcher.d", "conf.d"));
const hitText = trim(lines[0]!);
const parts: string[] = [];
let bytes = 0;
for (let i = 0; bytes < 64 * 1024 * 1024; i++) {
  const base = i % 1000 === 0 ? hitText : i % 50 === 0 ? fileText : procText;
  const line = base.replace(/"pid":\d+/, `"pid":${1000 + (i % 30000)}`);
  parts.push(line);
  bytes += Buffer.byteLength(line) + 1;
}
const data = Buffer.from(`${parts.join("\n")}\n`);
const avgLine = data.length / parts.length;
const pf = createRawPrefilter(rules.map((r) => r.compiled.prefilter));

function scanOnce(): { candidates: number; ms: number } {
  let candidates = 0;
  const t0 = process.hrtime.bigint();
  let s = 0;
  for (;;) {
    const nl = data.indexOf(10, s);
    if (nl < 0) break;
    if (pf.test(data, s, nl)) candidates++;
    s = nl + 1;
  }
  return { candidates, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
scanOnce();
const runs = [scanOnce(), scanOnce(), scanOnce()].sort((a, b) => a.ms - b.ms);
const best = runs[1]!;
const mb = data.length / (1024 * 1024);
console.log(
  `raw prefilter: ${(mb / (best.ms / 1000)).toFixed(0)} MB/s over ${parts.length} Defend lines of ${avgLine.toFixed(0)} B avg (${mb.toFixed(0)} MB, median of 3), ${best.candidates} candidates (${((100 * best.candidates) / parts.length).toFixed(2)}%)`,
);

// The same records through forBuffer(), one tester per ~1 MiB buffer as a reader's chunks.
const chunks: Buffer[] = [];
for (let s = 0; s < data.length; ) {
  let e = data.indexOf(10, Math.min(data.length - 1, s + 1024 * 1024));
  e = e < 0 ? data.length : e + 1;
  chunks.push(data.subarray(s, e));
  s = e;
}
function scanShared(): { candidates: number; ms: number } {
  let candidates = 0;
  const t0 = process.hrtime.bigint();
  for (const chunk of chunks) {
    const tester = pf.forBuffer(chunk);
    let s = 0;
    for (;;) {
      const nl = chunk.indexOf(10, s);
      if (nl < 0) break;
      if (tester(s, nl)) candidates++;
      s = nl + 1;
    }
  }
  return { candidates, ms: Number(process.hrtime.bigint() - t0) / 1e6 };
}
scanShared();
const shared = [scanShared(), scanShared(), scanShared()].sort((a, b) => a.ms - b.ms)[1]!;
console.log(
  `raw prefilter, forBuffer (1 MiB buffers): ${(mb / (shared.ms / 1000)).toFixed(0)} MB/s, ${shared.candidates} candidates`,
);

let parsed = 0;
const t0 = process.hrtime.bigint();
let s = 0;
const limit = Math.min(data.length, 16 * 1024 * 1024);
while (s < limit) {
  const nl = data.indexOf(10, s);
  if (nl < 0) break;
  JSON.parse(data.toString("utf8", s, nl));
  parsed++;
  s = nl + 1;
}
const parseMs = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(
  `for scale, JSON.parse of every line: ${(s / (1024 * 1024) / (parseMs / 1000)).toFixed(0)} MB/s (${parsed} lines)`,
);
