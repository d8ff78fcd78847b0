/**
 * The real CLI as a user runs it (node --import tsx src/cli.ts), over fixture files, with the
 * real reader and the built-in seed rule: the alert contract, formats and exit codes.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, test } from "node:test";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../../", import.meta.url));
const fixture = (name: string) => join("test", "fixtures", "cli", name);
const SEED_ID = "86aa8579-1526-4dff-97cd-3635eb0e0545";

function runScan(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true", ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

// biome-ignore lint/suspicious/noExplicitAny: alerts are JSON read back from the CLI's output
type Json = any;

function alerts(stdout: string): Record<string, Json>[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, Json>);
}

describe("edr-scan over files", () => {
  test("ndjson: one alert per line with the contract's fields; exit 1", () => {
    const r = runScan([fixture("defend_file_events.ndjson")]);
    assert.equal(r.code, 1, r.stderr);
    const [a, ...rest] = alerts(r.stdout);
    assert.equal(rest.length, 0);
    assert.ok(a);
    assert.deepEqual(Object.keys(a), ["id", "rule", "source", "event", "raw"]);
    assert.match(a.id, /^[0-9a-f]{32}$/);
    assert.equal(a.rule.id, SEED_ID);
    assert.equal(a.rule.name, "NetworkManager Dispatcher Script Creation");
    assert.equal(a.rule.severity, "low");
    assert.equal(a.rule.risk_score, 21);
    assert.deepEqual(
      a.rule.threat.map((t: { tactic: { id: string } }) => t.tactic.id),
      ["TA0003", "TA0002", "TA0005"],
    );
    assert.deepEqual(a.source, { uri: fixture("defend_file_events.ndjson"), record: 1 });
    assert.equal(a.event["file.path"], "/etc/NetworkManager/dispatcher.d/99-persist.sh");
    assert.equal(a.event["host.os.type"], "linux");
    assert.equal(a.event["process.executable"], "/usr/bin/bash");
    assert.equal(typeof a.event["@timestamp"], "string");
    // raw is the record exactly as parsed
    const first = readFileSync(join(root, fixture("defend_file_events.ndjson")), "utf8").split("\n")[0]!;
    assert.deepEqual(a.raw, JSON.parse(first));
    assert.match(r.stderr, /1 object scanned; .* 4 records, 0 malformed, 0 skipped; 1 alert;/);
  });

  test("a missing file: exit 2, named, and the other file's hits still printed", () => {
    const r = runScan(["no/such/file.ndjson", fixture("defend_file_events.ndjson")]);
    assert.equal(r.code, 2);
    assert.equal(alerts(r.stdout).length, 1);
    assert.match(r.stderr, /FAILED no\/such\/file\.ndjson: no such file or directory/);
  });

  test("a truncated gzip: exit 2, the hit before the damage printed, the object reported", () => {
    const r = runScan([fixture("corrupt_truncated.ndjson.gz")]);
    assert.equal(r.code, 2);
    const got = alerts(r.stdout);
    assert.deepEqual(
      got.map((a) => a.source.record),
      [1],
    );
    assert.match(
      r.stderr,
      /FAILED test\/fixtures\/cli\/corrupt_truncated\.ndjson\.gz: .*\[corrupt-compressed-stream\]/,
    );
  });

  test("usage error: exit 2, the option, the value and what is expected", () => {
    const r = runScan(["--format", "xml", fixture("clean.ndjson")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--format <format>' argument 'xml' is invalid\. expected one of ndjson, text\./);
    assert.equal(r.stdout, "");
  });

  test("npm run --silent scan -- ARGS is the same CLI", () => {
    const r = spawnSync("npm", ["run", "--silent", "scan", "--", fixture("defend_file_events.ndjson")], {
      cwd: root,
      encoding: "utf8",
      env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(alerts(r.stdout).length, 1);
  });
});
