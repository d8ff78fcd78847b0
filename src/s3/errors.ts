/**
 * AWS SDK errors, made into short reasons and sorted once: is a failure permanent (the object is
 * gone: log, count, never retry) or transient (throw, so the notification is redelivered and the
 * dead-letter queue catches what never succeeds)?
 */

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

/**
 * The one formatting of an AWS SDK error (S3, SNS, DynamoDB) for logs and messages: the error
 * name, code and HTTP status and a short message, never a response body.
 */
export function sdkErrorReason(err: unknown): string {
  if (typeof err !== "object" || err === null) return String(err).slice(0, 300);
  const e = err as {
    name?: unknown;
    code?: unknown;
    message?: unknown;
    $metadata?: { httpStatusCode?: unknown };
  };
  const status = e.$metadata?.httpStatusCode;
  const name = typeof e.name === "string" ? e.name : "Error";
  const code = typeof e.code === "string" && e.code !== name ? ` ${e.code}` : "";
  const msg = typeof e.message === "string" ? e.message.slice(0, 200) : "";
  return `${name}${code}${status === undefined ? "" : ` (HTTP ${String(status)})`}${msg && msg !== name ? `: ${msg}` : ""}`;
}

/** The same formatter under the name the S3 call sites read best with. */
export const s3ErrorReason = sdkErrorReason;
