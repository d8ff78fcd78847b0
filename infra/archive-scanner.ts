/**
 * ArchiveScanner: the scanner function and everything it talks to (archive bucket notifications,
 * queue and dead-letter queue, alert topic with e-mail and Slack, alerts bucket, idempotency and
 * sequence tables), with least-privilege grants. Over 400 lines because the resources' grants and
 * cdk-nag acknowledgements must sit next to the resources they concern.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy, Stack } from "aws-cdk-lib";
import * as chatbot from "aws-cdk-lib/aws-chatbot";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import * as nodejs from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as s3n from "aws-cdk-lib/aws-s3-notifications";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import {
  DEFAULT_ALERTS_PREFIX as ALERTS_PREFIX,
  ENV,
  METRIC,
  METRICS_NAMESPACE,
  SERVICE_NAME,
} from "../src/lambda/env.ts";
import { ConstructValidationError } from "./errors.ts";
import { acknowledge, nagResource } from "./nag.ts";
import { SequenceStateTable } from "./sequence-table.ts";

/** The repository root: infra/ sits directly under it. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");

let engine: string | undefined;
/**
 * The engine id of the sources being bundled (scripts/compile-rules.mjs): the bundle carries it,
 * and the rules' build-time artefact (rules/.compiled-rules.json, written after bundling) is used
 * at cold start only by the bundle whose id wrote it (src/rules/compiled-set.ts).
 */
function engineIdOfSources(): string {
  engine ??= execFileSync(
    process.execPath,
    [resolve(PROJECT_ROOT, "scripts/compile-rules.mjs"), "--engine-id"],
    {
      encoding: "utf8",
    },
  ).trim();
  return engine;
}

