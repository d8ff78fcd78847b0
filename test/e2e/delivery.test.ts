/**
 * At-least-once delivery against real API servers on 127.0.0.1: fauxqs (S3/SNS/SQS) and dynalite
 * (DynamoDB, for Powertools Idempotency). SNS unreachable -> batch item failures, nothing lost;
 * the redelivery publishes exactly one set of alerts; a redelivery of an object version already
 * scanned publishes nothing; a failed publish never marks the object done.
 */
import assert from "node:assert/strict";
import type { Server } from "node:http";
import { createServer } from "node:net";
import { after, before, beforeEach, describe, test } from "node:test";
import { CreateTableCommand, DynamoDBClient, ScanCommand } from "@aws-sdk/client-dynamodb";
import { SNSClient } from "@aws-sdk/client-sns";
import type { Context } from "aws-lambda";
import dynalite from "dynalite";
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { processEvent } from "../../src/lambda/process.ts";
import { createRuntime } from "../../src/lambda/runtime.ts";
import type { Rule } from "../../src/rules/index.ts";
import { loadBuiltinRules } from "../../src/rules/index.ts";
import {
  defendRecord,
  gz,
  recordingLogger,
  s3Record,
  sampleEvent,
  sqsBatch,
  uploadSamples,
} from "../fixtures/lambda/e2e.ts";

let stack: LocalStack;
let dynamo: Server;
let dynamoEndpoint: string;
let deadPort: number;

before(async () => {
  stack = await startLocalStack();
  await uploadSamples(stack);
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", resolve));
  const addr = dynamo.address();
  dynamoEndpoint = `http://127.0.0.1:${typeof addr === "object" && addr !== null ? addr.port : 0}`;
  // A port nothing listens on: take one from the OS, then close it.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const p = probe.address();
  deadPort = typeof p === "object" && p !== null ? p.port : 9;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});
after(async () => {
  await stack.stop();
  await new Promise<void>((resolve) => dynamo.close(() => resolve()));
});
beforeEach(async () => {
  await stack.received();
});

const goodSns = () =>
  new SNSClient({ endpoint: stack.endpoint, region: stack.region, credentials: LOCAL_CREDENTIALS });
const deadSns = () =>
  new SNSClient({
    endpoint: `http://127.0.0.1:${deadPort}`,
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
    maxAttempts: 2,
  });
const ALL_FAILED = {
  batchItemFailures: [1, 2, 3].map((i) => ({ itemIdentifier: `00000000-0000-4000-8000-00000000000${i}` })),
};

async function run(
  sns: SNSClient,
  extraEnv: Record<string, string> = {},
  dynamodb?: DynamoDBClient,
  rules?: readonly Rule[],
) {
  const logger = recordingLogger();
  const { deps, idempotencyConfig } = await createRuntime({
    env: { ...stack.env, ...extraEnv },
    clients: { s3: stack.s3, sns, ...(dynamodb === undefined ? {} : { dynamodb }) },
    logger,
    ...(rules === undefined ? {} : { rules }),
  });
  // As the handler does per invocation: in-progress records expire with the invocation.
  idempotencyConfig?.registerLambdaContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
  const result = await processEvent(sampleEvent("sqs-s3.json"), deps);
  return { result, logger };
}

describe("SNS unreachable", () => {
  test("every message with alerts fails, nothing is lost; the redelivery publishes exactly one set", async () => {
    const first = await run(deadSns());
    assert.deepEqual(first.result, ALL_FAILED);
    assert.equal((await stack.received()).length, 0);
    const failures = first.logger.entries.filter((e) => e.message === "object failed, will be retried");
    assert.equal(failures.length, 3);
    assert.match(String(failures[0]?.["reason"]), /SNS Publish to arn:aws:sns:.* failed/);

    const second = await run(goodSns());
    assert.deepEqual(second.result, { batchItemFailures: [] });
    const got = await stack.received();
    assert.equal(got.length, 3);
    assert.deepEqual(got.map((m) => m.attributes["host"]).sort(), ["db-3", "linux-desktop-S1", "web-7"]);
  });
});

