/** runCli in-process with a fake reader: options, inputs, exit codes, output and summary. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, test } from "node:test";
import { runCli } from "../../src/cli/main.ts";
import { fakeDeps, io } from "./fakes.ts";

function tmp(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "edr-scan-main-"));
  for (const [name, text] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(join(p, ".."), { recursive: true });
    writeFileSync(p, text);
  }
  return dir;
}

const HIT = '{"event":{"id":"HIT-1"}}\n';
const MISS = '{"event":{"id":"miss"}}\n';

describe("runCli", () => {
  test("no alerts: exit 0, nothing on stdout, a summary on stderr", async () => {
    const dir = tmp({ "a.ndjson": MISS + MISS });
    const o = io();
    assert.equal(await runCli([join(dir, "a.ndjson")], o, fakeDeps), 0);
    assert.equal(o.stdout.text, "");
    assert.match(o.stderr.text, /1 object scanned; .* 2 records, 0 malformed, 0 skipped; 0 alerts;/);
  });

  test("alerts: exit 1, one JSON object per line with the contract's fields", async () => {
    const dir = tmp({ "a.ndjson": MISS + HIT + HIT });
    const o = io();
    assert.equal(await runCli([join(dir, "a.ndjson")], o, fakeDeps), 1);
    const lines = o.stdout.text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.equal(lines.length, 2);
    assert.deepEqual(
      lines.map((a) => a.source),
      [
        { uri: join(dir, "a.ndjson"), record: 2 },
        { uri: join(dir, "a.ndjson"), record: 3 },
      ],
    );
    assert.deepEqual(Object.keys(lines[0]), ["id", "rule", "source", "event", "raw"]);
    assert.match(o.stderr.text, /2 alerts/);
  });

  test("--format text prints one block per alert", async () => {
    const dir = tmp({ "a.ndjson": HIT });
    const o = io();
    assert.equal(await runCli(["--format", "text", join(dir, "a.ndjson")], o, fakeDeps), 1);
    assert.match(
      o.stdout.text,
      /^ALERT Fake rule \(severity low, risk 21\)\n {2}object: {2}.*a\.ndjson record 1\n/,
    );
    assert.match(o.stdout.text, /att&ck: {2}TA0003 Persistence/);
    assert.match(o.stdout.text, /event\.id {2}HIT-1/);
  });

  test("a directory is walked recursively in sorted order", async () => {
    const dir = tmp({ "b/2.ndjson": HIT, "b/1.ndjson": HIT, "a.ndjson": HIT, "c/d/e.ndjson": HIT });
    const o = io();
    assert.equal(await runCli(["--concurrency", "1", dir], o, fakeDeps), 1);
    const uris = o.stdout.text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l).source.uri);
    assert.deepEqual(
      uris,
      ["a.ndjson", "b/1.ndjson", "b/2.ndjson", "c/d/e.ndjson"].map((f) => join(dir, f)),
    );
  });

  test("a missing file: exit 2, reported, and the other files' hits still printed", async () => {
    const dir = tmp({ "a.ndjson": HIT });
    const o = io();
    const missing = join(dir, "nope.ndjson");
    assert.equal(await runCli([missing, join(dir, "a.ndjson")], o, fakeDeps), 2);
    assert.equal(o.stdout.text.trimEnd().split("\n").length, 1);
    assert.match(o.stderr.text, new RegExp(`FAILED ${missing}: no such file or directory \\[input\\]`));
  });

  test("an object that fails mid-way: exit 2, hits before the damage printed", async () => {
    const dir = tmp({ "a.ndjson": `${HIT}CORRUPT\n${HIT}` });
    const o = io();
    assert.equal(await runCli([join(dir, "a.ndjson")], o, fakeDeps), 2);
    assert.equal(o.stdout.text.trimEnd().split("\n").length, 1);
    assert.match(o.stderr.text, /FAILED .*a\.ndjson: unexpected end of file \[corrupt-compressed-stream\]/);
  });

  test("an empty directory is a failure (a scan that read nothing is not clean)", async () => {
    const dir = tmp({});
    const o = io();
    assert.equal(await runCli([dir], o, fakeDeps), 2);
    assert.match(o.stderr.text, /directory holds no files/);
  });

  test("an empty file is fine: 0 records, exit 0", async () => {
    const dir = tmp({ "empty.ndjson": "" });
    const o = io();
    assert.equal(await runCli([join(dir, "empty.ndjson")], o, fakeDeps), 0);
  });

  test("malformed records are summarised with their ordinals", async () => {
    const dir = tmp({ "a.ndjson": `${MISS}not json\n${MISS}` });
    const o = io();
    assert.equal(await runCli([join(dir, "a.ndjson")], o, fakeDeps), 0);
    assert.match(o.stderr.text, /1 malformed/);
    assert.match(o.stderr.text, /malformed: .*a\.ndjson: 1 record, e\.g\. #2 \(not JSON\)/);
  });

  test("a rules file that cannot be loaded: exit 2 with the loader's message", async () => {
    const dir = tmp({ "a.ndjson": HIT });
    const o = io();
    assert.equal(await runCli(["--rules", "/x/missing.toml", join(dir, "a.ndjson")], o, fakeDeps), 2);
    assert.match(o.stderr.text, /cannot load rules: \/x\/missing\.toml: no such file/);
    assert.equal(o.stdout.text, "");
  });

  test("options reach the reader, sizes with units included", async () => {
    const dir = tmp({ "a.ndjson": MISS });
    let seen: unknown;
    const deps = {
      ...fakeDeps,
      scanObject: async (
        input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
        opts: Parameters<typeof fakeDeps.scanObject>[1],
      ) => {
        seen = opts;
        return fakeDeps.scanObject(input, opts);
      },
    };
    const argv = [
      "--source",
      "sentinelone",
      "--max-record-bytes",
      "1MiB",
      "--max-decompressed-bytes",
      "2GB",
      "--ignore-above",
      "1024",
      join(dir, "a.ndjson"),
    ];
    assert.equal(await runCli(argv, io(), deps), 0);
    const s = seen as Record<string, unknown>;
    assert.equal(s["source"], "sentinelone");
    assert.equal(s["maxRecordBytes"], 1024 * 1024);
    assert.equal(s["maxDecompressedBytes"], 2e9);
    // ignoreAbove applies where rules compile (loadRules), not in the reader.
    assert.equal(s["ignoreAbove"], undefined);
  });
});

describe("usage errors name the option, the value and what is expected (exit 2)", () => {
  const cases: [string[], RegExp][] = [
    [
      ["--format", "xml", "a"],
      /--format <format>' argument 'xml' is invalid\. expected one of ndjson, text\./,
    ],
    [
      ["--source", "crowdstrike", "a"],
      /--source <source>' argument 'crowdstrike' is invalid\. expected one of auto, defend/,
    ],
    [
      ["--concurrency", "0", "a"],
      /--concurrency <n>' argument '0' is invalid\. expected a number of objects: a whole number from 1 to 64/,
    ],
    [["--concurrency", "x", "a"], /--concurrency <n>' argument 'x' is invalid/],
    [["--ignore-above", "-5", "a"], /--ignore-above <n>' argument '-5' is invalid/],
    [
      ["--max-record-bytes", "8XB", "a"],
      /--max-record-bytes <bytes>' argument '8XB' is invalid\. expected a positive number of bytes/,
    ],
    [["--max-decompressed-bytes", "0", "a"], /--max-decompressed-bytes <bytes>' argument '0' is invalid/],
    [["--bogus", "a"], /unknown option '--bogus'/],
    [[], /missing required argument 'inputs'/],
    [["--rules"], /option '--rules <path>' argument missing/],
  ];
  for (const [argv, re] of cases) {
    test(argv.join(" ") || "(no arguments)", async () => {
      const o = io();
      assert.equal(await runCli(argv, o, fakeDeps), 2);
      assert.match(o.stderr.text, re);
      assert.match(o.stderr.text, /run edr-scan --help/);
      assert.equal(o.stdout.text, "");
    });
  }

  test("--help prints usage on stdout and exits 0", async () => {
    const o = io();
    assert.equal(await runCli(["--help"], o, fakeDeps), 0);
    assert.match(o.stdout.text, /Usage: edr-scan \[options\] <inputs\.\.\.>/);
    assert.match(o.stdout.text, /--max-decompressed-bytes <bytes>/);
  });

  test("--version prints the version", async () => {
    const o = io();
    assert.equal(await runCli(["--version"], o, fakeDeps), 0);
    assert.equal(o.stdout.text, "9.9.9\n");
  });
});