/** Properties of {@link ArchiveScanner}. */
export interface ArchiveScannerProps {
  /** The archive bucket whose new objects are scanned (created or imported by the caller). */
  readonly bucket: s3.IBucket;
  /**
   * The KMS key of a bucket encrypted with SSE-KMS: the function may decrypt with it (kms:Decrypt).
   * @default - none (S3-managed encryption needs no key permission)
   */
  readonly bucketKey?: kms.IKey;
  /**
   * Only objects whose key starts with this prefix are announced and readable by the function.
   * @default "" (the whole bucket)
   */
  readonly prefix?: string;
  /**
   * Only objects whose key ends with this suffix are announced (S3 notification filter).
   * @default "" (any key)
   */
  readonly suffix?: string;
  /**
   * The handler module bundled into the function; it must export `handler`.
   * @default `<project>/src/handler.ts`
   */
  readonly entry?: string;
  /**
   * Directory of the detection rules (`*.toml`) copied next to the bundle as `rules/`.
   * @default `<project>/src/rules`
   */
  readonly rulesDir?: string;
  /**
   * Function memory in MB. 1,769 MB is one full vCPU.
   * @default 1769
   */
  readonly memorySize?: number;
  /**
   * Function timeout; the queue's visibility timeout is 6x this plus the batching window.
   * @default Duration.seconds(300)
   */
  readonly timeout?: Duration;
  /**
   * Reserved concurrency, to protect the account's other functions (and SNS) from a burst.
   * @default - unreserved (the account's shared pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * Messages per SQS batch delivered to one invocation.
   * @default 10
   */
  readonly batchSize?: number;
  /**
   * How long Lambda waits to fill a batch.
   * @default Duration.seconds(0)
   */
  readonly maxBatchingWindow?: Duration;
  /**
   * Deliveries of a notification before it moves to the dead-letter queue.
   * @default 5
   */
  readonly maxReceiveCount?: number;
  /**
   * E-mail addresses subscribed to the alert topic (each must confirm the subscription).
   * @default - none
   */
  readonly alertEmails?: readonly string[];
  /**
   * Slack channel subscribed to the alert topic through AWS Chatbot. The workspace must have been
   * authorised in the AWS Chatbot console first.
   * @default - no Slack channel
   */
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  /**
   * Object-level idempotency (a DynamoDB table of scanned object versions) so a redelivered
   * notification publishes no duplicate alerts.
   * @default true
   */
  readonly idempotency?: boolean;
  /**
   * The sequence state store (docs/sequences.md): a DynamoDB table where the step events of
   * sequence rules wait for the other steps, so a sequence whose steps sit in different objects
   * alerts.
   * @default - on when the bundled rules hold a sequence or sample rule
   */
  readonly sequences?: boolean;
  /**
   * The handler's longest record (MAX_RECORD_BYTES).
   * @default - the handler's default
   */
  readonly maxRecordBytes?: number;
  /**
   * The handler's ceiling on decompressed bytes per object (MAX_DECOMPRESSED_BYTES).
   * @default - the handler's default
   */
  readonly maxDecompressedBytes?: number;
  /**
   * An alerts bucket that keeps an NDJSON copy of every alert (all hits, beyond the per-message
   * cap), at `alerts/rule=<id>/dt=<date>/...`, KMS-encrypted with this construct's key.
   * @default true
   */
  readonly alertsBucket?: boolean;
  /**
   * Server access log target of the alerts bucket.
   * @default - no access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Hits of one rule listed in messages per object (MAX_HITS_PER_RULE); the rest are counted and
   * the rule's last message says how many were not listed.
   * @default - the handler's default (100)
   */
  readonly maxHitsPerRule?: number;
  /**
   * Retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * The live scanner: S3 ObjectCreated -> SQS (with a dead-letter queue) -> Lambda -> SNS alert topic
 * (KMS-encrypted; e-mail and Slack subscribers), with an optional DynamoDB idempotency table.
 *
 * Construct ids below are a contract: renaming one replaces the resource (and, for the queue, the
 * table and the topic, loses its content or its subscriptions).
 */
export class ArchiveScanner extends Construct {
  /** Customer-managed key of the alert topic (and of an operations topic created by the stack). */
  readonly key: kms.Key;
  readonly alertTopic: sns.Topic;
  readonly queue: sqs.Queue;
  readonly deadLetterQueue: sqs.Queue;
  readonly function: nodejs.NodejsFunction;
  readonly logGroup: logs.LogGroup;
  readonly table?: dynamodb.Table;
  /** The sequence state store, when `sequences` is on. */
  readonly sequenceTable?: SequenceStateTable;
  /** Where every alert is copied (NDJSON under `alerts/`), when enabled. */
  readonly alertsBucket?: s3.Bucket;
  readonly slackChannel?: chatbot.SlackChannelConfiguration;
  /** The key prefix this scanner reads (and back-scans). */
  readonly prefix: string;

