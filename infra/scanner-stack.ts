import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps } from "aws-cdk-lib";
import * as kms from "aws-cdk-lib/aws-kms";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { Construct } from "constructs";
import { ArchiveScanner } from "./archive-scanner.ts";
import { ArchiveBackfill } from "./backfill.ts";
import { readScannerContext, type ScannerContext } from "./context.ts";
import { ScannerAlarms } from "./scanner-alarms.ts";

/** Properties of {@link ScannerStack}. */
export interface ScannerStackProps extends StackProps {
  /**
   * Deployment parameters; read from CDK context (see infra/context.ts) when not given.
   * @default - readScannerContext(this.node.tryGetContext)
   */
  readonly config?: ScannerContext;
  /**
   * Handler module bundled into the function.
   * @default `<project>/src/handler.ts`
   */
  readonly entry?: string;
  /**
   * Directory of the rule files bundled with the function.
   * @default `<project>/src/rules`
   */
  readonly rulesDir?: string;
}

/**
 * The whole deployment: the archive bucket (created, or imported with context bucketName), the
 * live scanner, the back-scan state machine, the operations topic (never the alert topic) and the
 * alarms.
 */
export class ScannerStack extends Stack {
  readonly config: ScannerContext;
  readonly archiveBucket: s3.IBucket;
  readonly accessLogsBucket: s3.Bucket;
  readonly scanner: ArchiveScanner;
  readonly backfill: ArchiveBackfill;
  readonly opsTopic: sns.ITopic;
  readonly alarms: ScannerAlarms;

  constructor(scope: Construct, id: string, props: ScannerStackProps = {}) {
    super(scope, id, {
      description:
        "edr-archive-scanner: scans EDR logs archived in S3 with detection rules and alerts to SNS",
      ...props,
    });
    // Validate every parameter before creating anything (bundling happens at construction).
    const config = props.config ?? readScannerContext((key) => this.node.tryGetContext(key));
    this.config = config;

    this.accessLogsBucket = new s3.Bucket(this, "AccessLogsBucket", {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.archiveBucket =
      config.bucketName !== undefined
        ? s3.Bucket.fromBucketName(this, "ArchiveBucket", config.bucketName)
        : new s3.Bucket(this, "ArchiveBucket", {
            blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
            encryption: s3.BucketEncryption.S3_MANAGED,
            enforceSSL: true,
            versioned: true,
            serverAccessLogsBucket: this.accessLogsBucket,
            serverAccessLogsPrefix: "archive/",
            // The archive is the customer's evidence: never deleted with the stack.
            removalPolicy: RemovalPolicy.RETAIN,
          });

    this.scanner = new ArchiveScanner(this, "Scanner", {
      bucket: this.archiveBucket,
      ...(config.bucketKmsKeyArn !== undefined
        ? { bucketKey: kms.Key.fromKeyArn(this, "ArchiveBucketKey", config.bucketKmsKeyArn) }
        : {}),
      prefix: config.prefix,
      suffix: config.suffix,
      ...(props.entry !== undefined ? { entry: props.entry } : {}),
      ...(props.rulesDir !== undefined ? { rulesDir: props.rulesDir } : {}),
      memorySize: config.memorySize,
      timeout: Duration.seconds(config.timeoutSeconds),
      ...(config.reservedConcurrency !== undefined
        ? { reservedConcurrency: config.reservedConcurrency }
        : {}),
      batchSize: config.batchSize,
      maxBatchingWindow: Duration.seconds(config.maxBatchingWindowSeconds),
      alertEmails: config.alertEmails,
      ...(config.slack ? { slack: config.slack } : {}),
      idempotency: config.idempotency,
      alertsBucket: config.alertsBucket,
      serverAccessLogsBucket: this.accessLogsBucket,
      ...(config.maxHitsPerRule !== undefined ? { maxHitsPerRule: config.maxHitsPerRule } : {}),
    });

    this.backfill = new ArchiveBackfill(this, "Backfill", {
      bucket: this.archiveBucket,
      prefix: config.prefix,
      scanner: this.scanner.function,
      serverAccessLogsBucket: this.accessLogsBucket,
      maxConcurrency: config.backfillMaxConcurrency,
      maxItemsPerBatch: config.backfillItemsPerBatch,
      toleratedFailurePercentage: config.backfillToleratedFailurePercentage,
    });

    // Alarms never go to the alert topic: their JSON would reach the alert consumers, Slack and
    // the responders' email as if it were a detection.
    if (config.opsTopicArn !== undefined) {
      this.opsTopic = sns.Topic.fromTopicArn(this, "OpsTopic", config.opsTopicArn);
    } else {
      const topic = new sns.Topic(this, "OpsTopic", {
        displayName: "EDR archive scanner operations",
        masterKey: this.scanner.key,
        enforceSSL: true,
      });
      for (const email of config.opsEmails) topic.addSubscription(new subscriptions.EmailSubscription(email));
      this.opsTopic = topic;
    }

    this.alarms = new ScannerAlarms(this, "Alarms", {
      opsTopic: this.opsTopic,
      scanner: this.scanner,
      backfill: this.backfill.stateMachine,
    });

    new CfnOutput(this, "ArchiveBucketName", { value: this.archiveBucket.bucketName });
    new CfnOutput(this, "AlertTopicArn", { value: this.scanner.alertTopic.topicArn });
    new CfnOutput(this, "OpsTopicArn", { value: this.opsTopic.topicArn });
    if (this.scanner.alertsBucket) {
      new CfnOutput(this, "AlertsBucketName", { value: this.scanner.alertsBucket.bucketName });
    }
    new CfnOutput(this, "FunctionName", { value: this.scanner.function.functionName });
    new CfnOutput(this, "NotificationQueueUrl", { value: this.scanner.queue.queueUrl });
    new CfnOutput(this, "DeadLetterQueueUrl", { value: this.scanner.deadLetterQueue.queueUrl });
    new CfnOutput(this, "BackfillStateMachineArn", { value: this.backfill.stateMachine.stateMachineArn });
    new CfnOutput(this, "BackfillResultsBucketName", { value: this.backfill.resultsBucket.bucketName });
  }
}
