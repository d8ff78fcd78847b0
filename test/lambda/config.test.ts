import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../../src/lambda/config.ts";

const ARN = "arn:aws:sns:us-east-1:123456789012:edr-alerts";

describe("loadConfig", () => {
  test("defaults: builtin rules, idempotency off, virtual-hosted S3", () => {
    assert.deepEqual(loadConfig({ ALERT_TOPIC_ARN: ARN }), {
      alertTopicArn: ARN,
      idempotencyTtlSeconds: 604800,
      s3ForcePathStyle: false,
    });
  });
  test("every variable read", () => {
    const c = loadConfig({
      ALERT_TOPIC_ARN: "arn:aws-us-gov:sns:us-gov-west-1:123456789012:alerts.fifo",
      RULES_PATH: "/opt/rules",
      MAX_RECORD_BYTES: "1048576",
      MAX_DECOMPRESSED_BYTES: "1000000000",
      IDEMPOTENCY_TABLE: "edr-idempotency",
      IDEMPOTENCY_TTL_SECONDS: "3600",
      S3_FORCE_PATH_STYLE: "true",
    });
    assert.equal(c.rulesPath, "/opt/rules");
    assert.equal(c.maxRecordBytes, 1048576);
    assert.equal(c.maxDecompressedBytes, 1e9);
    assert.equal(c.idempotencyTable, "edr-idempotency");
    assert.equal(c.idempotencyTtlSeconds, 3600);
    assert.equal(c.s3ForcePathStyle, true);
    assert.equal(loadConfig({ ALERT_TOPIC_ARN: ARN, RULES_PATH: "builtin" }).rulesPath, undefined);
  });
  test("missing ALERT_TOPIC_ARN names the variable and the form", () => {
    assert.throws(
      () => loadConfig({}),
      (e: unknown) =>
        e instanceof ConfigError &&
        /ALERT_TOPIC_ARN is required/.test(e.message) &&
        /arn:aws:sns:/.test(e.message),
    );
  });
  test("all problems are reported at once, each with variable, value and expected form", () => {
    try {
      loadConfig({
        ALERT_TOPIC_ARN: "arn:aws:sqs:us-east-1:123456789012:q",
        MAX_RECORD_BYTES: "8MB",
        MAX_DECOMPRESSED_BYTES: "-1",
        IDEMPOTENCY_TABLE: "x",
        S3_FORCE_PATH_STYLE: "yes",
      });
      assert.fail("should throw");
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      assert.equal(e.problems.length, 5);
      assert.match(e.message, /ALERT_TOPIC_ARN must be an SNS topic ARN .*got "arn:aws:sqs/);
      assert.match(e.message, /MAX_RECORD_BYTES must be a positive whole number of bytes .*got "8MB"/);
      assert.match(e.message, /MAX_DECOMPRESSED_BYTES .*got "-1"/);
      assert.match(e.message, /IDEMPOTENCY_TABLE must be a DynamoDB table name .*got "x"/);
      assert.match(e.message, /S3_FORCE_PATH_STYLE must be true or false .*got "yes"/);
    }
  });
});
