/** `edr-scan --query`: one EQL query instead of rules; head/tail over the run's hits in @timestamp order. */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli/main.ts";
import { fakeDeps, io } from "./fakes.ts";

function files(named: Record<string, string[]>): string[] {
  const dir = mkdtempSync(join(tmpdir(), "edr-scan-query-"));
  return Object.entries(named).map(([name, lines]) => {
    const p = join(dir, name);
    writeFileSync(p, `${lines.join("\n")}\n`);
    return p;
  });
}

const ev = (t: string, name: string, pid: number): string =>
  JSON.stringify({ "@timestamp": t, event: { category: "process" }, process: { name, pid } });

/** The pids of the printed alerts (the alert's ECS view holds dotted keys with text values). */
const pids = (out: string): number[] =>
  out
    .trimEnd()
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => Number(JSON.parse(l).event["process.pid"]));

describe("edr-scan --query", () => {
  const inputs = files({
    "a.ndjson": [ev("2024-01-01T00:00:03Z", "curl", 3), ev("2024-01-01T00:00:01Z", "curl", 1)],
    "b.ndjson": [ev("2024-01-01T00:00:02Z", "bash", 2), ev("2024-01-01T00:00:04Z", "CURL", 4)],
  });

  test("an event query alerts like a rule; exit 1 when it hits", async () => {
    const o = io();
    assert.equal(await runCli(["--query", 'process where process.name : "curl"', ...inputs], o, fakeDeps), 1);
    assert.equal(o.stdout.text.trimEnd().split("\n").length, 3);
    assert.match(o.stdout.text, /"id":"ad-hoc-query"/);
  });

  test("| tail N keeps the last N hits of the whole run in @timestamp order, whatever the concurrency", async () => {
    for (const c of ["1", "4"]) {
      const o = io();
      await runCli(
        ["--concurrency", c, "--query", 'process where process.name : "curl" | tail 2', ...inputs],
        o,
        fakeDeps,
      );
      assert.deepEqual(pids(o.stdout.text), [3, 4]);
    }
    const h = io();
    await runCli(["--query", "process where true | head 2", ...inputs], h, fakeDeps);
    assert.deepEqual(pids(h.stdout.text), [1, 2]);
  });

  test("a bad query: exit 2 with the position and a caret; --query with --rules is a usage error", async () => {
    const o = io();
    assert.equal(await runCli(["--query", "process where nosuch(a)", ...inputs], o, fakeDeps), 2);
    assert.match(
      o.stderr.text,
      /bad --query: --query:1:15: unknown function `nosuch`\nprocess where nosuch\(a\)\n {14}\^/,
    );
    const r = io();
    assert.equal(await runCli(["--query", "any where true", "--rules", "x.toml", ...inputs], r, fakeDeps), 2);
    assert.match(r.stderr.text, /cannot be combined with --rules/);
  });
});