  constructor(scope: Construct, id: string, props: ArchiveScannerProps) {
    super(scope, id);
    const prefix = props.prefix ?? "";
    const suffix = props.suffix ?? "";
    this.prefix = prefix;
    const timeout = props.timeout ?? Duration.seconds(300);
    const maxBatchingWindow = props.maxBatchingWindow ?? Duration.seconds(0);
    const entry = props.entry ?? resolve(PROJECT_ROOT, "src/handler.ts");
    const rulesDir = props.rulesDir ?? resolve(PROJECT_ROOT, "src/rules");
    checkBundleInputs(this, entry, rulesDir);

    this.key = new kms.Key(this, "AlertKey", {
      description: "Encrypts the edr-archive-scanner alert and operations topics",
      enableKeyRotation: true,
    });
    // CloudWatch alarms publish to the operations topic, which may be the alert topic; an
    // encrypted topic only accepts them if the service may use the key.
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: "AllowCloudWatchAlarmsToPublish",
        principals: [new iam.ServicePrincipal("cloudwatch.amazonaws.com")],
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: ["*"],
        conditions: { StringEquals: { "aws:SourceAccount": Stack.of(this).account } },
      }),
    );

    this.alertTopic = new sns.Topic(this, "AlertTopic", {
      displayName: "EDR archive scanner alerts",
      masterKey: this.key,
      enforceSSL: true,
    });
    for (const email of props.alertEmails ?? []) {
      this.alertTopic.addSubscription(new subscriptions.EmailSubscription(email));
    }

    this.deadLetterQueue = new sqs.Queue(this, "DeadLetterQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    // SQS-managed encryption rather than a KMS key: S3 can deliver to it without a key policy,
    // and the notification bodies hold only bucket and key names.
    this.queue = new sqs.Queue(this, "NotificationQueue", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(4),
      // AWS's guidance for SQS event sources: at least 6x the function timeout plus the batching
      // window, so a message is not redelivered while a retried invocation still holds it.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6 + maxBatchingWindow.toSeconds()),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: props.maxReceiveCount ?? 5 },
    });
    const filter: s3.NotificationKeyFilter = {
      ...(prefix !== "" ? { prefix } : {}),
      ...(suffix !== "" ? { suffix } : {}),
    };
    // CDK rejects an empty filter object; no filter at all means every key.
    const filters = prefix !== "" || suffix !== "" ? [filter] : [];
    props.bucket.addEventNotification(
      s3.EventType.OBJECT_CREATED,
      new s3n.SqsDestination(this.queue),
      ...filters,
    );

    if (props.idempotency ?? true) {
      this.table = new dynamodb.Table(this, "IdempotencyTable", {
        // Powertools Idempotency's DynamoDB layout: partition key "id", TTL attribute "expiration".
        partitionKey: { name: "id", type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        timeToLiveAttribute: "expiration",
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        encryption: dynamodb.TableEncryption.AWS_MANAGED,
        // It only holds short-lived scan records; nothing to keep after the stack is gone.
        removalPolicy: RemovalPolicy.DESTROY,
      });
    }

    if (props.alertsBucket ?? true) {
      this.alertsBucket = new s3.Bucket(this, "AlertsBucket", {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.KMS,
        encryptionKey: this.key,
        // One data key per object rather than one KMS request per write.
        bucketKeyEnabled: true,
        enforceSSL: true,
        objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
        ...(props.serverAccessLogsBucket
          ? { serverAccessLogsBucket: props.serverAccessLogsBucket, serverAccessLogsPrefix: "alerts/" }
          : {}),
        // A scan that broke leaves its multipart upload behind; the retry writes the copy again.
        lifecycleRules: [{ abortIncompleteMultipartUploadAfter: Duration.days(1) }],
        // Evidence of detections: kept when the stack is deleted.
        removalPolicy: RemovalPolicy.RETAIN,
      });
    }

    this.logGroup = new logs.LogGroup(this, "FunctionLogs", {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // Our own role instead of the AWSLambdaBasicExecutionRole managed policy, which allows writing
    // to every log group of the account.
    const role = new iam.Role(this, "FunctionRole", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: "edr-archive-scanner function: read archive objects, publish alerts",
    });
    this.logGroup.grant(role, "logs:CreateLogStream", "logs:PutLogEvents");

    const environment: Record<string, string> = {
      [ENV.alertTopicArn]: this.alertTopic.topicArn,
      // The bundle is unpacked to /var/task and the rule files are copied to its rules/ folder.
      [ENV.rulesPath]: "/var/task/rules",
      [ENV.powertoolsServiceName]: SERVICE_NAME,
      [ENV.powertoolsMetricsNamespace]: METRICS_NAMESPACE,
      NODE_OPTIONS: "--enable-source-maps",
    };
    if (this.table) environment[ENV.idempotencyTable] = this.table.tableName;
    if (this.alertsBucket) environment[ENV.alertsBucket] = this.alertsBucket.bucketName;
    if (props.maxRecordBytes !== undefined) environment[ENV.maxRecordBytes] = String(props.maxRecordBytes);
    if (props.maxDecompressedBytes !== undefined) {
      environment[ENV.maxDecompressedBytes] = String(props.maxDecompressedBytes);
    }
    if (props.maxHitsPerRule !== undefined) {
      if (!Number.isSafeInteger(props.maxHitsPerRule) || props.maxHitsPerRule < 1) {
        throw new ConstructValidationError(
          this,
          `maxHitsPerRule must be a whole number of hits >= 1, got ${String(props.maxHitsPerRule)}`,
        );
      }
      environment[ENV.maxHitsPerRule] = String(props.maxHitsPerRule);
    }

    const rulesFromRoot = relative(PROJECT_ROOT, rulesDir);
    this.function = new nodejs.NodejsFunction(this, "Function", {
      entry,
      handler: "handler",
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 1769,
      timeout,
      ...(props.reservedConcurrency !== undefined
        ? { reservedConcurrentExecutions: props.reservedConcurrency }
        : {}),
      role,
      logGroup: this.logGroup,
      environment,
      description: "edr-archive-scanner: scans EDR log objects with detection rules, alerts to SNS",
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: resolve(PROJECT_ROOT, "package-lock.json"),
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: "node22",
        mainFields: ["module", "main"],
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        // Bundle the SDK clients: the versions we test are the ones that run, and esbuild keeps
        // only what the handler imports (the runtime's SDK version drifts under us otherwise).
        bundleAwsSDK: true,
        externalModules: [],
        // Some bundled dependencies are CommonJS and call require(); ESM has none.
        banner:
          "import { createRequire as __cjsRequire } from 'node:module'; const require = __cjsRequire(import.meta.url);",
        forceDockerBundling: false,
        // The rules are compiled at build time (after bundling, below) for this engine: the cold
        // start then reads them without parsing (docs/performance.md, start-up).
        define: { __EDR_ENGINE_ID__: JSON.stringify(engineIdOfSources()) },
        commandHooks: {
          beforeBundling: () => [],
          beforeInstall: () => [],
          // The engine finds its rules at new URL('./rules/', import.meta.url) in the bundle.
          afterBundling: (inputDir: string, outputDir: string) => {
            const source =
              rulesFromRoot.startsWith("..") || isAbsolute(rulesFromRoot)
                ? rulesDir
                : `${inputDir}/${rulesFromRoot}`;
            // Every rule file below the directory, sub-folders kept: detection-rules TOML and Kibana
            // exports (rules, exception lists) alike; tar copies the tree the same on Linux and macOS.
            return [
              `mkdir -p "${outputDir}/rules"`,
              `cd "${source}" && find . -type f \\( -name '*.toml' -o -name '*.ndjson' \\) | tar -cf - -T - | tar -xf - -C "${outputDir}/rules"`,
              // rules/.compiled-rules.json for the bundle's engine id (a file that does not compile
              // is left out of it and loads in full at cold start, with its error).
              `node "${inputDir}/scripts/compile-rules.mjs" "${outputDir}/rules"`,
            ];
          },
        },
      },
    });

    // Not bucket.grantRead(): it grants the wildcard actions s3:GetObject*, s3:GetBucket* and s3:List*.
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ["s3:GetObject", "s3:GetObjectVersion"],
      resourceArns: [props.bucket.arnForObjects(`${prefix}*`)],
    });
    props.bucketKey?.grantDecrypt(this.function);
    // Without s3:ListBucket, S3 answers GetObject of a deleted key with AccessDenied instead of
    // NoSuchKey, and the handler would retry a permanent error until the dead-letter queue.
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ["s3:ListBucket"],
      resourceArns: [props.bucket.bucketArn],
    });
    // Not topic.grantPublish(): it adds the wildcard action kms:GenerateDataKey*; SNS needs exactly
    // GenerateDataKey and Decrypt on the topic's key to publish an encrypted message.
    iam.Grant.addToPrincipal({
      grantee: this.function,
      actions: ["sns:Publish"],
      resourceArns: [this.alertTopic.topicArn],
    });
    // The same two on the same key also let it write the KMS-encrypted alerts bucket.
    this.key.grant(this.function, "kms:GenerateDataKey", "kms:Decrypt");
    if (this.alertsBucket) {
      // Not bucket.grantWrite(): it grants s3:PutObject* and s3:Abort* on the whole bucket.
      iam.Grant.addToPrincipal({
        grantee: this.function,
        actions: ["s3:PutObject", "s3:AbortMultipartUpload"],
        resourceArns: [this.alertsBucket.arnForObjects(`${ALERTS_PREFIX}*`)],
      });
    }
    if (this.table) {
      this.table.grant(
        this.function,
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
      );
    }

    if (props.sequences ?? rulesUseSequences(rulesDir)) {
      this.sequenceTable = new SequenceStateTable(this, "SequenceState");
      this.sequenceTable.grantTo(this.function);
    }

    this.function.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: props.batchSize ?? 10,
        maxBatchingWindow,
        reportBatchItemFailures: true,
      }),
    );

    if (props.slack) {
      const guardrail = new iam.ManagedPolicy(this, "SlackGuardrail", {
        description: "edr-archive-scanner Slack channel: notifications only, no commands from Slack",
        statements: [new iam.PolicyStatement({ effect: iam.Effect.DENY, actions: ["*"], resources: ["*"] })],
      });
      const channelRole = new iam.Role(this, "SlackChannelRole", {
        assumedBy: new iam.ServicePrincipal("chatbot.amazonaws.com"),
        description: "AWS Chatbot channel role of the edr-archive-scanner alerts: no permissions",
      });
      this.slackChannel = new chatbot.SlackChannelConfiguration(this, "SlackChannel", {
        slackChannelConfigurationName: chatbotName(Stack.of(this).stackName),
        slackWorkspaceId: props.slack.workspaceId,
        slackChannelId: props.slack.channelId,
        role: channelRole,
        guardrailPolicies: [guardrail],
        notificationTopics: [this.alertTopic],
      });
    }

    this.acknowledgeNagFindings(props.bucket, prefix, props.serverAccessLogsBucket !== undefined);
  }

  /**
   * A metric the handler emits (Powertools EMF, namespace EdrArchiveScanner, dimension service).
   * @default period 5 minutes, statistic Sum
   */
  metric(metricName: string, options: cloudwatch.MetricOptions = {}): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: METRICS_NAMESPACE,
      metricName,
      dimensionsMap: { service: SERVICE_NAME },
      period: Duration.minutes(5),
      statistic: "Sum",
      ...options,
    });
  }

  /** Objects that could not be scanned to their end (unsupported, corrupt, over a limit, retried). */
  metricObjectFailures(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.objectFailures, options);
  }

  /** Objects scanned (redeliveries answered from the idempotency table are not counted). */
  metricObjectsScanned(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.objectsScanned, options);
  }

  /** Alerts found. */
  metricAlerts(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.alerts, options);
  }

  /** Records that were not valid JSON. */
  metricMalformedRecords(options?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric(METRIC.malformedRecords, options);
  }

  /** The cdk-nag findings this construct's own resources raise, each with its reason. */
  private acknowledgeNagFindings(bucket: s3.IBucket, prefix: string, accessLogged: boolean): void {
    const fnPolicy = this.function.role?.node.tryFindChild("DefaultPolicy");
    if (fnPolicy && this.alertsBucket) {
      acknowledge(
        fnPolicy,
        `AwsSolutions-IAM5[Resource::${nagResource(this, this.alertsBucket.arnForObjects(`${ALERTS_PREFIX}*`))}]`,
        "The function writes one alert copy per scanned object and rule, with keys derived from the rule and " +
          "the object; the grant is s3:PutObject and s3:AbortMultipartUpload under alerts/ of the alerts bucket only.",
      );
    }
    if (this.alertsBucket && !accessLogged) {
      acknowledge(
        this.alertsBucket,
        "AwsSolutions-S1",
        "Access logging is the caller's choice (serverAccessLogsBucket); the stack passes its access-logs bucket.",
      );
    }
    if (fnPolicy) {
      acknowledge(
        fnPolicy,
        `AwsSolutions-IAM5[Resource::${nagResource(this, bucket.arnForObjects(`${prefix}*`))}]`,
        "The function reads objects whose keys it learns from notifications; the grant is s3:GetObject and " +
          "s3:GetObjectVersion only, on the archive bucket's objects under the configured prefix.",
      );
    }
    acknowledge(
      this.function,
      "AwsSolutions-L1",
      "Node.js 22 is the runtime the code is built (esbuild target node22) and tested for; a runtime upgrade " +
        "is a deliberate, tested change.",
    );
    // addEventNotification above created CDK's notifications custom resource at the stack's root.
    for (const child of Stack.of(this).node.children) {
      if (!child.node.id.startsWith("BucketNotificationsHandler")) continue;
      const role = child.node.tryFindChild("Role");
      if (!role) continue;
      acknowledge(
        role,
        "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]",
        "CDK's own BucketNotifications custom resource (it sets the bucket's notification configuration at " +
          "deployment); its role and runtime are managed by aws-cdk-lib, and its only other permission is " +
          "s3:PutBucketNotification on the archive bucket.",
      );
    }
  }
}

