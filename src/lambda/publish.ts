/**
 * Sends planned alert messages (src/alerts/messages.ts) to the alert topic: Publish for one,
 * PublishBatch for several (at most 10 entries and 256 KiB per call). The planning is pure and
 * lives with the renderings; only this file talks to SNS.
 *
 * With a progress record (src/lambda/progress.ts), every message SNS accepts is recorded as soon
 * as the call returns, and messages recorded by an earlier attempt are not sent again: a publish
 * that fails part-way is followed, on redelivery, by the missing messages only.
 */
import {
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  PublishCommand,
  type SNSClient,
} from "@aws-sdk/client-sns";
import { batches, type PlannedMessage } from "../alerts/index.ts";
import { sdkErrorReason } from "../s3/index.ts";

export class PublishError extends Error {
  override readonly name = "PublishError";
}

/** Which messages of one object version (and configuration) SNS has already accepted. */
export interface PublishProgress {
  has(messageId: string): boolean;
  /** Records ids SNS accepted; resolves once they are stored (a failure here is a PublishError). */
  record(messageIds: readonly string[]): Promise<void>;
}

export interface PublishOptions {
  /** Attempts for entries PublishBatch reports as failed (the SDK already retries whole calls). */
  readonly attempts?: number;
  readonly progress?: PublishProgress;
}

export interface PublishSummary {
  /** Messages SNS accepted in this call. */
  readonly published: number;
  /** Messages not sent because an earlier attempt had them accepted. */
  readonly skipped: number;
  /** Publish / PublishBatch requests made. */
  readonly calls: number;
}

/** Sends the planned messages; throws PublishError if any could not be published. */
export async function publishMessages(
  sns: SNSClient,
  topicArn: string,
  messages: readonly PlannedMessage[],
  options: PublishOptions = {},
): Promise<PublishSummary> {
  const progress = options.progress;
  const todo = progress === undefined ? messages : messages.filter((m) => !progress.has(m.id));
  const skipped = messages.length - todo.length;
  if (todo.length === 0) return { published: 0, skipped, calls: 0 };
  const fifo = topicArn.endsWith(".fifo");
  const fifoFields = (m: PlannedMessage) =>
    fifo ? { MessageGroupId: m.ruleId.slice(0, 128) || "alerts", MessageDeduplicationId: m.id } : {};
  const accepted = async (ids: readonly string[]) => {
    if (progress === undefined || ids.length === 0) return;
    try {
      await progress.record(ids);
    } catch (err) {
      throw new PublishError(`cannot record the published messages: ${sdkErrorReason(err)}`, { cause: err });
    }
  };
  if (todo.length === 1) {
    const m = todo[0]!;
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
    await accepted([m.id]);
    return { published: 1, skipped, calls: 1 };
  }
  let calls = 0;
  for (const batch of batches(todo)) {
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
      let failed: { Id?: string | undefined; Code?: string | undefined; SenderFault?: boolean | undefined }[];
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
      const failedIds = new Set(failed.map((f) => f.Id));
      // Recorded before anything else can fail, so a redelivery never sends these again.
      await accepted(pending.filter((m) => !failedIds.has(m.id)).map((m) => m.id));
      if (failed.length === 0) break;
      const senderFault = failed.find((f) => f.SenderFault);
      if (attempt >= attempts || senderFault !== undefined) {
        const codes = [...new Set(failed.map((f) => f.Code ?? "unknown"))].join(", ");
        throw new PublishError(`SNS PublishBatch to ${topicArn}: ${failed.length} entries failed (${codes})`);
      }
      pending = pending.filter((m) => failedIds.has(m.id));
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
  return { published: todo.length, skipped, calls };
}
