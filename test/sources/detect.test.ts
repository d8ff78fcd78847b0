import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { detectSource, toEcs } from "../../src/sources/index.ts";
import { readJson, readRecords } from "./helpers.ts";

describe("detectSource", () => {
  const cases: [string, Record<string, unknown>, string][] = [
    ["Defend event.module", { event: { module: "endpoint" } }, "defend"],
    ["Defend dotted event.module", { "event.module": "endpoint" }, "defend"],
    ["Defend dataset", { data_stream: { dataset: "endpoint.events.file" } }, "defend"],
    ["Defend agent.type", { agent: { type: "endpoint" } }, "defend"],
    ["Endgame event.module", { event: { module: "endgame" } }, "endgame"],
    ["Endgame array event.module", { event: { module: ["endgame"] } }, "endgame"],
    ["Endgame object", { endgame: { pid: 1 } }, "endgame"],
    ["Endgame flat keys", { "endgame.file_path": "/a" }, "endgame"],
    ["S1 dataSource.name", { "dataSource.name": "SentinelOne" }, "sentinelone"],
    ["S1 i.scheme", { "i.scheme": "edr" }, "sentinelone"],
    ["S1 tgt.file key", { "tgt.file.path": "/a" }, "sentinelone"],
    ["S1 src.process key", { "src.process.name": "a" }, "sentinelone"],
    ["S1 nested tgt.file", { tgt: { file: { path: "/a" } } }, "sentinelone"],
    [
      "S1 event.type with endpoint.os",
      { "event.type": "File Creation", "endpoint.os": "linux" },
      "sentinelone",
    ],
    ["plain ECS", { event: { category: ["file"] }, file: { path: "/a" } }, "unknown"],
    ["ECS event.type without endpoint.os", { "event.type": "creation" }, "unknown"],
    ["Defend dataset prefix only", { data_stream: { dataset: "endpoint.eventsX" } }, "unknown"],
    ["empty", {}, "unknown"],
    ["hostile", JSON.parse('{"__proto__":{"event":{"module":"endpoint"}}}'), "unknown"],
  ];
  for (const [name, record, want] of cases) {
    test(`${name} -> ${want}`, () => assert.equal(detectSource(record), want));
  }

  test("the samples are recognised", () => {
    assert.equal(detectSource(readJson("linux_file_create.SYNTHETIC.json")), "defend");
    assert.equal(detectSource(readJson("endpoint-package_file_sample_event.windows.json")), "defend");
    for (const r of readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson")) {
      assert.equal(detectSource(r), "sentinelone");
    }
    for (const r of readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson"))
      assert.equal(detectSource(r), "endgame");
  });
});

describe("toEcs", () => {
  test("Defend and unknown records pass through without a copy", () => {
    const d = readJson("linux_file_create.SYNTHETIC.json");
    assert.deepEqual(toEcs(d, "auto"), {
      source: "defend",
      event: d,
      index: "logs-endpoint.events.file-default",
    });
    assert.equal(toEcs(d, "auto").event, d);
    const u = { file: { path: "/x" } };
    assert.equal(toEcs(u, "auto").event, u);
    assert.equal(toEcs(u, "auto").source, "unknown");
  });

  test("an explicit source overrides detection", () => {
    const r = { "event.module": "endpoint", "event.category": "file", "tgt.file.path": "/etc/a" };
    assert.equal(toEcs(r, "defend").event, r);
    const s = toEcs(r, "sentinelone");
    assert.equal(s.source, "sentinelone");
    assert.deepEqual((s.event as { file: unknown }).file, { path: "/etc/a", name: "a", directory: "/etc" });
    const g = toEcs({ endgame: { file_path: "/e/f" } }, "endgame");
    assert.equal(g.source, "endgame");
  });
});
