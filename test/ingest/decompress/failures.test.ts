/** Object-level failures: a value in result.failure, with the alerts found before them kept. */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Readable } from "node:stream";
import { describe, test } from "node:test";
import zlib from "node:zlib";
import { chunked, gzip, ndjson, SHOULD_ALERT, scanCollect, zstdRawFrame } from "../helpers.ts";

/** 2,000 records; every 100th (ordinals 100, 200, ...) should alert. */
const MANY = ndjson(
  Array.from({ length: 2000 }, (_, i) => ({
    event: { id: `${i + 1}_${(i + 1) % 100 === 0 ? "SHOULD_ALERT" : "NOMATCH"}` },
    pad: "some text that compresses ".repeat(8),
  })),
);

const opts = { uri: "s3://b/k", rules: [SHOULD_ALERT] };

/** ~330 KB of records that compress poorly (gzip > 64 KiB, the tail the reader may hold back). */
const NOISY = (() => {
  let x = 12345;
  const hex = () => {
    let out = "";
    for (let i = 0; i < 16; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      out += (x >>> 8).toString(16).padStart(6, "0");
    }
    return out;
  };
  return ndjson(
    Array.from({ length: 3000 }, (_, i) => ({
      event: { id: `${i + 1}_${(i + 1) % 100 === 0 ? "SHOULD_ALERT" : "NOMATCH"}` },
      noise: hex(),
    })),
  );
})();

function assertPrefix(alerts: readonly { source: { record: number } }[], records: number): void {
  // Every alert of a record decoded before the damage is there, in order.
  const expected = [];
  for (let n = 100; n <= records; n += 100) expected.push(n);
  assert.deepEqual(
    alerts.map((a) => a.source.record),
    expected,
  );
}

describe("corrupt or truncated compressed streams", () => {
  test("truncated gzip: records before the cut scanned, alerts kept, failure reported", async () => {
    const gz = gzip(MANY);
    const cut = gz.subarray(0, Math.floor(gz.length * 0.6));
    for (const sizes of [1 << 20, 1000, 7]) {
      const r = await scanCollect(chunked(cut, sizes), opts);
      assert.equal(r.failure?.kind, "corrupt-compressed-stream");
      assert.match(
        r.failure!.message,
        /^s3:\/\/b\/k: corrupt or truncated gzip stream: unexpected end of file/,
      );
      assert.ok(r.records > 500 && r.records < 2000, String(r.records));
      assert.ok(r.alerts.length >= 5);
      assertPrefix(r.alerts, r.records - 1);
      // The record cut by the damage is malformed; nothing else is.
      assert.ok(r.malformed <= 1);
    }
  });

  test("truncated multi-member gzip (Logstash-style): earlier members fully scanned", async () => {
    const members = Buffer.concat([gzip(MANY.slice(0, 100_000)), gzip(MANY.slice(100_000))]);
    const firstLen = gzip(MANY.slice(0, 100_000)).length;
    const r = await scanCollect(chunked(members.subarray(0, firstLen + 20), 4096), opts);
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
    assert.ok(r.decompressedBytes >= 100_000);
  });

  test("corrupt bytes in the middle of a gzip member", async () => {
    const gz = Buffer.from(gzip(MANY));
    const at = Math.floor(gz.length / 2);
    for (let i = at; i < at + 64; i++) gz[i] = 0xff;
    const r = await scanCollect(chunked(gz, 512), opts);
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
    // Deflate may decode the damaged bytes into garbage before the CRC check fails: records up
    // to the damage (about half-way) are intact and their alerts are there.
    assert.ok(r.records > 800);
    assertPrefix(r.alerts.slice(0, 8), 800);
  });

  test("trailing zero padding after the last gzip member is not an error; other trailing bytes are", async () => {
    const ok = await scanCollect(chunked(Buffer.concat([gzip(MANY), Buffer.alloc(4096)]), 1000), opts);
    assert.equal(ok.failure, undefined);
    assert.equal(ok.records, 2000);
    const junk = Buffer.concat([gzip(MANY), Buffer.from("trailing junk")]);
    for (const sizes of [1000, 1 << 20]) {
      const bad = await scanCollect(chunked(junk, sizes), opts);
      // Every record before the junk is kept, the last one included (issue 12).
      assert.equal(bad.failure?.kind, "damaged-tail");
      assert.match(bad.failure!.message, /damaged tail/);
      assert.equal(bad.records, 2000);
      assert.equal(bad.malformed, 0);
      assertPrefix(bad.alerts, 2000);
    }
    // The same from a network-like body: small pieces that make the reader wait.
    async function* slow(bytes: Buffer) {
      for (let i = 0; i < bytes.length; i += 512) {
        await new Promise((res) => setTimeout(res, 1));
        yield bytes.subarray(i, i + 512);
      }
    }
    const slowBad = await scanCollect(slow(junk), opts);
    assert.equal(slowBad.failure?.kind, "damaged-tail");
    assert.equal(slowBad.records, 2000);
  });

  test("truncated zstd: records before the cut scanned, failure reported", async () => {
    const z = zstdRawFrame(Buffer.from(MANY), 16 * 1024);
    const r = await scanCollect(chunked(z.subarray(0, Math.floor(z.length * 0.5)), 3000), opts);
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
    assert.match(r.failure!.message, /zstd stream: unexpected EOF/);
    assert.ok(r.records > 500);
    assertPrefix(r.alerts, r.records - 1);
  });
});

