/**
 * Per-message publish progress of one object version, in the idempotency table: the ids of the
 * messages SNS accepted, so a redelivery after a publish that failed part-way (or a scan that
 * broke after some messages went out) sends only the missing ones. One item per (bucket, key,
 * version, configuration fingerprint), `id` = "publish-progress#<digest>" (Powertools' own items
 * are "<function>#<hash>", so the two never meet), expiring with the idempotency records.
 */
import { type DynamoDBClient, GetItemCommand, UpdateItemCommand } from "@aws-sdk/client-dynamodb";
import { digest } from "../alerts/index.ts";
import type { PublishProgress } from "./publish.ts";

export interface ProgressKey {
  readonly bucket: string;
  readonly key: string;
  readonly version: string;
  readonly config: string;
}

export interface ProgressStore {
  /** Reads what earlier attempts published for this object version (one GetItem). */
  open(key: ProgressKey): Promise<PublishProgress>;
}

export interface DynamoProgressOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** Lifetime of a progress item (the idempotency TTL). */
  readonly expiresAfterSeconds: number;
  /** For tests. */
  readonly now?: () => number;
}

export function progressItemId(key: ProgressKey): string {
  return `publish-progress#${digest([key.bucket, key.key, key.version, key.config])}`;
}

export function createDynamoProgressStore(options: DynamoProgressOptions): ProgressStore {
  const now = options.now ?? Date.now;
  return {
    async open(key) {
      const id = progressItemId(key);
      const out = await options.client.send(
        new GetItemCommand({
          TableName: options.tableName,
          Key: { id: { S: id } },
          ConsistentRead: true,
          ProjectionExpression: "sent",
        }),
      );
      const sent = new Set<string>(out.Item?.["sent"]?.SS ?? []);
      return {
        has: (messageId) => sent.has(messageId),
        async record(ids) {
          const fresh = ids.filter((i) => !sent.has(i));
          if (fresh.length === 0) return;
          await options.client.send(
            new UpdateItemCommand({
              TableName: options.tableName,
              Key: { id: { S: id } },
              UpdateExpression: "ADD sent :ids SET expiration = :exp",
              ExpressionAttributeValues: {
                ":ids": { SS: fresh },
                ":exp": { N: String(Math.floor(now() / 1000) + options.expiresAfterSeconds) },
              },
            }),
          );
          for (const i of fresh) sent.add(i);
        },
      };
    },
  };
}

/** Progress kept in memory (tests, or one process scanning an object twice). */
export function createMemoryProgressStore(): ProgressStore & { readonly items: Map<string, Set<string>> } {
  const items = new Map<string, Set<string>>();
  return {
    items,
    async open(key) {
      const id = progressItemId(key);
      const sent = items.get(id) ?? new Set<string>();
      items.set(id, sent);
      return {
        has: (m) => sent.has(m),
        async record(ids) {
          for (const i of ids) sent.add(i);
        },
      };
    },
  };
}
