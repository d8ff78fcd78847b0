/**
 * `npm start`: the scanner's main job end to end, on this machine alone. Starts an S3/SNS/SQS API
 * server on 127.0.0.1 (fauxqs, in-process), creates the archive bucket and the alert topic with a
 * queue subscribed, uploads the sample log objects from events/objects/, builds the S3
 * notifications (fauxqs has none) as an SQS batch, runs the real Lambda handler on it, then reads
 * the subscribed queue and prints every alert as its email reader would see it, plus the title
 * Slack would show through AWS Chatbot (`-- --chatbot`: the whole notification). No network beyond 127.0.0.1; exits 0 when alerts arrived.
 */
import { readFileSync } from "node:fs";
import type { Context } from "aws-lambda";
import { startLocalStack } from "../src/lambda/local-stack.ts";

interface ManifestEntry {
  file: string;
  key: string;
  description: string;
}

// Before any AWS SDK client or Powertools utility exists: quiet logs, no EMF on stdout.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] = "true";
process.env["POWERTOOLS_LOG_LEVEL"] = process.env["POWERTOOLS_LOG_LEVEL"] ?? "WARN";
process.env["POWERTOOLS_METRICS_DISABLED"] = "true";

// `npm start -- --chatbot` also prints each message's whole AWS Chatbot notification.
const showChatbot = process.argv.includes("--chatbot");
const objectsDir = new URL("../events/objects/", import.meta.url);
// The list lives outside events/objects/ so `edr-scan events/objects/` scans log objects only.
const manifest = JSON.parse(
  readFileSync(new URL("../events/sample-objects.json", import.meta.url), "utf8"),
) as ManifestEntry[];

const stack = await startLocalStack();
try {
  Object.assign(process.env, stack.env);
  delete process.env["IDEMPOTENCY_TABLE"];
  console.log(`S3/SNS/SQS API server (fauxqs, in-process): ${stack.endpoint}`);
  console.log(`alert topic ${stack.topicArn}, subscribed queue ${stack.queueUrl}`);

  const records = [];
  for (const m of manifest) {
    const { eTag, size } = await stack.upload(m.key, readFileSync(new URL(m.file, objectsDir)));
    console.log(`uploaded s3://${stack.bucket}/${m.key} (${size} bytes) - ${m.description}`);
    records.push({
      eventVersion: "2.1",
      eventSource: "aws:s3",
      awsRegion: stack.region,
      eventTime: new Date().toISOString(),
      eventName: "ObjectCreated:Put",
      s3: {
        s3SchemaVersion: "1.0",
        bucket: { name: stack.bucket, arn: `arn:aws:s3:::${stack.bucket}` },
        // As S3 sends it: form-URL-encoded (space -> +, = -> %3D, + -> %2B).
        object: { key: encodeURIComponent(m.key).replace(/%2F/g, "/").replace(/%20/g, "+"), size, eTag },
      },
    });
  }
  const event = {
    Records: records.map((r, i) => ({
      messageId: `demo-${i + 1}`,
      receiptHandle: `demo-${i + 1}`,
      body: JSON.stringify({ Records: [r] }),
      attributes: { ApproximateReceiveCount: "1" },
      messageAttributes: {},
      eventSource: "aws:sqs",
      eventSourceARN: `arn:aws:sqs:${stack.region}:000000000000:edr-objects`,
      awsRegion: stack.region,
    })),
  };

  // The real handler module, imported only now that the environment points at the local server.
  const { handler } = await import("../src/handler.ts");
  const context = {
    functionName: "edr-archive-scanner-demo",
    awsRequestId: "demo",
    getRemainingTimeInMillis: () => 900_000,
  } as unknown as Context;
  const result = await handler(event, context);
  console.log(`handler result (SQS batch of ${records.length} S3 notifications): ${JSON.stringify(result)}`);

  const messages = await stack.received();
  console.log(`\n${messages.length} alert message(s) arrived on the subscribed queue.`);
  messages.forEach((m, i) => {
    console.log(`\n${"=".repeat(24)} email ${i + 1} of ${messages.length} ${"=".repeat(24)}`);
    console.log(`Subject: ${m.subject ?? ""}`);
    console.log("");
    console.log(m.structure["email"] ?? "(no email rendering)");
    const chatbot = JSON.parse(m.structure["https"] ?? "{}") as { content?: { title?: string } };
    console.log(`\n---- Slack (AWS Chatbot) title: ${chatbot.content?.title ?? "(none)"}`);
    if (showChatbot) {
      console.log("---- AWS Chatbot custom notification (the https rendering Slack receives):");
      console.log(JSON.stringify(chatbot, null, 2));
    }
  });
  if (messages.length === 0) {
    console.error("no alert arrived: something is wrong");
    process.exitCode = 1;
  }
} finally {
  await stack.stop();
}
