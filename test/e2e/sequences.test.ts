/**
 * Sequences across objects end to end on 127.0.0.1: fauxqs (S3/SNS/SQS) and dynalite (the
 * SEQUENCE_TABLE store), the runtime built from the environment as the handler builds it. The two
 * steps of a sequence sit in two objects of one SQS batch, listed in reverse order and scanned
 * concurrently: one alert message; a third object replaying the first: none; steps further apart
 * than maxspan: none.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { after, before, describe, test } from "node:test";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { processEvent } from "../../src/lambda/process.ts";
import { createRuntime } from "../../src/lambda/runtime.ts";
import { parseRule } from "../../src/rules/index.ts";
import { createStepTable } from "../fixtures/dynamo.ts";
import { recordingLogger, s3Record, sqsBatch } from "../fixtures/lambda/e2e.ts";
import { ran, tomlRule, wrote } from "../scan/sequence-fixtures.ts";

let stack: LocalStack;
let dynamo: Server;
let dynamodb: DynamoDBClient;

const rule = parseRule(
  tomlRule(
    "e2e-two-step",
    `sequence by host.id with maxspan=30s
  [file where event.type == "creation" and process.name == "curl"] by file.path
  [process where event.type == "start"] by process.executable`,
  ),
  "two.toml",
);

before(async () => {
  stack = await startLocalStack();
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", resolve));
  const addr = dynamo.address();
  dynamodb = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`,
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
  await createStepTable(dynamodb, "edr-sequences");
});
after(async () => {
  dynamodb.destroy();
  await stack.stop();
  await new Promise<void>((resolve) => dynamo.close(() => resolve()));
});

const ndjson = (recs: readonly unknown[]) => recs.map((r) => `${JSON.stringify(r)}\n`).join("");

async function deliver(objects: readonly [string, readonly unknown[]][]) {
  const records = [];
  for (const [key, recs] of objects) {
    const { eTag } = await stack.upload(key, ndjson(recs));
    records.push({ Records: [s3Record(stack.bucket, key, eTag)] });
  }
  const { deps } = await createRuntime({
    env: { ...stack.env, SEQUENCE_TABLE: "edr-sequences" },
    clients: { s3: stack.s3, sns: stack.sns, dynamodb },
    logger: recordingLogger(),
    rules: [rule],
    concurrency: 2,
  });
  const result = await processEvent(sqsBatch(records), deps);
  const got = await stack.received();
  return { result, messages: got.filter((m) => (m.structure["default"] ?? "").includes("e2e-two-step")) };
}

describe("Lambda: sequences across objects (fauxqs + dynalite)", () => {
  test("reverse order, concurrent: one alert; a replay of the first object: none", async () => {
    await stack.received();
    const first = await deliver([
      ["logs/host-b/0002.ndjson", [ran("h7", "/tmp/dropper", 15)]],
      ["logs/host-a/0001.ndjson", [wrote("h7", "/tmp/dropper", 2)]],
    ]);
    assert.deepEqual(first.result, { batchItemFailures: [] });
    assert.equal(first.messages.length, 1);
    const body = first.messages[0]!.structure["default"]!;
    assert.match(body, /logs\/host-a\/0001\.ndjson[\s\S]*logs\/host-b\/0002\.ndjson/);

    const replay = await deliver([["logs/host-c/0003.ndjson", [wrote("h7", "/tmp/dropper", 2)]]]);
    assert.deepEqual(replay.result, { batchItemFailures: [] });
    assert.equal(replay.messages.length, 0);
  });

  test("steps further apart than maxspan: no alert", async () => {
    await stack.received();
    const r = await deliver([
      ["logs/far/0001.ndjson", [wrote("h8", "/tmp/late", 0)]],
      ["logs/far/0002.ndjson", [ran("h8", "/tmp/late", 31)]],
    ]);
    assert.deepEqual(r.result, { batchItemFailures: [] });
    assert.equal(r.messages.length, 0);
  });
});
