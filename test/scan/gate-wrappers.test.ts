/**
 * The gate (prefilter) sees a wrapper's raw bytes, in which the records are JSON strings (a
 * CloudWatch Logs payload's messages): their quotes are escaped there, so whole-value literals
 * cannot be found in them. A payload the framer does not unwrap is parsed whatever the gate says.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { mayBeCwlPayload } from "../../src/ingest/index.ts";
import { parseRule } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";

const toml = (id: string, query: string) => `[metadata]
creation_date = "2026/12/01"
[rule]
author = ["test"]
description = "d"
name = "${id}"
risk_score = 1
rule_id = "${id}"
severity = "low"
type = "eql"
language = "eql"
index = ["logs-*"]
query = '''
${query}
'''
`;

// More rules than the indexOf strategy takes, so the automaton with whole values runs.
const rules = [
  parseRule(toml("curl-exec", 'process where event.action == "exec" and process.name == "curl"'), "a.toml"),
  parseRule(toml("wget", 'process where process.name == "wget"'), "b.toml"),
  parseRule(toml("nc", 'process where process.name == "ncat"'), "c.toml"),
  parseRule(toml("socat", 'process where process.name == "socat"'), "d.toml"),
];

const record = {
  "@timestamp": "2026-12-01T00:00:00Z",
  event: { category: ["process"], action: "exec", module: "endpoint" },
  process: { name: "curl" },
  data_stream: { dataset: "endpoint.events.process", namespace: "default", type: "logs" },
};

async function alertsFor(text: string): Promise<string[]> {
  const out: string[] = [];
  await scanObject([Buffer.from(text)], { uri: "x", rules, onAlert: (a) => out.push(a.rule.id) });
  return out;
}

describe("gate: records inside wrappers", () => {
  const event = { id: "1", timestamp: 1, message: JSON.stringify(record) };
  test("the plain record alerts (the rule set is sound on its own)", async () => {
    assert.deepEqual(await alertsFor(`${JSON.stringify(record)}\n`), ["curl-exec"]);
  });
  for (const [name, payload] of [
    [
      "messageType first (the framer unwraps it)",
      { messageType: "DATA_MESSAGE", owner: "1", logEvents: [event] },
    ],
    ["keys sorted (logEvents first)", { logEvents: [event], messageType: "DATA_MESSAGE", owner: "1" }],
    [
      "logEvents between other keys, messageType last",
      { owner: "1", logEvents: [event], messageType: "DATA_MESSAGE" },
    ],
  ] as const) {
    test(`a CloudWatch Logs payload, ${name}: its message alerts`, async () => {
      assert.deepEqual(await alertsFor(`${JSON.stringify(payload)}\n`), ["curl-exec"]);
    });
  }
});

describe("mayBeCwlPayload reads the record's own bytes only", () => {
  test("a payload-like record after it does not count; its own backslash and logEvents do", () => {
    const a = '{"process":{"name":"curl"}}';
    const b = '{"logEvents":[{"message":"{\\"a\\":1}"}]}';
    const buf = Buffer.from(`${a}\n${b}`);
    assert.equal(mayBeCwlPayload(buf, 0, a.length), false);
    assert.equal(mayBeCwlPayload(buf, a.length + 1, buf.length), true);
    // A backslash without logEvents, and a \u escape that could spell the key.
    const w = Buffer.from('{"p":"C:\\\\x"}');
    assert.equal(mayBeCwlPayload(w, 0, w.length), false);
    const u = Buffer.from('{"log\\u0045vents":[]}');
    assert.equal(mayBeCwlPayload(u, 0, u.length), true);
  });
});
