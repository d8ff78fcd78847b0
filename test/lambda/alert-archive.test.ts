/** The alert copy in the alerts bucket, against a real S3 API on 127.0.0.1 (fauxqs). */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { CreateBucketCommand, GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { AlertArchive, alertArchiveKey } from "../../src/lambda/alert-archive.ts";
import { type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { makeAlert, OBJECT, SEED_RULE } from "../fixtures/lambda/alerts.ts";

let stack: LocalStack;
const BUCKET = "edr-alerts-copy";
before(async () => {
  stack = await startLocalStack();
  await stack.s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
after(async () => {
  await stack.stop();
});

const object = { uri: OBJECT.uri, version: OBJECT.version! };
const date = new Date("2024-05-01T23:59:59Z");

async function read(key: string): Promise<string> {
  const out = await stack.s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body!.transformToString();
}

async function keys(prefix: string): Promise<string[]> {
  const out = await stack.s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
  return (out.Contents ?? []).map((o) => o.Key!).sort();
}

describe("AlertArchive", () => {
  test("one NDJSON object per object and rule, partitioned by rule and date, every alert in order", async () => {
    const a = new AlertArchive({ s3: stack.s3, bucket: BUCKET, object, objectDate: date });
    const other = { ...SEED_RULE, id: "other/rule id" };
    for (let i = 1; i <= 300; i++) a.add(makeAlert(i));
    a.add({ ...makeAlert(301), rule: other });
    const r = await a.finish();
    assert.deepEqual(r, { objects: 2, alerts: 301 });
    const key = alertArchiveKey("alerts/", SEED_RULE.id, date, object);
    assert.match(key, new RegExp(`^alerts/rule=${SEED_RULE.id}/dt=2024-05-01/[0-9a-f]{32}\\.ndjson$`));
    assert.equal(a.location(SEED_RULE.id), `s3://${BUCKET}/${key}`);
    const lines = (await read(key))
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      lines.map((l) => l.source.record),
      Array.from({ length: 300 }, (_, i) => i + 1),
    );
    // A rule id that is not a plain path segment is hashed, never spliced into the key.
    const odd = await keys("alerts/rule=h-");
    assert.equal(odd.length, 1);
  });

  test("a flood goes up as a multipart upload; a rescan overwrites the same key", async () => {
    const run = async (n: number) => {
      const a = new AlertArchive({
        s3: stack.s3,
        bucket: BUCKET,
        prefix: "flood/",
        object,
        objectDate: date,
        partBytes: 5 * 1024 * 1024,
      });
      for (let i = 1; i <= n; i++) a.add(makeAlert(i, {}, { pad: "z".repeat(6000), i }));
      await a.finish();
    };
    const commands: string[] = [];
    stack.s3.middlewareStack.add(
      (next, context) => async (args) => {
        commands.push(String(context.commandName));
        return next(args);
      },
      { step: "initialize", name: "countCommands" },
    );
    await run(2000);
    assert.ok(commands.filter((c) => c === "UploadPartCommand").length >= 3, commands.join(", "));
    assert.equal(commands.filter((c) => c === "PutObjectCommand").length, 0);
    await run(2000);
    stack.s3.middlewareStack.remove("countCommands");
    const found = await keys("flood/");
    assert.equal(found.length, 1, found.join(", "));
    const lines = (await read(found[0]!)).trimEnd().split("\n");
    assert.equal(lines.length, 2000);
    assert.equal(new Set(lines.map((l) => JSON.parse(l).id)).size, 2000);
  });
});
