/**
 * Decoded bytes that are not UTF-8 JSON text: a second compression layer, or UTF-16/UTF-32 text.
 * Each must fail the object (kind "unsupported-compression"), never pass as a clean scan with a
 * few "malformed" records and its hits lost.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import zlib from "node:zlib";
import { chunked, gzip, ndjson, SHOULD_ALERT, scanCollect, zstdRawFrame } from "../helpers.ts";

const opts = { uri: "s3://b/k", rules: [SHOULD_ALERT] };
const TEXT = ndjson([{ event: { id: "1_SHOULD_ALERT" } }, { event: { id: "2_NOMATCH" } }]);

function utf16be(s: string): Buffer {
  const le = Buffer.from(s, "utf16le");
  const be = Buffer.alloc(le.length);
  for (let i = 0; i < le.length; i += 2) {
    be[i] = le[i + 1]!;
    be[i + 1] = le[i]!;
  }
  return be;
}

describe("nested compression", () => {
  const cases: [string, Buffer, RegExp][] = [
    ["gzip(gzip(ndjson))", gzip(gzip(TEXT)), /gzip inside gzip/],
    ["zstd(gzip(ndjson))", zstdRawFrame(gzip(TEXT)), /gzip inside zstd/],
    ["gzip(zstd(ndjson))", gzip(zstdRawFrame(Buffer.from(TEXT))), /zstd inside gzip/],
    ["gzip(bzip2)", gzip(Buffer.from("BZh91AY&SY....")), /bzip2 inside gzip/],
  ];
  for (const [name, data, format] of cases) {
    test(`${name} fails the object, whatever the chunking`, async () => {
      for (const size of [1 << 20, 3, 1]) {
        const r = await scanCollect(chunked(data, size), opts);
        assert.equal(r.failure?.kind, "unsupported-compression", `${name} chunk ${size}`);
        assert.match(r.failure!.message, /^s3:\/\/b\/k: unsupported compression: /);
        assert.match(r.failure!.message, format);
        assert.match(r.failure!.message, /decompress the outer layer first/);
        assert.equal(r.records, 0);
        assert.equal(r.alerts.length, 0);
      }
    });
  }

  test("gzip(ndjson) still scans, fed byte by byte", async () => {
    const r = await scanCollect(chunked(gzip(TEXT), 1), opts);
    assert.equal(r.failure, undefined);
    assert.equal(r.records, 2);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [1],
    );
  });
});

describe("UTF-16 and UTF-32 text", () => {
  const cases: [string, Buffer, string, RegExp][] = [
    [
      "UTF-16LE BOM",
      Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(TEXT, "utf16le")]),
      "UTF-16LE",
      /BOM ff fe/,
    ],
    ["UTF-16BE BOM", Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be(TEXT)]), "UTF-16BE", /BOM fe ff/],
    ["UTF-16LE no BOM", Buffer.from(TEXT, "utf16le"), "UTF-16LE", /NUL-interleaved/],
    ["UTF-16BE no BOM", utf16be(TEXT), "UTF-16BE", /NUL-interleaved/],
    ["UTF-32LE BOM", Buffer.from([0xff, 0xfe, 0, 0, 0x7b, 0, 0, 0]), "UTF-32LE", /BOM ff fe 00 00/],
    ["UTF-32BE BOM", Buffer.from([0, 0, 0xfe, 0xff, 0, 0, 0, 0x7b]), "UTF-32BE", /BOM 00 00 fe ff/],
  ];
  for (const [name, data, encoding, how] of cases) {
    for (const [label, bytes] of [
      ["plain", data],
      ["gzip", gzip(data)],
    ] as const) {
      test(`${name} (${label}) fails the object with a clear message`, async () => {
        for (const size of [1 << 20, 1]) {
          const r = await scanCollect(chunked(bytes, size), opts);
          assert.equal(r.failure?.kind, "unsupported-compression", `${name} chunk ${size}`);
          assert.ok(
            r.failure!.message.startsWith(`s3://b/k: unsupported encoding: ${encoding} text (`),
            r.failure!.message,
          );
          assert.match(r.failure!.message, how);
          assert.match(r.failure!.message, /convert it to UTF-8 first/);
          assert.equal(r.records, 0);
        }
      });
    }
  }

  test("UTF-8 with a BOM, tiny objects and leading NUL padding are not refused", async () => {
    for (const text of ["\uFEFF" + TEXT, "{}", "{", "\0\0\0\0" + TEXT, "[]\n"]) {
      for (const bytes of [Buffer.from(text), zlib.gzipSync(text)]) {
        const r = await scanCollect(chunked(bytes, 1), opts);
        assert.notEqual(r.failure?.kind, "unsupported-compression", JSON.stringify(text));
      }
    }
    const r = await scanCollect(chunked(Buffer.from("\uFEFF" + TEXT), 1), opts);
    assert.equal(r.records, 2);
    assert.equal(r.alerts.length, 1);
  });

  test("a corrupt gzip whose output is under 4 bytes still reports the corruption", async () => {
    const gz = gzip("{}\n");
    const r = await scanCollect(chunked(gz.subarray(0, gz.length - 4), 1 << 20), opts);
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
  });
});
