/**
 * Sequences across objects through the DynamoDB store (dynalite on 127.0.0.1): each "invocation"
 * scans one object with the real reader, writes its step events, re-runs the matcher over the
 * store and claims what it completes, as src/lambda/process.ts does.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import type { SequenceAlert } from "../../src/alerts/index.ts";
import { DynamoSequenceStore } from "../../src/lambda/sequence-store.ts";
import { parseRule, type Rule } from "../../src/rules/index.ts";
import {
  correlateObject,
  lookbackMs,
  MemorySequenceStore,
  type SequenceStateStore,
  type StepEvent,
  scanObject,
  sequenceWindowMs,
} from "../../src/scan/index.ts";
import { createStepTable } from "../fixtures/dynamo.ts";
import { noise, ran, tomlRule, wrote } from "../scan/sequence-fixtures.ts";

let server: Server;
let client: DynamoDBClient;
let tables = 0;

before(async () => {
  server = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${port}`,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

after(async () => {
  client.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

async function newStore(): Promise<DynamoSequenceStore> {
  const name = `sequences-${tables++}`;
  await createStepTable(client, name);
  return new DynamoSequenceStore({ client, tableName: name, windowMs: () => 60_000 });
}

// Two steps on one host within 30 s: a file written by curl, then run.
const TWO_STEP = `sequence by host.id with maxspan=30s
  [file where event.type == "creation" and process.name == "curl"] by file.path
  [process where event.type == "start"] by process.executable`;
const rule = parseRule(tomlRule("two-step", TWO_STEP), "two.toml");

const lines = (recs: readonly unknown[]) => Buffer.from(recs.map((r) => `${JSON.stringify(r)}\n`).join(""));

/** One invocation: scan the object, then correlate through the store. */
async function invoke(
  store: SequenceStateStore,
  uri: string,
  recs: readonly unknown[],
  rules: readonly Rule[] = [rule],
) {
  const steps: StepEvent[] = [];
  const direct: unknown[] = [];
  await scanObject(
    (async function* () {
      yield new Uint8Array(lines(recs));
    })(),
    { uri, version: "v1", rules, sequences: { add: (s) => steps.push(s) }, onAlert: (a) => direct.push(a) },
  );
  assert.equal(direct.length, 0, "sequence rules never alert per step");
  const r = await correlateObject(steps, {
    store,
    owner: `${uri}#v1`,
    object: { uri, version: "v1" },
    nowMs: Date.now(),
  });
  await r.commit();
  return r;
}

