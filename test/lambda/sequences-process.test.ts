/**
 * processEvent with a sequence rule and the DynamoDB state store (dynalite on 127.0.0.1), the real
 * reader and a recording SNS: the two steps of one sequence in two objects of one SQS batch,
 * delivered in reverse order and scanned concurrently, alert once; a replayed object alerts
 * nothing new; a store that fails sends the object back for a retry.
 */
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, describe, test } from "node:test";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import { type Deps, processEvent } from "../../src/lambda/process.ts";
import { DynamoSequenceStore } from "../../src/lambda/sequence-store.ts";
import { parseRule } from "../../src/rules/index.ts";
import { type SequenceStateStore, scanObject } from "../../src/scan/index.ts";
import { createStepTable, type LocalDynamo, startDynalite } from "../fixtures/dynamo.ts";
import { recordingLogger, s3Record, sqsBatch } from "../fixtures/lambda/e2e.ts";
import { ran, tomlRule, wrote } from "../scan/sequence-fixtures.ts";

let dynamo: LocalDynamo;
let client: DynamoDBClient;

before(async () => {
  dynamo = await startDynalite();
  client = dynamo.client;
  await createStepTable(client, "seq");
});

after(() => dynamo.close());

const rule = parseRule(
  tomlRule(
    "two-step",
    `sequence by host.id with maxspan=30s
  [file where event.type == "creation" and process.name == "curl"] by file.path
  [process where event.type == "start"] by process.executable`,
  ),
  "two.toml",
);

const ndjson = (recs: readonly unknown[]) => recs.map((r) => `${JSON.stringify(r)}\n`).join("");
const OBJECTS: Record<string, string> = {
  "logs/1.ndjson": ndjson([wrote("h9", "/tmp/p", 1)]),
  "logs/2.ndjson": ndjson([ran("h9", "/tmp/p", 12)]),
  "logs/3.ndjson": ndjson([wrote("h9", "/tmp/p", 1)]),
};

function deps(store: SequenceStateStore) {
  const published: { Message?: string }[] = [];
  const s3 = {
    send: async (cmd: { input: { Key: string } }) => {
      // Slow the first object down so the two scans overlap.
      if (cmd.input.Key === "logs/2.ndjson") await new Promise((r) => setTimeout(r, 20));
      return { Body: Readable.from([Buffer.from(OBJECTS[cmd.input.Key] ?? "")]), ETag: `"${cmd.input.Key}"` };
    },
  } as unknown as S3Client;
  const sns = {
    send: async (cmd: { input: { Message?: string } }) => {
      published.push(cmd.input);
      return { MessageId: `m${published.length}` };
    },
  } as unknown as SNSClient;
  const d: Deps = {
    config: {
      alertTopicArn: "arn:aws:sns:us-east-1:123456789012:alerts",
      idempotencyTtlSeconds: 60,
      s3ForcePathStyle: false,
    },
    s3,
    sns,
    rules: [rule],
    scan: scanObject,
    logger: recordingLogger(),
    concurrency: 2,
    sequenceStore: store,
  };
  return { deps: d, published };
}

const batch = (...keys: string[]) => sqsBatch(keys.map((k) => ({ Records: [s3Record("b", k, `"${k}"`)] })));
const mentions = (published: readonly { Message?: string }[]) =>
  published.filter((p) => (p.Message ?? "").includes("two-step")).length;

describe("processEvent: sequences across objects (DynamoDB store)", () => {
  test("reverse order, concurrent: one alert; a replay of the first object: none", async () => {
    const store = new DynamoSequenceStore({ client, tableName: "seq", windowMs: () => 30_000 });
    const f = deps(store);
    const r = await processEvent(batch("logs/2.ndjson", "logs/1.ndjson"), f.deps);
    assert.deepEqual(r, { batchItemFailures: [] });
    assert.equal(mentions(f.published), 1, JSON.stringify(f.published).slice(0, 2000));
    const again = await processEvent(batch("logs/3.ndjson", "logs/1.ndjson"), f.deps);
    assert.deepEqual(again, { batchItemFailures: [] });
    assert.equal(mentions(f.published), 1);
  });

  test("an unavailable store fails the object for a retry", async () => {
    const broken: SequenceStateStore = {
      putSteps: async () => {
        throw Object.assign(new Error("connect ECONNREFUSED"), { name: "NetworkingError" });
      },
      querySteps: async () => [],
      claimAlert: async () => "claimed",
      markPublished: async () => {},
    };
    const f = deps(broken);
    const r = await processEvent(batch("logs/1.ndjson"), f.deps);
    assert.deepEqual(r, { batchItemFailures: [{ itemIdentifier: "msg-1" }] });
    assert.equal(mentions(f.published), 0);
  });
});
