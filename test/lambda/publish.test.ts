import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SNSClient } from "@aws-sdk/client-sns";
import { planMessages } from "../../src/alerts/messages.ts";
import { createMemoryProgressStore } from "../../src/lambda/progress.ts";
import { PublishError, publishMessages } from "../../src/lambda/publish.ts";
import { makeAlert, OBJECT, SEED_RULE } from "../fixtures/lambda/alerts.ts";

describe("publishMessages", () => {
  function fakeSns(responses: ((input: Record<string, unknown>) => unknown)[]) {
    const sent: { name: string; input: Record<string, unknown> }[] = [];
    const client = {
      send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
        sent.push({ name: cmd.constructor.name, input: cmd.input });
        const r = responses.shift();
        return r === undefined ? {} : r(cmd.input);
      },
    } as unknown as SNSClient;
    return { client, sent };
  }
  const ARN = "arn:aws:sns:us-east-1:123456789012:alerts";

  test("one message: Publish with MessageStructure json, subject and attributes", async () => {
    const plan = planMessages({ object: OBJECT, alerts: [makeAlert(1)] });
    const { client, sent } = fakeSns([]);
    assert.deepEqual(await publishMessages(client, ARN, plan), { published: 1, skipped: 0, calls: 1 });
    assert.equal(sent[0]?.name, "PublishCommand");
    assert.equal(sent[0]?.input["MessageStructure"], "json");
    assert.equal(sent[0]?.input["Subject"], "[low] NetworkManager Dispatcher Script Creation on web-7");
    assert.equal(sent[0]?.input["MessageGroupId"], undefined);
  });

  test("several: PublishBatch; a failed entry is retried alone; a sender fault is a PublishError", async () => {
    const rules = Array.from({ length: 12 }, (_, i) => ({
      ...makeAlert(i + 1),
      rule: { ...SEED_RULE, id: `r${i}` },
    }));
    const plan = planMessages({ object: OBJECT, alerts: rules });
    const firstId = plan[0]!.id;
    const { client, sent } = fakeSns([
      () => ({ Failed: [{ Id: firstId, Code: "InternalError", SenderFault: false }] }),
      () => ({}),
      () => ({}),
    ]);
    const r = await publishMessages(client, ARN, plan);
    assert.deepEqual(r, { published: 12, skipped: 0, calls: 3 });
    assert.deepEqual(
      sent.map((s) => [s.name, (s.input["PublishBatchRequestEntries"] as unknown[]).length]),
      [
        ["PublishBatchCommand", 10],
        ["PublishBatchCommand", 1],
        ["PublishBatchCommand", 2],
      ],
    );
    const bad = fakeSns([() => ({ Failed: [{ Id: firstId, Code: "InvalidParameter", SenderFault: true }] })]);
    await assert.rejects(publishMessages(bad.client, ARN, plan), PublishError);
  });

  test("FIFO topic: group and deduplication ids from the deterministic message id", async () => {
    const plan = planMessages({ object: OBJECT, alerts: [makeAlert(1)] });
    const { client, sent } = fakeSns([]);
    await publishMessages(client, `${ARN}.fifo`, plan);
    assert.equal(sent[0]?.input["MessageDeduplicationId"], plan[0]!.id);
    assert.equal(sent[0]?.input["MessageGroupId"], SEED_RULE.id);
  });

  test("an SNS error becomes a PublishError", async () => {
    const plan = planMessages({ object: OBJECT, alerts: [makeAlert(1)] });
    const { client } = fakeSns([
      () => {
        throw Object.assign(new Error("connect ECONNREFUSED"), { name: "Error" });
      },
    ]);
    await assert.rejects(
      publishMessages(client, ARN, plan),
      /SNS Publish to .* failed: Error: connect ECONNREFUSED/,
    );
  });

  test("with progress: accepted entries are recorded at once; a retry sends only the missing ones", async () => {
    const rules = Array.from({ length: 12 }, (_, i) => ({
      ...makeAlert(i + 1),
      rule: { ...SEED_RULE, id: `r${i}` },
    }));
    const plan = planMessages({ object: OBJECT, alerts: rules });
    const store = createMemoryProgressStore();
    const key = { bucket: "b", key: "k", version: "v", config: "c" };
    // The first call: 10 entries, 3 fail for good (sender fault), so the publish fails part-way.
    const failing = plan.slice(0, 3).map((m) => ({ Id: m.id, Code: "InvalidParameter", SenderFault: true }));
    const first = fakeSns([() => ({ Failed: failing })]);
    await assert.rejects(
      publishMessages(first.client, ARN, plan, { progress: await store.open(key) }),
      PublishError,
    );
    // The redelivery: 3 failed + 2 never tried.
    const again = fakeSns([]);
    const r = await publishMessages(again.client, ARN, plan, { progress: await store.open(key) });
    assert.deepEqual(r, { published: 5, skipped: 7, calls: 1 });
    const resent = (again.sent[0]!.input["PublishBatchRequestEntries"] as { Id: string }[]).map((e) => e.Id);
    assert.deepEqual(
      resent,
      [...plan.slice(0, 3), ...plan.slice(10)].map((m) => m.id),
    );
    // And a third delivery sends nothing.
    const third = fakeSns([]);
    assert.deepEqual(await publishMessages(third.client, ARN, plan, { progress: await store.open(key) }), {
      published: 0,
      skipped: 12,
      calls: 0,
    });
  });
});
