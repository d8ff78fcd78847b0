/**
 * The sequence state store's table (docs/sequences.md, src/lambda/sequence-store.ts): step events
 * under (rule, join key) partitions sorted by time, and alert claims; items expire by TTL.
 * ArchiveScanner creates it (prop `sequences`, default on) and calls `grantTo(function)`.
 *
 * Construct ids are a contract: renaming "Table" replaces it (and loses pending sequences).
 */
import { RemovalPolicy } from "aws-cdk-lib";
import * as dynamodb from "aws-cdk-lib/aws-dynamodb";
import type * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";
import { ENV } from "../src/lambda/env.ts";

export interface SequenceStateTableProps {
  /**
   * What happens to the table when the stack is deleted. It holds step events for a window and
   * claims for a week: nothing to keep.
   * @default RemovalPolicy.DESTROY
   */
  readonly removalPolicy?: RemovalPolicy;
}

export class SequenceStateTable extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: SequenceStateTableProps = {}) {
    super(scope, id);
    this.table = new dynamodb.Table(this, "Table", {
      partitionKey: { name: "pk", type: dynamodb.AttributeType.STRING },
      sortKey: { name: "sk", type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: "expiration",
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.DESTROY,
    });
  }

  /**
   * Least privilege for the scanner: exactly the three calls the store makes (BatchWriteItem for
   * step events, Query for windows and claim states, UpdateItem for claims), on this table only;
   * and SEQUENCE_TABLE in the function's environment.
   */
  grantTo(fn: iam.IGrantable & { addEnvironment(key: string, value: string): unknown }): void {
    this.table.grant(fn, "dynamodb:BatchWriteItem", "dynamodb:Query", "dynamodb:UpdateItem");
    fn.addEnvironment(ENV.sequenceTable, this.table.tableName);
  }
}
