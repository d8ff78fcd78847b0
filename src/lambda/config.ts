/**
 * The Lambda's configuration, read from the environment once at cold start. Every problem is
 * reported at once, each naming the variable, the value given and the form expected, so a bad
 * deployment fails on its first invocation with a message that says how to fix it.
 */

import { parseForcePathStyle } from "../s3/index.ts";
import { ENV } from "./env.ts";

export interface Config {
  /** SNS topic that receives the alerts. */
  readonly alertTopicArn: string;
  /** A detection-rules .toml file, a Kibana export, or a directory; undefined = the rules shipped with the function. */
  readonly rulesPath?: string;
  /** Kibana exception-list exports the rules reference (EXCEPTIONS_PATH, comma-separated). */
  readonly exceptionsPaths?: readonly string[];
  /** Start even when some rules cannot be loaded; each is logged at cold start. */
  readonly skipUnsupportedRules?: boolean;
  /** DynamoDB table for alert-suppression groups; undefined = the idempotency table, else per object. */
  readonly suppressionTable?: string;
  /** Key prefix -> index name for objects whose records do not name their index; longest prefix wins. */
  readonly indexNameByPrefix?: Readonly<Record<string, string>>;
  readonly maxRecordBytes?: number;
  readonly maxDecompressedBytes?: number;
  /** Hits of one rule listed in messages per object (the rest are counted); undefined = 100. */
  readonly maxHitsPerRule?: number;
  /** Bucket that keeps an NDJSON copy of every alert; undefined = no copy. */
  readonly alertsBucket?: string;
  /** Key prefix of the copies in the alerts bucket (ends in "/"); undefined = "alerts/". */
  readonly alertsPrefix?: string;
  /** DynamoDB table for object-level idempotency; undefined = off. */
  readonly idempotencyTable?: string;
  /** How long a scanned object version is remembered (seconds). */
  readonly idempotencyTtlSeconds: number;
  /** Path-style S3 addressing (local S3-compatible servers need it). */
  readonly s3ForcePathStyle: boolean;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n  - ${problems.join("\n  - ")}`);
  }
}

const SNS_ARN = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TABLE_NAME = /^[A-Za-z0-9_.-]{3,255}$/;
const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

export type Env = Readonly<Record<string, string | undefined>>;

/** `env` is passed in (the handler gives process.env): nothing below the edge reads the process environment. */
export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const value = (name: string): string | undefined => {
    const v = env[name]?.trim();
    return v === undefined || v === "" ? undefined : v;
  };
  const show = (v: string): string => JSON.stringify(v.length > 120 ? `${v.slice(0, 120)}…` : v);

  const alertTopicArn = value(ENV.alertTopicArn);
  if (alertTopicArn === undefined) {
    problems.push(
      `${ENV.alertTopicArn} is required: the ARN of the SNS topic for alerts, e.g. arn:aws:sns:us-east-1:123456789012:edr-alerts`,
    );
  } else if (!SNS_ARN.test(alertTopicArn)) {
    problems.push(
      `${ENV.alertTopicArn} must be an SNS topic ARN (arn:aws:sns:<region>:<12-digit account>:<topic name>), got ${show(alertTopicArn)}`,
    );
  }

  const rules = value(ENV.rulesPath);
  const rulesPath = rules === undefined || rules === "builtin" ? undefined : rules;
  const exceptionsPaths = (value(ENV.exceptionsPath) ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const skip = value(ENV.skipUnsupportedRules);
  const skipParsed = parseForcePathStyle(skip);
  if (skipParsed === null) {
    problems.push(`${ENV.skipUnsupportedRules} must be true or false (or 1/0), got ${show(skip ?? "")}`);
  }
  let indexNameByPrefix: Record<string, string> | undefined;
  const byPrefix = value(ENV.indexNameByPrefix);
  if (byPrefix !== undefined) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(byPrefix);
    } catch {
      parsed = undefined;
    }
    const ok =
      parsed !== null &&
      typeof parsed === "object" &&
      !Array.isArray(parsed) &&
      Object.values(parsed).every((v) => typeof v === "string" && /^[^\s,*"<>|?\\/]{1,255}$/.test(v));
    if (!ok) {
      problems.push(
        `${ENV.indexNameByPrefix} must be a JSON object of key prefix to index name, e.g. {"custom/proc/":"logs-endpoint.events.process-default"}, got ${show(byPrefix)}`,
      );
    } else {
      // Own copy with fixed keys from the parsed text: no prototype is ever read from it.
      indexNameByPrefix = Object.create(null) as Record<string, string>;
      for (const [k, v] of Object.entries(parsed as Record<string, string>)) indexNameByPrefix[k] = v;
    }
  }
  const suppressionTable = value(ENV.suppressionTable);
  if (suppressionTable !== undefined && !TABLE_NAME.test(suppressionTable)) {
    problems.push(
      `${ENV.suppressionTable} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -), got ${show(suppressionTable)}`,
    );
  }

  const bytes = (name: string, example: string): number | undefined => {
    const v = value(name);
    if (v === undefined) return undefined;
    const n = /^\d+$/.test(v) ? Number(v) : Number.NaN;
    if (!Number.isSafeInteger(n) || n <= 0) {
      problems.push(`${name} must be a positive whole number of bytes (e.g. ${example}), got ${show(v)}`);
      return undefined;
    }
    return n;
  };
  const maxRecordBytes = bytes(ENV.maxRecordBytes, "8388608 for 8 MiB");
  const maxDecompressedBytes = bytes(ENV.maxDecompressedBytes, "68719476736 for 64 GiB");

  let maxHitsPerRule: number | undefined;
  const hits = value(ENV.maxHitsPerRule);
  if (hits !== undefined) {
    const n = /^\d+$/.test(hits) ? Number(hits) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 1 || n > 100_000) {
      problems.push(
        `${ENV.maxHitsPerRule} must be a whole number of hits from 1 to 100000 (default 100), got ${show(hits)}`,
      );
    } else maxHitsPerRule = n;
  }

  const alertsBucket = value(ENV.alertsBucket);
  if (alertsBucket !== undefined && !BUCKET_NAME.test(alertsBucket)) {
    problems.push(
      `${ENV.alertsBucket} must be an S3 bucket name (3-63 of a-z 0-9 . -) or unset for no alert copies, got ${show(alertsBucket)}`,
    );
  }
  const alertsPrefix = value(ENV.alertsPrefix);
  if (
    alertsPrefix !== undefined &&
    (!/^[A-Za-z0-9!_.*'()/=-]{1,512}\/$/.test(alertsPrefix) || alertsPrefix.startsWith("/"))
  ) {
    problems.push(
      `${ENV.alertsPrefix} must be a key prefix ending in "/" (letters, digits, ! _ . * ' ( ) = - /), got ${show(alertsPrefix)}`,
    );
  }

  const idempotencyTable = value(ENV.idempotencyTable);
  if (idempotencyTable !== undefined && !TABLE_NAME.test(idempotencyTable)) {
    problems.push(
      `${ENV.idempotencyTable} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or unset to turn idempotency off, got ${show(idempotencyTable)}`,
    );
  }
  let idempotencyTtlSeconds = DEFAULT_TTL_SECONDS;
  const ttl = value(ENV.idempotencyTtlSeconds);
  if (ttl !== undefined) {
    const n = /^\d+$/.test(ttl) ? Number(ttl) : Number.NaN;
    if (!Number.isSafeInteger(n) || n < 60) {
      problems.push(
        `${ENV.idempotencyTtlSeconds} must be a whole number of seconds >= 60 (default 604800), got ${show(ttl)}`,
      );
    } else idempotencyTtlSeconds = n;
  }

  const pathStyle = value(ENV.s3ForcePathStyle);
  const parsedPathStyle = parseForcePathStyle(pathStyle);
  if (parsedPathStyle === null) {
    problems.push(`${ENV.s3ForcePathStyle} must be true or false (or 1/0), got ${show(pathStyle ?? "")}`);
  }
  const s3ForcePathStyle = parsedPathStyle === true;

  if (problems.length > 0) throw new ConfigError(problems);
  return {
    alertTopicArn: alertTopicArn as string,
    ...(rulesPath === undefined ? {} : { rulesPath }),
    ...(exceptionsPaths.length === 0 ? {} : { exceptionsPaths }),
    ...(skipParsed === true ? { skipUnsupportedRules: true } : {}),
    ...(suppressionTable === undefined ? {} : { suppressionTable }),
    ...(indexNameByPrefix === undefined ? {} : { indexNameByPrefix }),
    ...(maxRecordBytes === undefined ? {} : { maxRecordBytes }),
    ...(maxDecompressedBytes === undefined ? {} : { maxDecompressedBytes }),
    ...(maxHitsPerRule === undefined ? {} : { maxHitsPerRule }),
    ...(alertsBucket === undefined ? {} : { alertsBucket }),
    ...(alertsPrefix === undefined ? {} : { alertsPrefix }),
    ...(idempotencyTable === undefined ? {} : { idempotencyTable }),
    idempotencyTtlSeconds,
    s3ForcePathStyle,
  };
}
