import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { Alert } from "../../src/alerts/alert.ts";
import {
  batches,
  type PlannedMessage,
  PublishError,
  planMessages,
  publishMessages,
  SNS_MAX_MESSAGE_BYTES,
} from "../../src/alerts/publish.ts";
import { makeAlert, OBJECT, SEED_RULE } from "../fixtures/lambda/alerts.ts";

const bodyOf = (m: PlannedMessage) => JSON.parse(JSON.parse(m.message).default);

describe("planMessages", () => {
  test("one message per rule, grouping its hits, MessageStructure json with every protocol", () => {
    const other = { ...SEED_RULE, id: "other-rule", name: "Other" };
    const b: Alert = { ...makeAlert(2), rule: other };
    const plan = planMessages({ object: OBJECT, alerts: [makeAlert(1), b, makeAlert(3)] });
    assert.equal(plan.length, 2);
    assert.deepEqual(
      plan.map((m) => [m.ruleId, m.alerts]),
      [
        [SEED_RULE.id, 2],
        ["other-rule", 1],
      ],
    );
    const structure = JSON.parse(plan[0]!.message);
    assert.deepEqual(Object.keys(structure).sort(), [
      "default",
      "email",
      "email-json",
      "https",
      "lambda",
      "sqs",
    ]);
    assert.deepEqual(plan[0]!.attributes, {
      rule_id: { DataType: "String", StringValue: SEED_RULE.id },
      severity: { DataType: "String", StringValue: "low" },
      host: { DataType: "String", StringValue: "web-7" },
    });
  });

  test("deterministic message ids", () => {
    const a = planMessages({ object: OBJECT, alerts: [makeAlert(1), makeAlert(2)] });
    const b = planMessages({ object: OBJECT, alerts: [makeAlert(1), makeAlert(2)] });
    assert.deepEqual(
      a.map((m) => m.id),
      b.map((m) => m.id),
    );
    const other = planMessages({ object: { ...OBJECT, version: "other-etag" }, alerts: [makeAlert(1)] });
    assert.notEqual(other[0]!.id, a[0]!.id);
  });

  test("many hits: split into parts under 256 KiB, every hit exactly once, in order", () => {
    const alerts = Array.from({ length: 1500 }, (_, i) => makeAlert(i + 1, {}, { pad: "p".repeat(900), i }));
    const plan = planMessages({ object: OBJECT, alerts });
    assert.ok(plan.length > 1, `${plan.length} parts`);
    const seen: number[] = [];
    plan.forEach((m, i) => {
      assert.ok(m.bytes <= SNS_MAX_MESSAGE_BYTES, `part ${i + 1}: ${m.bytes} bytes`);
      const body = bodyOf(m);
      assert.equal(body.counts.part, i + 1);
      assert.equal(body.counts.parts, plan.length);
      assert.equal(body.counts.alerts, 1500);
      assert.equal(body.truncated, undefined, "nothing cut when splitting is enough");
      seen.push(...body.alerts.map((a: Alert) => a.source.record));
      assert.match(m.subject, new RegExp(`\\(${i + 1}/${plan.length}\\)$`));
    });
    assert.deepEqual(
      seen,
      alerts.map((a) => a.source.record),
    );
    console.log(
      `# 1500 hits -> ${plan.length} messages, largest ${Math.max(...plan.map((m) => m.bytes))} bytes`,
    );
  });

  test("one alert too big on its own: kept, raw and long values cut, and the message says so", () => {
    const huge = "A".repeat(600_000);
    const alert = makeAlert(7, { "process.command_line": huge }, { cmd: huge });
    const [m, ...rest] = planMessages({ object: OBJECT, alerts: [alert] });
    assert.equal(rest.length, 0);
    assert.ok(m!.bytes <= SNS_MAX_MESSAGE_BYTES);
    const body = bodyOf(m!);
    assert.equal(body.alerts[0].id, alert.id);
    assert.equal(body.alerts[0].raw, null);
    assert.equal(body.alerts[0].raw_truncated.bytes, Buffer.byteLength(JSON.stringify({ cmd: huge })));
    assert.match(body.alerts[0].event["process.command_line"], /…\[\+\d+ chars\]$/);
    assert.ok(body.truncated.some((t: string) => /raw record 7/.test(t)));
    const email = JSON.parse(m!.message).email as string;
    assert.match(email, /NOTE: cut to fit the 256 KiB SNS limit/);
    assert.match(email, /…\[\+\d+ chars\]/);
  });

  test("a hit that fits keeps its raw record untouched", () => {
    // The JSON is present four times (default, sqs, lambda, email-json): ~60 KB of alert fits.
    const alert = makeAlert(2, {}, { big: "b".repeat(40_000) });
    const [m] = planMessages({ object: OBJECT, alerts: [alert] });
    const got = bodyOf(m!).alerts[0];
    assert.ok(JSON.stringify(got) === JSON.stringify(alert), "alert unchanged");
  });
});

describe("batches", () => {
  test("at most 10 entries and 256 KiB per PublishBatch call", () => {
    const fake = (bytes: number, i: number) => ({ id: `m${i}`, bytes }) as PlannedMessage;
    const small = batches(Array.from({ length: 23 }, (_, i) => fake(100, i)));
    assert.deepEqual(
      small.map((b) => b.length),
      [10, 10, 3],
    );
    const big = batches(Array.from({ length: 5 }, (_, i) => fake(100_000, i)));
    assert.deepEqual(
      big.map((b) => b.length),
      [2, 2, 1],
    );
  });
});

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
    assert.deepEqual(await publishMessages(client, ARN, plan), { published: 1, calls: 1 });
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
    assert.deepEqual(r, { published: 12, calls: 3 });
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
});
