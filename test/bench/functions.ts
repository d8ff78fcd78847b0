/**
 * Cost of every EQL string function (script form and, where Elasticsearch has one, the Lucene
 * query form) on a 300 KB value: the size of an attacker's command line. Prints figures; asserts
 * nothing (timings depend on the machine).
 *
 *   node --import tsx test/bench/functions.ts
 */
import { type EqlValue, lookupFunction } from "../../src/eql/functions.ts";

const big = "C:\\Windows\\System32\\".repeat(15_000) + "needle.EXE";
const cases: [string, EqlValue[], boolean][] = [
  ["between", [big, "system32\\", ".exe"], false],
  ["between", [big, "system32\\", ".exe", true], true],
  ["cidrMatch", [big, "10.0.0.0/8"], false],
  ["concat", [big, big], false],
  ["endsWith", [big, ".exe"], false],
  ["endsWith", [big, ".exe"], true],
  ["indexOf", [big, "needle"], false],
  ["indexOf", [big, "NEEDLE"], true],
  ["length", [big], false],
  ["number", [big], false],
  ["startsWith", [big, "c:\\windows"], true],
  ["string", [big], false],
  ["stringContains", [big, "needle"], false],
  ["stringContains", [big, "NEEDLE"], true],
  ["substring", [big, -10], false],
];
const queries: [string, string, boolean][] = [
  ["startsWith", "c:\\windows", true],
  ["endsWith", ".exe", true],
  ["stringContains", "*a*a*a*a*a*a*a*a*b*", true],
  ["stringContains", "needle?exe", true],
];

function time(run: () => void): number {
  for (let i = 0; i < 3; i++) run();
  const n = 50;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) run();
  return Number(process.hrtime.bigint() - t0) / n / 1e6;
}

console.log(`value: ${(big.length / 1024).toFixed(0)} K UTF-16 units`);
for (const [name, args, ci] of cases) {
  const f = lookupFunction(name)!;
  const ms = time(() => {
    try {
      f.call(args, ci);
    } catch {
      // number() and cidrMatch() refuse the value: the refusal is what is timed.
    }
  });
  console.log(`${(name + (ci ? "~" : "")).padEnd(16)} script ${ms.toFixed(3)} ms`);
}
for (const [name, constant, ci] of queries) {
  const p = lookupFunction(name)!.fieldPredicate!([constant], ci)!;
  const ms = time(() => p(big));
  console.log(
    `${(name + (ci ? "~" : "")).padEnd(16)} query  ${ms.toFixed(3)} ms  (${JSON.stringify(constant)})`,
  );
}
