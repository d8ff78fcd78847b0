/**
 * The back-scan from the function's side, against a loopback S3 (fauxqs on 127.0.0.1): a batch
 * with a missing object among good ones, the state machine's own expressions (infra/backfill.ts,
 * evaluated with jsonata; test/infra/scanner-stack.test.ts checks they are the synthesized ones)
 * applied to what the handler returned, the ResultWriter files those batches would leave, the
 * summary the same function computes from them, and the re-run of the failed keys.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import jsonata from "jsonata";
import {
  BATCH_DONE_OUTPUT,
  OBJECTS_FAILED_CAUSE,
  RERUN_ITEMS,
  SCAN_BATCH_OUTPUT,
  SUMMARY_PAYLOAD,
} from "../../infra/backfill.ts";
import { type BackfillSummary, FAILED_LISTED_BYTES } from "../../src/lambda/backfill-summary.ts";
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { type Deps, processEvent, type Summary } from "../../src/lambda/process.ts";
import { createRuntime } from "../../src/lambda/runtime.ts";
import { EVENTS_DIR, manifest, recordingLogger, recordingMetrics } from "../fixtures/lambda/e2e.ts";

const RESULTS_BUCKET = "backfill-results-bucket";
let stack: LocalStack;
let s3: S3Client;
let deps: Deps;
const uploaded: { Key: string; Size: number; Etag: string }[] = [];

before(async () => {
  stack = await startLocalStack();
  const common = { endpoint: stack.endpoint, region: stack.region, credentials: LOCAL_CREDENTIALS };
  s3 = new S3Client({ ...common, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: RESULTS_BUCKET }));
  // The sample objects under back-scan keys of their own.
  for (const m of manifest) {
    const key = `backscan/${m.key}`;
    const { eTag, size } = await stack.upload(key, readFileSync(new URL(`objects/${m.file}`, EVENTS_DIR)));
    uploaded.push({ Key: key, Size: size, Etag: `"${eTag}"` });
  }
  const rt = await createRuntime({
    env: stack.env,
    clients: { s3, sns: new SNSClient(common) },
    logger: recordingLogger(),
    metrics: recordingMetrics(),
  });
  deps = rt.deps;
});
after(async () => {
  await stack.stop();
});

/** Step Functions' evaluation of "{% expr %}" with $states bound, on JSON copies. */
async function evaluate(expression: string, input: unknown, result?: unknown): Promise<unknown> {
  const copy = (v: unknown) => (v === undefined ? undefined : JSON.parse(JSON.stringify(v)));
  const value = await jsonata(expression.slice(2, -2)).evaluate(
    {},
    { states: { input: copy(input), ...(result === undefined ? {} : { result: copy(result) }) } },
  );
  return value === undefined ? undefined : JSON.parse(JSON.stringify(value));
}

async function put(key: string, body: string): Promise<void> {
  await s3.send(new PutObjectCommand({ Bucket: RESULTS_BUCKET, Key: key, Body: body }));
}

/** One line of a ResultWriter JSONL file (Transformation NONE: Input and Output as JSON text). */
function childRecord(input: unknown, outcome: { output: unknown } | { error: string; cause: string }) {
  return JSON.stringify({
    ExecutionArn: "arn:aws:states:eu-west-1:123456789012:execution:sm/ScanObjects:child",
    Input: JSON.stringify(input),
    InputDetails: { Included: true },
    Name: "child",
    ...("output" in outcome
      ? { Output: JSON.stringify(outcome.output), OutputDetails: { Included: true }, Status: "SUCCEEDED" }
      : { Error: outcome.error, Cause: outcome.cause, Status: "FAILED" }),
    StartDate: "2026-12-01T10:00:00.000Z",
    StopDate: "2026-12-01T10:00:05.000Z",
  });
}