describe("idempotency on DynamoDB (dynalite)", () => {
  test("a redelivered notification publishes nothing again; a failed publish does not mark it done", async () => {
    const dynamodb = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: "edr-idempotency",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const env = { IDEMPOTENCY_TABLE: "edr-idempotency" };

    const failed = await run(deadSns(), env, dynamodb);
    assert.deepEqual(failed.result, ALL_FAILED, "publish failed -> retried");
    const afterFailure = await dynamodb.send(new ScanCommand({ TableName: "edr-idempotency" }));
    assert.equal(afterFailure.Items?.length ?? 0, 0, "no idempotency record left behind by a failed attempt");

    const first = await run(goodSns(), env, dynamodb);
    assert.deepEqual(first.result, { batchItemFailures: [] });
    assert.equal((await stack.received()).length, 3);
    const items = (await dynamodb.send(new ScanCommand({ TableName: "edr-idempotency" }))).Items ?? [];
    // Powertools' records, plus one publish-progress item per object with the messages SNS accepted.
    const records = items.filter((i) => !String(i["id"]?.S).startsWith("publish-progress#"));
    const progress = items.filter((i) => String(i["id"]?.S).startsWith("publish-progress#"));
    assert.equal(records.length, 3);
    assert.ok(records.every((i) => i["status"]?.S === "COMPLETED"));
    assert.equal(progress.length, 3);
    assert.ok(
      progress.every((i) => i["sent"]?.SS?.length === 1 && Number(i["expiration"]?.N) > Date.now() / 1000),
    );

    const again = await run(goodSns(), env, dynamodb);
    assert.deepEqual(again.result, { batchItemFailures: [] });
    assert.equal((await stack.received()).length, 0, "nothing published again");
    const dups = again.logger.entries.filter((e) => e.message === "object already scanned");
    assert.equal(dups.length, 3);
    assert.match(String(dups[0]?.["reason"]), /already scanned \(scanned, \d+ alerts\)/);
  });

  test("a back-scan after a rule is added or a limit changed scans every object again", async () => {
    const dynamodb = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: "edr-idempotency-rules",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const env = { IDEMPOTENCY_TABLE: "edr-idempotency-rules" };
    const builtin = await loadBuiltinRules();
    const first = await run(goodSns(), env, dynamodb, builtin);
    assert.deepEqual(first.result, { batchItemFailures: [] });
    const published = (await stack.received()).length;
    assert.ok(published > 0);

    const same = await run(goodSns(), env, dynamodb, builtin);
    assert.equal((await stack.received()).length, 0, "same rules: nothing published again");
    assert.equal(same.logger.entries.filter((e) => e.message === "object already scanned").length, 3);

    const base = builtin[0] as Rule;
    const extra: Rule = { ...base, id: "00000000-0000-4000-8000-0000000000ff", name: "extra rule" };
    const added = await run(goodSns(), env, dynamodb, [...builtin, extra]);
    assert.deepEqual(added.result, { batchItemFailures: [] });
    assert.equal(added.logger.entries.filter((e) => e.message === "object already scanned").length, 0);
    assert.ok((await stack.received()).length >= published, "every object scanned again with the new rule");

    const limits = await run(goodSns(), { ...env, MAX_RECORD_BYTES: "16777216" }, dynamodb, builtin);
    assert.equal(limits.logger.entries.filter((e) => e.message === "object already scanned").length, 0);
    assert.equal((await stack.received()).length, published, "a changed limit rescans too");
  });

  test("5,000 hits, a publish that fails part-way (a partial PublishBatch, then SNS down), a redelivery: every alert exactly once", async () => {
    const dynamodb = new DynamoDBClient({
      endpoint: dynamoEndpoint,
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
    });
    await dynamodb.send(
      new CreateTableCommand({
        TableName: "edr-idempotency-flood",
        AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
        KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
        BillingMode: "PAY_PER_REQUEST",
      }),
    );
    const n = 5000;
    const { eTag } = await stack.upload(
      "bulk/flood-5000.ndjson.gz",
      gz(
        Array.from({ length: n }, (_, i) =>
          defendRecord(i + 1, { cmd: `bash -c 'hook ${i}' ${"y".repeat(300)}` }),
        ),
      ),
    );
    // With its ETag, as S3 sends it: the object version the progress is recorded for.
    const event = sqsBatch([{ Records: [s3Record(stack.bucket, "bulk/flood-5000.ndjson.gz", eTag)] }]);
    const env = { IDEMPOTENCY_TABLE: "edr-idempotency-flood", MAX_HITS_PER_RULE: String(n) };
    const attempt = async (sns: SNSClient) => {
      const logger = recordingLogger();
      const { deps, idempotencyConfig } = await createRuntime({
        env: { ...stack.env, ...env },
        clients: { s3: stack.s3, sns, dynamodb },
        logger,
      });
      idempotencyConfig?.registerLambdaContext({ getRemainingTimeInMillis: () => 60_000 } as Context);
      return { result: await processEvent(event, deps), logger };
    };

    // SNS accepts 4 requests (only half of the entries of the 4th if it is a PublishBatch), then
    // is down: the object fails with some of its messages out.
    const flaky = goodSns();
    let calls = 0;
    flaky.middlewareStack.add(
      (next) => async (args) => {
        calls++;
        const input = args.input as { PublishBatchRequestEntries?: { Id?: string }[] };
        if (calls <= 3) return next(args);
        const entries = input.PublishBatchRequestEntries;
        if (calls === 4 && entries !== undefined) {
          const keep = entries.slice(0, Math.ceil(entries.length / 2));
          const r = await next({ ...args, input: { ...input, PublishBatchRequestEntries: keep } });
          const out = r.output as { Failed?: unknown[] };
          out.Failed = entries
            .slice(keep.length)
            .map((e) => ({ Id: e.Id, Code: "InternalError", SenderFault: false, Message: "injected" }));
          return r;
        }
        if (calls === 4) return next(args);
        throw Object.assign(new Error("connect ECONNREFUSED (injected)"), { name: "Error" });
      },
      { step: "initialize", name: "injectFailures" },
    );
    const first = await attempt(flaky);
    assert.deepEqual(first.result, {
      batchItemFailures: [{ itemIdentifier: "msg-1" }],
    });
    const before = await stack.received();
    assert.ok(before.length >= 4, `${before.length} messages accepted before the failure`);

    const second = await attempt(goodSns());
    assert.deepEqual(second.result, { batchItemFailures: [] });
    const after = await stack.received();
    const all = [...before, ...after].map((m) => JSON.parse(m.structure["default"]!));
    const records = all.flatMap((b) => b.alerts.map((a: { source: { record: number } }) => a.source.record));
    assert.equal(records.length, n, "every alert delivered, none twice");
    assert.equal(new Set(records).size, n);
    const ids = all.map((b) => b.id);
    assert.equal(new Set(ids).size, ids.length, "no message delivered twice");
    const totals = all.filter((b) => b.counts.parts !== null);
    assert.equal(totals.length, 1);
    assert.equal(totals[0].counts.parts, all.length);
    console.log(
      `# ${n} hits: ${before.length} messages before the failure, ${after.length} on redelivery, ${all.length} in all`,
    );
  });
});
