/**
 * CloudWatch Logs subscription payloads whose keys are sorted (Python json.dumps(sort_keys=True),
 * jq -S, Go maps): `logEvents` comes before `messageType`, so the framer cannot stream them as
 * `cloudwatch-logs`; the scanner must still read each event's message as a record.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { chunked, fakeRule, gzip, SHOULD_ALERT, scanCollect } from "../helpers.ts";

/** Keys sorted recursively, as sort_keys / jq -S write them. */
function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

function payload(messageType: string, messages: readonly unknown[], indent?: number): string {
  return JSON.stringify(
    sortKeys({
      messageType,
      owner: "123456789012",
      logGroup: "/edr/events",
      logStream: "s",
      subscriptionFilters: ["f"],
      logEvents: messages.map((m, i) => ({ id: String(i), timestamp: 1, message: JSON.stringify(m) })),
    }),
    null,
    indent,
  );
}

const ev = (id: string) => ({ event: { id } });
const BACKSLASH_RULE = fakeRule("backslash", "process.executable", "C:\\Windows\\evil");

async function scan(text: string | Buffer, rules = [SHOULD_ALERT], size = 1 << 20) {
  return scanCollect(chunked(Buffer.from(text), size), { uri: "s3://b/k", rules });
}

describe("CloudWatch Logs payloads with sorted keys", () => {
  test("the payload's text really has logEvents before messageType", () => {
    const p = payload("DATA_MESSAGE", [ev("x")]);
    assert.ok(p.indexOf('"logEvents"') < p.indexOf('"messageType"'));
    assert.ok(p.startsWith('{"logEvents"'));
  });

  test("one payload: each message is a record, with cloudwatch-logs ordinals", async () => {
    for (const size of [1 << 20, 7, 1]) {
      const r = await scan(
        payload("DATA_MESSAGE", [ev("1_SHOULD_ALERT"), ev("2_NOMATCH"), ev("3_SHOULD_ALERT")]),
        undefined,
        size,
      );
      assert.equal(r.failure, undefined);
      assert.equal(r.records, 3);
      assert.equal(r.malformed, 0);
      assert.equal(r.framing, "cloudwatch-logs");
      assert.deepEqual(
        r.alerts.map((a) => [a.source.record, (a.raw as { event: { id: string } }).event.id]),
        [
          [1, "1_SHOULD_ALERT"],
          [3, "3_SHOULD_ALERT"],
        ],
      );
    }
  });

  test("NDJSON of payloads, CONTROL_MESSAGE skipped, pretty-printed (jq -S) and gzipped", async () => {
    const lines = [
      payload("CONTROL_MESSAGE", ["CWL CONTROL MESSAGE: Checking health of destination Firehose."]),
      payload("DATA_MESSAGE", [ev("1_SHOULD_ALERT"), ev("2_NOMATCH")]),
      payload("DATA_MESSAGE", [ev("3_NOMATCH"), ev("4_SHOULD_ALERT")]),
    ];
    for (const text of [
      lines.join("\n"),
      lines.join(""),
      lines.map((l) => JSON.stringify(JSON.parse(l), null, 2)).join("\n"),
    ]) {
      for (const bytes of [Buffer.from(text), gzip(text)]) {
        const r = await scan(bytes);
        assert.equal(r.failure, undefined);
        assert.equal(r.records, 4, text.slice(0, 40));
        assert.equal(r.framing, "cloudwatch-logs");
        assert.deepEqual(
          r.alerts.map((a) => a.source.record),
          [1, 4],
        );
      }
    }
  });

  test("a message whose literal the prefilter cannot see (escaped twice) still alerts", async () => {
    // The message's JSON holds `C:\\Windows`; inside the payload string it is `C:\\\\Windows`,
    // which is not the literal's JSON spelling: the payload must be parsed regardless.
    const hit = { process: { executable: "C:\\Windows\\evil.exe" } };
    const p = payload("DATA_MESSAGE", [ev("nothing"), hit]);
    assert.ok(!p.includes("C:\\\\Windows\\\\evil"));
    const r = await scan(p, [BACKSLASH_RULE]);
    assert.equal(r.records, 2);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [2],
    );
  });

  test("a plain record and a payload in one NDJSON object: ordinals run on", async () => {
    const text = `${JSON.stringify(ev("1_SHOULD_ALERT"))}\n${payload("DATA_MESSAGE", [ev("2_NOMATCH"), ev("3_SHOULD_ALERT")])}\n`;
    const r = await scan(text);
    assert.equal(r.records, 3);
    assert.equal(r.framing, "ndjson");
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [1, 3],
    );
  });

  test("bad events are malformed records; a record with logEvents but no messageType stays a record", async () => {
    const bad = JSON.stringify({
      logEvents: [
        { id: "1", message: "not json" },
        { id: "2" },
        5,
        { id: "4", message: JSON.stringify(ev("4_SHOULD_ALERT")) },
      ],
      messageType: "DATA_MESSAGE",
    });
    const r = await scan(bad);
    assert.equal(r.records, 4);
    assert.equal(r.malformed, 3);
    assert.deepEqual(
      r.alerts.map((a) => a.source.record),
      [4],
    );
    const plain = JSON.stringify({ logEvents: [], event: { id: "1_SHOULD_ALERT" } });
    const r2 = await scan(plain);
    assert.equal(r2.records, 1);
    assert.equal(r2.alerts.length, 1);
  });
});
