/**
 * edr-scan with a sequence rule, in-process with the real reader and loader: the steps of one
 * sequence sit in different files (and a gzip), listed in an order unrelated to time and read
 * concurrently; the run finds each sequence once, at its end.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { runCli } from "../../src/cli/main.ts";
import { loadBuiltinRules, loadRules } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { chmod, DROPPER, noise, ran, tomlRule, wrote } from "../scan/sequence-fixtures.ts";
import { io } from "./fakes.ts";

const deps = { scanObject, loadRules, loadBuiltinRules, version: "0.0.0-test" };
const lines = (recs: readonly unknown[]) => recs.map((r) => `${JSON.stringify(r)}\n`).join("");

function setup() {
  const dir = mkdtempSync(join(tmpdir(), "edr-scan-seq-"));
  mkdirSync(join(dir, "rules"));
  mkdirSync(join(dir, "logs"));
  writeFileSync(join(dir, "rules", "dropper.toml"), tomlRule("dropper", DROPPER));
  // h1's steps at 1, 5, 9 s and h2's at 2, 6, 8 s, spread so that every file holds steps of both
  // hosts out of order, and the file names sort against time.
  writeFileSync(
    join(dir, "logs", "a.ndjson"),
    lines([ran("h1", "/tmp/a", 9), noise(3), chmod("h2", "/tmp/b", 6)]),
  );
  writeFileSync(
    join(dir, "logs", "b.ndjson.gz"),
    gzipSync(lines([chmod("h1", "/tmp/a", 5), ran("h2", "/tmp/b", 8)])),
  );
  writeFileSync(join(dir, "logs", "c.ndjson"), lines([wrote("h2", "/tmp/b", 2), wrote("h1", "/tmp/a", 1)]));
  return dir;
}

async function run(args: string[]) {
  const o = io({});
  const code = await runCli(args, o, deps);
  return { code, stdout: o.stdout.text, stderr: o.stderr.text };
}

describe("edr-scan: sequences across inputs", () => {
  for (const concurrency of ["1", "3"]) {
    test(`steps spread over three files are joined per host (concurrency ${concurrency})`, async () => {
      const dir = setup();
      const r = await run(["--rules", join(dir, "rules"), "--concurrency", concurrency, join(dir, "logs")]);
      assert.equal(r.code, 1, r.stderr);
      const alerts = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      assert.equal(alerts.length, 2, r.stdout);
      assert.deepEqual(
        alerts.map((a) => a.sequence.join_keys),
        [
          ["h2", "/tmp/b"],
          ["h1", "/tmp/a"],
        ],
      );
      const h1 = alerts[1].sequence.events.map((m: { uri: string; record: number }) => [
        m.uri.slice(dir.length + 6),
        m.record,
      ]);
      assert.deepEqual(h1, [
        ["c.ndjson", 2],
        ["b.ndjson.gz", 1],
        ["a.ndjson", 1],
      ]);
      assert.match(r.stderr, /2 alerts/);
    });
  }

  test("the same run twice gives the same alert ids", async () => {
    const dir = setup();
    const ids = async () =>
      (await run(["--rules", join(dir, "rules"), "--concurrency", "3", join(dir, "logs")])).stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l).id);
    assert.deepEqual(await ids(), await ids());
  });

  test("one file alone holds no complete sequence: no alert, exit 0", async () => {
    const dir = setup();
    const r = await run(["--rules", join(dir, "rules"), join(dir, "logs", "c.ndjson")]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "");
  });
});
