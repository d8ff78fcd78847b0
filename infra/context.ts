// Deployment parameters come from CDK context (`cdk deploy -c key=value` or cdk.json). Values given
// on the command line are always strings, values from cdk.json may be numbers or booleans: both are
// accepted. Every key is validated once, before any resource exists, and an invalid value is
// reported with the key, the value given and the expected form, so `cdk synth` fails fast and says
// how to fix it.

/** A context value that cannot be used; the message names the key, the value and the fix. */
export class ContextError extends Error {
  readonly key: string;
  readonly value: unknown;

  constructor(key: string, value: unknown, expected: string) {
    super(
      `context "${key}": expected ${expected}, got ${JSON.stringify(value)}. ` +
        `Fix: pass -c ${key}=<value> to cdk, or correct "${key}" in cdk.json "context".`,
    );
    this.name = "ContextError";
    this.key = key;
    this.value = value;
  }
}

/** Everything the stack reads from context, validated and with defaults applied. */
export interface ScannerContext {
  /** Existing archive bucket to import; undefined: the stack creates one. */
  readonly bucketName?: string;
  /** KMS key of an imported bucket encrypted with SSE-KMS (the function gets kms:Decrypt on it). */
  readonly bucketKmsKeyArn?: string;
  /** Only keys with this prefix are scanned (notifications, read permission, back-scans). */
  readonly prefix: string;
  /** Only keys with this suffix trigger a scan. */
  readonly suffix: string;
  /** Addresses subscribed to the alert topic by email. */
  readonly alertEmails: readonly string[];
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly reservedConcurrency?: number;
  readonly batchSize: number;
  readonly maxBatchingWindowSeconds: number;
  readonly backfillMaxConcurrency: number;
  readonly backfillItemsPerBatch: number;
  readonly backfillToleratedFailurePercentage: number;
  readonly opsTopicArn?: string;
  readonly opsEmails: readonly string[];
  readonly idempotency: boolean;
  /** An alerts bucket with an NDJSON copy of every alert. */
  readonly alertsBucket: boolean;
  /** Hits of one rule listed in messages per object; undefined: the handler's default. */
  readonly maxHitsPerRule?: number;
}

/** The context keys this app reads (documented in docs/deploy.md). */
export const CONTEXT_KEYS = [
  "bucketName",
  "bucketKmsKeyArn",
  "prefix",
  "suffix",
  "alertEmail",
  "slackWorkspaceId",
  "slackChannelId",
  "memorySize",
  "timeoutSeconds",
  "reservedConcurrency",
  "batchSize",
  "maxBatchingWindowSeconds",
  "backfillMaxConcurrency",
  "backfillItemsPerBatch",
  "backfillToleratedFailurePercentage",
  "opsTopicArn",
  "opsEmail",
  "idempotency",
  "maxHitsPerRule",
  "alertsBucket",
] as const;

export type ContextKey = (typeof CONTEXT_KEYS)[number];

export const CONTEXT_DEFAULTS = {
  // 1,769 MB is exactly one vCPU: the scan is single-threaded apart from zlib's thread pool, so
  // more memory buys little until 3,538 MB (2 vCPUs) — see docs/deploy.md, costs.
  memorySize: 1769,
  // Live objects take seconds; 300 s leaves headroom for multi-GB objects and back-scan batches
  // while keeping the SQS retry delay (6x timeout) at 30 minutes rather than 90.
  timeoutSeconds: 300,
  batchSize: 10,
  maxBatchingWindowSeconds: 0,
  backfillMaxConcurrency: 100,
  backfillItemsPerBatch: 20,
  // Whole-batch failures are counted per object by the back-scan summary, which fails the run;
  // 100 lets the scan finish (and report everything) rather than stop at the first few crashes.
  backfillToleratedFailurePercentage: 100,
  idempotency: true,
  alertsBucket: true,
} as const;

const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;
const SNS_TOPIC_ARN = /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/;
const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,255}$/;

/** Reads a context value; `get` is usually `(k) => node.tryGetContext(k)`. */
export type ContextGetter = (key: ContextKey) => unknown;

function present(value: unknown): boolean {
  return value !== undefined && value !== null && !(typeof value === "string" && value.trim() === "");
}

function readString(get: ContextGetter, key: ContextKey, max: number): string | undefined {
  const value = get(key);
  if (!present(value)) return undefined;
  if (typeof value !== "string" || value.length > max) {
    throw new ContextError(key, value, `a string of at most ${max} characters`);
  }
  return value;
}

function readInteger(
  get: ContextGetter,
  key: ContextKey,
  min: number,
  max: number,
  unit: string,
): number | undefined {
  const value = get(key);
  if (!present(value)) return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new ContextError(key, value, `an integer from ${min} to ${max} (${unit})`);
  }
  return n;
}

function readBoolean(get: ContextGetter, key: ContextKey): boolean | undefined {
  const value = get(key);
  if (!present(value)) return undefined;
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  throw new ContextError(key, value, `true or false`);
}

function readEmails(get: ContextGetter, key: ContextKey): string[] {
  const value = get(key);
  if (!present(value)) return [];
  const parts = Array.isArray(value)
    ? value
    : typeof value === "string"
      ? value.split(",").map((s) => s.trim())
      : [value];
  for (const part of parts) {
    if (typeof part !== "string" || !EMAIL.test(part)) {
      throw new ContextError(
        key,
        value,
        "comma-separated e-mail addresses, e.g. soc@example.com,oncall@example.com",
      );
    }
  }
  return [...new Set(parts as string[])];
}

