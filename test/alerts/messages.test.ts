import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { Alert } from "../../src/alerts/alert.ts";
import { buildAlert } from "../../src/alerts/index.ts";
import {
  batches,
  type PlannedMessage,
  planMessages,
  SNS_MAX_MESSAGE_BYTES,
} from "../../src/alerts/messages.ts";
import { fakeRule } from "../cli/fakes.ts";
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
    assert.deepEqual(Object.keys(structure).sort(), ["default", "email", "https"]);
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
    // Each hit's JSON travels once: the parts are about as few as the JSON's size allows.
    const jsonBytes = alerts.reduce((n, a) => n + Buffer.byteLength(JSON.stringify(JSON.stringify(a))), 0);
    const fewest = Math.ceil(jsonBytes / SNS_MAX_MESSAGE_BYTES);
    assert.ok(plan.length <= Math.ceil(fewest * 1.3) + 1, `${plan.length} parts for at least ${fewest}`);
    console.log(
      `# 1500 hits -> ${plan.length} messages (at least ${fewest}), largest ${Math.max(...plan.map((m) => m.bytes))} bytes`,
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
    // The JSON is present once (under default): an alert of 200 KB still fits whole (it did not
    // when the JSON was repeated for sqs, lambda and email-json: 60 KB was the most).
    const alert = makeAlert(2, {}, { big: "b".repeat(200_000) });
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

describe("an alert whose raw record is cut keeps its identity", () => {
  test("event.id, agent.id, host.id, process.entity_id, process.parent.*, user.id, data_stream.dataset survive", () => {
    const record = {
      "@timestamp": "2024-05-01T12:00:00.123Z",
      event: { id: "HIT-evt-1", category: ["process"] },
      agent: { id: "agent-9f1" },
      host: { id: "host-77", name: "web-7" },
      process: {
        entity_id: "proc-abc",
        pid: 4242,
        command_line: "x".repeat(400_000),
        parent: { entity_id: "proc-parent", pid: 1, name: "systemd", executable: "/sbin/init" },
      },
      user: { id: "0", name: "root" },
      data_stream: { dataset: "endpoint.events.process" },
    };
    const alert = buildAlert({ rule: fakeRule, ecs: record, raw: record, uri: OBJECT.uri, record: 5 });
    const [m, ...rest] = planMessages({ object: OBJECT, alerts: [alert] });
    assert.equal(rest.length, 0);
    const sent = bodyOf(m!).alerts[0];
    assert.equal(sent.raw, null, "raw dropped: the record is over the message size");
    assert.deepEqual(
      {
        "event.id": sent.event["event.id"],
        "agent.id": sent.event["agent.id"],
        "host.id": sent.event["host.id"],
        "process.entity_id": sent.event["process.entity_id"],
        "process.parent.entity_id": sent.event["process.parent.entity_id"],
        "process.parent.pid": sent.event["process.parent.pid"],
        "process.parent.name": sent.event["process.parent.name"],
        "user.id": sent.event["user.id"],
        "data_stream.dataset": sent.event["data_stream.dataset"],
      },
      {
        "event.id": "HIT-evt-1",
        "agent.id": "agent-9f1",
        "host.id": "host-77",
        "process.entity_id": "proc-abc",
        "process.parent.entity_id": "proc-parent",
        "process.parent.pid": "1",
        "process.parent.name": "systemd",
        "user.id": "0",
        "data_stream.dataset": "endpoint.events.process",
      },
    );
  });
});
