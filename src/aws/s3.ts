/**
 * GetObject as a byte stream for scanObject, and the one decision that matters at this edge:
 * is a failure permanent (the object is gone: log, count, never retry) or transient (throw, so the
 * notification is redelivered and the dead-letter queue catches what never succeeds)?
 */
import type { Readable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import type { ObjectRef } from "./triggers.ts";
import { unquote } from "./triggers.ts";

export interface OpenedObject {
  readonly body: AsyncIterable<Uint8Array> & Readable;
  readonly contentLength?: number;
  readonly eTag?: string;
  readonly versionId?: string;
}

/** The object cannot be read and never will be: counted, logged, not retried. */
export class PermanentObjectError extends Error {
  override readonly name = "PermanentObjectError";
  constructor(
    readonly uri: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${uri}: ${reason}`, options);
  }
}

/** Worth another attempt (throttling, 5xx, network, access not yet granted): the caller rethrows. */
export class TransientObjectError extends Error {
  override readonly name = "TransientObjectError";
  constructor(
    readonly uri: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`${uri}: ${reason}`, options);
  }
}

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

// NoSuchKey: deleted (or lifecycle-expired) before we got to it. InvalidObjectState: archived to
// Glacier; only a restore (a human decision) would make it readable.
const PERMANENT_CODES = new Set([
  "NoSuchKey",
  "NotFound",
  "NoSuchBucket",
  "NoSuchVersion",
  "InvalidObjectState",
]);

export function isPermanentS3Error(err: unknown): boolean {
  if (typeof err !== "object" || err === null) return false;
  const e = err as { name?: unknown; Code?: unknown; $metadata?: { httpStatusCode?: unknown } };
  if (typeof e.name === "string" && PERMANENT_CODES.has(e.name)) return true;
  if (typeof e.Code === "string" && PERMANENT_CODES.has(e.Code)) return true;
  return e.$metadata?.httpStatusCode === 404;
}

/** Short reason for logs: the error code and HTTP status, never a response body. */
export function s3ErrorReason(err: unknown): string {
  if (typeof err !== "object" || err === null) return String(err);
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = typeof e.name === "string" ? e.name : "Error";
  const code = typeof e.code === "string" ? ` ${e.code}` : "";
  const msg = typeof e.message === "string" ? e.message.slice(0, 200) : "";
  return `${name}${code}${status === undefined ? "" : ` (HTTP ${String(status)})`}${msg && msg !== name ? `: ${msg}` : ""}`;
}

export async function openObject(s3: S3Client, ref: ObjectRef, signal?: AbortSignal): Promise<OpenedObject> {
  const uri = s3Uri(ref.bucket, ref.key);
  let out: GetObjectCommandOutput;
  try {
    out = await s3.send(
      new GetObjectCommand({
        Bucket: ref.bucket,
        Key: ref.key,
        ...(ref.versionId === undefined ? {} : { VersionId: ref.versionId }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
  } catch (err) {
    const reason = s3ErrorReason(err);
    if (isPermanentS3Error(err)) throw new PermanentObjectError(uri, reason, { cause: err });
    throw new TransientObjectError(uri, reason, { cause: err });
  }
  if (out.Body === undefined || out.Body === null) {
    throw new TransientObjectError(uri, "GetObject returned no body");
  }
  return {
    body: out.Body as AsyncIterable<Uint8Array> & Readable,
    ...(typeof out.ContentLength === "number" ? { contentLength: out.ContentLength } : {}),
    ...(typeof out.ETag === "string" ? { eTag: unquote(out.ETag) } : {}),
    ...(typeof out.VersionId === "string" && out.VersionId !== "null" ? { versionId: out.VersionId } : {}),
  };
}
