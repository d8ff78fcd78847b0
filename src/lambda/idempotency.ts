/**
 * Object-level idempotency with Powertools Idempotency on DynamoDB: the key is (bucket, key,
 * versionId or ETag, fingerprint of the rules and reader limits), so a redelivered notification
 * for an object version already scanned with the same configuration returns the stored outcome
 * and publishes nothing again, while a back-scan after a rule or limit change scans it again.
 * Objects not found or archived are not remembered (process.ts throws them past the store).
 * The record is written only when the
 * work returns; if it throws (S3 or SNS failed) Powertools deletes the in-progress record, so the
 * retry does the work again: a failed publish never marks the object done.
 */

import {
  IdempotencyAlreadyInProgressError,
  IdempotencyConfig,
  makeIdempotent,
} from "@aws-lambda-powertools/idempotency";
import { DynamoDBPersistenceLayer } from "@aws-lambda-powertools/idempotency/dynamodb";
import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { s3Uri, TransientObjectError } from "../s3/index.ts";
import type { ObjectOutcome, OnceFn } from "./process.ts";

export interface IdempotencyOptions {
  readonly tableName: string;
  readonly client: DynamoDBClient;
  /** How long a scanned object version is remembered. */
  readonly expiresAfterSeconds: number;
}

export interface Idempotency {
  readonly once: OnceFn;
  /** Call registerLambdaContext(context) per invocation so an in-progress record expires with a timeout. */
  readonly config: IdempotencyConfig;
}

export function createIdempotency(options: IdempotencyOptions): Idempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: options.tableName,
    awsSdkV3Client: options.client,
  });
  const config = new IdempotencyConfig({ expiresAfterSeconds: options.expiresAfterSeconds });
  const idempotent = makeIdempotent(
    async (
      _key: { bucket: string; key: string; version: string; config: string },
      work: () => Promise<ObjectOutcome>,
    ) => work(),
    { persistenceStore, config, dataIndexArgument: 0 },
  );
  const once: OnceFn = async (key, work) => {
    try {
      return (await idempotent({ ...key }, work)) as ObjectOutcome;
    } catch (err) {
      if (err instanceof IdempotencyAlreadyInProgressError) {
        // Another invocation holds this object version right now; come back later.
        throw new TransientObjectError(
          s3Uri(key.bucket, key.key),
          "another invocation is scanning this object version",
          {
            cause: err,
          },
        );
      }
      throw err;
    }
  };
  return { once, config };
}
