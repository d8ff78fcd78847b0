/** Index routing: the index a record would be in, and rule index patterns as Elasticsearch expands them. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import {
  dataStreamOfIndex,
  hitIndexOf,
  indexFor,
  indexPatternMatches,
  KIBANA_DEFAULT_INDEX_PATTERNS,
  ruleAppliesToIndex,
  simpleWildcardMatch,
  toEcs,
} from "../../src/sources/index.ts";

describe("simple wildcard match (only * is special)", () => {
  const cases: [string, string, boolean][] = [
    ["logs-*", "logs-endpoint.events.process-default", true],
    ["logs-*", "logs-", true],
    ["logs-*", "logs", false],
    ["*-default", "logs-x-default", true],
    ["apm-*-transaction*", "apm-7.10-transaction-000001", true],
    ["apm-*-transaction*", "apm-transaction", false],
    ["a*b*a", "aba", true],
    ["a*b*a", "ab", false],
    ["a*a", "a", false],
    ["logs-?", "logs-a", false],
    ["logs-?", "logs-?", true],
    ["exact", "exact", true],
    ["*", "", true],
  ];
  for (const [p, name, want] of cases) {
    test(`${p} ~ ${JSON.stringify(name)}: ${want}`, () => assert.equal(simpleWildcardMatch(p, name), want));
  }
});

describe("index patterns, as a search over a rule's index list", () => {
  const cases: [readonly string[], string, boolean][] = [
    [["logs-endpoint.events.process-*"], "logs-endpoint.events.process-default", true],
    [["logs-endpoint.events.process-*"], "logs-endpoint.events.file-default", false],
    [["logs-endpoint.events.*", "logs-windows.*"], "logs-windows.sysmon_operational-default", true],
    [["auditbeat-*", "logs-endpoint.events.*"], "logs-sentinel_one_cloud_funnel.event-default", false],
    [["logs-sentinel_one_cloud_funnel.*"], "logs-sentinel_one_cloud_funnel.event-default", true],
    [["endgame-*"], "endgame-3.54.0", true],
    // exclusions remove what the patterns before them selected ...
    [["logs-*", "-logs-endpoint.*"], "logs-endpoint.events.file-default", false],
    [["logs-*", "-logs-endpoint.*"], "logs-system.auth-default", true],
    // ... and a later pattern can select again
    [
      ["logs-*", "-logs-endpoint.*", "logs-endpoint.events.file-*"],
      "logs-endpoint.events.file-default",
      true,
    ],
    // before any wildcard, "-x" is a name (which no index can have), not an exclusion
    [["-logs-a", "logs-*"], "logs-a", true],
    [["logs-a", "-logs-a"], "logs-a", true],
    // comma-separated lists inside one element
    [["logs-a*,-logs-ab"], "logs-ac", true],
    [["logs-a*,-logs-ab"], "logs-ab", false],
    // another cluster's indices never hold a local record
    [["remote:logs-*"], "logs-x-default", false],
    [["*:logs-*", "logs-*"], "logs-x-default", true],
    // wildcards do not expand to dot-prefixed (hidden/system) names unless they start with "."
    [["*"], ".ds-logs-x-default-2024.01.01-000001", false],
    [[".ds-*"], ".ds-logs-x-default-2024.01.01-000001", true],
    [["logs-x-default"], "logs-x-default", true],
    [["_all"], "logs-x-default", true],
    [["_all", "-logs-*"], "logs-x-default", false],
    [["logs-x-defaul"], "logs-x-default", false],
  ];
  for (const [patterns, index, want] of cases) {
    test(`${JSON.stringify(patterns)} ${want ? "selects" : "does not select"} ${index}`, () => {
      assert.equal(indexPatternMatches(patterns, index), want);
    });
  }

  test("no index: Kibana's default security patterns, with elastic-cloud logs excluded", () => {
    assert.deepEqual(KIBANA_DEFAULT_INDEX_PATTERNS, [
      "apm-*-transaction*",
      "auditbeat-*",
      "endgame-*",
      "filebeat-*",
      "logs-*",
      "packetbeat-*",
      "traces-apm*",
      "winlogbeat-*",
      "-*elastic-cloud-logs-*",
    ]);
    for (const i of [
      "logs-endpoint.events.process-default",
      "endgame-unknown",
      "winlogbeat-8.1.0",
      "auditbeat-7",
    ]) {
      assert.equal(indexPatternMatches([], i), true, i);
    }
    for (const i of [
      "metrics-endpoint.metadata-default",
      "logs-elastic-cloud-logs-8-default",
      "custom-index",
    ]) {
      assert.equal(indexPatternMatches([], i), false, i);
    }
  });

  test("a record of unknown index is evaluated by every rule", () => {
    assert.equal(ruleAppliesToIndex(["auditbeat-*"], undefined), true);
    assert.equal(ruleAppliesToIndex(["auditbeat-*"], "logs-x-default"), false);
  });
});

describe("the index a record would be in", () => {
  test("Elastic Defend: from data_stream.*", () => {
    const r = {
      event: { module: "endpoint" },
      data_stream: { type: "logs", dataset: "endpoint.events.process", namespace: "prod" },
    };
    assert.equal(indexFor(r, "defend"), "logs-endpoint.events.process-prod");
    assert.equal(toEcs(r, "auto").index, "logs-endpoint.events.process-prod");
    const dotted = { "event.module": "endpoint", "data_stream.dataset": "endpoint.alerts" };
    assert.equal(indexFor(dotted, "defend"), "logs-endpoint.alerts-default");
  });
  test("Elastic Defend without data_stream: from event.dataset, else unknown", () => {
    assert.equal(
      indexFor({ event: { module: "endpoint", dataset: "endpoint.events.file" } }, "defend"),
      "logs-endpoint.events.file-default",
    );
    assert.equal(indexFor({ event: { module: "endpoint" } }, "defend"), undefined);
  });
  test("SentinelOne: the integration's event data stream", () => {
    assert.equal(
      indexFor({ "dataSource.name": "SentinelOne" }, "sentinelone"),
      "logs-sentinel_one_cloud_funnel.event-default",
    );
    assert.equal(
      toEcs({ "dataSource.name": "SentinelOne", "event.category": "process" }, "auto").index,
      "logs-sentinel_one_cloud_funnel.event-default",
    );
  });
  test("Endgame: endgame-<version>", () => {
    assert.equal(
      indexFor({ event: { module: "endgame" }, agent: { version: "3.54.0" } }, "endgame"),
      "endgame-3.54.0",
    );
    assert.equal(
      indexFor({ event: { module: "endgame" }, ecs: { version: "1.4.0" } }, "endgame"),
      "endgame-1.4.0",
    );
    assert.equal(indexFor({ endgame: { pid: 1 } }, "endgame"), "endgame-unknown");
  });
  test("other ECS documents: their data_stream.* when present, else unknown", () => {
    assert.equal(
      indexFor({ data_stream: { dataset: "system.auth", namespace: "x" } }, "unknown"),
      "logs-system.auth-x",
    );
    assert.equal(indexFor({ file: { path: "/x" } }, "unknown"), undefined);
  });
  test("an explicit index name wins over everything; a backing index is read as its data stream", () => {
    const r = { data_stream: { dataset: "endpoint.events.file" }, event: { module: "endpoint" } };
    assert.equal(indexFor(r, "defend", { indexName: "auditbeat-8.1.0" }), "auditbeat-8.1.0");
    assert.equal(toEcs(r, "auto", { indexName: "custom" }).index, "custom");
    assert.equal(
      indexFor(r, "defend", { hitIndex: ".ds-logs-endpoint.events.file-default-2024.05.01-000003" }),
      "logs-endpoint.events.file-default",
    );
    assert.equal(indexFor(r, "defend", { indexName: "a", hitIndex: "b" }), "a");
    assert.equal(dataStreamOfIndex(".ds-logs-x-default-2024.05.01-000003"), "logs-x-default");
    assert.equal(dataStreamOfIndex("winlogbeat-7.17.0-2024.05.01"), "winlogbeat-7.17.0-2024.05.01");
  });
  test("the _index of an Elasticsearch hit", () => {
    assert.equal(hitIndexOf({ _index: "logs-a", _source: {} }), "logs-a");
    assert.equal(hitIndexOf({ _index: "logs-a" }), undefined);
    assert.equal(hitIndexOf({ _index: 3, _source: {} }), undefined);
    assert.equal(hitIndexOf(JSON.parse('{"__proto__": {"_index": "x"}, "_source": {}}')), undefined);
    assert.equal(hitIndexOf(null), undefined);
  });
});
