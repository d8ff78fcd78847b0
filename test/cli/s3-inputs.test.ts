/**
 * The CLI's s3:// inputs against a real S3 API on 127.0.0.1 (fauxqs, in-process): keys with
 * spaces, `=` and `+`, streamed GetObject, failures reported, many objects in flight at once.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { runCli } from "../../src/cli/main.ts";
import { type LocalS3, startLocalS3 } from "../fixtures/s3-server.ts";
import { fakeDeps, io } from "./fakes.ts";

const HIT = '{"event":{"id":"HIT-1"}}\n';
const MISS = '{"event":{"id":"miss"}}\n';

let local: LocalS3;
let env: Record<string, string>;

before(async () => {
  local = await startLocalS3();
  env = local.env;
  await local.createBucket("edr-logs");
  const put = (Key: string, Body: string) => local.put("edr-logs", Key, Body);
  await put("s1/cloud_funnel/2024/05/01/account_id=123/a b+c.ndjson", MISS + HIT);
  await put("s1/cloud_funnel/2024/05/01/account_id=123/d.ndjson", HIT);
  await put("s1/cloud_funnel/2024/05/01/", "");
  await put("defend/x.ndjson", MISS);
  for (let i = 0; i < 40; i++) await put(`wide/${String(i).padStart(2, "0")}.ndjson`, MISS.repeat(2000));
});

after(async () => {
  await local.close();
});

function clientEnv(): Record<string, string | undefined> {
  // The SDK's default chain reads the process environment; the CLI child does the same.
  Object.assign(process.env, env, { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" });
  return env;
}

describe("s3 inputs (fauxqs)", () => {
  test("a prefix: every object scanned, keys with space, = and + kept verbatim in the alert URI", async () => {
    const o = io(clientEnv());
    const code = await runCli(["--concurrency", "1", "s3://edr-logs/s1/"], o, fakeDeps);
    assert.equal(code, 1, o.stderr.text);
    const alerts = o.stdout.text
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l));
    assert.deepEqual(
      alerts.map((a) => [a.source.uri, a.source.record]),
      [
        ["s3://edr-logs/s1/cloud_funnel/2024/05/01/account_id=123/a b+c.ndjson", 2],
        ["s3://edr-logs/s1/cloud_funnel/2024/05/01/account_id=123/d.ndjson", 1],
      ],
    );
    // The ETag is the version when the bucket is not versioned: part of the deterministic id.
    assert.equal(typeof alerts[0].source.version, "string");
    assert.match(o.stderr.text, /2 objects scanned/);
  });

  test("files and s3 inputs mix; an empty prefix and a missing bucket are failures (exit 2)", async () => {
    const o = io(clientEnv());
    const code = await runCli(
      ["s3://edr-logs/nothing-here/", "s3://no-such-bucket-zz/x", "s3://edr-logs/defend/"],
      o,
      fakeDeps,
    );
    assert.equal(code, 2);
    assert.match(
      o.stderr.text,
      /FAILED s3:\/\/edr-logs\/nothing-here\/: no objects under this prefix \[input\]/,
    );
    assert.match(o.stderr.text, /FAILED s3:\/\/no-such-bucket-zz\/x: listing failed: NoSuchBucket/);
    assert.match(o.stderr.text, /1 object scanned, 2 inputs failed;/);
  });

  test("--concurrency 16 with a Ctrl-C signal: no MaxListenersExceededWarning", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    try {
      const o = { ...io(clientEnv()), signal: new AbortController().signal };
      const code = await runCli(["--concurrency", "16", "s3://edr-logs/wide/"], o, fakeDeps);
      assert.equal(code, 0, o.stderr.text);
      assert.match(o.stderr.text, /40 objects scanned/);
      // Warnings are emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off("warning", onWarning);
    }
    assert.deepEqual(
      warnings.filter((w) => /MaxListeners/.test(w)),
      [],
    );
  });
});
