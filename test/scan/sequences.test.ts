import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { isSequenceAlert, type SequenceAlert } from "../../src/alerts/index.ts";
import { parseRule, queryRule, type Rule } from "../../src/rules/index.ts";
import { scanObject } from "../../src/scan/index.ts";
import { correlate, SequenceRun } from "../../src/scan/sequence-run.ts";
import { projectStep, type StepEvent } from "../../src/scan/sequences.ts";
import { chmod, DROPPER, noise, ran, tomlRule, wrote } from "./sequence-fixtures.ts";

const ndjson = (recs: readonly unknown[]) => Buffer.from(recs.map((r) => `${JSON.stringify(r)}\n`).join(""));

async function* bytes(b: Buffer) {
  yield new Uint8Array(b);
}

async function scan(
  recs: readonly unknown[],
  rules: readonly Rule[],
  uri = "s3://b/o1.ndjson",
  run?: SequenceRun,
) {
  const alerts: import("../../src/alerts/index.ts").Alert[] = [];
  const r = await scanObject(bytes(ndjson(recs)), {
    uri,
    rules,
    onAlert: (a) => alerts.push(a),
    ...(run === undefined ? {} : { sequences: run }),
  });
  return { result: r, alerts };
}

const dropper = parseRule(tomlRule("dropper", DROPPER), "dropper.toml");

describe("sequence rules load", () => {
  test("a TOML sequence rule carries its plan and a step predicate", () => {
    assert.equal(dropper.sequence?.kind, "sequence");
    assert.equal(dropper.compiled.matches(wrote("h", "/tmp/x", 0)), true);
    assert.equal(dropper.compiled.matches(noise(0)), false);
    // The join keys are among the fields a step event keeps.
    for (const f of ["host.id", "file.path", "process.args", "process.executable"])
      assert.ok(dropper.compiled.fields.includes(f), f);
  });

  test("a sample rule and an ad-hoc --query sequence load too", () => {
    const s = parseRule(
      tomlRule(
        "s",
        'sample by host.id [process where process.name == "a"] [process where process.name == "b"]',
      ),
      "s.toml",
    );
    assert.equal(s.sequence?.kind, "sample");
    assert.equal(queryRule(DROPPER).rule.sequence?.kind, "sequence");
    assert.equal(queryRule("process where true").rule.sequence, undefined);
  });
});

