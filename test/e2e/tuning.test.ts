/**
 * Tuning through the Lambda against real API servers on 127.0.0.1: fauxqs (S3, SNS, SQS) and
 * dynalite (DynamoDB). Rules come from a Kibana export with an exception list and alert
 * suppression (one alert per host per hour). Two objects of the same hour, delivered in two
 * invocations, and a third delivered twice at once: the first alert of each group goes out once,
 * the rest are counted in a digest per object, excepted events never alert.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import type { Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, beforeEach, describe, test } from "node:test";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import dynalite from "dynalite";
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { type Deps, processEvent } from "../../src/lambda/process.ts";
import { createRuntime } from "../../src/lambda/runtime.ts";
import { recordingLogger, recordingMetrics, s3Record, sqsBatch } from "../fixtures/lambda/e2e.ts";

let stack: LocalStack;
let dynamo: Server;
let dynamoEndpoint: string;
const dir = mkdtempSync(join(tmpdir(), "edr-e2e-tuning-"));
const ndjson = (...objs: unknown[]): string => `${objs.map((o) => JSON.stringify(o)).join("\n")}\n`;

writeFileSync(
  join(dir, "export.ndjson"),
  ndjson(
    {
      rule_id: "curl-raw-ip",
      name: "curl to a raw IP",
      description: "d",
      type: "eql",
      language: "eql",
      query: 'process where process.name == "curl"',
      severity: "medium",
      risk_score: 47,
      exceptions_list: [{ id: "1", list_id: "admins", namespace_type: "single", type: "detection" }],
      alert_suppression: { group_by: ["host.name"], duration: { value: 1, unit: "h" } },
    },
    { list_id: "admins", namespace_type: "single", type: "detection", name: "Admins" },
    {
      item_id: "deploy",
      list_id: "admins",
      namespace_type: "single",
      type: "simple",
      name: "deploy user",
      entries: [{ field: "user.name", operator: "included", type: "match", value: "deploy" }],
    },
  ),
);

const hit = (minute: number, host: string, user = "root") => ({
  "@timestamp": `2024-05-01T12:${String(minute).padStart(2, "0")}:00Z`,
  event: { category: ["process"], type: ["start"] },
  process: { name: "curl", args: ["curl", "http://203.0.113.7/x"] },
  host: { name: host },
  user: { name: user },
});

before(async () => {
  stack = await startLocalStack();
  dynamo = dynalite({ createTableMs: 0 });
  await new Promise<void>((resolve) => dynamo.listen(0, "127.0.0.1", resolve));
  dynamoEndpoint = `http://127.0.0.1:${(dynamo.address() as { port: number }).port}`;
  const client = new DynamoDBClient({
    endpoint: dynamoEndpoint,
    region: "us-east-1",
    credentials: LOCAL_CREDENTIALS,
  });
  await client.send(
    new CreateTableCommand({
      TableName: "idem",
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
  client.destroy();
  await stack.upload(
    "logs/a.ndjson",
    ndjson(hit(0, "web-1", "deploy"), hit(1, "web-1"), hit(2, "web-1"), hit(3, "web-1")),
  );
  await stack.upload("logs/b.ndjson", ndjson(hit(30, "web-1"), hit(31, "web-2")));
  await stack.upload("logs/c.ndjson", ndjson(hit(40, "web-3"), hit(41, "web-3"), hit(42, "web-3")));
});
after(async () => {
  await stack.stop();
  await new Promise<void>((resolve) => dynamo.close(() => resolve()));
});
beforeEach(async () => {
  await stack.received();
});

/** The same deps without object-level idempotency (both invocations really scan). */
function withoutOnce(deps: Deps): Deps {
  const { once: _once, ...rest } = deps;
  return rest;
}

async function runtime() {
  const common = { endpoint: stack.endpoint, region: stack.region, credentials: LOCAL_CREDENTIALS };
  const metrics = recordingMetrics();
  const rt = await createRuntime({
    env: { ...stack.env, RULES_PATH: join(dir, "export.ndjson"), IDEMPOTENCY_TABLE: "idem" },
    clients: {
      s3: new S3Client({ ...common, forcePathStyle: true }),
      sns: new SNSClient(common),
      dynamodb: new DynamoDBClient({
        endpoint: dynamoEndpoint,
        region: "us-east-1",
        credentials: LOCAL_CREDENTIALS,
      }),
    },
    logger: recordingLogger(),
    metrics,
  });
  return { deps: rt.deps, metrics };
}

const batch = (...keys: string[]) => sqsBatch(keys.map((k) => ({ Records: [s3Record(stack.bucket, k)] })));

interface Received {
  structure: Record<string, string>;
}
const alertsIn = (msgs: readonly Received[]) =>
  msgs
    .map(
      (m) =>
        JSON.parse(m.structure.default ?? "{}") as {
          kind?: string;
          alerts?: { event: Record<string, unknown> }[];
        },
    )
    .filter((m) => m.kind === undefined)
    .flatMap((m) => m.alerts ?? []);
const digestsIn = (msgs: readonly Received[]) =>
  msgs
    .map(
      (m) =>
        JSON.parse(m.structure.default ?? "{}") as { kind?: string; suppressed?: number; groups?: unknown[] },
    )
    .filter((m) => m.kind === "suppression-digest");

describe("the Lambda applies exceptions and suppression across objects", () => {
  test("one alert per host and hour across two invocations; the rest in digests; the excepted user never alerts", async () => {
    const { deps, metrics } = await runtime();
    assert.deepEqual(await processEvent(batch("logs/a.ndjson"), deps), { batchItemFailures: [] });
    const first = await stack.received();
    assert.deepEqual(
      alertsIn(first).map((a) => [a.event["host.name"], a.event["user.name"], a.event["@timestamp"]]),
      [["web-1", "root", "2024-05-01T12:01:00Z"]],
    );
    assert.deepEqual(
      digestsIn(first).map((d) => d.suppressed),
      [2],
    );
    assert.equal(metrics.values.ExceptionDrops, 1);
    assert.equal(metrics.values.SuppressedAlerts, 2);

    // A later object of the same hour, another invocation: web-1 stays suppressed, web-2 is new.
    assert.deepEqual(await processEvent(batch("logs/b.ndjson"), deps), { batchItemFailures: [] });
    const second = await stack.received();
    assert.deepEqual(
      alertsIn(second).map((a) => a.event["host.name"]),
      ["web-2"],
    );
    assert.deepEqual(
      digestsIn(second).map((d) => d.suppressed),
      [1],
    );
  });

  test("two invocations scanning the same group at once send its first alert once", async () => {
    const [x, y] = await Promise.all([runtime(), runtime()]);
    // Distinct object versions cannot be told apart by idempotency here: both really scan.
    const r = await Promise.all([
      processEvent(batch("logs/c.ndjson"), withoutOnce(x.deps)),
      processEvent(batch("logs/c.ndjson"), withoutOnce(y.deps)),
    ]);
    assert.deepEqual(r, [{ batchItemFailures: [] }, { batchItemFailures: [] }]);
    const got = await stack.received();
    assert.equal(alertsIn(got).filter((a) => a.event["host.name"] === "web-3").length, 1);
  });
});
