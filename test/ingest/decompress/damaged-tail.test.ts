/**
 * Damaged tails (issue 12 item 4): complete gzip members or zstd frames followed by bytes that are
 * not another member/frame (`... | gzip; printf XYZ`). Every record decoded before those bytes is
 * evaluated, the last complete one included, and the object is reported as "damaged-tail" with
 * its alerts kept. One object small enough for the small-gzip fast path, one large one that
 * takes the stream; zstd through the frame walker.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import zlib from "node:zlib";
import { SMALL_GZIP_BYTES } from "../../../src/ingest/index.ts";
import {
  chunked,
  gzipMembers,
  ndjson,
  randomSizes,
  SHOULD_ALERT,
  scanCollect,
  zstdFrames,
  zstdRawFrame,
} from "../helpers.ts";

/** `n` records, every one an alert (so the last record's alert proves the last record was read). */
function records(n: number, padBytes: number): string {
  // Pseudo-random padding (xorshift, from randomSizes) so the large object stays large once compressed.
  const letters = randomSizes(n + 1, n * padBytes, 26);
  let k = 0;
  const pad = () => {
    let out = "";
    for (let i = 0; i < padBytes; i++) out += String.fromCharCode(96 + letters[k++]!);
    return out;
  };
  return ndjson(
    Array.from({ length: n }, (_, i) => ({ event: { id: `${i + 1}_SHOULD_ALERT` }, pad: pad() })),
  );
}

const SMALL = records(60, 20);
const LARGE = records(3000, 200);
const JUNK = ["XYZ", "X", "\n", "trailing junk of forty bytes, exactly!!!".slice(0, 40)];

function assertEveryRecord(
  r: Awaited<ReturnType<typeof scanCollect>>,
  n: number,
  kinds: readonly string[],
  label: string,
): void {
  assert.ok(kinds.includes(r.failure?.kind ?? "none"), `${label}: ${r.failure?.kind} ${r.failure?.message}`);
  assert.equal(r.records, n, label);
  assert.equal(r.malformed, 0, label);
  assert.equal(r.alertCount, n, label);
  assert.deepEqual(
    r.alerts.map((a) => a.source.record),
    Array.from({ length: n }, (_, i) => i + 1),
    label,
  );
}

