/**
 * The step items of the DynamoDB sequence store (src/lambda/sequence-store.ts): the event is
 * stored deflated with a preset dictionary, reads back exactly, keeps typical items under one
 * 1 KB write unit, and items written before that format (the event as JSON text) stay readable.
 */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { after, before, describe, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import fc from "fast-check";
import { digest } from "../../src/alerts/index.ts";
import {
  DynamoSequenceStore,
  dynamoItemBytes,
  MAX_EVENT_JSON_BYTES,
  SequenceStoreError,
  stepItem,
} from "../../src/lambda/sequence-store.ts";
import type { StoredStep } from "../../src/scan/index.ts";
import { createStepTable, type LocalDynamo, startDynalite } from "../fixtures/dynamo.ts";

let dynamo: LocalDynamo;
let client: DynamoDBClient;

before(async () => {
  dynamo = await startDynalite();
  client = dynamo.client;
  await createStepTable(client, "items");
});

after(() => dynamo.close());

/** A step event shaped like the bench's projected Defend process events. */
function defendStep(i: number): StoredStep {
  const t = Date.parse("2026-11-30T10:00:00Z") + i * 1000;
  return {
    ruleId: "r",
    partition: `["h${i % 3}"]`,
    timestampMs: t,
    uri: "s3://archive/logs/2026/11/30/object-0001.ndjson.gz",
    record: i + 1,
    event: {
      "event.category": "process",
      "host.os.type": "linux",
      "event.action": "exec",
      "process.name": `worker-${i}`,
      "event.type": "start",
      "process.parent.name": "bash",
      "process.parent.executable": "/usr/bin/bash",
      "host.id": digest(["host", i % 3]),
      "user.id": String(1000 + i),
      "@timestamp": new Date(t).toISOString(),
      "event.id": digest(["event", i]).slice(0, 24),
      "event.kind": "event",
      "event.outcome": "unknown",
      "data_stream.dataset": "endpoint.events.process",
      "agent.id": digest(["agent", i % 3]),
      "agent.type": "endpoint",
      "host.name": `ip-10-0-1-${i % 3}`,
      "host.hostname": `ip-10-0-1-${i % 3}`,
      "host.ip": ["10.0.1.7", "fe80::1"],
      "user.name": "deploy",
      "process.entity_id": Buffer.from(digest(["entity", i]))
        .toString("base64")
        .slice(0, 60),
      "process.pid": 10_000 + i,
      "process.executable": `/opt/app/bin/worker-${i}`,
      "process.command_line": `/opt/app/bin/worker-${i} --serve`,
      "process.args": [`/opt/app/bin/worker-${i}`, "--serve"],
      "process.parent.entity_id": Buffer.from(digest(["parent", i]))
        .toString("base64")
        .slice(0, 60),
      "process.parent.pid": 900 + i,
      "process.hash.sha256": createHash("sha256").update(`bin${i}`).digest("hex"),
      "process.parent.command_line": "/usr/bin/bash -c /opt/app/bin/start.sh",
    },
  };
}

describe("step items", () => {
  test("the event reads back exactly, whatever it holds", async () => {
    const store = new DynamoSequenceStore({ client, tableName: "items" });
    const arbValue = fc.oneof(
      fc.string(),
      fc.integer(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.boolean(),
      fc.array(fc.string(), { maxLength: 3 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(fc.string({ minLength: 1 }), arbValue, { maxKeys: 12 }),
        async (event) => {
          const partition = JSON.stringify([digest([JSON.stringify(event)])]);
          await store.putSteps([{ ...defendStep(0), partition, event }]);
          const back = await store.querySteps("r", partition, 0, Number.MAX_SAFE_INTEGER, 10);
          assert.equal(back.length, 1);
          assert.deepEqual(back[0]!.event, JSON.parse(JSON.stringify(event)));
        },
      ),
      { numRuns: 40 },
    );
  });

  test("a Defend-sized step event makes an item under one 1 KB write unit", () => {
    for (let i = 0; i < 20; i++) {
      const s = defendStep(i);
      const item = stepItem(s, `s#${digest([s.ruleId, s.partition])}`, 0);
      const json = JSON.stringify(s.event).length;
      assert.ok(json > 1024, `the test event is ${json} bytes of JSON`);
      assert.ok(dynamoItemBytes(item) <= 1024, `item of ${dynamoItemBytes(item)} bytes`);
    }
  });

  test("items written with the event as JSON text are still read", async () => {
    const store = new DynamoSequenceStore({ client, tableName: "items" });
    const s = defendStep(7);
    const doc = DynamoDBDocumentClient.from(client);
    const { ev1: _, ...rest } = stepItem(s, `s#${digest([s.ruleId, s.partition])}`, 0);
    await doc.send(new PutCommand({ TableName: "items", Item: { ...rest, event: JSON.stringify(s.event) } }));
    const back = await store.querySteps("r", s.partition, s.timestampMs, s.timestampMs, 10);
    assert.equal(back.length, 1);
    assert.deepEqual(back[0]!.event, s.event);
    assert.equal(back[0]!.record, s.record);
  });

  test("an event over the JSON limit is refused by name, not truncated", () => {
    const s = { ...defendStep(1), event: { "process.command_line": "x".repeat(MAX_EVENT_JSON_BYTES) } };
    assert.throws(
      () => stepItem(s, "s#x", 0),
      (e: unknown) =>
        e instanceof SequenceStoreError && /record 2: a step event of rule r is over/.test(e.message),
    );
  });
});
