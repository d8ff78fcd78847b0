/**
 * A first value with a `Records` or `hits.hits` array is a wrapper only when it is the whole
 * object (or a wrapper per line: only wrapper keys); otherwise it is an ordinary record, which
 * used to be dropped silently (neither evaluated nor counted).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chunked, gzip, SHOULD_ALERT, scanCollect } from "../helpers.ts";

const rec = (id: string, extra: object = {}) => ({ event: { id }, ...extra });
const j = (v: unknown) => JSON.stringify(v);

async function scan(text: string | Buffer, size: number, maxRecordBytes?: number) {
  return scanCollect(chunked(Buffer.from(text), size), {
    uri: "s3://b/k",
    rules: [SHOULD_ALERT],
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
  });
}

const SIZES = [1 << 20, 7, 1];

describe("first record with a Records or hits.hits key", () => {
  const extras: [string, object][] = [
    ["Records: []", { Records: [] }],
    ["Records: [object]", { Records: [{ event: { id: "inner_SHOULD_ALERT" } }] }],
    ["hits.hits: []", { hits: { hits: [] } }],
    [
      "hits.hits: [hit]",
      { hits: { total: 1, hits: [{ _index: "i", _source: { event: { id: "inner_SHOULD_ALERT" } } }] } },
    ],
  ];
  for (const [name, extra] of extras) {
    for (const [layout, sep, framing] of [
      ["ndjson", "\n", "ndjson"],
      ["concatenated", "", "concatenated"],
    ] as const) {
      test(`${name}, ${layout}: the first record is evaluated and counted`, async () => {
        const text = [rec("1_SHOULD_ALERT", extra), rec("2_NOMATCH"), rec("3_SHOULD_ALERT")].map(j).join(sep);
        for (const size of SIZES) {
          for (const bytes of [Buffer.from(text), gzip(text)]) {
            const r = await scan(bytes, size);
            assert.equal(r.failure, undefined);
            assert.equal(r.records, 3, `${name} ${layout} chunk ${size}`);
            assert.equal(r.malformed, 0);
            // A `"_source"` anywhere on the first line names the layout es-export (a label only).
            assert.equal(r.framing, framing === "ndjson" && name.endsWith("[hit]") ? "es-export" : framing);
            assert.deepEqual(
              r.alerts.map((a) => a.source.record),
              [1, 3],
            );
          }
        }
      });
    }
  }

  test("a record with a Records key and _source keeps the es-export layout", async () => {
    const text = [
      { _index: "i", _id: "1", _source: rec("1_SHOULD_ALERT"), Records: [] },
      { _index: "i", _id: "2", _source: rec("2_SHOULD_ALERT") },
    ]
      .map(j)
      .join("\n");
    const r = await scan(text, 5);
    assert.equal(r.framing, "es-export");
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [1, 2],
    );
  });
});

describe("real wrappers are still unwrapped", () => {
  test("a single Records wrapper, compact and pretty, with trailing whitespace", async () => {
    const w = { Records: [rec("1_SHOULD_ALERT"), rec("2_NOMATCH"), rec("3_SHOULD_ALERT")] };
    for (const text of [j(w), `${JSON.stringify(w, null, 2)}\n\n `]) {
      for (const size of SIZES) {
        const r = await scan(text, size);
        assert.equal(r.framing, "records-wrapper");
        assert.equal(r.records, 3);
        assert.deepEqual(
          r.alerts.map((a) => a.source.record),
          [1, 3],
        );
      }
    }
  });

  test("a wrapper with other keys, alone in the object, is a wrapper (keys other than the array ignored)", async () => {
    const text = j({ event: { id: "outer_SHOULD_ALERT" }, Records: [rec("1_SHOULD_ALERT")] });
    const r = await scan(text, 3);
    assert.equal(r.framing, "records-wrapper");
    assert.equal(r.records, 1);
    assert.deepEqual(
      r.alerts.map((a) => (a.raw as { event: { id: string } }).event.id),
      ["1_SHOULD_ALERT"],
    );
  });

  test("NDJSON of wrapper lines: every line unwrapped", async () => {
    const text = `${j({ Records: [rec("1_SHOULD_ALERT"), rec("2_NOMATCH")] })}\n${j({ Records: [rec("3_SHOULD_ALERT")] })}\n`;
    for (const size of SIZES) {
      const r = await scan(text, size);
      assert.equal(r.framing, "records-wrapper");
      assert.equal(r.records, 3);
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [1, 3],
      );
    }
  });

  test("an Elasticsearch search response", async () => {
    const hits = [rec("1_SHOULD_ALERT"), rec("2_NOMATCH")].map((s, i) => ({
      _index: "i",
      _id: String(i),
      _source: s,
    }));
    const text = j({
      took: 3,
      timed_out: false,
      _shards: { total: 1 },
      hits: { total: { value: 2 }, max_score: 1, hits },
    });
    for (const size of SIZES) {
      const r = await scan(text, size);
      assert.equal(r.framing, "es-hits");
      assert.equal(r.records, 2);
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [1],
      );
    }
  });

  test("a wrapper longer than maxRecordBytes is streamed as a wrapper, element by element", async () => {
    const elems = Array.from({ length: 40 }, (_, i) =>
      rec(`${i + 1}_${(i + 1) % 10 === 0 ? "SHOULD_ALERT" : "NOMATCH"}`),
    );
    for (const text of [
      j({ Records: elems }),
      `${j({ Records: elems })}\n${j({ Records: [rec("41_SHOULD_ALERT")] })}`,
    ]) {
      for (const size of SIZES) {
        const r = await scan(text, size, 200);
        assert.equal(r.framing, "records-wrapper");
        assert.equal(r.skipped, 0);
        assert.deepEqual(
          r.alerts.map((a) => a.source.record),
          text.includes("41_") ? [10, 20, 30, 40, 41] : [10, 20, 30, 40],
        );
      }
    }
  });

  test("a truncated first wrapper: the complete elements are still read", async () => {
    const text = `{"Records":[${j(rec("1_SHOULD_ALERT"))},${j(rec("2_SHOULD_ALERT")).slice(0, 10)}`;
    for (const size of SIZES) {
      const r = await scan(text, size);
      assert.equal(r.framing, "records-wrapper");
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [1],
      );
      assert.equal(r.records, 2);
      assert.equal(r.malformed, 1);
    }
  });
});
