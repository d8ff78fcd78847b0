import { Duration, RemovalPolicy, Token } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import type * as lambda from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import * as s3 from "aws-cdk-lib/aws-s3";
import * as sfn from "aws-cdk-lib/aws-stepfunctions";
import * as tasks from "aws-cdk-lib/aws-stepfunctions-tasks";
import * as cxapi from "aws-cdk-lib/cx-api";
import { Construct } from "constructs";
import { acknowledge, nagResource, wildcardResources } from "./nag.ts";

/** Attempts at a batch's transiently failed objects before they count as failed. */
export const TRANSIENT_ATTEMPTS = 3;

/**
 * Output of the ScanBatch task: the batch, the attempt number, the totals so far and one result
 * per object (the handler's batch result is `{objects, records, malformed, alerts, failed:
 * [{key, reason, transient?}], results: [{key, outcome, records, alerts, reason?, transient?}]}`).
 * A retry scans only the transiently failed objects, so their new results replace the old ones.
 * Over 400 lines because the state machine is one definition: its JSONata expressions are
 * exported next to the states that use them, so the tests evaluate exactly what is deployed.
 */
export const SCAN_BATCH_OUTPUT = `{% (
  $r := $states.result.Payload;
  $p := $exists($states.input.totals) ? $states.input.totals : {"objects": 0, "records": 0, "malformed": 0, "alerts": 0};
  $now := $append([], $r.results);
  $nowKeys := $now.key;
  $prev := $append([], $states.input.results);
  {
    "Items": $states.input.Items,
    "BatchInput": $states.input.BatchInput,
    "attempt": ($exists($states.input.attempt) ? $states.input.attempt : 0) + 1,
    "totals": {
      "objects": $p.objects + $r.objects,
      "records": $p.records + $r.records,
      "malformed": $p.malformed + $r.malformed,
      "alerts": $p.alerts + $r.alerts
    },
    "failed": $append([], $r.failed),
    "results": $append($append([], $prev[$not(key in $nowKeys)]), $now)
  }
) %}`;

/**
 * Next attempt's input: only the items whose keys failed transiently (`[]` keeps an array; so does
 * `$append([], x)` elsewhere, which also turns "nothing" into `[]`).
 */
export const KEEP_TRANSIENT_OUTPUT = `{% (
  $keys := $states.input.failed[transient = true].key;
  {
    "Items": $states.input.Items[Key in $keys][],
    "BatchInput": $states.input.BatchInput,
    "attempt": $states.input.attempt,
    "totals": $states.input.totals,
    "results": $states.input.results
  }
) %}`;

/**
 * A batch's output (its child execution always succeeds once the function answered: failures are
 * per object, counted by the summary): the totals, the objects still failed after the last
 * attempt and every object's final result.
 */
export const BATCH_DONE_OUTPUT = `{% $merge([$states.input.totals, {
  "failed": $append([], $states.input.results[outcome != "scanned" and outcome != "duplicate"].{
    "key": key, "reason": $exists(reason) ? reason : outcome, "transient": transient
  }),
  "results": $states.input.results
}]) %}`;

/** Items of the re-run map: the input's keys as listing entries (`[]` keeps one key an array). */
export const RERUN_ITEMS = '{% $states.input.keys.{"Key": $}[] %}';

/** The summarising invocation: where the ResultWriter put the manifest of this map run. */
export const SUMMARY_PAYLOAD = `{% {"BackfillSummary": {
  "bucket": $states.input.ResultWriterDetails.Bucket,
  "manifest": $states.input.ResultWriterDetails.Key
}} %}`;

/**
 * Cause of a failed back-scan, within Step Functions' 32,768-character limit: the counts, the
 * first 50 failed objects (10 if their keys and reasons are long) and where the results are.
 */
export const OBJECTS_FAILED_CAUSE = `{% (
  $s := $states.input;
  $cause := function($n) {
    $string({
      "listed": $s.listed, "scanned": $s.scanned, "duplicate": $s.duplicate, "partial": $s.partial,
      "missing": $s.missing, "failedCount": $s.failedCount, "failedBatches": $s.failedBatches,
      "records": $s.records, "alerts": $s.alerts,
      "failed": $s.failed[[0..($n - 1)]][],
      "results": $s.results
    })
  };
  $long := $cause(50);
  $length($long) <= 32000 ? $long : $cause(10)
) %}`;

