import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { SMALL_GZIP_BYTES } from "../../src/ingest/index.ts";
import {
  chunked,
  gzip,
  gzipMembers,
  ndjson,
  SHOULD_ALERT,
  SHOULD_ALERT_NO_PREFILTER,
  scanCollect,
  zstdRawFrame,
} from "../ingest/helpers.ts";

const recs = [
  { "event.id": "1_NOMATCH", process: { name: "a" } },
  { "event.id": "2_SHOULD_ALERT", process: { name: "b" } },
  { "event.id": "3_NOMATCH", file: { path: "/x" } },
  { "event.id": "4_SHOULD_ALERT", file: { path: "/y" } },
];

describe("scanObject: NDJSON", () => {
  for (const rule of [SHOULD_ALERT, SHOULD_ALERT_NO_PREFILTER]) {
    test(`plain NDJSON finds the alerts with ordinals (prefilter ${rule.compiled.prefilter ? "on" : "off"})`, async () => {
      const seen: number[] = [];
      const r = await scanCollect(chunked(Buffer.from(ndjson(recs)), 7), {
        uri: "s3://b/k.ndjson",
        rules: [rule],
        onAlert: (a) => seen.push(a.source.record),
      });
      assert.equal(r.failure, undefined);
      assert.equal(r.compression, "none");
      assert.equal(r.framing, "ndjson");
      assert.equal(r.records, 4);
      assert.equal(r.malformed, 0);
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [2, 4],
      );
      assert.deepEqual(seen, [2, 4]);
      assert.equal(r.alerts[0]!.source.uri, "s3://b/k.ndjson");
      assert.deepEqual(r.alerts[0]!.raw, recs[1]);
    });
  }

  test("gzip, single and multi-member, same result", async () => {
    const text = ndjson(recs);
    for (const [name, bytes] of [
      ["single", gzip(text)],
      ["multi", gzipMembers([ndjson(recs.slice(0, 1)), ndjson(recs.slice(1, 3)), ndjson(recs.slice(3))])],
      ["padded", Buffer.concat([gzip(text), Buffer.alloc(512)])],
    ] as const) {
      const r = await scanCollect(chunked(bytes, 5), { uri: name, rules: [SHOULD_ALERT] });
      assert.equal(r.failure, undefined, name);
      assert.equal(r.compression, "gzip", name);
      assert.equal(r.records, 4, name);
      assert.equal(r.decompressedBytes, Buffer.byteLength(text), name);
      assert.equal(r.compressedBytes, bytes.length, name);
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [2, 4],
        name,
      );
    }
  });
});

describe("small and large gzip objects take the same road to the same result", () => {
  test("a small gzip object whose output exceeds the one-step ceiling (16 MiB) is streamed", async () => {
    const line = `${JSON.stringify({ event: { id: "NOMATCH" }, pad: "a".repeat(1000) })}\n`;
    const text = line.repeat(20_000) + ndjson([{ event: { id: "LAST_SHOULD_ALERT" } }]); // ~20 MB, compresses to < 256 KiB
    const gz = gzip(text);
    assert.ok(gz.length < 256 * 1024);
    const r = await scanCollect(chunked(gz, 1 << 16), { uri: "x", rules: [SHOULD_ALERT] });
    assert.equal(r.failure, undefined);
    assert.equal(r.records, 20_001);
    assert.equal(r.decompressedBytes, Buffer.byteLength(text));
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [20_001],
    );
  });
});

describe("a single JSON document", () => {
  test("pretty-printed: one record, framing json", async () => {
    const doc = JSON.stringify({ event: { id: "1_SHOULD_ALERT" }, file: { path: "/x" } }, null, 2);
    for (const sizes of [1 << 20, 1]) {
      const r = await scanCollect(chunked(Buffer.from(`\n ${doc}\n\n`), sizes), {
        uri: "x",
        rules: [SHOULD_ALERT],
      });
      assert.equal(r.framing, "json");
      assert.equal(r.records, 1);
      assert.equal(r.alerts.length, 1);
    }
  });
  test("one line without a newline: ndjson", async () => {
    const r = await scanCollect(chunked(Buffer.from('{"event":{"id":"1_SHOULD_ALERT"}}'), 3), {
      uri: "x",
      rules: [SHOULD_ALERT],
    });
    assert.equal(r.framing, "ndjson");
    assert.equal(r.records, 1);
    assert.equal(r.alerts.length, 1);
  });
});

describe("input chunks", () => {
  test("a caller that reuses one Buffer for every chunk gets the same result", async () => {
    const text = Buffer.from(ndjson(recs).repeat(50));
    async function* reused(bytes: Buffer, size: number) {
      const buf = Buffer.alloc(size);
      for (let pos = 0; pos < bytes.length; pos += size) {
        const n = bytes.copy(buf, 0, pos, pos + size);
        yield buf.subarray(0, n);
      }
    }
    for (const [name, bytes] of [
      ["plain", text],
      ["gzip", gzip(text)],
      ["zstd", zstdRawFrame(text, 300)],
    ] as const) {
      for (const size of [7, 64, 1000]) {
        for (const stream of [false, true]) {
          const r = await scanCollect(reused(bytes, size), {
            uri: "x",
            rules: [SHOULD_ALERT],
            tuning: { smallGzipBytes: stream ? 0 : SMALL_GZIP_BYTES },
          });
          assert.equal(r.failure, undefined, `${name} ${size}`);
          assert.equal(r.records, 200, `${name} ${size}`);
          assert.equal(r.malformed, 0, `${name} ${size}`);
          assert.equal(r.alerts.length, 100, `${name} ${size}`);
        }
      }
    }
  });
});
