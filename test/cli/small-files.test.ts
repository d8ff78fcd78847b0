/**
 * The CLI over many small files (issue 15): in-process runCli with the real reader, so the
 * one-call read of small files, the directory walk without a stat per file and the streaming of
 * large files are checked end to end by the records and alerts they yield.
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import { SMALL_FILE_BYTES } from "../../src/cli/inputs.ts";
import { runCli } from "../../src/cli/main.ts";
import { loadBuiltinRules, loadRules } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { Capture, fakeDeps, io } from "./fakes.ts";

const deps = { scanObject, loadRules, loadBuiltinRules, version: "0.0.0-test" };
const root = mkdtempSync(join(tmpdir(), "edr-small-files-"));
after(() => rmSync(root, { recursive: true, force: true }));

const QUERY = 'file where file.path : "/tmp/obj-*"';

function records(file: number, n: number, pad: () => string = () => ""): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += `${JSON.stringify({
      "@timestamp": "2024-05-01T00:00:00Z",
      event: { category: ["file"], type: ["creation"] },
      file: { path: `/tmp/obj-${file}-${i}` },
      host: { os: { type: "linux" } },
      pad: pad(),
    })}\n`;
  }
  return s;
}

async function run(args: string[]) {
  const o = io({});
  const code = await runCli(args, { ...o, signal: new AbortController().signal }, deps);
  const paths = o.stdout.text
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => (JSON.parse(l) as { event: Record<string, unknown> }).event["file.path"] as string);
  return { code, stderr: o.stderr.text, paths };
}

describe("edr-scan DIR over many small files (real reader)", () => {
  test("every record of every small gzip file is scanned, at any concurrency", async () => {
    const dir = join(root, "many");
    mkdirSync(join(dir, "sub"), { recursive: true });
    const expected: string[] = [];
    for (let f = 0; f < 60; f++) {
      const n = 1 + (f % 4);
      writeFileSync(
        join(dir, f % 5 === 0 ? "sub" : "", `${String(f).padStart(3, "0")}.ndjson.gz`),
        gzipSync(records(f, n)),
      );
      for (let i = 0; i < n; i++) expected.push(`/tmp/obj-${f}-${i}`);
    }
    for (const c of ["1", "4", "16"]) {
      const r = await run(["--concurrency", c, "--query", QUERY, dir]);
      assert.equal(r.code, 1, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`edr-scan: 60 objects scanned; .*; ${expected.length} records, 0 malformed`),
      );
      assert.deepEqual([...r.paths].sort(), [...expected].sort(), `--concurrency ${c}`);
    }
  });

  test("a gzip file larger than the one-call read is streamed and loses nothing", async () => {
    const dir = join(root, "mixed");
    mkdirSync(dir, { recursive: true });
    // Random padding does not compress: the gzip file is well over SMALL_FILE_BYTES.
    const big = gzipSync(records(1, 300, () => randomBytes(1200).toString("base64")));
    assert.ok(big.length > SMALL_FILE_BYTES, `${big.length}`);
    writeFileSync(join(dir, "a-big.ndjson.gz"), big);
    writeFileSync(join(dir, "b-small.ndjson.gz"), gzipSync(records(2, 3)));
    const r = await run(["--query", QUERY, dir]);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.paths.filter((p) => p.startsWith("/tmp/obj-1-")).length, 300);
    assert.equal(r.paths.filter((p) => p.startsWith("/tmp/obj-2-")).length, 3);
  });

  test("a file that cannot be read fails the run, named in the summary, and the others are scanned", async (t) => {
    // /proc/self/mem is a regular file to stat whose read at offset 0 fails (EIO): a real read
    // error, which root cannot be denied by permissions.
    if (!existsSync("/proc/self/mem")) {
      t.skip("no /proc/self/mem here");
      return;
    }
    const dir = join(root, "unreadable");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "ok.ndjson.gz"), gzipSync(records(3, 2)));
    const r = await run(["--query", QUERY, "/proc/self/mem", dir]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /FAILED \/proc\/self\/mem: cannot read: .*EIO/);
    assert.deepEqual([...r.paths].sort(), ["/tmp/obj-3-0", "/tmp/obj-3-1"]);
  });
});

describe("small files are paced by stdout", () => {
  test("while stdout needs draining no small file is handed to the reader; after the drain all are", async () => {
    const dir = join(root, "paced");
    mkdirSync(dir, { recursive: true });
    for (let f = 0; f < 6; f++) writeFileSync(join(dir, `${f}.ndjson`), `{"event":{"id":"HIT-${f}"}}\n`);
    // A stdout whose reader has stopped: writableNeedDrain until we emit "drain".
    const out = Object.assign(new EventEmitter(), {
      writableNeedDrain: true,
      writableLength: 1,
      text: "",
      write(s: string) {
        out.text += s;
        return false;
      },
    });
    let scanned = 0;
    const deps = {
      ...fakeDeps,
      scanObject: (
        input: Parameters<typeof fakeDeps.scanObject>[0],
        o: Parameters<typeof fakeDeps.scanObject>[1],
      ) => {
        scanned++;
        return fakeDeps.scanObject(input, o);
      },
    };
    const err = new Capture();
    const done = runCli(
      [dir],
      { stdout: out as unknown as NodeJS.WritableStream, stderr: err, env: {} },
      deps,
    );
    // Until a worker waits for the drain (or, wrongly, scans): listed, opened, then paced.
    for (let i = 0; i < 1_000_000 && out.listenerCount("drain") === 0 && scanned === 0; i++) {
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(scanned, 0, "no object handed to the reader before stdout drained");
    assert.ok(out.listenerCount("drain") > 0, "a worker waits for the drain");
    out.writableNeedDrain = false;
    out.writableLength = 0;
    out.emit("drain");
    assert.equal(await done, 1, err.text);
    assert.equal(scanned, 6);
    assert.equal(out.text.split("\n").filter((l) => l !== "").length, 6);
  });
});