/** Properties of {@link ArchiveBackfill}. */
export interface ArchiveBackfillProps {
  /** The archive bucket: the only bucket a back-scan may list (the scanner can read no other). */
  readonly bucket: s3.IBucket;
  /**
   * The scanner's key prefix: a back-scan prefix must start with it, since the function may only
   * read objects under it.
   * @default "" (the whole bucket)
   */
  readonly prefix?: string;
  /** The scanner function; it receives `{"Items":[{"Key","Size","Etag",...}],"BatchInput":{"bucket"}}`. */
  readonly scanner: lambda.IFunction;
  /**
   * Where the Distributed Map writes its results (manifest, SUCCEEDED/FAILED files).
   * @default - a bucket created for it (private, encrypted, versioned, kept on stack deletion)
   */
  readonly resultsBucket?: s3.IBucket;
  /**
   * Key prefix of the results in the results bucket.
   * @default "backfill-results"
   */
  readonly resultsPrefix?: string;
  /**
   * Server access log target of the created results bucket.
   * @default - no access logs
   */
  readonly serverAccessLogsBucket?: s3.IBucket;
  /**
   * Child executions (Lambda invocations) at once when the execution input gives none.
   * @default 100
   */
  readonly maxConcurrency?: number;
  /**
   * Objects per Lambda invocation when the execution input gives none.
   * @default 20
   */
  readonly maxItemsPerBatch?: number;
  /**
   * Upper bound of one batch's input (the object listing entries), below Step Functions' 256 KiB.
   * @default 65536
   */
  readonly maxInputBytesPerBatch?: number;
  /**
   * Percentage of failed batches (child executions that failed as a whole: the function crashed
   * or timed out) after which the map stops early. Tolerated or not, every object of a failed
   * batch is counted as failed by the summary, and the execution fails.
   * @default 100 (scan everything, then report)
   */
  readonly toleratedFailurePercentage?: number;
  /**
   * Retention of the state machine's (error-level) execution log.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
}

/**
 * Back-scan of objects already in the archive: a Step Functions Distributed Map lists the bucket
 * under a prefix (execution input `{"bucket","prefix","maxConcurrency","maxItemsPerBatch"}`, all
 * optional; or `"keys": [...]` to re-run named objects), batches the listing and invokes the
 * scanner once per batch. Outcomes are per object: a batch retries only its transiently failed
 * objects and then succeeds with every object's result. The ResultWriter writes the batches'
 * results (JSON Lines), the same function adds them up (Summarise) and the execution fails
 * (ObjectsFailed, the back-scan alarm) when any object was not scanned, naming them.
 */
export class ArchiveBackfill extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly resultsBucket: s3.IBucket;
  readonly resultsPrefix: string;

