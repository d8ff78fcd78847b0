import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { detectSource, MAPPED_VIEW_MARKERS, toEcs } from "../../src/sources/index.ts";
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

/** Does the record's canonical JSON hold one of the markers? */
function holdsMarker(record: unknown): boolean {
  const text = JSON.stringify(record);
  const folded = text.toLowerCase();
  return MAPPED_VIEW_MARKERS.some((m) =>
    m.caseInsensitive ? folded.includes(m.text) : text.includes(m.text),
  );
}

describe("MAPPED_VIEW_MARKERS: every record detected as a source with a mapped view holds one", () => {
  // The pieces detectSource reads, in each spelling it accepts, and pieces it must not be fooled
  // by; records are random mixes of them, nested or dotted, in arrays or not.
  const pieces: [string, unknown][] = [
    ["event.module", "endgame"],
    ["event.module", ["x", "endgame"]],
    ["event.module", "endpoint"],
    ["endgame", { pid: 1 }],
    ["endgame.pid", 1],
    ["dataSource.name", "SentinelOne"],
    ["dataSource.name", "SENTINELONE"],
    ["dataSource.name", ["other", "sentinelone"]],
    ["i.scheme", "edr"],
    ["i.scheme", ["a"]],
    ["tgt.file.path", "/a"],
    ["src.process.name", "a"],
    ["tgt", { file: { path: "/a" } }],
    ["src", { process: { pid: 2 } }],
    ["event.type", "File Creation"],
    ["endpoint.os", "linux"],
    ["data_stream.dataset", "endpoint.events.file"],
    ["agent.type", "endpoint"],
    ["process.name", "bash"],
    ["file.path", "/etc/passwd"],
  ];
  const nest = (key: string, value: unknown, dotted: boolean): [string, unknown] => {
    if (dotted || !key.includes(".")) return [key, value];
    const [head, ...rest] = key.split(".");
    return [head!, Object.fromEntries([nest(rest.join("."), value, false)])];
  };
  const recordArb = fc
    .array(fc.tuple(fc.constantFrom(...pieces), fc.boolean()), { minLength: 1, maxLength: 6 })
    .map((chosen) => {
      const rec: Record<string, unknown> = {};
      for (const [[k, v], dotted] of chosen) {
        const [top, value] = nest(k, v, dotted);
        const prev = rec[top];
        // Two pieces under one top-level key merge (`event.module` and `event.type` nested).
        rec[top] =
          typeof prev === "object" && prev !== null && !Array.isArray(prev) && typeof value === "object"
            ? { ...prev, ...(value as object) }
            : value;
      }
      return rec;
    });

  test("property: random records of every spelling", () => {
    let mapped = 0;
    fc.assert(
      fc.property(recordArb, (rec) => {
        const s = detectSource(rec);
        if (s !== "sentinelone" && s !== "endgame") return;
        mapped++;
        assert.ok(holdsMarker(rec), `${s} record without a marker: ${JSON.stringify(rec)}`);
      }),
      { numRuns: 3000 },
    );
    assert.ok(mapped > 500, `too few mapped records (${mapped}) to say anything`);
  });

  test("the SentinelOne and Endgame samples hold markers; the Defend ones hold none", () => {
    for (const r of readRecords("linux_dispatcher_file_creation.SYNTHETIC.ndjson")) assert.ok(holdsMarker(r));
    for (const r of readRecords("endgame_linux_dispatcher.SYNTHETIC.ndjson")) assert.ok(holdsMarker(r));
    assert.equal(holdsMarker(readJson("linux_file_create.SYNTHETIC.json")), false);
  });

  test("only ASCII letters lower-case to the letters of `sentinelone` (so an ASCII-folding search finds it)", () => {
    const letters = new Set("sentinelone");
    for (let cp = 0x80; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const lower = String.fromCodePoint(cp).toLowerCase();
      assert.ok(!(lower.length === 1 && letters.has(lower)), `U+${cp.toString(16)} lower-cases to ${lower}`);
    }
  });
});
