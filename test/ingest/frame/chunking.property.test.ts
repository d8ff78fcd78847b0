/**
 * Property: however the bytes are chunked (and however gzip members / zstd frames are cut), a
 * scan finds the same records, the same alerts with the same ordinals and the same raw values
 * as the layout's records say, for every layout.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { SMALL_GZIP_BYTES } from "../../../src/ingest/index.ts";
import { type Collected, chunked, gzipCut, SHOULD_ALERT, scanCollect, zstdFrames } from "../helpers.ts";

const RESERVED = new Set([
  "Records",
  "hits",
  "messageType",
  "logEvents",
  "_source",
  "_index",
  "_id",
  "__proto__",
]);
const tricky = fc.constantFrom(
  "}{",
  '"',
  "\\",
  '\\"',
  "é",
  "😀",
  "\r\n",
  "[",
  "]",
  "{",
  "}",
  ",",
  ":",
  "\u0000",
  "\u2028",
);
const text = fc.oneof(
  fc.string({ unit: "binary", maxLength: 12 }),
  fc.array(fc.oneof(tricky, fc.string({ maxLength: 3 })), { maxLength: 6 }).map((a) => a.join("")),
);
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: "small" },
    text,
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("v"), { maxLength: 3 }),
    fc.dictionary(text, tie("v"), { maxKeys: 3 }),
  ),
})).v;

const record = fc
  .record({
    alert: fc.boolean(),
    extra: fc.dictionary(
      text.filter((k) => !RESERVED.has(k)),
      value,
      { maxKeys: 4 },
    ),
  })
  .map(({ alert, extra }, i = 0) => ({
    ...extra,
    event: { id: `${alert ? "SHOULD_ALERT" : "NOMATCH"} ${i}` },
  }));

type Layout =
  | "ndjson"
  | "ndjson-crlf-bom"
  | "concatenated"
  | "array"
  | "records"
  | "es-export"
  | "es-hits"
  | "cwl";
const LAYOUTS: Layout[] = [
  "ndjson",
  "ndjson-crlf-bom",
  "concatenated",
  "array",
  "records",
  "es-export",
  "es-hits",
  "cwl",
];

function render(layout: Layout, recs: readonly Record<string, unknown>[], seps: readonly string[]): string {
  const j = (v: unknown) => JSON.stringify(v);
  const hit = (r: unknown, i: number) => ({ _index: "i", _id: `id${i}`, _source: r });
  switch (layout) {
    case "ndjson":
      return recs.map(j).join("\n");
    case "ndjson-crlf-bom":
      return `\ufeff${recs.map(j).join("\r\n\r\n")}\r\n`;
    case "concatenated":
      // The first value is glued to the second, so the layout is detected as concatenated.
      return recs.map((r, i) => (i === 0 ? "" : i === 1 ? "" : seps[i % seps.length]) + j(r)).join("");
    case "array":
      return JSON.stringify(recs, null, seps.length % 3);
    case "records":
      return j({ Records: recs });
    case "es-export":
      return recs.map((r, i) => j(hit(r, i))).join("\n");
    case "es-hits":
      return j({ took: 1, hits: { total: { value: recs.length }, hits: recs.map(hit) } });
    case "cwl":
      return [
        j({
          messageType: "CONTROL_MESSAGE",
          logEvents: [{ id: "", timestamp: 0, message: "CWL CONTROL MESSAGE" }],
        }),
        j({
          messageType: "DATA_MESSAGE",
          logEvents: recs.map((r, i) => ({ id: String(i), timestamp: i, message: j(r) })),
        }),
      ].join(seps[0] ?? "");
  }
}

function summary(r: Collected) {
  return {
    failure: r.failure,
    records: r.records,
    malformed: r.malformed,
    skipped: r.skipped,
    alerts: r.alerts.map((a) => [a.source.record, JSON.stringify(a.raw)]),
  };
}

describe("any chunking gives the same records as one chunk", () => {
  for (const layout of LAYOUTS) {
    test(layout, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(record, { minLength: 1, maxLength: 12 }),
          fc.array(fc.constantFrom("", " ", "\n", "\r\n", "\t"), { minLength: 1, maxLength: 4 }),
          fc.constantFrom("none", "gzip", "gzip-streamed", "zstd"),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 }),
          fc.array(fc.nat(), { maxLength: 3 }),
          async (rs, seps, compression, sizes, cutSeeds) => {
            // Plain objects (fast-check's dictionaries have a null prototype; parsed JSON does not).
            const recs: Record<string, unknown>[] = JSON.parse(
              JSON.stringify(rs.map((r, i) => ({ ...r, event: { id: `${r.event.id.split(" ")[0]} ${i}` } }))),
            );
            const plain = Buffer.from(render(layout, recs, seps));
            const cuts = [...new Set(cutSeeds.map((c) => c % (plain.length + 1)))].sort((a, b) => a - b);
            const bytes = compression.startsWith("gzip")
              ? gzipCut(plain, cuts)
              : compression === "zstd"
                ? zstdFrames(plain, cuts)
                : plain;
            // Small gzip objects are decoded in one step; "gzip-streamed" forces the zlib stream.
            const opts = {
              uri: "s3://b/k",
              rules: [SHOULD_ALERT],
              tuning: { smallGzipBytes: compression === "gzip-streamed" ? 0 : SMALL_GZIP_BYTES },
            };
            const whole = await scanCollect(chunked(bytes, bytes.length + 1), opts);
            const pieces = await scanCollect(chunked(bytes, sizes), opts);
            assert.deepEqual(summary(pieces), summary(whole));
            // And both are right.
            assert.equal(whole.failure, undefined);
            assert.equal(whole.records, recs.length);
            assert.equal(whole.malformed, 0);
            const expected = recs.flatMap((r, i) =>
              (r["event"] as { id: string }).id.startsWith("SHOULD_ALERT") ? [i + 1] : [],
            );
            assert.deepEqual(
              whole.alerts.map((a) => a.source.record),
              expected,
            );
            for (const a of whole.alerts) {
              const want = recs[a.source.record - 1]!;
              const raw = a.raw as Record<string, unknown>;
              assert.deepEqual(layout.startsWith("es-") ? raw["_source"] : raw, want);
            }
          },
        ),
        { numRuns: Number(process.env.FC_NUM_RUNS ?? 60) },
      );
    });
  }
});

describe("arbitrary bytes", () => {
  const jsonish = fc
    .array(
      fc.oneof(
        fc.constantFrom(
          "{",
          "}",
          "[",
          "]",
          '"',
          "\\",
          ",",
          ":",
          "\n",
          "\r\n",
          " ",
          "}{",
          '{"a":1}',
          '"Records"',
          '"hits"',
        ),
        fc.constantFrom(
          '"messageType":"DATA_MESSAGE"',
          '"logEvents":[',
          '{"_source":{"x":1},"_id":"1"}',
          "\u0000",
          "é",
        ),
        fc.string({ maxLength: 4 }),
      ),
      { maxLength: 60 },
    )
    .map((parts) => Buffer.from(parts.join("")));
  test("never throw, and any chunking gives the same counts", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          jsonish,
          fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
        ),
        fc.array(fc.integer({ min: 1, max: 16 }), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 8, max: 200 }),
        async (bytes, sizes, maxRecordBytes) => {
          const opts = { uri: "s3://b/k", rules: [SHOULD_ALERT], maxRecordBytes };
          const whole = await scanCollect(chunked(bytes, bytes.length + 1), opts);
          const pieces = await scanCollect(chunked(bytes, sizes), opts);
          assert.deepEqual(summary(pieces), summary(whole));
          assert.ok(whole.malformed + whole.skipped <= whole.records);
          assert.equal(whole.decompressedBytes, bytes.length);
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 300) },
    );
  });
});

describe("damaged compressed streams", () => {
  test("never throw: a failure kind or a clean result, and records before the damage", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(record, { minLength: 1, maxLength: 30 }),
        fc.constantFrom("gzip", "gzip-streamed", "zstd"),
        fc.nat(),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        fc.array(fc.integer({ min: 1, max: 512 }), { minLength: 1, maxLength: 8 }),
        async (rs, compression, at, byte, truncate, sizes) => {
          const plain = Buffer.from(rs.map((r) => JSON.stringify(r)).join("\n"));
          const packed =
            compression === "zstd" ? zstdFrames(plain, [Math.floor(plain.length / 2)]) : gzipCut(plain, []);
          const pos = at % packed.length;
          const bytes = truncate ? packed.subarray(0, pos) : Buffer.from(packed);
          if (!truncate) bytes[pos] = byte;
          const r = await scanCollect(chunked(bytes, sizes), {
            uri: "s3://b/k",
            rules: [SHOULD_ALERT],
            tuning: { smallGzipBytes: compression === "gzip-streamed" ? 0 : SMALL_GZIP_BYTES },
          });
          if (r.failure !== undefined) {
            // A damaged zstd frame header can claim a window of gigabytes: refusing it is the
            // decompression limit doing its job, so that kind is as right as "corrupt" here.
            assert.ok(
              [
                "corrupt-compressed-stream",
                "damaged-tail",
                "unsupported-compression",
                "decompression-limit",
              ].includes(r.failure.kind),
              r.failure.message,
            );
          }
          assert.ok(r.malformed + r.skipped <= r.records);
        },
      ),
      { numRuns: Number(process.env.FC_NUM_RUNS ?? 200) },
    );
  });
});
