import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { describe, test } from "node:test";
import { CONTEXT_DEFAULTS, ContextError, type ContextKey, readScannerContext } from "../../infra/context.ts";
import { createScannerApp } from "../../infra/scanner-app.ts";

const from = (values: Partial<Record<ContextKey, unknown>>) => (key: ContextKey) => values[key];

function rejects(values: Partial<Record<ContextKey, unknown>>, key: ContextKey): ContextError {
  try {
    readScannerContext(from(values));
  } catch (error) {
    assert.ok(error instanceof ContextError, `expected a ContextError, got ${String(error)}`);
    assert.equal(error.key, key);
    assert.match(error.message, new RegExp(`context "${key}"`));
    assert.match(error.message, /Fix: /);
    return error;
  }
  assert.fail(`expected ${JSON.stringify(values)} to be rejected for "${key}"`);
}

describe("readScannerContext", () => {
  test("no context: a created bucket and the documented defaults", () => {
    const c = readScannerContext(from({}));
    assert.equal(c.bucketName, undefined);
    assert.equal(c.prefix, "");
    assert.equal(c.suffix, "");
    assert.deepEqual(c.alertEmails, []);
    assert.equal(c.slack, undefined);
    assert.equal(c.memorySize, CONTEXT_DEFAULTS.memorySize);
    assert.equal(c.timeoutSeconds, CONTEXT_DEFAULTS.timeoutSeconds);
    assert.equal(c.reservedConcurrency, undefined);
    assert.equal(c.batchSize, 10);
    assert.equal(c.backfillMaxConcurrency, 100);
    assert.equal(c.idempotency, true);
    assert.deepEqual(c.opsEmails, []);
  });

  test("strings from -c and typed values from cdk.json are both accepted", () => {
    const c = readScannerContext(
      from({
        bucketName: "corp-edr-archive",
        prefix: "edr/",
        alertEmail: " soc@example.com,oncall@example.com ,soc@example.com",
        memorySize: "3538",
        timeoutSeconds: 600,
        reservedConcurrency: "25",
        batchSize: 100,
        maxBatchingWindowSeconds: "5",
        idempotency: "false",
        slackWorkspaceId: "T0123ABCD",
        slackChannelId: "C0123ABCD",
        opsEmail: ["ops@example.com"],
      }),
    );
    assert.equal(c.bucketName, "corp-edr-archive");
    assert.deepEqual(c.alertEmails, ["soc@example.com", "oncall@example.com"]);
    assert.equal(c.memorySize, 3538);
    assert.equal(c.timeoutSeconds, 600);
    assert.equal(c.reservedConcurrency, 25);
    assert.equal(c.batchSize, 100);
    assert.equal(c.idempotency, false);
    assert.deepEqual(c.slack, { workspaceId: "T0123ABCD", channelId: "C0123ABCD" });
    assert.deepEqual(c.opsEmails, ["ops@example.com"]);
  });

  test("each invalid value is reported with its key, the value and the fix", () => {
    const e = rejects({ memorySize: "lots" }, "memorySize");
    assert.match(e.message, /"lots"/);
    assert.match(e.message, /128 to 10240/);
    rejects({ memorySize: 64 }, "memorySize");
    rejects({ timeoutSeconds: "901" }, "timeoutSeconds");
    rejects({ timeoutSeconds: "1.5" }, "timeoutSeconds");
    rejects({ reservedConcurrency: "0" }, "reservedConcurrency");
    rejects({ batchSize: "0" }, "batchSize");
    rejects({ maxBatchingWindowSeconds: "301" }, "maxBatchingWindowSeconds");
    rejects({ backfillMaxConcurrency: "-1" }, "backfillMaxConcurrency");
    rejects({ backfillItemsPerBatch: "5000" }, "backfillItemsPerBatch");
    rejects({ backfillToleratedFailurePercentage: "101" }, "backfillToleratedFailurePercentage");
    rejects({ bucketName: "Not_A_Bucket" }, "bucketName");
    rejects({ bucketName: "corp-archive", bucketKmsKeyArn: "alias/aws/s3" }, "bucketKmsKeyArn");
    rejects({ bucketKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/abc" }, "bucketKmsKeyArn");
    rejects({ alertEmail: "soc@example.com,not-an-address" }, "alertEmail");
    rejects({ opsTopicArn: "arn:aws:sqs:eu-west-1:123456789012:q" }, "opsTopicArn");
    rejects({ idempotency: "maybe" }, "idempotency");
    rejects({ maxHitsPerRule: "0" }, "maxHitsPerRule");
    rejects({ maxHitsPerRule: "many" }, "maxHitsPerRule");
    rejects({ slackWorkspaceId: "T0123" }, "slackChannelId");
    rejects({ slackChannelId: "C0123" }, "slackWorkspaceId");
    rejects({ slackWorkspaceId: "t-lower", slackChannelId: "C1" }, "slackWorkspaceId");
  });

  test("combinations Lambda or the stack cannot honour are refused before synthesis", () => {
    const e = rejects({ batchSize: "50" }, "batchSize");
    assert.match(e.message, /maxBatchingWindowSeconds/);
    assert.doesNotThrow(() => readScannerContext(from({ batchSize: "50", maxBatchingWindowSeconds: "1" })));
    rejects(
      { opsTopicArn: "arn:aws:sns:eu-west-1:123456789012:ops", opsEmail: "ops@example.com" },
      "opsEmail",
    );
  });

  test("the app validates context before creating (and bundling) anything", () => {
    assert.throws(
      () => createScannerApp({ nag: false, context: { timeoutSeconds: "forever" } }),
      (error: unknown) => error instanceof ContextError && error.key === "timeoutSeconds",
    );
  });

  test("`cdk synth` (infra/app.ts) exits 1 with the message naming the key", () => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "infra/app.ts"], {
      env: { ...process.env, CDK_CONTEXT_JSON: JSON.stringify({ memorySize: "huge" }) },
      encoding: "utf8",
      timeout: 60_000,
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /context "memorySize": expected an integer from 128 to 10240 \(MB\), got "huge"/);
  });
});
