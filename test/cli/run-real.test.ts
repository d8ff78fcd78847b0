/**
 * runCli in-process with the real reader and the built-in rules (no child process: fast), for
 * the behaviours that do not need a process boundary. cli.test.ts spawns the real program.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli/main.ts";
import { loadBuiltinRules, loadRules } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { io } from "./fakes.ts";

const fixture = (name: string) => join("test", "fixtures", "cli", name);
const deps = { scanObject, loadRules, loadBuiltinRules, version: "0.0.0-test" };

async function run(args: string[]) {
  const o = io({});
  const code = await runCli(args, o, deps);
  return { code, stdout: o.stdout.text, stderr: o.stderr.text };
}

// biome-ignore lint/suspicious/noExplicitAny: alerts are JSON read back from the CLI's output
type Json = any;

function alerts(stdout: string): Record<string, Json>[] {
  return stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as Record<string, Json>);
}

describe("edr-scan (in-process, real reader and rules)", () => {
  test("the quick start (edr-scan events/objects/) scans log objects only: no malformed records", async () => {
    const r = await run(["events/objects/"]);
    assert.equal(r.code, 1, r.stderr);
    // A JSON list of the samples used to sit there and was read as a log of malformed records.
    assert.match(r.stderr, /, 0 malformed, 0 skipped;/);
    assert.ok(alerts(r.stdout).length >= 3, r.stderr);
  });

  test("the same input gives the same alert ids (deterministic)", async () => {
    const a = alerts((await run([fixture("defend_file_events.ndjson")])).stdout);
    const b = alerts((await run([fixture("defend_file_events.ndjson")])).stdout);
    assert.deepEqual(
      a.map((x) => x.id),
      b.map((x) => x.id),
    );
  });

  test("SentinelOne (gzip) and Endgame: the ECS view in event, the raw record in raw", async () => {
    const r = await run([
      "--concurrency",
      "1",
      fixture("s1_dispatcher.ndjson.gz"),
      fixture("endgame_dispatcher.ndjson"),
    ]);
    assert.equal(r.code, 1, r.stderr);
    const got = alerts(r.stdout).map((a) => [
      a.source.uri,
      a.source.record,
      a.raw?.["event.id"] ?? a.raw?.event?.id,
    ]);
    assert.deepEqual(got, [
      [fixture("s1_dispatcher.ndjson.gz"), 1, "SYNTH_1_SHOULD_ALERT"],
      [fixture("s1_dispatcher.ndjson.gz"), 6, "SYNTH_6_SHOULD_ALERT_subdir"],
      [fixture("endgame_dispatcher.ndjson"), 1, "EG_1_SHOULD_ALERT_ecs"],
      [fixture("endgame_dispatcher.ndjson"), 2, "EG_2_SHOULD_ALERT_legacy"],
    ]);
    const s1 = alerts(r.stdout)[0]!;
    assert.deepEqual(s1.event["event.type"], "creation");
    assert.equal(s1.event["file.path"], "/etc/NetworkManager/dispatcher.d/99-persist");
    assert.equal(s1.raw["tgt.file.path"], "/etc/NetworkManager/dispatcher.d/99-persist");
    const legacy = alerts(r.stdout)[3]!;
    assert.equal(legacy.event["file.path"], "/etc/NetworkManager/dispatcher.d/50-legacy");
    assert.equal(legacy.raw.file, undefined);
  });

  test("--format text: one readable block per alert", async () => {
    const r = await run(["--format", "text", fixture("defend_file_events.ndjson")]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /^ALERT NetworkManager Dispatcher Script Creation \(severity low, risk 21\)\n/);
    assert.match(r.stdout, /object: {2}test\/fixtures\/cli\/defend_file_events\.ndjson record 1/);
    assert.match(r.stdout, /file\.path +\/etc\/NetworkManager\/dispatcher\.d\/99-persist\.sh/);
    assert.equal(r.stdout.match(/^ALERT /gm)?.length, 1);
  });

  test("no alerts: exit 0 and an empty stdout", async () => {
    const r = await run([fixture("clean.ndjson")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /3 records.*0 alerts/);
  });

  test("an unsupported compression is a failure naming it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "edr-scan-cli-"));
    const zip = join(dir, "logs.ndjson");
    writeFileSync(zip, Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 0, 0]));
    const r = await run([zip]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /zip/);
    assert.match(r.stderr, /\[unsupported-compression\]/);
  });

  test("--rules naming a missing file: exit 2 with the file named", async () => {
    const r = await run(["--rules", "no/such/rules.toml", fixture("clean.ndjson")]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no\/such\/rules\.toml/);
  });
});
