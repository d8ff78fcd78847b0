/**
 * The CLI with a Kibana export: exceptions drop alerts and the summary says which item did,
 * suppression prints one alert per group and window and counts the rest, filters select rules,
 * and a lenient load names every rule it skipped. Real reader, real rule-set loader, in-process.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli/main.ts";
import { loadBuiltinRules, loadRuleSet, loadRules } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { io } from "./fakes.ts";

const deps = { scanObject, loadRules, loadBuiltinRules, loadRuleSet, version: "0.0.0-test" };
const dir = mkdtempSync(join(tmpdir(), "edr-cli-tuning-"));
const ndjson = (...objs: unknown[]): string => `${objs.map((o) => JSON.stringify(o)).join("\n")}\n`;

const rule = (over: Record<string, unknown>) => ({
  rule_id: "curl",
  name: "curl to a raw IP",
  description: "d",
  type: "eql",
  language: "eql",
  query: 'process where process.name == "curl"',
  severity: "medium",
  risk_score: 47,
  tags: ["OS: Linux"],
  ...over,
});

writeFileSync(
  join(dir, "export.ndjson"),
  ndjson(
    rule({
      exceptions_list: [{ id: "1", list_id: "admins", namespace_type: "single", type: "detection" }],
      alert_suppression: { group_by: ["host.name"], duration: { value: 1, unit: "h" } },
    }),
    rule({
      rule_id: "win",
      name: "Windows thing",
      tags: ["OS: Windows"],
      query: 'process where process.name == "cmd.exe"',
    }),
    rule({ rule_id: "kql", name: "A KQL rule", type: "query", language: "kuery", query: "process.name: x" }),
    { list_id: "admins", namespace_type: "single", type: "detection", name: "Admins" },
    {
      item_id: "deploy",
      list_id: "admins",
      namespace_type: "single",
      type: "simple",
      name: "deploy user",
      entries: [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    },
  ),
);
const ev = (t: string, host: string, user: string) => ({
  "@timestamp": t,
  event: { category: ["process"] },
  process: { name: "curl" },
  host: { name: host },
  user: { name: user },
});
writeFileSync(
  join(dir, "events.ndjson"),
  ndjson(
    ev("2024-05-01T12:00:00Z", "web-1", "deploy"),
    ev("2024-05-01T12:01:00Z", "web-1", "root"),
    ev("2024-05-01T12:02:00Z", "web-1", "root"),
    ev("2024-05-01T12:03:00Z", "web-2", "root"),
    ev("2024-05-01T14:00:00Z", "web-1", "root"),
  ),
);

async function run(args: string[]) {
  const o = io({});
  const code = await runCli(args, o, deps);
  return { code, stdout: o.stdout.text, stderr: o.stderr.text };
}

describe("edr-scan with Kibana tuning", () => {
  test("a refused rule stops the start-up unless --skip-unsupported-rules, which names it", async () => {
    const strict = await run(["--rules", join(dir, "export.ndjson"), join(dir, "events.ndjson")]);
    assert.equal(strict.code, 2);
    assert.match(
      strict.stderr,
      /cannot load rules: .*rule type "query" \(language "kuery"\) is not supported/,
    );
    const lenient = await run([
      "--rules",
      join(dir, "export.ndjson"),
      "--skip-unsupported-rules",
      join(dir, "events.ndjson"),
    ]);
    assert.match(lenient.stderr, /skipped rule \S+export\.ndjson:3: rule type "query"/);
    assert.match(lenient.stderr, /rules skipped \(--skip-unsupported-rules\): 1/);
  });

  test("exceptions drop, suppression groups, and the summary counts both", async () => {
    const r = await run([
      "--rules",
      join(dir, "export.ndjson"),
      "--skip-unsupported-rules",
      "--rule-filter",
      "tag:OS: Linux",
      join(dir, "events.ndjson"),
    ]);
    assert.equal(r.code, 1, r.stderr);
    const printed = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { source: { record: number } });
    // record 1: excepted (deploy); 2: first of web-1; 3: suppressed; 4: first of web-2; 5: web-1, next window
    assert.deepEqual(
      printed.map((a) => a.source.record),
      [2, 4, 5],
    );
    assert.match(r.stderr, /excepted: curl to a raw IP: 1 alert dropped by admins\/deploy \(deploy user\)/);
    assert.match(r.stderr, /suppressed: curl to a raw IP: 1 more alert of group \[\["web-1"\]\]/);
    assert.match(r.stderr, /; 3 alerts;/);
    // Per index: these records name none, so every rule applies to them.
    assert.match(r.stderr, /index \(index unknown\): 5 records evaluated, 1 of 1 rule applies/);
  });

  test("a malformed --rule-filter is a usage error before anything is read", async () => {
    const r = await run(["--rule-filter", "colour:red", join(dir, "events.ndjson")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /invalid --rule-filter "colour:red"/);
  });
});