describe("back-scan: batch, results, summary, re-run", () => {
  const missingKey = "backscan/gone/deleted-after-listing.ndjson.gz";
  let batch: { Items: { Key: string; Size?: number; Etag?: string }[]; BatchInput: { bucket: string } };
  let payload: Summary;
  let summary: BackfillSummary;

  test("one missing object among good ones: the others are scanned, the result says which failed and why", async () => {
    batch = {
      Items: [uploaded[0]!, { Key: missingKey, Size: 10, Etag: '"abc"' }, uploaded[2]!],
      BatchInput: { bucket: stack.bucket },
    };
    payload = (await processEvent(batch, deps)) as Summary;
    assert.deepEqual(
      payload.results!.map((r) => [r.key, r.outcome]),
      [
        [uploaded[0]!.Key, "scanned"],
        [missingKey, "missing"],
        [uploaded[2]!.Key, "scanned"],
      ],
    );
    const missing = payload.results![1]!;
    assert.match(missing.reason ?? "", /NoSuchKey|404/);
    assert.equal(missing.transient, undefined, "a missing object is permanent: not retried");
    assert.deepEqual(payload.failed, [{ key: missingKey, reason: missing.reason }]);
    const good = payload.results!.filter((r) => r.outcome === "scanned");
    assert.ok(good.every((r) => r.records > 0));
    assert.equal(
      payload.records,
      good.reduce((n, r) => n + r.records, 0),
    );
    assert.equal(
      payload.alerts,
      good.reduce((n, r) => n + r.alerts, 0),
    );
    assert.ok(payload.alerts >= 2, "both good objects alert");
    assert.equal((await stack.received()).length, payload.alerts, "the neighbours' alerts were published");
  });

  test("the state machine's batch expressions turn that result into the child's output", async () => {
    const scanned = (await evaluate(SCAN_BATCH_OUTPUT, batch, { Payload: payload })) as Record<
      string,
      unknown
    >;
    assert.deepEqual(scanned["failed"], payload.failed);
    const done = (await evaluate(BATCH_DONE_OUTPUT, scanned)) as Record<string, unknown>;
    assert.deepEqual(done["results"], payload.results);
    assert.deepEqual(done["failed"], payload.failed);
    assert.equal(done["records"], payload.records);
  });

  test("the summary adds up the ResultWriter files, a crashed batch counted per object", async () => {
    const scanned = await evaluate(SCAN_BATCH_OUTPUT, batch, { Payload: payload });
    const done = await evaluate(BATCH_DONE_OUTPUT, scanned);
    const crashed = {
      Items: [{ Key: "backscan/x/huge-1.gz" }, { Key: "backscan/x/huge-2.gz" }],
      BatchInput: { bucket: stack.bucket },
    };
    const prefix = "backfill-results/run-1";
    await put(`${prefix}/SUCCEEDED_0.json`, `${childRecord(batch, { output: done })}\n`);
    await put(
      `${prefix}/FAILED_0.json`,
      `${childRecord(crashed, { error: "Sandbox.Timedout", cause: "Task timed out after 900.00 seconds" })}\n`,
    );
    await put(
      `${prefix}/manifest.json`,
      JSON.stringify({
        DestinationBucket: RESULTS_BUCKET,
        MapRunArn: "arn:aws:states:eu-west-1:123456789012:mapRun:sm/ScanObjects:1",
        ResultFiles: {
          FAILED: [{ Key: `${prefix}/FAILED_0.json`, Size: 1 }],
          PENDING: [],
          SUCCEEDED: [{ Key: `${prefix}/SUCCEEDED_0.json`, Size: 1 }],
        },
      }),
    );
    const event = await evaluate(SUMMARY_PAYLOAD, {
      MapRunArn: "arn:aws:states:eu-west-1:123456789012:mapRun:sm/ScanObjects:1",
      ResultWriterDetails: { Bucket: RESULTS_BUCKET, Key: `${prefix}/manifest.json` },
    });
    summary = (await processEvent(event, deps)) as unknown as BackfillSummary;
    assert.equal(summary.listed, 5);
    assert.equal(summary.scanned, 2);
    assert.equal(summary.missing, 1);
    assert.equal(summary.failedBatches, 1);
    assert.equal(summary.failedCount, 3);
    assert.equal(summary.records, payload.records);
    assert.equal(summary.alerts, payload.alerts);
    assert.deepEqual(summary.failedKeys, [missingKey, "backscan/x/huge-1.gz", "backscan/x/huge-2.gz"]);
    assert.match(summary.failed[1]!.reason, /^batch FAILED: Sandbox\.Timedout: Task timed out/);
    assert.equal(summary.failedTruncated, false);
    const cause = JSON.parse(String(await evaluate(OBJECTS_FAILED_CAUSE, summary)));
    assert.equal(cause.failedCount, 3);
    assert.deepEqual(cause.results, { bucket: RESULTS_BUCKET, manifest: `${prefix}/manifest.json` });
  });

  test("a re-run of the failed keys scans them once they are readable", async () => {
    const items = (await evaluate(RERUN_ITEMS, { keys: [missingKey] })) as { Key: string }[];
    assert.deepEqual(items, [{ Key: missingKey }]);
    await stack.upload(missingKey, readFileSync(new URL(`objects/${manifest[1]!.file}`, EVENTS_DIR)));
    const rerun = (await processEvent(
      { Items: items, BatchInput: { bucket: stack.bucket } },
      deps,
    )) as Summary;
    assert.deepEqual(rerun.failed, []);
    assert.deepEqual(
      rerun.results!.map((r) => [r.key, r.outcome]),
      [[missingKey, "scanned"]],
    );
    assert.ok(rerun.alerts > 0);
    await stack.received();
  });

  test("many failures: the count is exact, the list is cut to fit a state's payload", async () => {
    const prefix = "backfill-results/run-2";
    const lines: string[] = [];
    for (let b = 0; b < 200; b++) {
      const items = Array.from({ length: 20 }, (_, i) => ({
        Key: `backscan/${"k".repeat(200)}/${b}-${i}.gz`,
      }));
      lines.push(
        childRecord(
          { Items: items, BatchInput: { bucket: stack.bucket } },
          { error: "Lambda.Unknown", cause: "x" },
        ),
      );
    }
    await put(`${prefix}/FAILED_0.json`, `${lines.join("\n")}\n`);
    await put(
      `${prefix}/manifest.json`,
      JSON.stringify({
        DestinationBucket: RESULTS_BUCKET,
        ResultFiles: { FAILED: [{ Key: `${prefix}/FAILED_0.json` }] },
      }),
    );
    const big = (await processEvent(
      { BackfillSummary: { bucket: RESULTS_BUCKET, manifest: `${prefix}/manifest.json` } },
      deps,
    )) as unknown as BackfillSummary;
    assert.equal(big.listed, 4000);
    assert.equal(big.failedCount, 4000);
    assert.equal(big.failedBatches, 200);
    assert.equal(big.failedTruncated, true);
    assert.ok(big.failed.length > 0 && big.failed.length < 4000);
    assert.equal(big.failedKeys.length, big.failed.length);
    const bytes = Buffer.byteLength(JSON.stringify(big));
    assert.ok(bytes < 256 * 1024 && bytes > FAILED_LISTED_BYTES / 2, `${bytes} bytes`);
  });

  test("an unreadable manifest fails the summary (the state machine retries, then the run fails)", async () => {
    await assert.rejects(
      processEvent(
        { BackfillSummary: { bucket: RESULTS_BUCKET, manifest: "backfill-results/none.json" } },
        deps,
      ),
    );
    await put("backfill-results/bad/manifest.json", "not json");
    await assert.rejects(
      processEvent(
        { BackfillSummary: { bucket: RESULTS_BUCKET, manifest: "backfill-results/bad/manifest.json" } },
        deps,
      ),
      /not JSON/,
    );
  });
});
