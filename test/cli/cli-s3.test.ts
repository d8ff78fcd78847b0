/**
 * The real CLI (child process) over s3:// inputs served by fauxqs on 127.0.0.1, configured only
 * through the environment as a user would (AWS_ENDPOINT_URL, AWS_REGION, dummy credentials,
 * S3_FORCE_PATH_STYLE=true).
 */
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { buildApp } from "fauxqs";

const root = fileURLToPath(new URL("../../", import.meta.url));
let app: ReturnType<typeof buildApp>;
let endpoint = "";

before(async () => {
  app = buildApp({ logger: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const addr = app.server.address();
  assert.ok(addr !== null && typeof addr === "object");
  endpoint = `http://127.0.0.1:${addr.port}`;
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
  });
  await s3.send(new CreateBucketCommand({ Bucket: "edr-archive" }));
  const put = (Key: string, file: string) =>
    s3.send(
      new PutObjectCommand({
        Bucket: "edr-archive",
        Key,
        Body: readFileSync(`${root}test/fixtures/cli/${file}`),
      }),
    );
  await put("s1/cloud_funnel/2024/05/01/account_id=42/part 1+x.ndjson.gz", "s1_dispatcher.ndjson.gz");
  await put("defend/ls.s3.a=b.part0.txt", "defend_file_events.ndjson");
  await put("defend/clean.ndjson", "clean.ndjson");
  await put("broken/cut.gz", "corrupt_truncated.ndjson.gz");
  // More objects than the SDK's socket pool (50), each one the reader stops reading at once.
  const zip = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(256 * 1024, 7)]);
  for (let i = 0; i < 60; i++) {
    await s3.send(
      new PutObjectCommand({
        Bucket: "edr-archive",
        Key: `zips/${String(i).padStart(2, "0")}.zip`,
        Body: zip,
      }),
    );
  }
});

after(async () => {
  await app.close();
});

/** Async spawn: the S3 server runs in this process, so the child must not block our event loop. */
function scan(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "src/cli.ts", ...args], {
      cwd: root,
      env: {
        ...process.env,
        AWS_ENDPOINT_URL: endpoint,
        AWS_REGION: "us-east-1",
        AWS_ACCESS_KEY_ID: "test",
        AWS_SECRET_ACCESS_KEY: "test",
        S3_FORCE_PATH_STYLE: "true",
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

const records = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { source: { uri: string; record: number; version?: string } });

test("a bucket prefix: objects listed and streamed, keys with space, = and + intact", async () => {
  const r = await scan(["--concurrency", "2", "s3://edr-archive/s1/", "s3://edr-archive/defend/"]);
  assert.equal(r.code, 1, r.stderr);
  const got = records(r.stdout)
    .map((a) => `${a.source.uri}#${a.source.record}`)
    .sort();
  assert.deepEqual(got, [
    "s3://edr-archive/defend/ls.s3.a=b.part0.txt#1",
    "s3://edr-archive/s1/cloud_funnel/2024/05/01/account_id=42/part 1+x.ndjson.gz#1",
    "s3://edr-archive/s1/cloud_funnel/2024/05/01/account_id=42/part 1+x.ndjson.gz#6",
  ]);
  for (const a of records(r.stdout)) assert.equal(typeof a.source.version, "string");
  assert.match(r.stderr, /3 objects scanned; .* 13 records, 0 malformed, 0 skipped; 3 alerts;/);
});

test("a corrupt object and an empty prefix in S3: exit 2, each reported, hits before the damage kept", async () => {
  const r = await scan(["s3://edr-archive/broken/", "s3://edr-archive/none/"]);
  assert.equal(r.code, 2);
  assert.deepEqual(
    records(r.stdout).map((a) => a.source.record),
    [1],
  );
  assert.match(r.stderr, /FAILED s3:\/\/edr-archive\/broken\/cut\.gz: .*\[corrupt-compressed-stream\]/);
  assert.match(r.stderr, /FAILED s3:\/\/edr-archive\/none\/: no objects under this prefix \[input\]/);
});

test("objects the reader abandons early release their sockets: 60 unsupported objects, no stall", async () => {
  const r = await scan(["--concurrency", "8", "s3://edr-archive/zips/"]);
  assert.equal(r.code, 2);
  assert.equal(r.stderr.match(/^ {2}FAILED .*unsupported compression.*$/gm)?.length, 60, r.stderr);
});
