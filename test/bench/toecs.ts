/**
 * Figures for the notes (not a timed test): cost of toEcs per record for each source, and of
 * detection + the seed rule on the view. Run: npx tsx test/sources/bench-toecs.ts
 */
import { loadBuiltinRules } from "../../src/rules/index.ts";
import { toEcs } from "../../src/sources/index.ts";
import { readJson, readRecords } from "./helpers.ts";

const [rule] = await loadBuiltinRules();
const samples: [string, Record<string, unknown>][] = [
  ["defend", readJson("linux_file_create.SYNTHETIC.json")],
  ["sentinelone", readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson")[0]!],
  ["endgame (ECS)", readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson")[0]!],
  ["endgame (legacy)", readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson")[1]!],
  ["unknown", { file: { path: "/etc/x" }, event: { category: "file" } }],
];

function bench(fn: () => unknown, n: number): number {
  for (let i = 0; i < n / 10; i++) fn();
  const runs: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = process.hrtime.bigint();
    for (let i = 0; i < n; i++) fn();
    runs.push(Number(process.hrtime.bigint() - t) / n);
  }
  runs.sort((a, b) => a - b);
  return runs[3]!;
}

console.log("source             toEcs (ns/record, median of 7)   toEcs + seed rule");
for (const [name, rec] of samples) {
  const a = bench(() => toEcs(rec, "auto"), 200_000);
  const b = bench(() => rule!.compiled.matches(toEcs(rec, "auto").event), 200_000);
  console.log(
    `${name.padEnd(18)} ${a.toFixed(0).padStart(8)}                          ${b.toFixed(0).padStart(8)}`,
  );
}
