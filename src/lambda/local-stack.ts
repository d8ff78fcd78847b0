/**
 * An S3/SNS/SQS API server on 127.0.0.1 (fauxqs, in-process) with the scanner's resources: a
 * bucket, the alert topic and a queue subscribed to it. For `npm start` and the end-to-end tests
 * only (fauxqs is a dev dependency; the Lambda bundle never imports this module). No network
 * beyond the loopback interface; dummy credentials.
 *
 * fauxqs has no bucket notifications (callers build the S3 events) and delivers the whole
 * MessageStructure JSON to SQS subscribers (`received()` parses out every protocol's rendering).
 */
import { CreateBucketCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { CreateTopicCommand, SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";

export interface ReceivedAlertMessage {
  readonly subject: string | undefined;
  /** The MessageStructure JSON: rendering by protocol key (default, email, https, ...). */
  readonly structure: Record<string, string>;
  readonly attributes: Record<string, string>;
}

export interface LocalStack {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  readonly s3: S3Client;
  readonly sns: SNSClient;
  readonly sqs: SQSClient;
  readonly bucket: string;
  readonly topicArn: string;
  readonly queueUrl: string;
  /** Environment for the scanner (ALERT_TOPIC_ARN, AWS_ENDPOINT_URL, dummy credentials, path-style S3). */
  readonly env: Record<string, string>;
  upload(key: string, body: Uint8Array | string): Promise<{ eTag: string; size: number }>;
  /** Drains the subscribed queue. */
  received(): Promise<ReceivedAlertMessage[]>;
  stop(): Promise<void>;
}

export const LOCAL_CREDENTIALS = { accessKeyId: "local", secretAccessKey: "local" };

export async function startLocalStack(
  options: { bucket?: string; topic?: string; queue?: string } = {},
): Promise<LocalStack> {
  const app = buildApp({ logger: false });
  await app.listen({ host: "127.0.0.1", port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === "string") throw new Error("fauxqs did not report a TCP port");
  const port = address.port;
  const endpoint = `http://127.0.0.1:${port}`;
  const region = "us-east-1";
  const common = { endpoint, region, credentials: LOCAL_CREDENTIALS };
  const s3 = new S3Client({ ...common, forcePathStyle: true });
  const sns = new SNSClient(common);
  const sqs = new SQSClient(common);
  const bucket = options.bucket ?? "edr-archive-bucket";
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const topic = await sns.send(new CreateTopicCommand({ Name: options.topic ?? "edr-alerts" }));
  const queue = await sqs.send(new CreateQueueCommand({ QueueName: options.queue ?? "edr-alerts-inbox" }));
  const queueUrl = queue.QueueUrl!;
  const attrs = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["QueueArn"] }),
  );
  await sns.send(
    new SubscribeCommand({
      TopicArn: topic.TopicArn!,
      Protocol: "sqs",
      Endpoint: attrs.Attributes!["QueueArn"]!,
    }),
  );
  const env = {
    ALERT_TOPIC_ARN: topic.TopicArn!,
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    S3_FORCE_PATH_STYLE: "true",
  };
  return {
    endpoint,
    port,
    region,
    s3,
    sns,
    sqs,
    bucket,
    topicArn: topic.TopicArn!,
    queueUrl,
    env,
    async upload(key, body) {
      const out = await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
      return {
        eTag: (out.ETag ?? "").replace(/"/g, ""),
        size: typeof body === "string" ? Buffer.byteLength(body) : body.length,
      };
    },
    async received() {
      const out: ReceivedAlertMessage[] = [];
      for (;;) {
        const r = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        const messages = r.Messages ?? [];
        if (messages.length === 0) return out;
        for (const m of messages) {
          const envelope = JSON.parse(m.Body ?? "{}") as {
            Subject?: string;
            Message?: string;
            MessageAttributes?: Record<string, { Value?: string }>;
          };
          const attributes: Record<string, string> = {};
          for (const [k, v] of Object.entries(envelope.MessageAttributes ?? {}))
            attributes[k] = v.Value ?? "";
          out.push({
            subject: envelope.Subject,
            structure: JSON.parse(envelope.Message ?? "{}"),
            attributes,
          });
        }
        await sqs.send(
          new DeleteMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
          }),
        );
      }
    },
    async stop() {
      s3.destroy();
      sns.destroy();
      sqs.destroy();
      await app.close();
    },
  };
}
