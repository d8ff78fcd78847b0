/**
 * AWS clients, created once per container (connection reuse across invocations) and injectable:
 * tests and scripts pass their own. Endpoints, region and credentials come from the SDK's default
 * chain (AWS_REGION, AWS_ENDPOINT_URL[_S3|_SNS|_DYNAMODB], ...).
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { createS3Client } from "../s3/index.ts";
import type { Config } from "./config.ts";

export interface AwsClients {
  readonly s3: S3Client;
  readonly sns: SNSClient;
  /** Only when idempotency is on. */
  readonly dynamodb?: DynamoDBClient;
}

export function createClients(config: Config): AwsClients {
  return {
    s3: createS3Client({ forcePathStyle: config.s3ForcePathStyle }),
    sns: new SNSClient({}),
    ...(config.idempotencyTable === undefined ? {} : { dynamodb: new DynamoDBClient({}) }),
  };
}
