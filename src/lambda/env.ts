/**
 * The names the function and its deployment share: environment variables, the Powertools service
 * name, the metrics namespace and metric names. infra/ imports this module and sets the variables
 * with these constants, so a rename cannot leave the two out of step. No I/O, no SDK here.
 */
import { S3_FORCE_PATH_STYLE_ENV } from "../s3/index.ts";

/** Environment variables the function reads (src/lambda/config.ts validates each). */
export const ENV = {
  alertTopicArn: "ALERT_TOPIC_ARN",
  rulesPath: "RULES_PATH",
  /** Comma-separated Kibana exception-list exports the rules reference (docs/tuning.md). */
  exceptionsPath: "EXCEPTIONS_PATH",
  /** "true": start even when some rules cannot be loaded (each is logged at cold start). */
  skipUnsupportedRules: "SKIP_UNSUPPORTED_RULES",
  /** DynamoDB table for alert-suppression groups; default: IDEMPOTENCY_TABLE. */
  suppressionTable: "SUPPRESSION_TABLE",
  /**
   * JSON object of key prefix -> index name (docs/sources.md, "Index routing"): objects under a
   * prefix hold records of that index (longest prefix wins). Records that name their own index
   * (Defend, SentinelOne, Endgame, Elasticsearch hits) need none.
   */
  indexNameByPrefix: "INDEX_NAME_BY_PREFIX",
  maxRecordBytes: "MAX_RECORD_BYTES",
  maxDecompressedBytes: "MAX_DECOMPRESSED_BYTES",
  maxHitsPerRule: "MAX_HITS_PER_RULE",
  alertsBucket: "ALERTS_BUCKET",
  alertsPrefix: "ALERTS_PREFIX",
  idempotencyTable: "IDEMPOTENCY_TABLE",
  idempotencyTtlSeconds: "IDEMPOTENCY_TTL_SECONDS",
  /** DynamoDB table of the sequence state store (docs/sequences.md); unset = sequences per object. */
  sequenceTable: "SEQUENCE_TABLE",
  /** Shared with the CLI, which reads it too (src/s3/client.ts). */
  s3ForcePathStyle: S3_FORCE_PATH_STYLE_ENV,
  /** Powertools reads these two itself. */
  powertoolsServiceName: "POWERTOOLS_SERVICE_NAME",
  powertoolsMetricsNamespace: "POWERTOOLS_METRICS_NAMESPACE",
} as const;

/** Key prefix of the alert copies in the alerts bucket when ALERTS_PREFIX is unset. */
export const DEFAULT_ALERTS_PREFIX = "alerts/";

/** The `service` of logs and the `service` dimension of every metric. */
export const SERVICE_NAME = "edr-archive-scanner";
/** CloudWatch namespace of the function's EMF metrics. */
export const METRICS_NAMESPACE = "EdrArchiveScanner";

/** Metrics the function emits once per invocation (src/lambda/process.ts). */
export const METRIC = {
  objectsScanned: "ObjectsScanned",
  bytesScanned: "BytesScanned",
  records: "Records",
  malformedRecords: "MalformedRecords",
  alerts: "Alerts",
  objectFailures: "ObjectFailures",
  /** Alerts the rules' exception items dropped. */
  exceptionDrops: "ExceptionDrops",
  /** Alerts alert suppression held back (each group's first alert per window is sent). */
  suppressedAlerts: "SuppressedAlerts",
} as const;
