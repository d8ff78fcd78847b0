/**
 * Sends planned alert messages (src/alerts/messages.ts) to the alert topic: Publish for one,
 * PublishBatch for several (at most 10 entries and 256 KiB per call). The planning is pure and
 * lives with the renderings; only this file talks to SNS.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import { batches, type PlannedMessage } from "../alerts/messages.ts";
import { sdkErrorReason } from "../s3/index.ts";

export class PublishError extends Error {
  override readonly name = "PublishError";
}

export interface PublishOptions {
  /** Attempts for entries PublishBatch reports as failed (the SDK already retries whole calls). */
  readonly attempts?: number;
}

/** Sends the planned messages; throws PublishError if any could not be published. */
export async function publishMessages(
  sns: SNSClient,
  topicArn: string,
  messages: readonly PlannedMessage[],
  options: PublishOptions = {},
): Promise<{ published: number; calls: number }> {
  if (messages.length === 0) return { published: 0, calls: 0 };
  const fifo = topicArn.endsWith(".fifo");
  const fifoFields = (m: PlannedMessage) =>
    fifo ? { MessageGroupId: m.ruleId.slice(0, 128) || "alerts", MessageDeduplicationId: m.id } : {};
  if (messages.length === 1) {
    const m = messages[0]!;
    try {
      await sns.send(
        new PublishCommand({
          TopicArn: topicArn,
          Subject: m.subject,
          Message: m.message,
          MessageStructure: "json",
          MessageAttributes: m.attributes,
          ...fifoFields(m),
        }),
      );
    } catch (err) {
      throw new PublishError(`SNS Publish to ${topicArn} failed: ${sdkErrorReason(err)}`, { cause: err });
    }
    return { published: 1, calls: 1 };
  }
  let calls = 0;
  for (const batch of batches(messages)) {
    let pending = batch;
    const attempts = options.attempts ?? 3;
    for (let attempt = 1; pending.length > 0; attempt++) {
      const entries: PublishBatchRequestEntry[] = pending.map((m) => ({
        Id: m.id,
        Subject: m.subject,
        Message: m.message,
        MessageStructure: "json",
        MessageAttributes: m.attributes,
        ...fifoFields(m),
      }));
      let failed: { Id?: string; Code?: string; SenderFault?: boolean }[];
      try {
        calls++;
        const out = await sns.send(
          new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: entries }),
        );
        failed = out.Failed ?? [];
      } catch (err) {
        throw new PublishError(`SNS PublishBatch to ${topicArn} failed: ${sdkErrorReason(err)}`, {
          cause: err,
        });
      }
      if (failed.length === 0) break;
      const ids = new Set(failed.map((f) => f.Id));
      const senderFault = failed.find((f) => f.SenderFault);
      if (attempt >= attempts || senderFault !== undefined) {
        const codes = [...new Set(failed.map((f) => f.Code ?? "unknown"))].join(", ");
        throw new PublishError(`SNS PublishBatch to ${topicArn}: ${failed.length} entries failed (${codes})`);
      }
      pending = pending.filter((m) => ids.has(m.id));
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  return { published: messages.length, calls };
}