describe("unsupported compressions", () => {
  const cases: [string, number[], string][] = [
    ["zip", [0x50, 0x4b, 0x03, 0x04, 0x14, 0, 0, 0, 8, 0], "zip (magic 50 4b 03 04)"],
    ["bzip2", [0x42, 0x5a, 0x68, 0x39, 0x31, 0x41, 0x59, 0x26, 0x53, 0x59], "bzip2 (magic 42 5a 68 39)"],
    ["parquet", [0x50, 0x41, 0x52, 0x31, 0x15, 0x04, 0x15, 0, 0, 0], "parquet (magic 50 41 52 31)"],
    [
      "snappy",
      [0xff, 0x06, 0x00, 0x00, 0x73, 0x4e, 0x61, 0x50, 0x70, 0x59, 0x01],
      "snappy-framed (magic ff 06 00 00)",
    ],
    ["xz", [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0x00, 0x04], "xz (magic fd 37 7a 58)"],
  ];
  for (const [name, magic, expected] of cases) {
    test(`${name}: failure names the object, the format and the fix`, async () => {
      const bytes = Buffer.concat([Buffer.from(magic), Buffer.alloc(100, 1)]);
      const r = await scanCollect(chunked(bytes, 1), opts);
      assert.equal(r.failure?.kind, "unsupported-compression");
      assert.equal(r.failure?.message, `s3://b/k: unsupported compression: ${expected}; decompress it first`);
      assert.equal(r.records, 0);
    });
  }
  test("the sniffer ignores the key's extension: a .gz key holding plain NDJSON is read as plain", async () => {
    const r = await scanCollect(chunked(Buffer.from(MANY), 1 << 16), { ...opts, uri: "s3://b/k.json.gz" });
    assert.equal(r.compression, "none");
    assert.equal(r.records, 2000);
  });
});

