import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, describe, test } from "node:test";
import { gzipSync } from "node:zlib";
import type { S3Client } from "@aws-sdk/client-s3";
import { FileReader } from "../../src/cli/file-reader.ts";
import {
  expandInputs,
  FILE_READ_BYTES,
  type InputItem,
  isS3Input,
  type ObjectTask,
  SMALL_FILE_BYTES,
  type SmallReadMode,
} from "../../src/cli/inputs.ts";
import { parseRule } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";

const dir = mkdtempSync(join(tmpdir(), "edr-inputs-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const noS3 = (): S3Client => {
  throw new Error("no S3 here");
};

async function collect(inputs: string[], smallReads?: SmallReadMode): Promise<InputItem[]> {
  const out: InputItem[] = [];
  const options = smallReads === undefined ? {} : { smallReads };
  for await (const item of expandInputs(inputs, noS3, undefined, options)) out.push(item);
  return out;
}

function tasks(items: InputItem[]): ObjectTask[] {
  return items.flatMap((i) => (i.kind === "object" ? [i.task] : []));
}

async function bytesOf(body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** `n` Defend-like file events, one per line, each naming its ordinal. */
function ndjson(n: number, pad = 0): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    s += `${JSON.stringify({
      "@timestamp": "2024-05-01T00:00:00Z",
      event: { category: ["file"], type: ["creation"] },
      file: { path: `/tmp/ordinal-${i}`, name: `n${i}` },
      host: { os: { type: "linux" } },
      pad: "p".repeat(pad),
    })}\n`;
  }
  return s;
}

const countingRule = parseRule(
  `[rule]
rule_id = "test-inputs-every-file-event"
name = "every file event"
description = "matches every file event, so the alert count is the record count"
risk_score = 21
severity = "low"
type = "eql"
language = "eql"
index = ["logs-*"]
query = '''
file where file.path : "/tmp/ordinal-*"
'''
`,
  "inputs.test.toml",
);

async function scanTask(task: ObjectTask): Promise<{ records: number; alerts: Set<string> }> {
  const opened = await task.open();
  const paths = new Set<string>();
  const r = await scanObject(opened.body, {
    uri: task.uri,
    rules: [countingRule],
    onAlert: (a) => {
      // The alert's event holds the matched fields by their dotted names.
      const path = (a.event as Record<string, unknown>)["file.path"];
      if (typeof path === "string") paths.add(path);
    },
  });
  assert.equal(r.failure, undefined, JSON.stringify(r.failure));
  return { records: r.records, alerts: paths };
}

