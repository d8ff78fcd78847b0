import { decodeNotificationKey, S3KeyError, unquote } from "../s3/index.ts";

/**
 * Every event shape that can tell us "an object landed" -> a flat list of object refs.
 *
 * Shapes: S3 notification (direct), SQS batch (body = S3 event | SNS envelope | EventBridge event |
 * s3:TestEvent), SNS (Records[].Sns.Message), EventBridge "Object Created" (direct or in SQS) and a
 * Step Functions Distributed Map backfill batch. Only the shape is trusted, never the content: keys
 * are decoded exactly once, and an unknown shape is named by its keys, never echoed.
 */

export interface ObjectRef {
  readonly bucket: string;
  /** The real object key (S3 notification keys are form-URL-decoded; others are used as given). */
  readonly key: string;
  readonly size?: number;
  /** Without surrounding quotes. */
  readonly eTag?: string;
  readonly versionId?: string;
  /** The SQS message this ref came from (batchItemFailures report it). */
  readonly messageId?: string;
}

export type TriggerKind = "s3" | "sqs" | "sns" | "eventbridge" | "backfill" | "test-event";

export interface SkippedNotification {
  readonly messageId?: string;
  /** Why nothing was scanned for it, e.g. "s3:TestEvent". */
  readonly reason: string;
}

/** An SQS message whose body is not a shape we know: reported as a batch item failure (-> DLQ). */
export interface InvalidMessage {
  readonly messageId: string;
  readonly error: string;
}

export interface Trigger {
  readonly kind: TriggerKind;
  readonly refs: readonly ObjectRef[];
  readonly skipped: readonly SkippedNotification[];
  readonly invalid: readonly InvalidMessage[];
}

export class TriggerError extends Error {
  override readonly name = "TriggerError";
}

const EXPECTED =
  'expected an S3 notification {"Records":[{"eventSource":"aws:s3",...}]}, an SQS or SNS event wrapping one, ' +
  'an EventBridge "Object Created" event, an s3:TestEvent, or a backfill batch {"Items":[{"Key":...}],"BatchInput":{"bucket":...}}';

/** Decodes an S3 notification key (form-URL-encoding, where `+` is a space); a bad one is a TriggerError. */
export function decodeS3Key(encoded: string): string {
  try {
    return decodeNotificationKey(encoded);
  } catch (err) {
    if (err instanceof S3KeyError) throw new TriggerError(err.message);
    throw err;
  }
}

export function parseTrigger(event: unknown): Trigger {
  if (!isObject(event)) throw new TriggerError(`unrecognised event: ${describeShape(event)}; ${EXPECTED}`);
  const records = event["Records"];
  if (Array.isArray(records) && records.length > 0) {
    const first = records[0];
    const source = isObject(first) ? (first["eventSource"] ?? first["EventSource"]) : undefined;
    if (source === "aws:sqs") return parseSqs(records);
    if (source === "aws:sns") {
      const refs: ObjectRef[] = [];
      const skipped: SkippedNotification[] = [];
      records.forEach((r, i) => {
        const sns = isObject(r) ? r["Sns"] : undefined;
        const message = isObject(sns) ? sns["Message"] : undefined;
        if (typeof message !== "string") {
          throw new TriggerError(`SNS event Records[${i}] has no Sns.Message string; ${EXPECTED}`);
        }
        collect(parseJson(message, `SNS event Records[${i}].Sns.Message`), undefined, refs, skipped, 0);
      });
      return { kind: "sns", refs, skipped, invalid: [] };
    }
  }
  if (Array.isArray(event["Items"]) && isObject(event["BatchInput"])) return parseBackfill(event);
  const refs: ObjectRef[] = [];
  const skipped: SkippedNotification[] = [];
  const kind = collect(event, undefined, refs, skipped, 0);
  return { kind, refs, skipped, invalid: [] };
}

function parseSqs(records: readonly unknown[]): Trigger {
  const refs: ObjectRef[] = [];
  const skipped: SkippedNotification[] = [];
  const invalid: InvalidMessage[] = [];
  records.forEach((r, i) => {
    if (!isObject(r) || typeof r["messageId"] !== "string") {
      throw new TriggerError(`SQS event Records[${i}] has no messageId: ${describeShape(r)}`);
    }
    const messageId = r["messageId"];
    const body = r["body"];
    const own: ObjectRef[] = [];
    const ownSkipped: SkippedNotification[] = [];
    try {
      if (typeof body !== "string") throw new TriggerError("the message has no body string");
      collect(parseJson(body, "the message body"), messageId, own, ownSkipped, 0);
    } catch (err) {
      if (!(err instanceof TriggerError)) throw err;
      invalid.push({ messageId, error: `SQS message ${messageId}: ${err.message}` });
      return;
    }
    refs.push(...own);
    skipped.push(...ownSkipped);
  });
  return { kind: "sqs", refs, skipped, invalid };
}

function parseBackfill(event: Record<string, unknown>): Trigger {
  const batchInput = event["BatchInput"] as Record<string, unknown>;
  const bucket = batchInput["bucket"] ?? batchInput["Bucket"];
  if (typeof bucket !== "string" || bucket === "") {
    throw new TriggerError(
      'backfill batch has no BatchInput.bucket string (expected {"BatchInput":{"bucket":"name"}})',
    );
  }
  const refs: ObjectRef[] = [];
  (event["Items"] as unknown[]).forEach((item, i) => {
    if (!isObject(item) || typeof item["Key"] !== "string" || item["Key"] === "") {
      throw new TriggerError(`backfill batch Items[${i}] has no "Key" string: ${describeShape(item)}`);
    }
    // Distributed Map reads ListObjectsV2 output: Key is the real key, Etag keeps its quotes.
    refs.push(
      ref({
        bucket,
        key: item["Key"],
        size: item["Size"],
        eTag: item["Etag"] ?? item["ETag"],
        versionId: item["VersionId"],
      }),
    );
  });
  return { kind: "backfill", refs, skipped: [], invalid: [] };
}