describe("gzip followed by stray bytes", () => {
  test("the small object fits the fast path (one-step decoding)", () => {
    assert.ok(zlib.gzipSync(SMALL).length < SMALL_GZIP_BYTES);
    assert.ok(zlib.gzipSync(LARGE).length > SMALL_GZIP_BYTES, String(zlib.gzipSync(LARGE).length));
  });

  for (const junk of JUNK) {
    test(`small object + ${JSON.stringify(junk)}: every record, damaged tail (fast path)`, async () => {
      const bytes = Buffer.concat([zlib.gzipSync(SMALL), Buffer.from(junk)]);
      for (const size of [bytes.length + 1, 100, 7]) {
        const r = await scanCollect(chunked(bytes, size), { uri: "s3://b/small.gz", rules: [SHOULD_ALERT] });
        const label = `junk ${JSON.stringify(junk)}, chunks of ${size}`;
        assertEveryRecord(r, 60, ["damaged-tail"], label);
        assert.match(r.failure!.message, /s3:\/\/b\/small\.gz: damaged tail/);
        assert.equal(r.compression, "gzip");
      }
    });

    test(`small object + ${JSON.stringify(junk)}, streamed: every record`, async () => {
      const bytes = Buffer.concat([zlib.gzipSync(SMALL), Buffer.from(junk)]);
      const r = await scanCollect(chunked(bytes, 100), {
        uri: "s3://b/small.gz",
        rules: [SHOULD_ALERT],
        tuning: { smallGzipBytes: 0 },
      });
      // node:zlib waits for a second header byte: a single stray byte ends the stream as a
      // truncation; either way nothing before it is lost.
      assertEveryRecord(
        r,
        60,
        junk.length === 1 ? ["damaged-tail", "corrupt-compressed-stream"] : ["damaged-tail"],
        junk,
      );
    });

    test(`large object + ${JSON.stringify(junk)}: every record, damaged tail (stream)`, async () => {
      const bytes = Buffer.concat([zlib.gzipSync(LARGE), Buffer.from(junk)]);
      for (const sizes of [[64 * 1024], randomSizes(7, 50, 9000)]) {
        const r = await scanCollect(chunked(bytes, sizes), { uri: "s3://b/large.gz", rules: [SHOULD_ALERT] });
        assertEveryRecord(
          r,
          3000,
          junk.length === 1 ? ["damaged-tail", "corrupt-compressed-stream"] : ["damaged-tail"],
          `${JSON.stringify(junk)} ${sizes.length}`,
        );
      }
    });
  }

  test("several members then junk: every member's records (fast path and stream)", async () => {
    const lines = SMALL.split("\n").filter((l) => l.length > 0);
    const bytes = Buffer.concat([
      gzipMembers([lines.slice(0, 20).join("\n") + "\n", lines.slice(20).join("\n") + "\n"]),
      Buffer.from("XYZ"),
    ]);
    for (const smallGzipBytes of [SMALL_GZIP_BYTES, 0]) {
      const r = await scanCollect(chunked(bytes, 50), {
        uri: "x",
        rules: [SHOULD_ALERT],
        tuning: { smallGzipBytes },
      });
      assertEveryRecord(r, 60, ["damaged-tail"], `smallGzipBytes ${smallGzipBytes}`);
    }
  });

  test("zero padding after the last member is not damage (as gzip -d and node:zlib)", async () => {
    const bytes = Buffer.concat([zlib.gzipSync(SMALL), Buffer.alloc(512)]);
    for (const smallGzipBytes of [SMALL_GZIP_BYTES, 0]) {
      const r = await scanCollect(chunked(bytes, 64), {
        uri: "x",
        rules: [SHOULD_ALERT],
        tuning: { smallGzipBytes },
      });
      assertEveryRecord(r, 60, ["none"], `smallGzipBytes ${smallGzipBytes}`);
    }
  });

  test("a damaged member is still corrupt, not a damaged tail", async () => {
    const gz = zlib.gzipSync(LARGE);
    const bad = Buffer.from(gz);
    bad.writeUInt32LE((bad.readUInt32LE(bad.length - 8) ^ 1) >>> 0, bad.length - 8); // CRC-32
    const r = await scanCollect(chunked(bad, 64 * 1024), { uri: "x", rules: [SHOULD_ALERT] });
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
    const small = zlib.gzipSync(SMALL);
    small.writeUInt32LE((small.readUInt32LE(small.length - 8) ^ 1) >>> 0, small.length - 8);
    const s = await scanCollect(chunked(small, 100), { uri: "x", rules: [SHOULD_ALERT] });
    assert.equal(s.failure?.kind, "corrupt-compressed-stream");
  });
});

describe("zstd followed by stray bytes", () => {
  const cases: [string, Buffer, number][] = [
    ["one small frame", zstdRawFrame(Buffer.from(SMALL)), 60],
    ["many frames of a large object", zstdFrames(Buffer.from(LARGE), [100_000, 200_000, 300_000]), 3000],
  ];
  for (const [name, z, n] of cases) {
    for (const junk of [...JUNK, "x".repeat(100), "\0\0\0\0"]) {
      test(`${name} + ${JSON.stringify(junk.slice(0, 8))} (${junk.length} B): every record, damaged tail`, async () => {
        const bytes = Buffer.concat([z, Buffer.from(junk)]);
        for (const sizes of [[bytes.length + 1], [1 + (z.length % 97)], randomSizes(3, 40, 5000)]) {
          const r = await scanCollect(chunked(bytes, sizes), { uri: "s3://b/k.zst", rules: [SHOULD_ALERT] });
          assertEveryRecord(r, n, ["damaged-tail"], `${name} ${JSON.stringify(junk)} ${sizes[0]}`);
          assert.match(r.failure!.message, new RegExp(`compressed byte ${z.length} on`));
        }
      });
    }
  }

  test("a skippable frame after the last frame is not damage", async () => {
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const bytes = Buffer.concat([zstdRawFrame(Buffer.from(SMALL)), skippable]);
    const r = await scanCollect(chunked(bytes, 5), { uri: "x", rules: [SHOULD_ALERT] });
    assertEveryRecord(r, 60, ["none"], "skippable");
  });

  test("a truncated last frame is corrupt, not a damaged tail", async () => {
    const z = zstdRawFrame(Buffer.from(SMALL));
    const r = await scanCollect(chunked(z.subarray(0, z.length - 10), 64), {
      uri: "x",
      rules: [SHOULD_ALERT],
    });
    assert.equal(r.failure?.kind, "corrupt-compressed-stream");
  });
});