describe("scanObject with sequence rules", () => {
  test("one object: one alert per sequence with every member in order, no per-step alerts", async () => {
    const { alerts, result } = await scan(
      [noise(0), wrote("h1", "/tmp/x", 1), noise(2), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)],
      [dropper],
    );
    assert.equal(alerts.length, 1);
    assert.equal(result.alertCount, 1);
    const a = alerts[0]!;
    assert.ok(isSequenceAlert(a));
    assert.deepEqual(a.sequence.join_keys, ["h1", "/tmp/x"]);
    assert.deepEqual(
      a.sequence.events.map((m) => [m.uri, m.record, m.event["event.id"]]),
      [
        ["s3://b/o1.ndjson", 2, "w-h1-1"],
        ["s3://b/o1.ndjson", 4, "c-h1-3"],
        ["s3://b/o1.ndjson", 5, "r-h1-4"],
      ],
    );
    assert.equal(a.source.record, 5);
    assert.equal(a.raw, null);
    assert.equal(a.rule.id, "dropper");
  });

  test("records out of time order within an object are matched by time, not position", async () => {
    const { alerts } = await scan(
      [ran("h1", "/tmp/x", 4), chmod("h1", "/tmp/x", 3), wrote("h1", "/tmp/x", 1)],
      [dropper],
    );
    assert.equal(alerts.length, 1);
    assert.deepEqual(
      (alerts[0] as SequenceAlert).sequence.events.map((m) => m.record),
      [3, 2, 1],
    );
  });

  test("maxspan, join keys and step order are enforced", async () => {
    const cases = [
      [wrote("h1", "/tmp/x", 0), chmod("h1", "/tmp/x", 30), ran("h1", "/tmp/x", 61)], // beyond 1m
      [wrote("h1", "/tmp/x", 0), chmod("h2", "/tmp/x", 3), ran("h1", "/tmp/x", 4)], // other host
      [wrote("h1", "/tmp/x", 0), chmod("h1", "/tmp/y", 3), ran("h1", "/tmp/x", 4)], // other file
      [chmod("h1", "/tmp/x", 0), wrote("h1", "/tmp/x", 1), ran("h1", "/tmp/x", 4)], // wrong order
    ];
    for (const recs of cases) assert.equal((await scan(recs, [dropper])).alerts.length, 0);
    // At exactly maxspan the sequence stands (Elasticsearch: delta > maxspan rejects).
    const edge = await scan(
      [wrote("h1", "/tmp/x", 0), chmod("h1", "/tmp/x", 30), ran("h1", "/tmp/x", 60)],
      [dropper],
    );
    assert.equal(edge.alerts.length, 1);
  });

  test("event rules alongside keep their single-event alerts", async () => {
    const single = parseRule(tomlRule("chmod", 'process where process.name == "chmod"'), "c.toml");
    const { alerts } = await scan(
      [wrote("h1", "/tmp/x", 1), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)],
      [dropper, single],
    );
    assert.deepEqual(alerts.map((a) => [a.rule.id, isSequenceAlert(a)]).sort(), [
      ["chmod", false],
      ["dropper", true],
    ]);
  });

  test("ids are deterministic, from the members' content: a copy of the records in another object is the same sequence", async () => {
    const recs = [wrote("h1", "/tmp/x", 1), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)];
    const a = (await scan(recs, [dropper])).alerts[0]!;
    const b = (await scan(recs, [dropper])).alerts[0]!;
    const copy = (await scan(recs, [dropper], "s3://b/other.ndjson")).alerts[0]!;
    const other = (await scan([recs[0], recs[1], ran("h1", "/tmp/x", 5)], [dropper])).alerts[0]!;
    assert.equal(a.id, b.id);
    assert.equal(a.id, copy.id);
    assert.notEqual(a.id, other.id);
  });
});

describe("SequenceRun across objects", () => {
  test("steps in three objects scanned newest first give one alert at finish", async () => {
    const run = new SequenceRun();
    const o3 = await scan([ran("h1", "/tmp/x", 4), noise(5)], [dropper], "s3://b/3", run);
    const o2 = await scan([chmod("h1", "/tmp/x", 3)], [dropper], "s3://b/2", run);
    const o1 = await scan([noise(0), wrote("h1", "/tmp/x", 1)], [dropper], "s3://b/1", run);
    assert.equal(o1.alerts.length + o2.alerts.length + o3.alerts.length, 0);
    const alerts = run.finish();
    assert.equal(alerts.length, 1);
    assert.deepEqual(
      alerts[0]!.sequence.events.map((m) => `${m.uri}#${m.record}`),
      ["s3://b/1#2", "s3://b/2#1", "s3://b/3#1"],
    );
    assert.equal(run.report().sequences, 1);
  });

  test("interleaved objects with two hosts: each host's sequence is found", async () => {
    const run = new SequenceRun();
    await scan(
      [wrote("h1", "/tmp/a", 1), chmod("h2", "/tmp/b", 6), ran("h1", "/tmp/a", 9)],
      [dropper],
      "f1",
      run,
    );
    await scan(
      [wrote("h2", "/tmp/b", 2), chmod("h1", "/tmp/a", 5), ran("h2", "/tmp/b", 8)],
      [dropper],
      "f2",
      run,
    );
    const alerts = run.finish();
    assert.deepEqual(
      alerts.map((a) => a.sequence.join_keys),
      [
        ["h2", "/tmp/b"],
        ["h1", "/tmp/a"],
      ],
    );
  });

  test("the step-event cap is reported per rule, never silent", async () => {
    const limits: string[] = [];
    const run = new SequenceRun({ maxStepEvents: 2, onLimit: (r) => limits.push(r.ruleId) });
    await scan(
      [wrote("h1", "/tmp/x", 1), chmod("h1", "/tmp/x", 3), ran("h1", "/tmp/x", 4)],
      [dropper],
      "f",
      run,
    );
    assert.deepEqual(limits, ["dropper"]);
    assert.deepEqual(run.report().notKept, { dropper: 1 });
    assert.equal(run.finish().length, 0);
    assert.throws(() => new SequenceRun({ maxStepEvents: 0 }), /maxStepEvents/);
  });
});