/** Adds the refs a notification payload names; returns the shape it recognised. */
function collect(
  payload: unknown,
  messageId: string | undefined,
  refs: ObjectRef[],
  skipped: SkippedNotification[],
  depth: number,
): TriggerKind {
  // An SNS envelope inside SQS inside ... is at most two levels deep; more is not a real shape.
  if (depth > 3) throw new TriggerError("notification nested too deeply");
  if (!isObject(payload))
    throw new TriggerError(`unrecognised notification: ${describeShape(payload)}; ${EXPECTED}`);
  const withId = messageId === undefined ? {} : { messageId };
  if (payload["Event"] === "s3:TestEvent") {
    skipped.push({ ...withId, reason: "s3:TestEvent" });
    return "test-event";
  }
  if (payload["Type"] === "Notification" && typeof payload["Message"] === "string") {
    // SNS -> SQS without raw message delivery: the body is the SNS envelope.
    collect(parseJson(payload["Message"], "the SNS envelope's Message"), messageId, refs, skipped, depth + 1);
    return "sns";
  }
  if (typeof payload["detail-type"] === "string" && payload["source"] === "aws.s3") {
    const detailType = payload["detail-type"];
    if (detailType !== "Object Created") {
      skipped.push({
        ...withId,
        reason: `EventBridge "${detailType.slice(0, 60)}" is not an object creation`,
      });
      return "eventbridge";
    }
    const detail = payload["detail"];
    const bucket = isObject(detail) && isObject(detail["bucket"]) ? detail["bucket"]["name"] : undefined;
    const object = isObject(detail) ? detail["object"] : undefined;
    if (typeof bucket !== "string" || !isObject(object) || typeof object["key"] !== "string") {
      throw new TriggerError(
        'EventBridge "Object Created" event without detail.bucket.name and detail.object.key',
      );
    }
    refs.push(
      ref({
        bucket,
        key: object["key"],
        size: object["size"],
        eTag: object["etag"],
        versionId: object["version-id"],
        messageId,
      }),
    );
    return "eventbridge";
  }
  const records = payload["Records"];
  if (Array.isArray(records)) {
    records.forEach((r, i) => {
      const s3 = isObject(r) ? r["s3"] : undefined;
      if (!isObject(r) || r["eventSource"] !== "aws:s3" || !isObject(s3)) {
        throw new TriggerError(
          `Records[${i}] is not an S3 notification record: ${describeShape(r)}; ${EXPECTED}`,
        );
      }
      const eventName = typeof r["eventName"] === "string" ? r["eventName"] : "";
      if (!eventName.startsWith("ObjectCreated:")) {
        skipped.push({
          ...withId,
          reason: `S3 ${eventName.slice(0, 60) || "event"} is not an object creation`,
        });
        return;
      }
      const bucket = isObject(s3["bucket"]) ? s3["bucket"]["name"] : undefined;
      const object = s3["object"];
      if (typeof bucket !== "string" || !isObject(object) || typeof object["key"] !== "string") {
        throw new TriggerError(`S3 notification Records[${i}] has no s3.bucket.name and s3.object.key`);
      }
      refs.push(
        ref({
          bucket,
          key: decodeS3Key(object["key"]),
          size: object["size"],
          eTag: object["eTag"],
          versionId: object["versionId"],
          messageId,
        }),
      );
    });
    return "s3";
  }
  const what = depth === 0 && messageId === undefined ? "event" : "notification";
  throw new TriggerError(`unrecognised ${what}: ${describeShape(payload)}; ${EXPECTED}`);
}

function ref(fields: {
  bucket: string;
  key: string;
  size?: unknown;
  eTag?: unknown;
  versionId?: unknown;
  messageId?: string | undefined;
}): ObjectRef {
  const out: {
    bucket: string;
    key: string;
    size?: number;
    eTag?: string;
    versionId?: string;
    messageId?: string;
  } = { bucket: fields.bucket, key: fields.key };
  if (typeof fields.size === "number" && Number.isFinite(fields.size) && fields.size >= 0)
    out.size = fields.size;
  if (typeof fields.eTag === "string" && fields.eTag !== "") out.eTag = unquote(fields.eTag);
  if (typeof fields.versionId === "string" && fields.versionId !== "" && fields.versionId !== "null") {
    out.versionId = fields.versionId;
  }
  if (fields.messageId !== undefined) out.messageId = fields.messageId;
  return out;
}

function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new TriggerError(`${what} is not JSON (${text.length} characters)`);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Names a value's shape (type and top-level keys), never its content. */
export function describeShape(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v !== "object") return `a ${typeof v}`;
  const keys = Object.keys(v);
  const shown = keys.slice(0, 8).map((k) => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k));
  const more = keys.length > 8 ? `, … ${keys.length - 8} more` : "";
  return keys.length === 0 ? "an empty object" : `an object with keys [${shown.join(", ")}${more}]`;
}
