/**
 * The deployed entry point itself (src/handler.ts: middy + Powertools) against fauxqs on
 * 127.0.0.1: the result Lambda sees, one structured summary line per object, EMF metrics in the
 * EdrArchiveScanner namespace, no raw record content in the logs, and configuration errors that
 * name the variable.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Context } from "aws-lambda";
import { type LocalStack, startLocalStack } from "../src/lambda/local-stack.ts";
import { sampleEvent, uploadSamples } from "./fixtures/lambda/e2e.ts";

let stack: LocalStack;
const saved = { ...process.env };

before(async () => {
  stack = await startLocalStack();
  await uploadSamples(stack);
});
after(async () => {
  await stack.stop();
  for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
  Object.assign(process.env, saved);
});

const context = {
  functionName: "edr-archive-scanner",
  functionVersion: "$LATEST",
  awsRequestId: "req-1",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:000000000000:function:edr-archive-scanner",
  memoryLimitInMB: "1024",
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;

/** Powertools Logger and Metrics write to stdout: capture the lines an invocation prints. */
async function capture<T>(fn: () => Promise<T>): Promise<{ value: T; lines: Record<string, unknown>[] }> {
  const original = process.stdout.write.bind(process.stdout);
  let text = "";
  process.stdout.write = ((chunk: string | Uint8Array) => {
    text += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  }) as typeof process.stdout.write;
  try {
    const value = await fn();
    return {
      value,
      lines: text
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l)),
    };
  } finally {
    process.stdout.write = original;
  }
}

test("the middy handler: batch result, one summary line per object, EMF metrics", async () => {
  Object.assign(process.env, stack.env, { POWERTOOLS_LOG_LEVEL: "INFO", POWERTOOLS_DEV: "" });
  delete process.env["POWERTOOLS_METRICS_DISABLED"];
  const { value, lines } = await capture(async () => {
    const { handler } = await import("../src/handler.ts");
    return handler(sampleEvent("sqs-s3.json"), context);
  });
  assert.deepEqual(value, { batchItemFailures: [] });
  const summaries = lines.filter((l) => l["message"] === "object scanned");
  assert.equal(summaries.length, 3);
  for (const s of summaries) {
    for (const k of ["uri", "bytes", "records", "malformed", "alerts", "durationMs", "outcome"])
      assert.ok(k in s, k);
    assert.equal(s["service"], "edr-archive-scanner");
    assert.equal(s["function_request_id"], "req-1");
  }
  const emf = lines.find((l) => "_aws" in l) as Record<string, unknown> & {
    _aws: { CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[] };
  };
  assert.ok(emf, "an EMF line");
  assert.equal(emf._aws.CloudWatchMetrics[0]?.Namespace, "EdrArchiveScanner");
  const names = emf._aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort();
  assert.deepEqual(names, [
    "Alerts",
    "BytesScanned",
    "ExceptionDrops",
    "MalformedRecords",
    "ObjectFailures",
    "ObjectsScanned",
    "Records",
    "SuppressedAlerts",
  ]);
  assert.equal(emf["ObjectsScanned"], 3);
  assert.equal(emf["ExceptionDrops"], 0);
  assert.equal(emf["Alerts"], 4);
  const all = lines.map((l) => JSON.stringify(l)).join("\n");
  assert.doesNotMatch(all, /99-persist|stage2\.py|SYNTH_1/, "no record content in logs");
  assert.doesNotMatch(all, /local"?,"?secret|AWS_SECRET/i);
  assert.equal((await stack.received()).length, 3);
});

test("a bad environment fails every invocation with an error naming the variable", async () => {
  Object.assign(process.env, {
    ALERT_TOPIC_ARN: "not-an-arn",
    MAX_RECORD_BYTES: "lots",
    POWERTOOLS_LOG_LEVEL: "SILENT",
  });
  // A fresh module instance: configuration is read once per container, as the module loads.
  const fresh = "../src/handler.ts?bad-env";
  const { handler } = (await import(fresh)) as typeof import("../src/handler.ts");
  await assert.rejects(
    handler(sampleEvent("sqs-s3.json"), context),
    (e: Error) =>
      /ALERT_TOPIC_ARN must be an SNS topic ARN/.test(e.message) && /MAX_RECORD_BYTES/.test(e.message),
  );
});
