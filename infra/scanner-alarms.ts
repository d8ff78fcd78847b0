import { Duration } from "aws-cdk-lib";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import type * as sns from "aws-cdk-lib/aws-sns";
import type * as sfn from "aws-cdk-lib/aws-stepfunctions";
import { Construct } from "constructs";
import type { ArchiveScanner } from "./archive-scanner.ts";

/** Properties of {@link ScannerAlarms}. */
export interface ScannerAlarmsProps {
  /** Where alarm (and OK) notifications go. */
  readonly opsTopic: sns.ITopic;
  /** The live scanner: its function, queues and the metrics its handler emits. */
  readonly scanner: ArchiveScanner;
  /**
   * The back-scan state machine, alarmed on failed executions.
   * @default - no back-scan alarm
   */
  readonly backfill?: sfn.IStateMachine;
  /**
   * Age of the oldest waiting notification that means the scanner has fallen behind.
   * @default Duration.minutes(15)
   */
  readonly maxMessageAge?: Duration;
}

/**
 * The alarms an operator needs: notifications that never succeed (dead-letter queue), function
 * errors and throttles, a backlog, objects that could not be scanned, and failed back-scans.
 * Missing data is "not breaching": an idle scanner is a healthy one.
 */
export class ScannerAlarms extends Construct {
  readonly alarms: readonly cloudwatch.Alarm[];

  constructor(scope: Construct, id: string, props: ScannerAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    const alarms: cloudwatch.Alarm[] = [];
    const add = (alarmId: string, metric: cloudwatch.IMetric, threshold: number, description: string) => {
      const alarm = new cloudwatch.Alarm(this, alarmId, {
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
      alarm.addAlarmAction(new actions.SnsAction(props.opsTopic));
      alarm.addOkAction(new actions.SnsAction(props.opsTopic));
      alarms.push(alarm);
    };

    add(
      "DeadLetters",
      props.scanner.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      0,
      "Notifications failed every delivery and are in the dead-letter queue: those objects were not scanned. " +
        "Read a message for the object, fix the cause (permissions, corrupt object), then redrive the queue.",
    );
    add(
      "FunctionErrors",
      props.scanner.function.metricErrors({ period, statistic: "Sum" }),
      0,
      "The scanner function failed invocations (crash, timeout or out of memory). See its log group.",
    );
    add(
      "FunctionThrottles",
      props.scanner.function.metricThrottles({ period, statistic: "Sum" }),
      0,
      "The scanner function was throttled: raise reservedConcurrency or the account's concurrency limit.",
    );
    const maxAge = props.maxMessageAge ?? Duration.minutes(15);
    add(
      "QueueBacklog",
      props.scanner.queue.metricApproximateAgeOfOldestMessage({ period, statistic: "Maximum" }),
      maxAge.toSeconds(),
      `The oldest waiting notification is more than ${maxAge.toSeconds()} s old: alerts are delayed.`,
    );
    add(
      "ObjectFailures",
      props.scanner.metricObjectFailures({ period, statistic: "Sum" }),
      0,
      "Objects could not be scanned (unsupported or corrupt compression, decompression limit, read errors). " +
        "The function log has one summary line per object with the reason.",
    );
    if (props.backfill) {
      add(
        "BackfillFailed",
        props.backfill.metricFailed({ period, statistic: "Sum" }),
        0,
        "A back-scan execution failed: objects not scanned (its cause and the Summarise output list them " +
          "with reasons; docs/deploy.md re-runs only those), invalid input, or an unreadable listing.",
      );
    }
    this.alarms = alarms;
  }
}