for (const mode of ["sync", "async", "adaptive"] as const) {
  describe(`local files (small reads: ${mode})`, () => {
    const sub = join(dir, mode);
    mkdirSync(sub, { recursive: true });

    test("a small gzip file is read in one call and every record is scanned", async () => {
      const text = ndjson(7);
      writeFileSync(join(sub, "small.ndjson.gz"), gzipSync(text));
      const [task] = tasks(await collect([join(sub, "small.ndjson.gz")], mode));
      assert.ok(task !== undefined);
      const opened = await task.open();
      // One element, whole: the reader knows the object ended without waiting for a read.
      assert.ok(Array.isArray(opened.body), "a small file's body is an array");
      assert.equal((opened.body as Buffer[]).length, 1);
      assert.equal(opened.size, gzipSync(text).length);
      const got = await scanTask(task);
      assert.equal(got.records, 7);
      assert.deepEqual(
        [...got.alerts].sort(),
        Array.from({ length: 7 }, (_, i) => `/tmp/ordinal-${i}`).sort(),
      );
    });

    test("a file larger than SMALL_FILE_BYTES is streamed in reads of at most FILE_READ_BYTES", async () => {
      const text = ndjson(1000, 1000); // ~1.2 MB of NDJSON, stored uncompressed
      assert.ok(text.length > FILE_READ_BYTES);
      writeFileSync(join(sub, "large.ndjson"), text);
      const [task] = tasks(await collect([join(sub, "large.ndjson")], mode));
      const opened = await task!.open();
      assert.ok(opened.body instanceof Readable, "a large file is streamed");
      assert.equal((opened.body as Readable).readableHighWaterMark, FILE_READ_BYTES);
      assert.equal(opened.size, text.length);
      const got = await scanTask(task!);
      assert.equal(got.records, 1000);
      assert.equal(got.alerts.size, 1000);
    });

    test("a file one byte over SMALL_FILE_BYTES is streamed and read to its last byte", async () => {
      const body = Buffer.alloc(SMALL_FILE_BYTES + 1, 0x61);
      body[body.length - 1] = 0x7a;
      writeFileSync(join(sub, "edge.bin"), body);
      const [task] = tasks(await collect([join(sub, "edge.bin")], mode));
      const opened = await task!.open();
      assert.ok(opened.body instanceof Readable);
      assert.deepEqual(await bytesOf(opened.body), body);
    });

    test("a file that grows past the limit between listing and reading is streamed whole", async () => {
      const p = join(sub, "grows.ndjson");
      writeFileSync(p, ndjson(2));
      const [task] = tasks(await collect([p], mode));
      assert.equal(task!.size, ndjson(2).length, "the listing's stat size");
      const grown = ndjson(400, 1000);
      writeFileSync(p, grown);
      const got = await scanTask(task!);
      assert.equal(got.records, 400, "every record of the grown file, none lost to the old size");
      assert.equal(got.alerts.size, 400);
    });

    test("a file that grows or shrinks but stays small is read as it is when opened", async () => {
      const p = join(sub, "changes.ndjson.gz");
      writeFileSync(p, gzipSync(ndjson(3)));
      const [task] = tasks(await collect([p], mode));
      writeFileSync(p, gzipSync(ndjson(9)));
      assert.equal((await scanTask(task!)).records, 9);
      writeFileSync(p, gzipSync(ndjson(1)));
      assert.equal((await scanTask(task!)).records, 1);
    });

    test("a large file that shrinks below the limit before it is opened is read in one call", async () => {
      const p = join(sub, "shrinks.ndjson");
      writeFileSync(p, ndjson(400, 1000));
      const items = await collect([p], mode);
      truncateSync(p, 0);
      writeFileSync(p, ndjson(5));
      const opened = await tasks(items)[0]!.open();
      assert.ok(Array.isArray(opened.body));
      assert.equal((await bytesOf(opened.body)).toString(), ndjson(5));
    });

    test("an empty file is an empty body, not an error", async () => {
      writeFileSync(join(sub, "empty"), "");
      const opened = await tasks(await collect([join(sub, "empty")], mode))[0]!.open();
      assert.equal((await bytesOf(opened.body)).length, 0);
    });

    test("a file removed after listing: the error names the file", async () => {
      const p = join(sub, "gone.ndjson");
      writeFileSync(p, ndjson(1));
      const [task] = tasks(await collect([p], mode));
      rmSync(p);
      await assert.rejects(task!.open(), (e: NodeJS.ErrnoException) => {
        assert.equal(e.code, "ENOENT");
        assert.ok(e.message.includes(p), e.message);
        return true;
      });
    });

    test("an aborted run opens nothing", async () => {
      writeFileSync(join(sub, "x.ndjson"), ndjson(1));
      const [task] = tasks(await collect([join(sub, "x.ndjson")], mode));
      const c = new AbortController();
      c.abort(new Error("stop"));
      await assert.rejects(task!.open(c.signal), /stop/);
    });
  });
}

