/**
 * Everything the processing needs, built once per container from the environment: validated
 * configuration, AWS clients (or injected ones), the compiled rules, Powertools Logger and
 * Metrics, and idempotency when IDEMPOTENCY_TABLE is set. The handler, scripts/invoke.ts,
 * scripts/demo.ts and the end-to-end tests all build their dependencies here.
 */
import type { IdempotencyConfig } from "@aws-lambda-powertools/idempotency";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { builtinRulesDir, loadRuleSet, type Rule } from "../rules/index.ts";
import { scanObject, sequenceWindowMs } from "../scan/index.ts";
import { type AwsClients, createClients } from "./clients.ts";
import { type Env, loadConfig } from "./config.ts";
import { ENV, METRICS_NAMESPACE, SERVICE_NAME } from "./env.ts";
import { scanFingerprint } from "./fingerprint.ts";
import { createIdempotency } from "./idempotency.ts";
import type { Deps, LogSink, MetricSink } from "./process.ts";
import { createDynamoProgressStore } from "./progress.ts";
import { DynamoSequenceStore } from "./sequence-store.ts";
import { DynamoSuppressionStore } from "./suppression-store.ts";

export interface RuntimeOptions {
  readonly env?: Env;
  /** Clients to use instead of the default-configured ones (tests, scripts). */
  readonly clients?: Partial<AwsClients>;
  readonly logger?: LogSink;
  readonly metrics?: MetricSink;
  readonly rules?: readonly Rule[];
  readonly concurrency?: number;
}

export interface Runtime {
  readonly deps: Deps;
  /** Present when idempotency is on: register the Lambda context on it per invocation. */
  readonly idempotencyConfig?: IdempotencyConfig;
}

export function createLogger(): Logger {
  return new Logger({ serviceName: SERVICE_NAME });
}

export function createMetrics(): Metrics {
  return new Metrics({ namespace: METRICS_NAMESPACE, serviceName: SERVICE_NAME });
}

export async function createRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const config = loadConfig(options.env ?? process.env);
  const defaults = createClients(config);
  const clients: AwsClients = { ...defaults, ...options.clients };
  const logger = options.logger ?? createLogger();
  let rules: readonly Rule[];
  if (options.rules !== undefined) rules = options.rules;
  else {
    const set = await loadRuleSet([config.rulesPath ?? builtinRulesDir()], {
      exceptions: config.exceptionsPaths ?? [],
      skipUnsupported: config.skipUnsupportedRules === true,
    });
    // Nothing skipped silently: every rule not run is named in the cold-start log.
    for (const p of set.refused) logger.warn("rule skipped", { file: p.file, reason: p.reason });
    for (const r of set.disabled) logger.info("rule disabled", { ruleId: r.id, name: r.name, file: r.file });
    // `precompiled`: rule files taken from the bundle's build-time artefact (rules/.compiled-rules.json)
    // instead of parsed at this cold start; 0 means the deployment does not compile them.
    logger.info("rules loaded", {
      rules: set.rules.length,
      files: set.files.length,
      precompiled: set.precompiled ?? 0,
    });
    rules = set.rules;
  }
  if (rules.length === 0)
    throw new Error(`no rules loaded from ${config.rulesPath ?? "the built-in rule set"}`);
  let once: Deps["once"];
  let progress: Deps["progress"];
  let idempotencyConfig: IdempotencyConfig | undefined;
  if (config.idempotencyTable !== undefined) {
    const client = clients.dynamodb ?? new DynamoDBClient({});
    const idem = createIdempotency({
      tableName: config.idempotencyTable,
      client,
      expiresAfterSeconds: config.idempotencyTtlSeconds,
    });
    once = idem.once;
    idempotencyConfig = idem.config;
    // The same table keeps which messages of an object version SNS accepted, so a redelivery
    // publishes only the missing ones.
    progress = createDynamoProgressStore({
      client,
      tableName: config.idempotencyTable,
      expiresAfterSeconds: config.idempotencyTtlSeconds,
    });
  }
  // Suppression groups share the idempotency table unless a table of their own is named (keys
  // are prefixed, items expire with the same TTL attribute).
  const suppressionTableName = config.suppressionTable ?? config.idempotencyTable;
  const suppressionStore =
    suppressionTableName !== undefined && rules.some((r) => r.suppression !== undefined)
      ? new DynamoSuppressionStore({
          client: clients.dynamodb ?? new DynamoDBClient({}),
          tableName: suppressionTableName,
        })
      : undefined;
  const sequenceStore = createSequenceStore((options.env ?? process.env)[ENV.sequenceTable], rules, clients);
  const deps: Deps = {
    config,
    s3: clients.s3,
    sns: clients.sns,
    rules,
    // Once per container, not per object: part of every idempotency key.
    fingerprint: scanFingerprint(rules, config),
    scan: scanObject,
    logger,
    ...(options.metrics === undefined ? {} : { metrics: options.metrics }),
    ...(once === undefined ? {} : { once }),
    ...(progress === undefined ? {} : { progress }),
    ...(sequenceStore === undefined ? {} : { sequenceStore }),
    ...(suppressionStore === undefined ? {} : { suppressionStore }),
    ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
  };
  return { deps, ...(idempotencyConfig === undefined ? {} : { idempotencyConfig }) };
}

/** The sequence state store when SEQUENCE_TABLE names a table (validated here, at cold start). */
function createSequenceStore(
  table: string | undefined,
  rules: readonly Rule[],
  clients: AwsClients,
): DynamoSequenceStore | undefined {
  if (table === undefined || table === "") return undefined;
  if (!/^[A-Za-z0-9_.-]{3,255}$/.test(table)) {
    throw new RangeError(
      `${ENV.sequenceTable} must be a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -) or unset, got ${JSON.stringify(table.slice(0, 300))}`,
    );
  }
  const windows = new Map(
    rules.filter((r) => r.sequence !== undefined).map((r) => [r.id, sequenceWindowMs(r)]),
  );
  return new DynamoSequenceStore({
    client: clients.dynamodb ?? new DynamoDBClient({}),
    tableName: table,
    windowMs: (id) => windows.get(id) ?? 0,
  });
}
