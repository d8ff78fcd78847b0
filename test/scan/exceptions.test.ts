import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Alert } from "../../src/alerts/index.ts";
import { ExceptionCatalog, parseKibanaExport } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";

async function* bytes(text: string): AsyncGenerator<Uint8Array> {
  yield Buffer.from(text);
}

const ndjson = (...objs: unknown[]): string => `${objs.map((o) => JSON.stringify(o)).join("\n")}\n`;

function exportedRule(): ReturnType<ExceptionCatalog["link"]> {
  const text = ndjson(
    {
      rule_id: "curl-raw-ip",
      name: "curl to a raw IP",
      description: "d",
      type: "eql",
      language: "eql",
      query: 'process where process.name == "curl"',
      index: ["logs-endpoint.events.process-*"],
      severity: "medium",
      risk_score: 47,
      exceptions_list: [{ id: "x", list_id: "admins", namespace_type: "single", type: "detection" }],
    },
    { list_id: "admins", namespace_type: "single", type: "detection", name: "Admin tools" },
    {
      item_id: "deploy",
      list_id: "admins",
      namespace_type: "single",
      type: "simple",
      name: "deploy user on build hosts",
      entries: [
        { field: "user.name", operator: "included", type: "match", value: "deploy" },
        { field: "host.name", operator: "included", type: "wildcard", value: "build-*" },
      ],
    },
    {
      item_id: "old",
      list_id: "admins",
      namespace_type: "single",
      type: "simple",
      name: "expired: anything from web-1",
      expire_time: "2020-01-01T00:00:00.000Z",
      entries: [{ field: "host.name", operator: "included", type: "match", value: "web-1" }],
    },
  );
  const x = parseKibanaExport(text, "export.ndjson");
  assert.deepEqual(x.problems, []);
  const catalog = new ExceptionCatalog();
  for (const l of x.lists) catalog.addList(l);
  for (const i of x.items) catalog.addItem(i);
  return catalog.link(x.rules[0]!);
}

const ev = (host: string, user: string): string =>
  JSON.stringify({
    "@timestamp": "2024-05-01T12:00:00Z",
    event: { category: ["process"] },
    process: { name: "curl" },
    host: { name: host },
    user: { name: user },
  });

describe("scanObject applies the rules' exceptions", () => {
  test("a hit matching an item is dropped and counted per rule and item; expired items drop nothing", async () => {
    const rule = exportedRule();
    const lines = [
      ev("build-1", "deploy"),
      ev("build-2", "deploy"),
      ev("web-1", "deploy"),
      ev("build-3", "root"),
    ];
    const alerts: Alert[] = [];
    const result = await scanObject(bytes(`${lines.join("\n")}\n`), {
      uri: "mixed.ndjson",
      rules: [rule],
      onAlert: (a) => alerts.push(a),
    });
    assert.deepEqual(
      alerts.map((a) => a.source.record),
      [3, 4],
    );
    assert.equal(result.alertCount, 2);
    assert.deepEqual(result.exceptionDrops, [
      {
        ruleId: "curl-raw-ip",
        listId: "admins",
        itemId: "deploy",
        itemName: "deploy user on build hosts",
        dropped: 2,
      },
    ]);
  });

  test("the clock decides expiry: before expire_time the item still applies", async () => {
    const rule = exportedRule();
    const alerts: Alert[] = [];
    const result = await scanObject(bytes(`${ev("web-1", "x")}\n`), {
      uri: "one.ndjson",
      rules: [rule],
      nowMs: Date.parse("2019-06-01T00:00:00Z"),
      onAlert: (a) => alerts.push(a),
    });
    assert.equal(alerts.length, 0);
    assert.equal(result.exceptionDrops?.[0]?.itemId, "old");
  });

  test("rules without exceptions report no drops", async () => {
    const { rule: bare } = parseKibanaExport(
      ndjson({
        rule_id: "r",
        name: "n",
        type: "eql",
        language: "eql",
        query: "process where true",
        severity: "low",
        risk_score: 1,
      }),
      "e.ndjson",
    ).rules[0]!;
    const result = await scanObject(bytes(`${ev("a", "b")}\n`), { uri: "x", rules: [bare] });
    assert.equal(result.alertCount, 1);
    assert.equal(result.exceptionDrops, undefined);
  });
});