describe("correlate and projection", () => {
  test("a projection keeps typed values and what the filters read", () => {
    const p = projectStep(dropper, ran("h1", "/tmp/x", 4));
    assert.equal(p["process.pid"], 99);
    assert.equal(p["process.executable"], "/tmp/x");
    assert.equal(Object.getPrototypeOf(p), Object.prototype);
  });

  test("samples: one alert per key with one event per filter", () => {
    const rule = parseRule(
      tomlRule(
        "smp",
        'sample by host.id [process where process.name == "chmod"] [file where process.name == "curl"]',
      ),
      "s.toml",
    );
    const steps: StepEvent[] = [chmod("h1", "/x", 9), wrote("h1", "/x", 1), wrote("h2", "/x", 1)].map(
      (e, i) => ({
        rule,
        event: projectStep(rule, e),
        uri: "u",
        record: i + 1,
      }),
    );
    const r = correlate(rule, steps);
    assert.equal(r.alerts.length, 1);
    assert.equal(r.alerts[0]!.sequence.kind, "sample");
    assert.deepEqual(r.alerts[0]!.sequence.join_keys, ["h1"]);
    assert.deepEqual(
      r.alerts[0]!.sequence.events.map((m) => m.record),
      [1, 2],
    );
  });

  test("windowMs bounds a sequence without maxspan", () => {
    const rule = parseRule(
      tomlRule(
        "nomax",
        'sequence by host.id [file where process.name == "curl"] [process where process.name == "chmod"]',
      ),
      "n.toml",
    );
    const steps = (gap: number): StepEvent[] =>
      [wrote("h1", "/x", 0), chmod("h1", "/x", gap)].map((e, i) => ({
        rule,
        event: projectStep(rule, e),
        uri: "u",
        record: i + 1,
      }));
    assert.equal(correlate(rule, steps(3600)).alerts.length, 1);
    assert.equal(correlate(rule, steps(3600), { windowMs: 360_000 }).alerts.length, 0);
    assert.equal(correlate(rule, steps(300), { windowMs: 360_000 }).alerts.length, 1);
  });
});

describe("rule look-back", () => {
  test("a TOML rule's `from` is kept (the Lambda's window for a sequence without maxspan)", () => {
    const text = tomlRule("lb", "sequence by host.id [file where true] [process where true]").replace(
      'type = "eql"',
      'type = "eql"\nfrom = "now-9m"',
    );
    assert.equal(parseRule(text, "lb.toml").from, "now-9m");
  });
});

describe("the per-object run's cap is reported in the result", () => {
  test("ScanResult.sequenceStepsNotKept names the rule", async () => {
    const { SEQUENCE_RUN_DEFAULTS } = await import("../../src/scan/index.ts");
    const n = SEQUENCE_RUN_DEFAULTS.maxStepEvents + 3;
    const recs = Array.from({ length: n }, (_, i) => wrote("h1", `/tmp/${i}`, i % 50));
    const { result } = await scan(recs, [dropper]);
    assert.deepEqual(result.sequenceStepsNotKept, { dropper: 3 });
  });
});