/** Chatbot configuration names: 1-128 characters of letters, digits, '-' and '_'. */
function chatbotName(stackName: string): string {
  return `${stackName.replace(/[^A-Za-z0-9_-]/g, "-")}-alerts`.slice(0, 128);
}

function checkBundleInputs(scope: Construct, entry: string, rulesDir: string): void {
  if (!existsSync(entry)) {
    throw new ConstructValidationError(
      scope,
      `the handler entry ${entry} does not exist. Fix: pass "entry" (a .ts file exporting handler).`,
    );
  }
  if (!existsSync(rulesDir) || !hasRuleFile(rulesDir)) {
    throw new ConstructValidationError(
      scope,
      `no rule files (*.toml, *.ndjson Kibana exports) in ${rulesDir}; the function would have nothing to detect. ` +
        `Fix: add rules there or pass "rulesDir".`,
    );
  }
}

/** Whether `dir` holds a rule file (detection-rules TOML or a Kibana export), at any depth. */
function hasRuleFile(dir: string): boolean {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith(".")) continue;
    if (e.isDirectory() && hasRuleFile(resolve(dir, e.name))) return true;
    if (e.isFile() && /\.(toml|ndjson)$/.test(e.name)) return true;
  }
  return false;
}

/**
 * Whether any rule file below `dir` holds a sequence or sample query (a TOML `query` or a Kibana
 * export's `"query"` that starts with `sequence` or `sample`): the stack then needs the sequence
 * state store.
 */
function rulesUseSequences(dir: string): boolean {
  const toml = /(?:^|\n)[ \t]*query[ \t]*=[ \t]*(?:'{3}|"{3}|'|")\s*(?:sequence|sample)\b/i;
  const ndjson = /"query"\s*:\s*"(?:\s|\\[nrt])*(?:sequence|sample)\b/i;
  const walk = (d: string): boolean => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.name.startsWith(".")) continue;
      const p = resolve(d, e.name);
      if (e.isDirectory() && walk(p)) return true;
      if (!e.isFile()) continue;
      if (e.name.endsWith(".toml") && toml.test(readFileSync(p, "utf8"))) return true;
      if (e.name.endsWith(".ndjson") && ndjson.test(readFileSync(p, "utf8"))) return true;
    }
    return false;
  };
  return existsSync(dir) && walk(dir);
}