describe("decompression limits", () => {
  test("maxDecompressedBytes stops the object; records before the ceiling are scanned", async () => {
    const r = await scanCollect(chunked(gzip(MANY), 4096), { ...opts, maxDecompressedBytes: 100_000 });
    assert.equal(r.failure?.kind, "decompression-limit");
    assert.match(r.failure!.message, /maxDecompressedBytes \(100000 bytes\)/);
    assert.equal(r.decompressedBytes, 100_000);
    assert.ok(r.records > 100);
    assertPrefix(r.alerts, r.records);
  });

  test("a gzip bomb (1 GiB of zeros) is stopped at the ceiling without buffering it", async () => {
    // Made in a stream: 1 GiB of zeros deflates to ~1 MiB.
    const zeros = Buffer.alloc(1 << 20);
    const gz: Buffer[] = [];
    const z = zlib.createGzip({ level: 1 });
    z.on("data", (c: Buffer) => gz.push(c));
    const done = new Promise((res) => z.on("end", res));
    for (let i = 0; i < 1024; i++) if (!z.write(zeros)) await new Promise((res) => z.once("drain", res));
    z.end();
    await done;
    const bomb = Buffer.concat(gz);
    const before = process.memoryUsage().rss;
    const r = await scanCollect(Readable.from([bomb]), { ...opts, maxDecompressedBytes: 64 << 20 });
    assert.equal(r.failure?.kind, "decompression-limit");
    assert.equal(r.decompressedBytes, 64 << 20);
    assert.ok(process.memoryUsage().rss - before < 256 << 20);
  });

  test("maxCompressionRatio stops a bomb once past 64 MiB", async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(80 << 20), { level: 9 });
    const r = await scanCollect(Readable.from([bomb]), { ...opts, maxCompressionRatio: 100 });
    assert.equal(r.failure?.kind, "decompression-limit");
    assert.match(r.failure!.message, /maxCompressionRatio \(100\)/);
    assert.ok(r.decompressedBytes <= 80 << 20);
  });
});

describe("input stream errors and aborts", () => {
  test("an input stream error is a read-error; what came before is scanned", async () => {
    async function* flaky() {
      const gz = gzip(MANY);
      yield gz.subarray(0, Math.floor(gz.length / 2));
      throw new Error("socket hang up");
    }
    const r = await scanCollect(flaky(), opts);
    assert.equal(r.failure?.kind, "read-error");
    assert.equal(r.failure?.message, "s3://b/k: read error: socket hang up");
    assert.ok(r.records > 100);
    assertPrefix(r.alerts, r.records);
  });

  test("a Node Readable that errors (an S3 body) is a read-error and is destroyed", async () => {
    const body = new Readable({ read() {} });
    body.push(Buffer.from(MANY.slice(0, 50_000)));
    setTimeout(() => body.destroy(new Error("ECONNRESET")), 20);
    const r = await scanCollect(body, opts);
    assert.equal(r.failure?.kind, "read-error");
    assert.match(r.failure!.message, /ECONNRESET/);
    assert.ok(r.records > 0);
  });

  test("an abort signal stops the scan with kind aborted and releases the input", async () => {
    const ac = new AbortController();
    // Larger than the one-step size, so it is streamed (a small object is one chunk).
    const body = Readable.from(chunked(gzip(NOISY + NOISY), 4096));
    const r = await scanCollect(body, { ...opts, signal: ac.signal, onAlert: () => ac.abort() });
    assert.equal(r.failure?.kind, "aborted");
    assert.ok(r.alerts.length >= 1);
    assert.ok(r.records < 6000);
    assert.ok(body.destroyed);
  });

  for (const [name, make] of [
    ["plain", (b: Buffer) => b],
    ["gzip", (b: Buffer) => gzip(b)],
    ["zstd", (b: Buffer) => zstdRawFrame(b)],
  ] as const) {
    test(`${name}: an abort ends a wait on a stalled input (a body that sends nothing more)`, async () => {
      const ac = new AbortController();
      async function* stalled() {
        yield make(Buffer.from(NOISY));
        await new Promise(() => {}); // never resolves
      }
      // Aborted once records flow (not after a fixed delay: on a loaded machine the first
      // records may take longer than any delay), while the input is stalled.
      const r = await scanCollect(stalled(), {
        ...opts,
        signal: ac.signal,
        onAlert: () => {
          if (!ac.signal.aborted) setTimeout(() => ac.abort(new Error("deadline")), 20);
        },
      });
      assert.equal(r.failure?.kind, "aborted");
      assert.equal(r.failure?.message, "s3://b/k: scan aborted: deadline");
      assert.ok(r.records > 0);
    });
  }

  test("a limit failure does not wait for a stalled input", async () => {
    async function* stalled() {
      yield gzip(NOISY);
      await new Promise(() => {});
    }
    const r = await scanCollect(stalled(), { ...opts, maxDecompressedBytes: 50_000 });
    assert.equal(r.failure?.kind, "decompression-limit");
  });

  test("an already aborted signal scans nothing", async () => {
    const r = await scanCollect(chunked(Buffer.from(MANY), 1000), { ...opts, signal: AbortSignal.abort() });
    assert.equal(r.failure?.kind, "aborted");
    assert.equal(r.records, 0);
  });

  test("a limit failure releases the input stream", async () => {
    const body = Readable.from(chunked(Buffer.from(MANY), 1000));
    const r = await scanCollect(body, { ...opts, maxDecompressedBytes: 5000 });
    assert.equal(r.failure?.kind, "decompression-limit");
    assert.ok(body.destroyed);
  });
});

