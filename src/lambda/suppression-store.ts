/**
 * Alert suppression across objects and invocations: one small DynamoDB item per rule and group
 * (docs/lambda.md, "Suppression"). Concurrent invocations agree through conditional writes: the
 * one whose write opens the window sends the alert; the others learn the window's bounds and
 * decide the rest of their object's alerts of the group locally, adding their count once. Items expire (TTL) one window after they close.
 */
import { ConditionalCheckFailedException, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { digest } from "../alerts/index.ts";
import type { SuppressionClaim, SuppressionStore } from "../rules/index.ts";

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

  private id(ruleId: string, group: string): string {
    // Group values are attacker-written and unbounded: the key is a digest of them.
    return `suppression#${ruleId}#${digest([group])}`;
  }

  async claim(ruleId: string, group: string, atMs: number, windowMs: number): Promise<SuppressionClaim> {
    const id = this.id(ruleId, group);
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
      return { verdict: "first", startMs: atMs, endMs: end };
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const got = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { [this.key]: id }, ConsistentRead: true }),
    );
    const start = Number(got.Item?.windowStart);
    const stop = Number(got.Item?.windowEnd);
    return {
      verdict: "suppressed",
      startMs: Number.isFinite(start) ? start : atMs,
      endMs: Number.isFinite(stop) ? stop : end,
    };
  }

  async addSuppressed(ruleId: string, group: string, n: number): Promise<void> {
    if (n <= 0) return;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { [this.key]: this.id(ruleId, group) },
        UpdateExpression: "ADD suppressed :n",
        ExpressionAttributeValues: { ":n": n },
      }),
    );
  }
}
