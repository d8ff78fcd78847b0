/** src/s3 against a real S3 API on 127.0.0.1 (fauxqs, in-process): URIs, paginated listing. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { createS3Client, listObjects, parseForcePathStyle, parseS3Uri } from "../../src/s3/index.ts";
import { type LocalS3, startLocalS3 } from "../fixtures/s3-server.ts";

const HIT = '{"event":{"id":"HIT-1"}}\n';
const MISS = '{"event":{"id":"miss"}}\n';

let local: LocalS3;
let env: Record<string, string>;

before(async () => {
  local = await startLocalS3();
  env = local.env;
  await local.createBucket("edr-logs");
  await local.createBucket("empty-bucket");
  const put = (Key: string, Body: string) => local.put("edr-logs", Key, Body);
  await put("s1/cloud_funnel/2024/05/01/account_id=123/a b+c.ndjson", MISS + HIT);
  await put("s1/cloud_funnel/2024/05/01/account_id=123/d.ndjson", HIT);
  await put("s1/cloud_funnel/2024/05/01/", "");
  await put("defend/x.ndjson", MISS);
  for (let i = 0; i < 5; i++) await put(`many/${i}.ndjson`, MISS);
});

after(async () => {
  await local.close();
});

function clientEnv(): Record<string, string | undefined> {
  // The SDK's default chain reads the process environment; the CLI child does the same.
  Object.assign(process.env, env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
  return env;
}

describe("src/s3 (fauxqs)", () => {
  test("parseS3Uri", () => {
    assert.deepEqual(parseS3Uri("s3://edr-logs/a/b"), { bucket: "edr-logs", prefix: "a/b" });
    assert.deepEqual(parseS3Uri("s3://edr-logs"), { bucket: "edr-logs", prefix: "" });
    assert.throws(() => parseS3Uri("s3://"), /is not an S3 URI: expected s3:\/\/bucket\/prefix/);
    assert.throws(() => parseS3Uri("s3://Bad_Bucket/x"), /is not an S3 URI/);
  });

  test("listing is paginated and skips folder markers", async () => {
    const s3 = createS3Client({
      forcePathStyle: parseForcePathStyle(clientEnv()["S3_FORCE_PATH_STYLE"]) === true,
    });
    const keys: string[] = [];
    for await (const o of listObjects(s3, { bucket: "edr-logs", prefix: "many/" }, undefined, 2))
      keys.push(o.key);
    assert.deepEqual(keys, [
      "many/0.ndjson",
      "many/1.ndjson",
      "many/2.ndjson",
      "many/3.ndjson",
      "many/4.ndjson",
    ]);
    const s1: string[] = [];
    for await (const o of listObjects(s3, { bucket: "edr-logs", prefix: "s1/" })) s1.push(o.key);
    assert.equal(s1.length, 2);
  });
});
