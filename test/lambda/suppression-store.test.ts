import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoSuppressionStore } from "../../src/lambda/suppression-store.ts";
import { type LocalDynamo, startDynalite } from "../fixtures/dynamo.ts";

let dynamo: LocalDynamo;
let client: DynamoDBClient;
const TABLE = "suppression";

before(async () => {
  dynamo = await startDynalite();
  client = dynamo.client;
  await client.send(
    new CreateTableCommand({
      TableName: TABLE,
      AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
      KeySchema: [{ AttributeName: "id", KeyType: "HASH" }],
      BillingMode: "PAY_PER_REQUEST",
    }),
  );
});

after(() => dynamo.close());

describe("DynamoDB suppression store (dynalite on 127.0.0.1)", () => {
  const HOUR = 3_600_000;
  const t0 = Date.parse("2024-05-01T12:00:00Z");

  test("the first alert of a group opens the window; later ones inside it are suppressed; after it a new window opens", async () => {
    const store = new DynamoSuppressionStore({ client, tableName: TABLE });
    assert.equal((await store.claim("r1", '[["web-1"]]', t0, HOUR)).verdict, "first");
    assert.equal((await store.claim("r1", '[["web-1"]]', t0 + 1000, HOUR)).verdict, "suppressed");
    assert.equal((await store.claim("r1", '[["web-2"]]', t0 + 1000, HOUR)).verdict, "first");
    assert.equal((await store.claim("r2", '[["web-1"]]', t0 + 1000, HOUR)).verdict, "first");
    assert.equal(
      (await store.claim("r1", '[["web-1"]]', t0 - 1000, HOUR)).verdict,
      "suppressed",
      "an earlier event of the same hour",
    );
    assert.equal((await store.claim("r1", '[["web-1"]]', t0 + HOUR, HOUR)).verdict, "first");
  });

  test("concurrent invocations claiming one group agree: exactly one alert goes out", async () => {
    const stores = Array.from({ length: 8 }, () => new DynamoSuppressionStore({ client, tableName: TABLE }));
    // Event times spread over a minute, arriving in no particular order.
    const times = [7, 2, 5, 0, 6, 1, 4, 3].map((i) => t0 + i * 7_500);
    const outcomes = await Promise.all(stores.map((s, i) => s.claim("race", '[["db-1"]]', times[i]!, HOUR)));
    assert.equal(outcomes.filter((o) => o.verdict === "first").length, 1);
    assert.equal(outcomes.filter((o) => o.verdict === "suppressed").length, 7);
    // Every loser learns the winner's window.
    const winner = outcomes.find((o) => o.verdict === "first")!;
    for (const o of outcomes) assert.deepEqual([o.startMs, o.endMs], [winner.startMs, winner.endMs]);
  });

  test("an unreachable table is an error for the caller to retry, never a silent 'first'", async () => {
    const dead = new DynamoDBClient({
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      credentials: { accessKeyId: "local", secretAccessKey: "local" },
      maxAttempts: 1,
    });
    const store = new DynamoSuppressionStore({ client: dead, tableName: TABLE });
    await assert.rejects(store.claim("r1", "g", t0, HOUR));
    dead.destroy();
  });
});