/** Validates every context key and applies the defaults. Throws ContextError on the first bad one. */
export function readScannerContext(get: ContextGetter): ScannerContext {
  const bucketName = readString(get, "bucketName", 63);
  if (bucketName !== undefined && !BUCKET_NAME.test(bucketName)) {
    throw new ContextError(
      "bucketName",
      bucketName,
      "an S3 bucket name (3-63 characters: a-z, 0-9, '.', '-')",
    );
  }
  const bucketKmsKeyArn = readString(get, "bucketKmsKeyArn", 2048);
  if (bucketKmsKeyArn !== undefined && !KMS_KEY_ARN.test(bucketKmsKeyArn)) {
    throw new ContextError(
      "bucketKmsKeyArn",
      bucketKmsKeyArn,
      "a KMS key ARN such as arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    );
  }
  if (bucketKmsKeyArn !== undefined && bucketName === undefined) {
    throw new ContextError(
      "bucketKmsKeyArn",
      bucketKmsKeyArn,
      "no value unless bucketName is given (a created bucket uses S3-managed keys)",
    );
  }
  const prefix = readString(get, "prefix", 1024) ?? "";
  const suffix = readString(get, "suffix", 1024) ?? "";

  const workspaceId = readString(get, "slackWorkspaceId", 255);
  const channelId = readString(get, "slackChannelId", 255);
  if (workspaceId !== undefined && !SLACK_WORKSPACE_ID.test(workspaceId)) {
    throw new ContextError("slackWorkspaceId", workspaceId, "a Slack workspace ID such as T0123ABCDEF");
  }
  if (channelId !== undefined && !SLACK_CHANNEL_ID.test(channelId)) {
    throw new ContextError("slackChannelId", channelId, "a Slack channel ID such as C0123ABCDEF");
  }
  if ((workspaceId === undefined) !== (channelId === undefined)) {
    const missing = workspaceId === undefined ? "slackWorkspaceId" : "slackChannelId";
    throw new ContextError(missing, get(missing), "a value: slackWorkspaceId and slackChannelId go together");
  }

  const timeoutSeconds =
    readInteger(get, "timeoutSeconds", 10, 900, "seconds") ?? CONTEXT_DEFAULTS.timeoutSeconds;
  const maxBatchingWindowSeconds =
    readInteger(get, "maxBatchingWindowSeconds", 0, 300, "seconds") ??
    CONTEXT_DEFAULTS.maxBatchingWindowSeconds;
  const batchSize = readInteger(get, "batchSize", 1, 10000, "messages") ?? CONTEXT_DEFAULTS.batchSize;
  if (batchSize > 10 && maxBatchingWindowSeconds < 1) {
    // Lambda rejects SQS batches above 10 without a batching window; say so before CloudFormation does.
    throw new ContextError(
      "batchSize",
      get("batchSize"),
      "at most 10 unless maxBatchingWindowSeconds is at least 1 (Lambda's rule for SQS batches)",
    );
  }

  const opsTopicArn = readString(get, "opsTopicArn", 1024);
  if (opsTopicArn !== undefined && !SNS_TOPIC_ARN.test(opsTopicArn)) {
    throw new ContextError(
      "opsTopicArn",
      opsTopicArn,
      "an SNS topic ARN such as arn:aws:sns:eu-west-1:123456789012:ops",
    );
  }
  const opsEmails = readEmails(get, "opsEmail");
  if (opsTopicArn !== undefined && opsEmails.length > 0) {
    throw new ContextError(
      "opsEmail",
      get("opsEmail"),
      "no value when opsTopicArn is given (use one or the other)",
    );
  }

  const reservedConcurrency = readInteger(get, "reservedConcurrency", 1, 10000, "concurrent executions");
  const maxHitsPerRule = readInteger(
    get,
    "maxHitsPerRule",
    1,
    100000,
    "hits per rule and object in messages",
  );
  return {
    ...(bucketName !== undefined ? { bucketName } : {}),
    ...(bucketKmsKeyArn !== undefined ? { bucketKmsKeyArn } : {}),
    prefix,
    suffix,
    alertEmails: readEmails(get, "alertEmail"),
    ...(workspaceId !== undefined && channelId !== undefined ? { slack: { workspaceId, channelId } } : {}),
    memorySize: readInteger(get, "memorySize", 128, 10240, "MB") ?? CONTEXT_DEFAULTS.memorySize,
    timeoutSeconds,
    ...(reservedConcurrency !== undefined ? { reservedConcurrency } : {}),
    batchSize,
    maxBatchingWindowSeconds,
    backfillMaxConcurrency:
      readInteger(get, "backfillMaxConcurrency", 1, 10000, "child executions") ??
      CONTEXT_DEFAULTS.backfillMaxConcurrency,
    backfillItemsPerBatch:
      readInteger(get, "backfillItemsPerBatch", 1, 1000, "objects per Lambda invocation") ??
      CONTEXT_DEFAULTS.backfillItemsPerBatch,
    backfillToleratedFailurePercentage:
      readInteger(get, "backfillToleratedFailurePercentage", 0, 100, "percent of batches") ??
      CONTEXT_DEFAULTS.backfillToleratedFailurePercentage,
    ...(opsTopicArn !== undefined ? { opsTopicArn } : {}),
    opsEmails,
    idempotency: readBoolean(get, "idempotency") ?? CONTEXT_DEFAULTS.idempotency,
    ...(maxHitsPerRule !== undefined ? { maxHitsPerRule } : {}),
    alertsBucket: readBoolean(get, "alertsBucket") ?? CONTEXT_DEFAULTS.alertsBucket,
  };
}
