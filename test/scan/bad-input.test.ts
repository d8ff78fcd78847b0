/** Bad records are values: counted with their ordinals, never thrown, never hiding good records. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  chunked,
  fakeRule,
  gzip,
  randomSizes,
  SHOULD_ALERT,
  SHOULD_ALERT_NO_PREFILTER,
  scanCollect,
  zstdRawFrame,
} from "../ingest/helpers.ts";

const RULES = [SHOULD_ALERT, SHOULD_ALERT_NO_PREFILTER] as const;

async function scan(
  bytes: Uint8Array,
  rule = SHOULD_ALERT,
  sizes: number | number[] = 1 << 20,
  maxRecordBytes?: number,
) {
  return scanCollect(chunked(bytes, sizes), {
    uri: "file:///tmp/x",
    rules: [rule],
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
  });
}

describe("malformed records in NDJSON", () => {
  const lines = [
    '{"event":{"id":"1_SHOULD_ALERT"}}',
    "not json at all",
    '{"event":{"id":"3_NOMATCH"',
    "[1,2]",
    '"x"',
    "{}",
    "\u0000\u0001\u00ff\u00fe binary \u0007",
    "\u0000\u0000\u0000\u0000",
    "null",
    "12345",
    '{"event":{"id":"11_SHOULD_ALERT"}}',
  ];
  const text = Buffer.concat([Buffer.from(lines.join("\n")), Buffer.from([0x0a, 0xff, 0xfe, 0x80, 0x0a])]);
  for (const rule of RULES) {
    for (const sizes of [1 << 20, 1, randomSizes(3, 100, 13)]) {
      test(`counted, first ordinals reported, rest scanned (prefilter ${rule.compiled.prefilter ? "on" : "off"}, chunks ${Array.isArray(sizes) ? "random" : sizes})`, async () => {
        const r = await scan(text, rule, sizes);
        assert.equal(r.failure, undefined);
        assert.equal(r.records, 12);
        assert.equal(r.malformed, 10);
        assert.deepEqual(
          r.malformedSamples.map((m) => m.record),
          [2, 3, 4, 5, 6, 7, 8, 9, 10, 12].slice(0, 10),
        );
        assert.deepEqual(
          r.alerts.map((a) => a.source.record),
          [1, 11],
        );
        const reasons = Object.fromEntries(r.malformedSamples.map((m) => [m.record, m.reason]));
        assert.match(reasons[2]!, /^not JSON: /);
        assert.match(reasons[3]!, /^not JSON: /);
        assert.equal(reasons[4], "not a JSON object (array)");
        assert.equal(reasons[5], "not a JSON object (string)");
        assert.equal(reasons[6], "empty JSON object");
        assert.equal(reasons[9], "not a JSON object (null)");
        assert.equal(reasons[10], "not a JSON object (number)");
        for (const m of r.malformedSamples) assert.ok(m.reason.length <= 120, m.reason);
      });
    }
  }

  test("only the first 10 ordinals are kept, all are counted", async () => {
    const r = await scan(Buffer.from(`${"oops\n".repeat(25)}{"event":{"id":"SHOULD_ALERT"}}`));
    assert.equal(r.malformed, 25);
    assert.equal(r.malformedSamples.length, 10);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [26],
    );
  });

  test("binary garbage as a whole object (a stray image) is malformed, not a failure", async () => {
    const bin = Buffer.alloc(5000);
    for (let i = 0; i < bin.length; i++) bin[i] = (i * 7919 + 13) & 0xff;
    bin[0] = 0x89; // PNG-like start, not a known compression
    const r = await scan(bin);
    assert.equal(r.failure, undefined);
    assert.ok(r.records > 0);
    assert.equal(r.malformed, r.records - r.skipped);
    assert.equal(r.alerts.length, 0);
  });

  test("a line with two glued objects (`}{`) is two records", async () => {
    const r = await scan(
      Buffer.from(
        '{"event":{"id":"a"}}\n{"event":{"id":"b"}}{"event":{"id":"SHOULD_ALERT }{"}}\n{"event":{"id":"d"}}\n',
      ),
    );
    assert.equal(r.framing, "ndjson");
    assert.equal(r.records, 4);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [3],
    );
  });
});

describe("malformed records in streamed layouts", () => {
  for (const rule of RULES) {
    test(`array elements that are not objects (prefilter ${rule.compiled.prefilter ? "on" : "off"})`, async () => {
      const r = await scan(
        Buffer.from(
          '[{"a":1}, 1, "x", {}, [1, {"b":2}], null, true, -1.5e3, {"event":{"id":"SHOULD_ALERT"}}]',
        ),
        rule,
        3,
      );
      assert.equal(r.framing, "json-array");
      assert.equal(r.records, 9);
      assert.equal(r.malformed, 7);
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [9],
      );
    });
  }

  test("garbage between concatenated values is one malformed record up to the end of its line", async () => {
    const r = await scan(
      Buffer.from('{"a":1}{"b":2}garbage ] here\n{"event":{"id":"SHOULD_ALERT"}} ]stray\n{"c":3}'),
      SHOULD_ALERT,
      2,
    );
    assert.equal(r.framing, "concatenated");
    assert.equal(r.records, 6);
    assert.equal(r.malformed, 2);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [4],
    );
  });

  test("a truncated array: elements before the cut are scanned, the cut one is malformed", async () => {
    const r = await scan(Buffer.from('[{"event":{"id":"SHOULD_ALERT"}},{"b":'));
    assert.equal(r.failure, undefined);
    assert.equal(r.records, 2);
    assert.equal(r.malformed, 1);
    assert.equal(r.alerts.length, 1);
  });

  test("CloudWatch Logs: a message that is not JSON is malformed; CONTROL_MESSAGE events are not records", async () => {
    const payload = (type: string, messages: string[]) =>
      JSON.stringify({
        messageType: type,
        owner: "1",
        logGroup: "g",
        logStream: "s",
        subscriptionFilters: [],
        logEvents: messages.map((m, i) => ({ id: String(i), timestamp: i, message: m })),
      });
    const text = [
      payload("CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination Firehose."]),
      payload("DATA_MESSAGE", ["plain text log line", '{"event":{"id":"SHOULD_ALERT"}}', "[1]"]),
    ].join("");
    for (const bytes of [Buffer.from(text), gzip(text), zstdRawFrame(Buffer.from(text), 50)]) {
      const r = await scan(bytes, SHOULD_ALERT, 4);
      assert.equal(r.framing, "cloudwatch-logs");
      assert.equal(r.records, 3);
      assert.equal(r.malformed, 2);
      assert.match(r.malformedSamples[0]!.reason, /^CloudWatch Logs message is not JSON/);
      assert.equal(r.malformedSamples[1]!.reason, "CloudWatch Logs message is not a JSON object (array)");
      assert.deepEqual(
        r.alerts.map((a) => a.source.record),
        [2],
      );
      assert.deepEqual(r.alerts[0]!.raw, { event: { id: "SHOULD_ALERT" } });
    }
  });
});

describe("empty objects", () => {
  for (const [name, bytes] of [
    ["0 bytes", Buffer.alloc(0)],
    ["an empty gzip", gzip("")],
    ["an empty zstd frame", zstdRawFrame(Buffer.alloc(0))],
    ["whitespace only", Buffer.from(" \r\n\n\t ")],
    ["a BOM only", Buffer.from([0xef, 0xbb, 0xbf])],
    ["blank lines in gzip", gzip("\n\n\r\n")],
  ] as const) {
    test(`${name}: 0 records, no failure`, async () => {
      const r = await scan(bytes, SHOULD_ALERT, 1);
      assert.equal(r.failure, undefined);
      assert.equal(r.records, 0);
      assert.equal(r.malformed, 0);
      assert.equal(r.framing, "empty");
    });
  }
});

describe("records longer than maxRecordBytes", () => {
  const long = `{"event":{"id":"2_SHOULD_ALERT"},"pad":"${"x".repeat(5000)}"}`;
  const a = '{"event":{"id":"1_SHOULD_ALERT"}}';
  const c = '{"event":{"id":"3_SHOULD_ALERT"}}';
  const layouts: [string, string, string][] = [
    ["ndjson", `${a}\n${long}\n${c}\n`, "ndjson"],
    ["ndjson, long last line without newline", `${a}\n${c}\n${long}`, "ndjson"],
    ["array", `[${a},${long},${c}]`, "json-array"],
    ["concatenated", `${a}${long}${c}`, "concatenated"],
    ["records wrapper", `{"Records":[${a},${long},${c}]}`, "records-wrapper"],
  ];
  for (const [name, text, framing] of layouts) {
    for (const sizes of [1 << 20, 1, 333]) {
      test(`${name}: skipped with its ordinal, the next one found (chunks ${sizes})`, async () => {
        const r = await scan(Buffer.from(text), SHOULD_ALERT, sizes, 1000);
        assert.equal(r.failure, undefined);
        assert.equal(r.framing, framing);
        assert.equal(r.records, 3);
        assert.equal(r.skipped, 1);
        assert.equal(r.malformed, 0);
        const skippedAt = name.includes("last line") ? 3 : 2;
        assert.deepEqual(r.skippedSamples, [{ record: skippedAt, bytes: long.length }]);
        assert.equal(r.alerts.length, 2);
        assert.ok(!r.alerts.some((x) => x.source.record === skippedAt));
      });
    }
  }
});

describe("a rule or mapping that throws on an odd record", () => {
  test("is one malformed record, not a failed object; onAlert errors still reach the caller", async () => {
    const throwing = fakeRule("throws", "event.id", "X");
    const rule = {
      ...throwing,
      compiled: {
        ...throwing.compiled,
        prefilter: null,
        matches: (e: unknown) => {
          if (JSON.stringify(e).includes("boom")) throw new Error("boom in rule");
          return JSON.stringify(e).includes("SHOULD_ALERT");
        },
      },
    };
    const text = Buffer.from('{"a":"boom"}\n{"event":{"id":"SHOULD_ALERT"}}\n');
    const r = await scanCollect(chunked(text, 5), { uri: "x", rules: [rule] });
    assert.equal(r.failure, undefined);
    assert.equal(r.records, 2);
    assert.equal(r.malformed, 1);
    assert.equal(r.malformedSamples[0]!.reason, "could not be evaluated: boom in rule");
    assert.equal(r.alerts.length, 1);
    await assert.rejects(
      scanCollect(chunked(text, 5), {
        uri: "x",
        rules: [rule],
        onAlert: () => {
          throw new Error("sink down");
        },
      }),
      /sink down/,
    );
  });
});