describe("sequences across objects through DynamoDB (dynalite)", () => {
  test("steps in two objects delivered in reverse order and concurrently: exactly one alert", async () => {
    const store = await newStore();
    const first = [wrote("h1", "/tmp/x", 1)];
    const second = [ran("h1", "/tmp/x", 20)];
    // Reverse order and at the same time: object 2 (the later step) is invoked first.
    const [r2, r1] = await Promise.all([invoke(store, "s3://b/2", second), invoke(store, "s3://b/1", first)]);
    const alerts: SequenceAlert[] = [...r1.alerts, ...r2.alerts];
    assert.equal(alerts.length, 1, JSON.stringify([r1.report, r2.report]));
    assert.equal(r1.held + r2.held, 0);
    assert.deepEqual(
      alerts[0]!.sequence.events.map((m) => [m.uri, m.record]),
      [
        ["s3://b/1", 1],
        ["s3://b/2", 1],
      ],
    );
    assert.deepEqual(alerts[0]!.sequence.join_keys, ["h1", "/tmp/x"]);

    // A third object replaying the first (and a redelivery of object 1): no new alert, no new item.
    const itemsBefore = store.writes;
    const r3 = await invoke(store, "s3://b/3", first);
    const again = await invoke(store, "s3://b/1", first);
    assert.equal(r3.alerts.length, 0);
    assert.equal(again.alerts.length, 0);
    // Object 3's copy now stands at step 1 (it sorts after object 1 at the same time) and completes
    // a sequence with object 2 that has the published one's content, hence its id.
    assert.equal(r3.report.alreadyPublished, 1);
    assert.equal(store.writes - itemsBefore, 2, "one item each: object 3's own step, object 1's rewritten");
  });

  test("a sequence outside maxspan: none", async () => {
    const store = await newStore();
    const a = await invoke(store, "s3://b/1", [wrote("h1", "/tmp/x", 0)]);
    const b = await invoke(store, "s3://b/2", [ran("h1", "/tmp/x", 31)]);
    assert.equal(a.alerts.length + b.alerts.length, 0);
  });

  test("keys do not mix, and a claim held by a live other run is reported as held", async () => {
    const store = await newStore();
    await invoke(store, "s3://b/1", [wrote("h1", "/tmp/x", 1), wrote("h2", "/tmp/y", 2)]);
    const steps: StepEvent[] = [];
    await scanObject(
      (async function* () {
        yield new Uint8Array(lines([ran("h2", "/tmp/y", 5)]));
      })(),
      { uri: "s3://b/2", version: "v1", rules: [rule], sequences: { add: (s) => steps.push(s) } },
    );
    const opts = { store, object: { uri: "s3://b/2", version: "v1" }, nowMs: Date.now() };
    const mine = await correlateObject(steps, { ...opts, owner: "run-A" });
    assert.equal(mine.alerts.length, 1);
    assert.deepEqual(mine.alerts[0]!.sequence.join_keys, ["h2", "/tmp/y"]);
    // Another run (say a concurrent redelivery) finds the same sequence while A publishes.
    const other = await correlateObject(steps, { ...opts, owner: "run-B" });
    assert.equal(other.alerts.length, 0);
    assert.equal(other.held, 1);
    // A's publish failed: its lease expires and the retry (any owner) takes it over.
    const later = await correlateObject(steps, { ...opts, owner: "run-B", nowMs: opts.nowMs + 10 * 60_000 });
    assert.equal(later.alerts.length, 1);
    await later.commit();
    const done = await correlateObject(steps, { ...opts, owner: "run-A" });
    assert.equal(done.alerts.length, 0);
    assert.equal(done.report.alreadyPublished, 1);
  });

  test("a store that fails makes the object fail (nothing is dropped silently)", async () => {
    const broken: SequenceStateStore = {
      putSteps: async () => {
        throw new Error("ProvisionedThroughputExceededException");
      },
      querySteps: async () => [],
      claimAlert: async () => "claimed",
      markPublished: async () => {},
    };
    await assert.rejects(() => invoke(broken, "s3://b/1", [wrote("h1", "/tmp/x", 1)]), /Throughput/);
  });
});

describe("the window", () => {
  test("maxspan, else the rule's look-back (Kibana's default now-6m)", () => {
    assert.equal(sequenceWindowMs(rule), 30_000);
    const nomax = parseRule(
      tomlRule("n", "sequence by host.id [file where true] [process where true]"),
      "n.toml",
    );
    assert.equal(sequenceWindowMs(nomax), 6 * 60_000);
    assert.equal(sequenceWindowMs({ ...nomax, from: "now-9m" }), 9 * 60_000);
    assert.equal(lookbackMs("now-2h"), 7_200_000);
    assert.equal(lookbackMs("now-1d/d"), 6 * 60_000);
    assert.equal(lookbackMs(undefined), 6 * 60_000);
  });

  test("memory store: same outcome as DynamoDB for the reverse-order pair", async () => {
    const store = new MemorySequenceStore();
    const r2 = await invoke(store, "s3://b/2", [ran("h1", "/tmp/x", 20)]);
    const r1 = await invoke(store, "s3://b/1", [wrote("h1", "/tmp/x", 1), noise(2)]);
    assert.equal(r1.alerts.length + r2.alerts.length, 1);
    assert.equal(store.size, 2, "an event matching no step is not stored");
  });

  test("timestamps are read as the matcher reads them (epoch milliseconds as a string, nanoseconds)", async () => {
    const store = new MemorySequenceStore();
    const w = { ...wrote("h1", "/tmp/x", 0), "@timestamp": String(Date.parse("2026-11-30T10:00:00Z")) };
    const r = { ...ran("h1", "/tmp/x", 0), "@timestamp": "2026-11-30T10:00:05.123456789Z" };
    const a = await invoke(store, "s3://b/1", [w]);
    const b = await invoke(store, "s3://b/2", [r]);
    assert.equal(a.report.noTimestamp + b.report.noTimestamp, 0);
    assert.equal(a.alerts.length + b.alerts.length, 1);
  });
});