  constructor(scope: Construct, id: string, props: ArchiveBackfillProps) {
    super(scope, id);
    // ResultWriterV2 is only rendered under this flag; without it the results would silently stay
    // in the execution history (which truncates at 256 KiB). Set here, before any child exists.
    this.node.setContext(cxapi.STEPFUNCTIONS_USE_DISTRIBUTED_MAP_RESULT_WRITER_V2, true);
    const prefix = props.prefix ?? "";
    const maxConcurrency = props.maxConcurrency ?? 100;
    const maxItemsPerBatch = props.maxItemsPerBatch ?? 20;
    this.resultsPrefix = props.resultsPrefix ?? "backfill-results";
    this.resultsBucket =
      props.resultsBucket ??
      new s3.Bucket(this, "ResultsBucket", {
        blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
        encryption: s3.BucketEncryption.S3_MANAGED,
        enforceSSL: true,
        versioned: true,
        ...(props.serverAccessLogsBucket
          ? {
              serverAccessLogsBucket: props.serverAccessLogsBucket,
              serverAccessLogsPrefix: "backfill-results/",
            }
          : {}),
        lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
        removalPolicy: RemovalPolicy.RETAIN,
      });

    // JSONata string literals accept JSON's escapes, so JSON.stringify quotes any prefix safely.
    const bucketLiteral = JSON.stringify(props.bucket.bucketName);
    const prefixLiteral = JSON.stringify(prefix);
    const resolveInput = sfn.Pass.jsonata(this, "ResolveInput", {
      comment: "Fill in the defaults for what the execution input leaves out",
      outputs:
        `{% $type($states.input) = 'object' ? $merge([{"bucket": ${bucketLiteral}, "prefix": ${prefixLiteral}, ` +
        `"maxConcurrency": ${maxConcurrency}, "maxItemsPerBatch": ${maxItemsPerBatch}}, $states.input]) ` +
        `: {"notAnObject": $states.input} %}`,
    });

    const integer = (field: string, max: number) =>
      `$type($states.input.${field}) = 'number' and $states.input.${field} = $floor($states.input.${field}) ` +
      `and $states.input.${field} >= 1 and $states.input.${field} <= ${max}`;
    const valid =
      `{% $type($states.input.bucket) = 'string' and $states.input.bucket = ${bucketLiteral} ` +
      `and $type($states.input.prefix) = 'string' ` +
      `and $substring($states.input.prefix, 0, $length(${prefixLiteral})) = ${prefixLiteral} ` +
      `and ${integer("maxConcurrency", 10000)} and ${integer("maxItemsPerBatch", 1000)} ` +
      // keys: a non-empty array of keys under the prefix (a singleton stays an array with [])
      `and ($not($exists($states.input.keys)) or ($type($states.input.keys) = 'array' ` +
      `and $count($states.input.keys) >= 1 and $count($states.input.keys) = ` +
      `$count($states.input.keys[$type($) = 'string' and $length($) > 0 ` +
      `and $substring($, 0, $length(${prefixLiteral})) = ${prefixLiteral}][])))` +
      " %}";
    const invalidInput = sfn.Fail.jsonata(this, "InvalidInput", {
      error: "InvalidInput",
      cause:
        `{% 'Expected {"bucket": "' & ${bucketLiteral} & '" (the archive bucket, the only one the scanner may read), ` +
        `"prefix": a key prefix starting with "' & ${prefixLiteral} & '", "maxConcurrency": 1-10000, ` +
        `"maxItemsPerBatch": 1-1000, "keys": [keys under the prefix]}, all optional; got ' & $substring($string($states.input), 0, 2000) %}`,
    });

    const scanObjects = sfn.DistributedMap.jsonata(this, "ScanObjects", {
      comment: "List the archive under the prefix and scan it in batches",
      label: "ScanObjects",
      itemReader: new sfn.S3ObjectsItemReader({ bucket: props.bucket, prefix: "{% $states.input.prefix %}" }),
      ...this.mapProps(props),
    });
    scanObjects.itemProcessor(this.batchProcessor(props.scanner, ""));
    // A re-run of named objects (the failedKeys of an earlier summary): the same batches and
    // per-object accounting, items from the input instead of a listing.
    const scanKeys = sfn.DistributedMap.jsonata(this, "ScanKeys", {
      comment: "Scan the keys the input names (a re-run of failed objects)",
      label: "ScanKeys",
      items: sfn.ProvideItems.jsonata(RERUN_ITEMS),
      ...this.mapProps(props),
    });
    scanKeys.itemProcessor(this.batchProcessor(props.scanner, "Rerun"));

    const summarise = tasks.LambdaInvoke.jsonata(this, "Summarise", {
      comment: "Add up the batch results the ResultWriter wrote (same function, BackfillSummary event)",
      lambdaFunction: props.scanner,
      payload: sfn.TaskInput.fromText(SUMMARY_PAYLOAD),
      outputs: "{% $states.result.Payload %}",
      retryOnServiceExceptions: true,
    });
    summarise.addRetry({
      errors: ["States.ALL"],
      interval: Duration.seconds(10),
      maxAttempts: 3,
      backoffRate: 2,
    });
    const objectsFailed = sfn.Fail.jsonata(this, "ObjectsFailed", {
      error: "ObjectsFailed",
      cause: OBJECTS_FAILED_CAUSE,
    });
    const done = sfn.Succeed.jsonata(this, "BackScanDone", { comment: "Every listed object scanned" });
    summarise.next(
      sfn.Choice.jsonata(this, "AnyObjectFailed")
        .when(sfn.Condition.jsonata("{% $states.input.failedCount > 0 %}"), objectsFailed)
        .otherwise(done),
    );
    // The summary reads the manifest and result files; nothing else of the results bucket.
    const resultObjects = this.resultsBucket.arnForObjects(`${this.resultsPrefix}/*`);
    props.scanner.addToRolePolicy(
      new iam.PolicyStatement({ actions: ["s3:GetObject"], resources: [resultObjects] }),
    );
    const fnPolicy = props.scanner.role?.node.tryFindChild("DefaultPolicy");
    if (fnPolicy) {
      acknowledge(
        fnPolicy,
        `AwsSolutions-IAM5[Resource::${nagResource(this, resultObjects)}]`,
        "The back-scan summary reads the ResultWriter's manifest and result files, whose names the map run " +
          "generates, under the results prefix of the results bucket only (read, never write).",
      );
    }

    const definition = resolveInput.next(
      sfn.Choice.jsonata(this, "ValidateInput")
        .when(
          sfn.Condition.jsonata(valid),
          sfn.Choice.jsonata(this, "ListOrKeys")
            .when(sfn.Condition.jsonata("{% $exists($states.input.keys) %}"), scanKeys.next(summarise))
            .otherwise(scanObjects.next(summarise)),
        )
        .otherwise(invalidInput),
    );

    const logGroup = new logs.LogGroup(this, "ExecutionLogs", {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.stateMachine = new sfn.StateMachine(this, "StateMachine", {
      comment: "edr-archive-scanner back-scan: Distributed Map over the archive, batches to the scanner",
      queryLanguage: sfn.QueryLanguage.JSONATA,
      definitionBody: sfn.DefinitionBody.fromChainable(definition),
      stateMachineType: sfn.StateMachineType.STANDARD,
      logs: { destination: logGroup, level: sfn.LogLevel.ERROR, includeExecutionData: false },
    });
    this.acknowledgeNagFindings(props.scanner);
  }

  /** Batching, concurrency, tolerance and results, the same for the listing and the re-run. */
  private mapProps(props: ArchiveBackfillProps) {
    return {
      itemBatcher: new sfn.ItemBatcher({
        // The typed prop is a number; Step Functions takes a JSONata expression here too.
        maxItemsPerBatch: Token.asNumber("{% $states.input.maxItemsPerBatch %}"),
        maxInputBytesPerBatch: props.maxInputBytesPerBatch ?? 65536,
        batchInput: { bucket: "{% $states.input.bucket %}" },
      }),
      jsonataMaxConcurrency: "{% $states.input.maxConcurrency %}",
      // A failed batch never passes silently whatever this is: the summary counts each of its
      // objects as failed and fails the execution. Below 100 the map stops early instead.
      toleratedFailurePercentage: props.toleratedFailurePercentage ?? 100,
      resultWriterV2: new sfn.ResultWriterV2({
        bucket: this.resultsBucket,
        prefix: this.resultsPrefix,
        // One child per line, so the summary reads any number of batches in bounded memory.
        writerConfig: { outputType: sfn.OutputType.JSONL, transformation: sfn.Transformation.NONE },
      }),
    };
  }

  /**
   * One batch: invoke the scanner, retry only its transiently failed objects (up to
   * TRANSIENT_ATTEMPTS), then succeed with every object's result. `prefix` keeps the state names
   * of the re-run map distinct.
   */
  private batchProcessor(scanner: lambda.IFunction, prefix: string): sfn.IChainable {
    const scanBatch = tasks.LambdaInvoke.jsonata(this, `${prefix}ScanBatch`, {
      lambdaFunction: scanner,
      // Exactly the backfill batch event of the handler: the listed objects and the bucket.
      payload: sfn.TaskInput.fromObject({
        Items: "{% $states.input.Items %}",
        BatchInput: "{% $states.input.BatchInput %}",
      }),
      // Carry the batch, the attempt number, running totals and per-object results, so a retry
      // of the transiently failed objects adds to what the earlier attempts scanned.
      outputs: SCAN_BATCH_OUTPUT,
      retryOnServiceExceptions: true,
    });
    scanBatch.addRetry({
      errors: ["Lambda.TooManyRequestsException"],
      interval: Duration.seconds(5),
      maxAttempts: 8,
      backoffRate: 2,
      jitterStrategy: sfn.JitterType.FULL,
    });
    // The handler reports transient failures (throttling, network, 5xx) per object with
    // `transient: true` rather than throwing, so the objects that did succeed are not scanned again.
    const keepTransient = sfn.Pass.jsonata(this, `${prefix}KeepTransientFailures`, {
      comment: "Retry only the objects that failed transiently",
      outputs: KEEP_TRANSIENT_OUTPUT,
    });
    const backOff = sfn.Wait.jsonata(this, `${prefix}BackOff`, {
      time: sfn.WaitTime.seconds("{% $states.input.attempt * 30 %}"),
    });
    const batchDone = sfn.Succeed.jsonata(this, `${prefix}BatchScanned`, {
      comment: "Objects still failed are reported in the output, counted by the summary",
      outputs: BATCH_DONE_OUTPUT,
    });
    const retryTransient = sfn.Choice.jsonata(this, `${prefix}AnyTransientFailure`)
      .when(
        sfn.Condition.jsonata(
          `{% $count($states.input.failed[transient = true]) > 0 and $states.input.attempt < ${TRANSIENT_ATTEMPTS} %}`,
        ),
        keepTransient.next(backOff).next(scanBatch),
      )
      .otherwise(batchDone);
    return scanBatch.next(retryTransient);
  }

  /** The cdk-nag findings this construct's own resources raise, each with its reason. */
  private acknowledgeNagFindings(scanner: lambda.IFunction): void {
    const sm = this.stateMachine;
    acknowledge(
      sm,
      "AwsSolutions-SF1",
      "Back-scans run millions of child executions; ALL-level logging would log every state transition. " +
        "Errors are logged, and per-batch outcomes are written to the results bucket by the ResultWriter.",
    );
    acknowledge(
      sm,
      "AwsSolutions-SF2",
      "X-Ray tracing of every child execution adds cost without insight here: each child is one Lambda " +
        "invocation whose logs and metrics are already in CloudWatch.",
    );
    const smPolicy = sm.role.node.tryFindChild("DefaultPolicy");
    if (smPolicy) {
      acknowledge(
        smPolicy,
        `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:s3:::${nagResource(this, this.resultsBucket.bucketName)}/*]`,
        "The Distributed Map ResultWriter writes result files with generated names (manifest, SUCCEEDED_n, " +
          "FAILED_n) into the back-scan results bucket only.",
      );
      acknowledge(
        smPolicy,
        `AwsSolutions-IAM5[Resource::${nagResource(this, scanner.functionArn)}:*]`,
        "lambda:InvokeFunction on the scanner function and its versions/aliases (CDK's LambdaInvoke grant).",
      );
      acknowledge(
        smPolicy,
        "AwsSolutions-IAM5[Resource::*]",
        "CloudWatch Logs vended log delivery (logs:CreateLogDelivery and related) has no resource-level " +
          "permissions; it is how Step Functions writes its execution log.",
      );
    }
    const mapPolicy = sm.node.tryFindChild("DistributedMapPolicy");
    if (mapPolicy) {
      for (const resource of wildcardResources(mapPolicy)) {
        acknowledge(
          mapPolicy,
          `AwsSolutions-IAM5[Resource::${resource}]`,
          "The Distributed Map describes, stops and redrives its own child executions, whose names are " +
            "generated at run time; scoped to executions of this state machine.",
        );
      }
    }
  }
}
