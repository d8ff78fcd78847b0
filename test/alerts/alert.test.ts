import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { alertId, boundDepth, buildAlert, DEPTH_MARKER, MAX_RAW_DEPTH } from "../../src/alerts/alert.ts";
import { loadBuiltinRules } from "../../src/rules/index.ts";

const hit = {
  "@timestamp": "2024-05-01T12:00:00Z",
  event: { category: ["file"], type: ["creation"] },
  host: { name: "web-7", os: { type: "linux" } },
  file: { path: "/etc/NetworkManager/dispatcher.d/99-x.sh", name: "99-x.sh", extension: "sh" },
  process: { executable: "/usr/bin/bash", name: "bash", pid: 42, command_line: "bash -c x" },
  user: { name: "root" },
};

function nested(levels: number): unknown {
  let v: unknown = "leaf";
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe("buildAlert", () => {
  test("ids are deterministic and differ by rule, object, version and record", () => {
    const a = alertId("r", "s3://b/k", "v1", 1);
    assert.equal(a, alertId("r", "s3://b/k", "v1", 1));
    assert.match(a, /^[0-9a-f]{32}$/);
    const others = [
      alertId("r2", "s3://b/k", "v1", 1),
      alertId("r", "s3://b/k2", "v1", 1),
      alertId("r", "s3://b/k", "v2", 1),
      alertId("r", "s3://b/k", "v1", 2),
      alertId("r", "s3://b/k", undefined, 1),
    ];
    assert.equal(new Set([a, ...others]).size, 6);
  });

  test("the event view holds the fields the rule read plus context, flat and as strings", async () => {
    const [rule] = await loadBuiltinRules();
    assert.ok(rule);
    const alert = buildAlert({ rule, ecs: hit, raw: hit, uri: "f.ndjson", record: 3 });
    assert.equal(alert.event["file.path"], hit.file.path);
    assert.equal(alert.event["process.pid"], "42");
    assert.equal(alert.event["user.name"], "root");
    assert.equal(alert.event["@timestamp"], hit["@timestamp"]);
    assert.deepEqual(alert.source, { uri: "f.ndjson", record: 3 });
    assert.equal(alert.raw, hit, "a normal record is kept as is, not copied");
    assert.equal(alert.rule.risk_score, 21);
  });

  test("a record nested deeper than JSON.stringify can bear still gives a serialisable alert", async () => {
    const [rule] = await loadBuiltinRules();
    assert.ok(rule);
    const raw = { ...hit, deep: nested(100_000), ["__proto__"]: "x" };
    Object.defineProperty(raw, "__proto__", { value: { polluted: true }, enumerable: true });
    const alert = buildAlert({ rule, ecs: raw, raw, uri: "f", record: 1 });
    const text = JSON.stringify(alert);
    assert.ok(text.includes(DEPTH_MARKER));
    const back = JSON.parse(text);
    assert.equal(back.raw.file.path, hit.file.path, "the rest of the record is kept");
    assert.deepEqual(Object.getOwnPropertyDescriptor(back.raw, "__proto__")?.value, { polluted: true });
    assert.equal(({} as Record<string, unknown>).polluted, undefined, "nothing reached Object.prototype");
  });

  test("boundDepth keeps values at the limit and cuts beyond it", () => {
    const atLimit = nested(MAX_RAW_DEPTH);
    assert.equal(boundDepth(atLimit, MAX_RAW_DEPTH), atLimit);
    const over = boundDepth(nested(MAX_RAW_DEPTH + 1), MAX_RAW_DEPTH);
    assert.notEqual(over, undefined);
    assert.ok(JSON.stringify(over).includes(DEPTH_MARKER));
    assert.deepEqual(boundDepth({ a: [1, { b: 2 }] }, 1), { a: DEPTH_MARKER });
  });
});
