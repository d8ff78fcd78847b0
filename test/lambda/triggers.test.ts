import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import { decodeS3Key, parseTrigger, TriggerError } from "../../src/lambda/triggers.ts";

const event = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../events/${name}`, import.meta.url), "utf8"));
const manifest = JSON.parse(
  readFileSync(new URL("../../events/sample-objects.json", import.meta.url), "utf8"),
) as {
  key: string;
  eTag: string;
  size: number;
}[];
const keys = manifest.map((m) => m.key);

describe("decodeS3Key", () => {
  test("form-URL-decoding: + is a space, %3D is =, %2B is +", () => {
    assert.equal(
      decodeS3Key("s1/cloud_funnel/2024/05/01/account_id%3D1234567890123456789/part+0001%2Bx.gz"),
      "s1/cloud_funnel/2024/05/01/account_id=1234567890123456789/part 0001+x.gz",
    );
    assert.equal(decodeS3Key("a%2Fb%20c%C3%A9"), "a/b cé");
  });
  test("a malformed percent sequence is a TriggerError naming the key", () => {
    assert.throws(
      () => decodeS3Key("bad%zzkey"),
      (e: unknown) => e instanceof TriggerError && /bad%zzkey/.test(e.message),
    );
  });
});

describe("parseTrigger: every shape in events/", () => {
  test("S3 notification direct: decoded keys, size, eTag", () => {
    const t = parseTrigger(event("s3-put.json"));
    assert.equal(t.kind, "s3");
    assert.deepEqual(
      t.refs.map((r) => r.key),
      keys,
    );
    assert.equal(t.refs[0]?.eTag, manifest[0]?.eTag);
    assert.equal(t.refs[0]?.size, manifest[0]?.size);
    assert.equal(t.refs[0]?.messageId, undefined);
  });
  test("s3:TestEvent direct is skipped quietly", () => {
    const t = parseTrigger(event("s3-test-event.json"));
    assert.deepEqual(t.refs, []);
    assert.deepEqual(t.skipped, [{ reason: "s3:TestEvent" }]);
    assert.deepEqual(t.invalid, []);
  });
  test("SQS batch of S3 events plus a test event: refs carry their message id", () => {
    const t = parseTrigger(event("sqs-s3.json"));
    assert.equal(t.kind, "sqs");
    assert.deepEqual(
      t.refs.map((r) => [r.key, r.messageId]),
      keys.map((k, i) => [k, `00000000-0000-4000-8000-00000000000${i + 1}`]),
    );
    assert.deepEqual(t.skipped, [
      { messageId: "00000000-0000-4000-8000-000000000009", reason: "s3:TestEvent" },
    ]);
  });
  test("SNS event", () => {
    const t = parseTrigger(event("sns-s3.json"));
    assert.equal(t.kind, "sns");
    assert.deepEqual(
      t.refs.map((r) => r.key),
      keys,
    );
  });
  test("SNS -> SQS with raw delivery off (envelope) and on", () => {
    for (const f of ["sqs-sns-s3.json", "sqs-sns-raw-s3.json"]) {
      const t = parseTrigger(event(f));
      assert.equal(t.kind, "sqs");
      assert.deepEqual(
        t.refs.map((r) => r.key),
        keys,
        f,
      );
      assert.ok(t.refs.every((r) => r.messageId !== undefined));
    }
  });
  test("EventBridge direct and in SQS: keys used as they are (not form-decoded)", () => {
    const direct = parseTrigger(event("eventbridge-object-created.json"));
    assert.equal(direct.kind, "eventbridge");
    assert.deepEqual(direct.refs, [
      { bucket: "edr-archive-bucket", key: keys[0], size: manifest[0]?.size, eTag: manifest[0]?.eTag },
    ]);
    const plus = parseTrigger({
      "detail-type": "Object Created",
      source: "aws.s3",
      detail: { bucket: { name: "b" }, object: { key: "a+b%3D.gz", "version-id": "v1" } },
    });
    assert.deepEqual(plus.refs, [{ bucket: "b", key: "a+b%3D.gz", versionId: "v1" }]);
    const inSqs = parseTrigger(event("sqs-eventbridge.json"));
    assert.deepEqual(
      inSqs.refs.map((r) => r.key),
      keys,
    );
  });
  test("Step Functions backfill batch: keys as they are, quoted Etag unquoted", () => {
    const t = parseTrigger(event("backfill-batch.json"));
    assert.equal(t.kind, "backfill");
    assert.deepEqual(
      t.refs.map((r) => [r.bucket, r.key, r.eTag, r.size]),
      manifest.map((m) => ["edr-archive-bucket", m.key, m.eTag, m.size]),
    );
  });
});

describe("parseTrigger: edge cases", () => {
  test("versionId kept; 'null' version (unversioned bucket) dropped", () => {
    const mk = (versionId: string) => ({
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectCreated:CompleteMultipartUpload",
          s3: { bucket: { name: "b" }, object: { key: "k", versionId } },
        },
      ],
    });
    assert.equal(parseTrigger(mk("3HL4kqtJlcpXroDTDmJ")).refs[0]?.versionId, "3HL4kqtJlcpXroDTDmJ");
    assert.equal(parseTrigger(mk("null")).refs[0]?.versionId, undefined);
  });
  test("ObjectRemoved and EventBridge Object Deleted are skipped, not scanned", () => {
    const t = parseTrigger({
      Records: [
        {
          eventSource: "aws:s3",
          eventName: "ObjectRemoved:Delete",
          s3: { bucket: { name: "b" }, object: { key: "k" } },
        },
      ],
    });
    assert.deepEqual(t.refs, []);
    assert.match(t.skipped[0]?.reason ?? "", /ObjectRemoved:Delete/);
    const eb = parseTrigger({ "detail-type": "Object Deleted", source: "aws.s3", detail: {} });
    assert.deepEqual(eb.refs, []);
    assert.equal(eb.skipped.length, 1);
  });
  test("an SQS message with an unknown body is invalid for that message only", () => {
    const t = parseTrigger({
      Records: [
        { messageId: "m1", eventSource: "aws:sqs", body: "not json at all" },
        { messageId: "m2", eventSource: "aws:sqs", body: JSON.stringify({ hello: "world" }) },
        {
          messageId: "m3",
          eventSource: "aws:sqs",
          body: JSON.stringify({
            Records: [
              {
                eventSource: "aws:s3",
                eventName: "ObjectCreated:Put",
                s3: { bucket: { name: "b" }, object: { key: "ok" } },
              },
            ],
          }),
        },
      ],
    });
    assert.deepEqual(
      t.refs.map((r) => [r.key, r.messageId]),
      [["ok", "m3"]],
    );
    assert.deepEqual(
      t.invalid.map((i) => i.messageId),
      ["m1", "m2"],
    );
    assert.match(t.invalid[1]?.error ?? "", /keys \["hello"\]/);
    assert.doesNotMatch(t.invalid[1]?.error ?? "", /world/, "names the shape, not the content");
  });
  test("an unrecognised event names its shape and what is expected", () => {
    for (const bad of [{ foo: 1, secret: "do-not-echo" }, [1, 2], "text", null, 42]) {
      assert.throws(
        () => parseTrigger(bad),
        (e: unknown) =>
          e instanceof TriggerError &&
          /unrecognised/.test(e.message) &&
          /expected an S3 notification/.test(e.message) &&
          !/do-not-echo/.test(e.message),
      );
    }
    assert.throws(() => parseTrigger({ Items: [{ Key: "k" }], BatchInput: {} }), /BatchInput\.bucket/);
    assert.throws(
      () => parseTrigger({ Items: [{ Size: 1 }], BatchInput: { bucket: "b" } }),
      /Items\[0\] has no "Key"/,
    );
  });
});
