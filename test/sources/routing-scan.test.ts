/**
 * Index routing end to end: one object holding Elastic Defend, SentinelOne and Endgame records,
 * scanned with a Linux process rule, a Windows rule and a SentinelOne-only rule. Each alerts
 * exactly where Elasticsearch would: on records whose query matches AND whose index the rule's
 * `index` patterns select. Every record here matches some rule's query, so a rule that ignored
 * its index patterns would alert on records where Elasticsearch never looks.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Alert } from "../../src/alerts/index.ts";
import { parseRule, type Rule } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { s1Base } from "./s1-records.ts";

function rule(id: string, name: string, index: readonly string[] | null, query: string): Rule {
  const indexLine = index === null ? "" : `index = ${JSON.stringify(index)}\n`;
  const toml = `[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["test"]
description = "${name}"
${indexLine}language = "eql"
license = "Elastic License v2"
name = "${name}"
risk_score = 47
rule_id = "${id}"
severity = "medium"
type = "eql"
query = '''
${query}
'''
`;
  return parseRule(toml, `${id}.toml`);
}

// A Linux process rule as Elastic writes them: Defend, Auditbeat and Endgame, not SentinelOne.
const linux = rule(
  "linux-curl",
  "Linux curl from a shell",
  ["logs-endpoint.events.process-*", "auditbeat-*", "endgame-*"],
  'process where host.os.type == "linux" and event.type == "start" and process.name == "curl" and process.parent.name == "bash"',
);
// A Windows rule for Defend, Winlogbeat and Endgame (not SentinelOne, not Linux data).
const windows = rule(
  "win-encoded-ps",
  "Encoded PowerShell",
  ["logs-endpoint.events.process-*", "winlogbeat-*", "logs-windows.*", "endgame-*"],
  'process where host.os.type == "windows" and event.type == "start" and process.name : "powershell.exe" and process.args : "-enc"',
);
// A rule that searches SentinelOne data only.
const s1only = rule(
  "s1-any-powershell",
  "PowerShell seen by SentinelOne",
  ["logs-sentinel_one_cloud_funnel.*"],
  'process where process.name : "powershell.exe"',
);
// No index at all: Kibana's default security patterns (logs-*, endgame-*, ...).
const defaults = rule("default-curl", "curl anywhere", null, 'process where process.name == "curl"');

function defend(
  os: "linux" | "windows",
  id: string,
  process: Record<string, unknown>,
): Record<string, unknown> {
  return {
    "@timestamp": "2024-05-01T12:00:00.000Z",
    agent: { type: "endpoint" },
    data_stream: { type: "logs", dataset: "endpoint.events.process", namespace: "default" },
    event: { module: "endpoint", category: ["process"], type: ["start"], action: "exec", id },
    host: { name: `${os}-host`, os: { type: os } },
    process,
  };
}

const curl = { name: "curl", args: ["curl", "-O", "http://198.51.100.1/x"], parent: { name: "bash" } };
const ps = {
  name: "powershell.exe",
  args: ["powershell.exe", "-enc", "SQBFAFgA"],
  parent: { name: "cmd.exe" },
};

const s1Process = (id: string, os: string, name: string, cmdline: string): Record<string, unknown> =>
  s1Base({
    "event.id": id,
    "endpoint.os": os,
    "event.category": "process",
    "event.type": "ProcessCreation",
    "meta.event.name": "PROCESSCREATION",
    "src.process.name": os === "linux" ? "bash" : "cmd.exe",
    "tgt.process.name": name,
    "tgt.process.cmdline": cmdline,
    "tgt.process.pid": 99,
  });

const endgame = (id: string, os: string, process: Record<string, unknown>): Record<string, unknown> => ({
  "@timestamp": "2024-05-01T12:00:00.000Z",
  agent: { type: "endgame", version: "3.54.0" },
  event: { module: "endgame", category: "process", type: "start", action: "creation_event", id },
  host: { os: { type: os } },
  process,
});

const records: Record<string, unknown>[] = [
  defend("linux", "defend-linux-curl", curl),
  defend("windows", "defend-win-ps", ps),
  s1Process("s1-linux-curl", "linux", "curl", "curl -O http://198.51.100.1/x"),
  s1Process("s1-win-ps", "windows", "powershell.exe", "powershell.exe -enc SQBFAFgA"),
  endgame("endgame-linux-curl", "linux", curl),
  endgame("endgame-win-ps", "windows", ps),
];

async function scan(rules: readonly Rule[]): Promise<Map<string, string[]>> {
  const text = `${records.map((r) => JSON.stringify(r)).join("\n")}\n`;
  const alerts: Alert[] = [];
  async function* input(): AsyncGenerator<Uint8Array> {
    yield new TextEncoder().encode(text);
  }
  const result = await scanObject(input(), {
    uri: "file://mixed.ndjson",
    rules,
    onAlert: (a) => alerts.push(a),
  });
  assert.equal(result.failure, undefined);
  const byRule = new Map<string, string[]>();
  for (const a of alerts) {
    const raw = a.raw as Record<string, unknown>;
    const id = String((raw.event as { id?: unknown } | undefined)?.id ?? raw["event.id"]);
    const list = byRule.get(a.rule.id) ?? [];
    list.push(id);
    byRule.set(a.rule.id, list);
  }
  for (const list of byRule.values()) list.sort();
  return byRule;
}

describe("index routing over one object of Defend, SentinelOne and Endgame records", () => {
  test("each rule alerts exactly where Elasticsearch would", async () => {
    const byRule = await scan([linux, windows, s1only, defaults]);
    // The SentinelOne Linux curl matches the Linux query but lives in an index the rule does not search.
    assert.deepEqual(byRule.get("linux-curl"), ["defend-linux-curl", "endgame-linux-curl"]);
    // Likewise the SentinelOne Windows PowerShell for the Windows rule.
    assert.deepEqual(byRule.get("win-encoded-ps"), ["defend-win-ps", "endgame-win-ps"]);
    // The SentinelOne-only query matches the Defend and Endgame PowerShell too: only S1 alerts.
    assert.deepEqual(byRule.get("s1-any-powershell"), ["s1-win-ps"]);
    // No index: Kibana's defaults include logs-* and endgame-*, so every curl alerts.
    assert.deepEqual(byRule.get("default-curl"), [
      "defend-linux-curl",
      "endgame-linux-curl",
      "s1-linux-curl",
    ]);
  });
});
