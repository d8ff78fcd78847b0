/**
 * Alert suppression across objects and invocations: one small DynamoDB item per rule and group
 * (docs/lambda.md, "Suppression"). Concurrent invocations agree through conditional writes: the
 * one whose write opens the window sends the alert; every other alert of the group inside the
 * window only increments the item's counter. Items expire (TTL) one window after they close.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { digest } from "../alerts/index.ts";
import type { SuppressionStore } from "../rules/index.ts";

export interface DynamoSuppressionStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Partition key attribute name (default "id", as the idempotency table uses). */
  readonly keyAttribute?: string;
}

/** Windows without an end (suppression per execution) are kept for a day in the table. */
const OPEN_ENDED_TTL_MS = 24 * 3_600_000;

export class DynamoSuppressionStore implements SuppressionStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly key: string;

  constructor(options: DynamoSuppressionStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client);
    this.table = options.tableName;
    this.key = options.keyAttribute ?? "id";
  }

  async claim(
    ruleId: string,
    group: string,
    atMs: number,
    windowMs: number,
  ): Promise<"first" | "suppressed"> {
    // Group values are attacker-written and unbounded: the key is a digest of them.
    const id = `suppression#${ruleId}#${digest([group])}`;
    const end = Number.isFinite(windowMs) ? atMs + windowMs : atMs + OPEN_ENDED_TTL_MS;
    const ttl = Math.ceil((end + (Number.isFinite(windowMs) ? windowMs : 0)) / 1000);
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { [this.key]: id },
          UpdateExpression: "SET windowStart = :at, windowEnd = :end, suppressed = :zero, expiration = :ttl",
          // A new window opens when there is none, or when the event lies outside the open one
          // (one duration either side of the alert that opened it: objects arrive in any order).
          ConditionExpression: "attribute_not_exists(#k) OR windowEnd <= :at OR windowStart >= :atPlusWindow",
          ExpressionAttributeNames: { "#k": this.key },
          ExpressionAttributeValues: {
            ":at": atMs,
            ":atPlusWindow": end,
            ":end": end,
            ":zero": 0,
            ":ttl": ttl,
          },
        }),
      );
      return "first";
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [this.key]: id },
        UpdateExpression: "ADD suppressed :one",
        ExpressionAttributeValues: { ":one": 1 },
      }),
    );
    return "suppressed";
  }
}