describe("options are validated once, with errors naming the option", () => {
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ["uri", { uri: "" }, /option uri must be a non-empty string/],
    [
      "maxRecordBytes 0",
      { maxRecordBytes: 0 },
      /option maxRecordBytes must be an integer from 1 to \d+, got 0/,
    ],
    ["maxRecordBytes huge", { maxRecordBytes: 2 ** 40 }, /option maxRecordBytes/],
    ["maxDecompressedBytes", { maxDecompressedBytes: 1.5 }, /option maxDecompressedBytes must be an integer/],
    ["maxCompressionRatio", { maxCompressionRatio: -1 }, /option maxCompressionRatio must be a number >= 0/],
    [
      "source",
      { source: "splunk" },
      /option source must be one of auto, defend, sentinelone, endgame, got "splunk"/,
    ],
  ];
  for (const [name, o, re] of bad) {
    test(name, async () => {
      await assert.rejects(
        scanCollect(chunked(Buffer.from("{}"), 1), { ...opts, ...o } as never),
        (e: unknown) => {
          assert.ok(e instanceof RangeError);
          assert.match(e.message, re);
          return true;
        },
      );
    });
  }
});

describe("progress", () => {
  test("onProgress is called about every 8 MiB and once at the end", async () => {
    const big = Buffer.from(MANY.repeat(40)); // ~19 MB
    const seen: number[] = [];
    const r = await scanCollect(chunked(gzip(big), 1 << 16), {
      ...opts,
      onProgress: (p) => seen.push(p.decompressedBytes),
    });
    assert.equal(r.records, 80_000);
    assert.ok(seen.length >= 3 && seen.length <= 5, String(seen));
    assert.equal(seen.at(-1), big.length);
  });
});

describe("zstd frames that need a huge window", () => {
  test("a 1 GiB window (zstd --long=30) is refused before the decoder allocates it", async () => {
    // 200 MB of zeros, compressed with `zstd --long=30` (6,980 bytes).
    const bytes = readFileSync(
      new URL("../../fixtures/ingest/zstd-long30-window-1GiB-zeros.zst", import.meta.url),
    );
    const r = await scanCollect(chunked(bytes, 3), opts);
    if (typeof (zlib as unknown as Record<string, unknown>)["createZstdDecompress"] === "function") {
      // node:zlib refuses it itself (windowLogMax 27).
      assert.equal(r.failure?.kind, "corrupt-compressed-stream");
    } else {
      assert.equal(r.failure?.kind, "decompression-limit");
      assert.match(r.failure!.message, /zstd frame needs a 1024 MiB window, more than the 128 MiB/);
    }
    assert.equal(r.decompressedBytes, 0);
  });
});