describe("directory walk", () => {
  test("entries in name order, subdirectories walked, links followed, FIFOs left out", async () => {
    const root = join(dir, "walk");
    mkdirSync(join(root, "b-sub"), { recursive: true });
    writeFileSync(join(root, "c.ndjson"), ndjson(1));
    writeFileSync(join(root, "a.ndjson"), ndjson(2));
    writeFileSync(join(root, "b-sub", "inner.ndjson"), ndjson(3));
    symlinkSync(join(root, "a.ndjson"), join(root, "d-link.ndjson"));
    symlinkSync(join(root, "b-sub"), join(root, "e-dirlink"));
    symlinkSync(join(root, "nowhere"), join(root, "f-dangling"));
    execFileSync("mkfifo", [join(root, "g-fifo")]);
    const items = await collect([root]);
    assert.deepEqual(
      items.map((i) => (i.kind === "object" ? i.task.uri : `failure ${i.uri}: ${i.reason}`)),
      [
        join(root, "a.ndjson"),
        join(root, "b-sub", "inner.ndjson"),
        join(root, "c.ndjson"),
        join(root, "d-link.ndjson"),
        // e-dirlink is b-sub again: the loop guard (realpath) walks it once.
        `failure ${join(root, "f-dangling")}: no such file or directory`,
      ],
    );
    // The linked file is stat'ed (its size known up front); plain entries learn it when opened.
    const linked = tasks(items).find((t) => t.uri.endsWith("d-link.ndjson"));
    assert.equal(linked?.size, ndjson(2).length);
    const plain = tasks(items).find((t) => t.uri.endsWith("c.ndjson"));
    assert.equal(plain?.size, undefined);
    assert.equal((await plain!.open()).size, ndjson(1).length);
  });

  test("a regular file replaced by a FIFO after listing does not hang the synchronous open", {
    timeout: 10_000,
  }, async () => {
    const p = join(dir, "becomes-fifo");
    writeFileSync(p, ndjson(1));
    const [task] = tasks(await collect([p], "sync"));
    rmSync(p);
    execFileSync("mkfifo", [p]);
    // No writer: a blocking open would wait for ever. An empty body or a read error (ESPIPE:
    // a FIFO cannot be read at an offset; the CLI names the file with it) are both fine.
    try {
      const opened = await task!.open();
      assert.equal((await bytesOf(opened.body)).length, 0);
    } catch (e) {
      assert.equal((e as NodeJS.ErrnoException).code, "ESPIPE");
    }
  });
});

describe("adaptive small reads", () => {
  test("slow synchronous reads switch the reader to the thread pool; fast ones keep it synchronous", async () => {
    const p = join(dir, "adaptive.ndjson");
    writeFileSync(p, ndjson(1));
    let t = 0;
    let step = 0;
    const reader = new FileReader("adaptive", () => {
      t += step;
      return t;
    });
    step = 0.01; // 10 us per clock read: fast reads
    for (let i = 0; i < 40; i++) await bytesOf((await reader.open(p)).body);
    assert.equal(reader.readsSynchronously, true);
    step = 2; // each read now spans 2 ms of this clock: slow
    let reads = 0;
    while (reader.readsSynchronously && reads < 100) {
      assert.equal((await bytesOf((await reader.open(p)).body)).toString(), ndjson(1));
      reads++;
    }
    assert.equal(reader.readsSynchronously, false);
    assert.equal(reads, 8, "eight slow reads of the last sixteen switch");
    // And it still reads correctly afterwards.
    assert.equal((await bytesOf((await reader.open(p)).body)).toString(), ndjson(1));
  });

  test("forced modes never switch", async () => {
    const p = join(dir, "forced.ndjson");
    writeFileSync(p, ndjson(1));
    let t = 0;
    const slow = () => {
      t += 5;
      return t;
    };
    const sync = new FileReader("sync", slow);
    for (let i = 0; i < 20; i++) await sync.open(p);
    assert.equal(sync.readsSynchronously, true);
    const async_ = new FileReader("async", slow);
    assert.equal(async_.readsSynchronously, false);
  });
});

describe("s3:// inputs are told apart without loading src/s3", () => {
  test("isS3Input agrees with src/s3's isS3Uri", async () => {
    const { isS3Uri } = await import("../../src/s3/index.ts");
    for (const s of [
      "s3://b/k",
      "s3://",
      "S3://b/k",
      "s3:/b",
      "./s3://x",
      "/tmp/s3://x",
      "",
      "s3",
      "file.gz",
    ]) {
      assert.equal(isS3Input(s), isS3Uri(s), s);
    }
  });
});
