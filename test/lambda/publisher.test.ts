/** ObjectPublisher: hits streamed into messages as they fill, capped per rule, totals last. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SNSClient } from "@aws-sdk/client-sns";
import { ObjectPublisher } from "../../src/lambda/publisher.ts";
import { makeAlert, OBJECT, SEED_RULE } from "../fixtures/lambda/alerts.ts";

const ARN = "arn:aws:sns:us-east-1:123456789012:alerts";

function fakeSns() {
  const bodies: { default: string }[] = [];
  const client = {
    send: async (cmd: { input: Record<string, unknown> }) => {
      const entries = (cmd.input["PublishBatchRequestEntries"] as { Message: string }[] | undefined) ?? [
        cmd.input as { Message: string },
      ];
      for (const e of entries) bodies.push(JSON.parse(e.Message));
      // Let the scan run while "SNS" answers.
      await new Promise((r) => setImmediate(r));
      return {};
    },
  } as unknown as SNSClient;
  return { client, bodies };
}

const object = { bucket: OBJECT.bucket, key: OBJECT.key, uri: OBJECT.uri, version: OBJECT.version! };

describe("ObjectPublisher", () => {
  test("messages go out while hits arrive; the last carries the totals", async () => {
    const sns = fakeSns();
    const p = new ObjectPublisher({ sns: sns.client, topicArn: ARN, object, maxHitsPerRule: 10_000 });
    const n = 3000;
    for (let i = 1; i <= n; i++) {
      p.add(makeAlert(i, {}, { pad: "p".repeat(500), i }));
      if (i % 100 === 0) await new Promise((r) => setImmediate(r));
    }
    const sentBeforeEnd = sns.bodies.length;
    assert.ok(sentBeforeEnd > 5, `${sentBeforeEnd} messages sent while scanning`);
    const summary = await p.finish({ ...OBJECT, records: n, malformed: 0 });
    const bodies = sns.bodies.map((b) => JSON.parse(b.default));
    assert.equal(summary.alerts, n);
    assert.equal(summary.messages, bodies.length);
    const records = bodies.flatMap((b) =>
      b.alerts.map((a: { source: { record: number } }) => a.source.record),
    );
    assert.deepEqual(
      records,
      Array.from({ length: n }, (_, i) => i + 1),
    );
    // Parts numbered in order; only the last knows the count and the object's totals.
    assert.deepEqual(
      bodies.map((b) => b.counts.part),
      bodies.map((_, i) => i + 1),
    );
    for (const b of bodies.slice(0, -1)) assert.equal(b.counts.parts, null);
    const last = bodies.at(-1);
    assert.equal(last.counts.parts, bodies.length);
    assert.equal(last.counts.records, n);
    assert.equal(last.counts.alerts, n);
  });

  test("per-rule cap: the rest is counted, and the last message says how many were not listed", async () => {
    const sns = fakeSns();
    const p = new ObjectPublisher({
      sns: sns.client,
      topicArn: ARN,
      object,
      maxHitsPerRule: 5,
      alertsLocation: (ruleId) => `s3://alerts-bucket/alerts/rule=${ruleId}/x.ndjson`,
    });
    for (let i = 1; i <= 40; i++) p.add(makeAlert(i));
    const other = { ...SEED_RULE, id: "other" };
    p.add({ ...makeAlert(41), rule: other });
    const summary = await p.finish({ ...OBJECT, records: 41, malformed: 0 });
    assert.deepEqual([summary.alerts, summary.notListed], [41, 35]);
    const bodies = sns.bodies.map((b) => JSON.parse(b.default));
    const seed = bodies.find((b) => b.rule.id === SEED_RULE.id);
    assert.equal(seed.alerts.length, 5);
    assert.equal(seed.counts.not_listed, 35);
    assert.equal(seed.counts.alerts, 40);
    assert.equal(seed.alerts_location, `s3://alerts-bucket/alerts/rule=${SEED_RULE.id}/x.ndjson`);
    const email = JSON.parse(
      JSON.stringify(sns.bodies.find((b) => JSON.parse(b.default).rule.id === SEED_RULE.id)),
    );
    assert.match(email.email, /35 MORE HITS NOT LISTED/);
    assert.equal(bodies.find((b) => b.rule.id === "other").counts.not_listed, 0);
  });

  test("a cap below 1 is refused by name", () => {
    const sns = fakeSns();
    assert.throws(
      () => new ObjectPublisher({ sns: sns.client, topicArn: ARN, object, maxHitsPerRule: 0 }),
      /maxHitsPerRule must be a whole number >= 1, got 0/,
    );
  });
});
