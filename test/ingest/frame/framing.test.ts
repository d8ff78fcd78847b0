/**
 * Every layout with every compression and awkward chunkings: the same five records, alerts on
 * records 2 and 5 (test/fixtures/ingest/generate.ts made the fixtures).
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { SMALL_GZIP_BYTES } from "../../../src/ingest/index.ts";
import { RECORDS } from "../../fixtures/ingest/generate.ts";
import {
  type Collected,
  chunked,
  gzip,
  gzipCut,
  randomSizes,
  SHOULD_ALERT,
  SHOULD_ALERT_NO_PREFILTER,
  scanCollect,
  zstdFrames,
} from "../helpers.ts";

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/ingest/${name}`, import.meta.url));

const LAYOUTS = [
  { file: "framing-ndjson.ndjson", framing: "ndjson" },
  { file: "framing-ndjson-crlf-bom.ndjson", framing: "ndjson" },
  { file: "framing-concatenated.json", framing: "concatenated" },
  { file: "framing-array.json", framing: "json-array" },
  { file: "framing-array-compact.json", framing: "json-array" },
  { file: "framing-records-wrapper.json", framing: "records-wrapper" },
  { file: "framing-es-export.ndjson", framing: "es-export", hits: true },
  { file: "framing-es-hits.json", framing: "es-hits", hits: true },
  { file: "framing-cloudwatch-logs.json", framing: "cloudwatch-logs" },
] as const;

type Compressor = {
  name: string;
  compression: string;
  make: (plain: Buffer, file: string) => Buffer;
  /** Force the zlib stream path (small gzip objects are otherwise decoded in one step). */
  stream?: boolean;
};

const COMPRESSORS: readonly Compressor[] = [
  { name: "none", compression: "none", make: (p) => p },
  { name: "gzip", compression: "gzip", make: (p) => gzip(p) },
  {
    name: "gzip multi-member cut mid-record",
    compression: "gzip",
    make: (p) => gzipCut(p, [1, Math.floor(p.length / 3), Math.floor(p.length / 2) + 7]),
  },
  { name: "gzip, streamed", compression: "gzip", make: (p) => gzip(p), stream: true },
  {
    name: "gzip multi-member, streamed",
    compression: "gzip",
    make: (p) => gzipCut(p, [1, Math.floor(p.length / 3), Math.floor(p.length / 2) + 7]),
    stream: true,
  },
  { name: "zstd (zstd -19)", compression: "zstd", make: (_p, file) => fixture(`${file}.zst`) },
  {
    name: "zstd multi-frame raw blocks",
    compression: "zstd",
    make: (p) => zstdFrames(p, [3, Math.floor(p.length / 2)]),
  },
];

const CHUNKINGS: readonly { name: string; sizes: number | number[] }[] = [
  { name: "one chunk", sizes: 1 << 30 },
  { name: "1-byte chunks", sizes: 1 },
  { name: "random chunks", sizes: randomSizes(7, 500, 97) },
];

function assertFound(
  r: Collected,
  layout: (typeof LAYOUTS)[number],
  compression: string,
  label: string,
): void {
  assert.equal(r.failure, undefined, `${label}: ${r.failure?.message}`);
  assert.equal(r.compression, compression, label);
  assert.equal(r.framing, layout.framing, label);
  assert.equal(r.records, 5, label);
  assert.equal(r.malformed, 0, `${label}: ${JSON.stringify(r.malformedSamples)}`);
  assert.equal(r.skipped, 0, label);
  assert.deepEqual(
    r.alerts.map((a) => a.source.record),
    [2, 5],
    label,
  );
  // The ECS view is the record; raw is the record, or the whole hit for Elasticsearch layouts.
  const raw = r.alerts[0]!.raw as Record<string, unknown>;
  if ("hits" in layout) {
    assert.equal(raw["_id"], "id2", label);
    assert.deepEqual(raw["_source"], RECORDS[1], label);
  } else {
    assert.deepEqual(raw, RECORDS[1], label);
  }
  assert.equal(r.alerts[1]!.event["file.path"], RECORDS[4]!.file.path, label);
}

describe("every layout x every compression x chunking", () => {
  for (const layout of LAYOUTS) {
    const plain = fixture(layout.file);
    for (const c of COMPRESSORS) {
      const bytes = c.make(plain, layout.file);
      test(`${layout.file} / ${c.name}`, async () => {
        const tuning = { smallGzipBytes: c.stream ? 0 : SMALL_GZIP_BYTES };
        for (const ch of CHUNKINGS) {
          for (const rule of [SHOULD_ALERT, SHOULD_ALERT_NO_PREFILTER]) {
            const label = `${layout.file} / ${c.name} / ${ch.name} / prefilter ${rule.compiled.prefilter ? "on" : "off"}`;
            const r = await scanCollect(chunked(bytes, ch.sizes), {
              uri: "s3://bucket/key",
              rules: [rule],
              tuning,
            });
            assertFound(r, layout, c.compression, label);
            assert.equal(r.decompressedBytes, plain.length, label);
            assert.equal(r.compressedBytes, bytes.length, label);
          }
        }
      });
    }
  }
});

describe("the public samples (../shared/samples/framing, copied)", () => {
  const SAMPLES = [
    {
      file: "09_firehose_s3_object_of_cwl_payloads.SYNTHETIC.gz",
      compression: "gzip",
      framing: "cloudwatch-logs",
      records: 2,
      alerts: [1, 2],
    },
    {
      file: "10_firehose_s3_object_concatenated_json_no_newline.SYNTHETIC.json",
      compression: "none",
      framing: "concatenated",
      records: 3,
      alerts: [1],
    },
    {
      file: "11_json_array.SYNTHETIC.json",
      compression: "none",
      framing: "json-array",
      records: 3,
      alerts: [1],
    },
    {
      file: "12_cloudtrail_style_records_wrapper.SYNTHETIC.json.gz",
      compression: "gzip",
      framing: "records-wrapper",
      records: 3,
      alerts: [1],
    },
    {
      file: "13_ndjson_crlf_bom_blank_no_trailing_nl.SYNTHETIC.ndjson",
      compression: "none",
      framing: "ndjson",
      records: 3,
      alerts: [1],
    },
    {
      file: "14_gzip_multimember_ndjson.SYNTHETIC.gz",
      compression: "gzip",
      framing: "ndjson",
      records: 6,
      alerts: [1, 6],
    },
    { file: "15_ndjson.SYNTHETIC.zst", compression: "zstd", framing: "ndjson", records: 6, alerts: [1, 6] },
  ] as const;
  for (const s of SAMPLES) {
    test(s.file, async () => {
      const bytes = fixture(s.file);
      for (const sizes of [1 << 20, 3]) {
        const r = await scanCollect(chunked(bytes, sizes), { uri: s.file, rules: [SHOULD_ALERT] });
        assert.equal(r.failure, undefined);
        assert.equal(r.compression, s.compression);
        assert.equal(r.framing, s.framing);
        assert.equal(r.records, s.records);
        assert.equal(r.malformed, 0);
        assert.deepEqual(
          r.alerts.map((a) => a.source.record),
          s.alerts,
        );
        for (const a of r.alerts)
          assert.match(String((a.raw as Record<string, unknown>)["event.id"]), /SHOULD_ALERT/);
      }
    });
  }
});
