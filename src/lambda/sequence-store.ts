/**
 * The sequence state store on DynamoDB (src/scan/sequence-store.ts says how it is used; the
 * table in docs/sequences.md). One table, two kinds of items:
 *
 * - a step event: pk = `s#` + digest(rule id, join key) (key values are attacker-written and
 *   unbounded, so the partition key is a digest), sk = 15-digit epoch ms + `#` + digest(object,
 *   version, record), so a Query over a time range returns the partition's steps in time order
 *   with ties in one fixed order, and a rescan rewrites the same items. Attributes: the object,
 *   version, record, time, the projected event as JSON text (so no DynamoDB type rule can change
 *   a value), and `expiration` (TTL);
 * - an alert claim: pk = `a#` + alert id, sk = `claim`, with owner, lease end and state.
 *
 * TTL: a step item must outlive the latest object that can still complete a sequence with it.
 * Objects arrive late (Firehose buffers, SQS retries over hours, back-scans), so items live for
 * the rule's window plus RETENTION_SLACK_MS after they are written; DynamoDB deletes expired items
 * lazily, and reads bound the time range themselves, so an expired item still present does no harm.
 */
import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  type WriteRequest,
} from "@aws-sdk/client-dynamodb";
import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  QueryCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { digest } from "../alerts/index.ts";
import type { ClaimResult, SequenceStateStore, StoredStep } from "../scan/index.ts";

/** Step items live this long past their window after being written (late and retried objects). */
export const RETENTION_SLACK_MS = 24 * 3_600_000;
/** Claims are kept this long after they are published (redeliveries of the objects). */
const CLAIM_RETENTION_MS = 7 * 86_400_000;
/** BatchWriteItem calls in flight at once per object. */
const WRITE_CONCURRENCY = 8;
/** DynamoDB's item limit is 400 KB; an event larger than this is refused by name. */
export const MAX_EVENT_JSON_BYTES = 350 * 1024;

export interface DynamoSequenceStoreOptions {
  readonly client: DynamoDBClient;
  readonly tableName: string;
  /** The window of a rule (maxspan or look-back), for the items' TTL. */
  readonly windowMs?: (ruleId: string) => number;
  /** Clock for TTLs (tests). */
  readonly now?: () => number;
}

/** A step event that cannot be stored (too large for an item): the object must not pass as done. */
export class SequenceStoreError extends Error {
  override readonly name = "SequenceStoreError";
}

function pad(ms: number): string {
  // 15 digits cover epoch milliseconds until the year 33658; times before 1970 sort as 0.
  return String(Math.max(0, Math.floor(ms))).padStart(15, "0");
}

export class DynamoSequenceStore implements SequenceStateStore {
  private readonly doc: DynamoDBDocumentClient;
  private readonly table: string;
  private readonly windowMs: (ruleId: string) => number;
  private readonly now: () => number;
  /** Items written (each step once per partition, rewrites included): for the cost figures. */
  writes = 0;
  /** Items read by queries. */
  reads = 0;

  constructor(options: DynamoSequenceStoreOptions) {
    this.doc = DynamoDBDocumentClient.from(options.client);
    this.table = options.tableName;
    this.windowMs = options.windowMs ?? (() => 0);
    this.now = options.now ?? Date.now;
  }

  private pk(ruleId: string, partition: string): string {
    return `s#${digest([ruleId, partition])}`;
  }

  async putSteps(steps: readonly StoredStep[]): Promise<void> {
    const now = this.now();
    const requests: WriteRequest[] = [];
    const seen = new Set<string>();
    for (const s of steps) {
      const event = JSON.stringify(s.event);
      if (Buffer.byteLength(event) > MAX_EVENT_JSON_BYTES) {
        throw new SequenceStoreError(
          `${s.uri} record ${s.record}: a step event of rule ${s.ruleId} is over ${MAX_EVENT_JSON_BYTES} bytes of JSON and cannot be stored`,
        );
      }
      const pk = this.pk(s.ruleId, s.partition);
      const sk = `${pad(s.timestampMs)}#${digest([s.uri, s.version ?? "", s.record])}`;
      // BatchWrite refuses two requests for one item in a batch.
      if (seen.has(`${pk} ${sk}`)) continue;
      seen.add(`${pk} ${sk}`);
      requests.push({
        PutRequest: {
          Item: {
            pk,
            sk,
            uri: s.uri,
            ...(s.version === undefined ? {} : { version: s.version }),
            record: s.record,
            ts: s.timestampMs,
            event,
            expiration: Math.ceil((now + this.windowMs(s.ruleId) + RETENTION_SLACK_MS) / 1000),
          },
        },
      } as unknown as WriteRequest);
    }
    const batches: WriteRequest[][] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    // A few batches in flight at once: a large object writes thousands of them.
    let next = 0;
    const worker = async () => {
      while (next < batches.length) await this.writeBatch(batches[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(WRITE_CONCURRENCY, batches.length) }, worker));
  }

  private async writeBatch(first: WriteRequest[]): Promise<void> {
    let batch = first;
    // Unprocessed items (throttling) are retried with backoff; what still fails throws.
    for (let attempt = 0; batch.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > 8)
          throw new Error(`sequence store: ${batch.length} step items unprocessed after retries`);
        await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt)));
      }
      const out = await this.doc.send(new BatchWriteCommand({ RequestItems: { [this.table]: batch } }));
      const left = (out.UnprocessedItems?.[this.table] ?? []) as WriteRequest[];
      this.writes += batch.length - left.length;
      batch = left;
    }
  }

  async querySteps(
    ruleId: string,
    partition: string,
    fromMs: number,
    toMs: number,
    limit: number,
  ): Promise<StoredStep[]> {
    const out: StoredStep[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const r = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk AND sk BETWEEN :from AND :to",
          ExpressionAttributeValues: {
            ":pk": this.pk(ruleId, partition),
            ":from": `${pad(fromMs)}#`,
            ":to": `${pad(toMs)}#~`,
          },
          // Strongly consistent: a step another invocation wrote before this read began is seen.
          ConsistentRead: true,
          Limit: Math.min(1000, limit - out.length),
          ...(start === undefined ? {} : { ExclusiveStartKey: start }),
        }),
      );
      for (const it of r.Items ?? []) {
        out.push({
          ruleId,
          partition,
          timestampMs: Number(it.ts),
          uri: String(it.uri),
          ...(typeof it.version === "string" ? { version: it.version } : {}),
          record: Number(it.record),
          event: JSON.parse(String(it.event)) as Record<string, unknown>,
        });
      }
      start = r.LastEvaluatedKey;
    } while (start !== undefined && out.length < limit);
    this.reads += out.length;
    return out;
  }

  async claimAlert(id: string, owner: string, nowMs: number, leaseMs: number): Promise<ClaimResult> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `a#${id}`, sk: "claim" },
          UpdateExpression: "SET #o = :owner, leaseUntil = :until, #s = :leased, expiration = :ttl",
          // Free, expired, or ours (a retry of the same object) - and never once published.
          ConditionExpression:
            "attribute_not_exists(pk) OR (#s = :leased AND (#o = :owner OR leaseUntil < :now))",
          ExpressionAttributeNames: { "#o": "owner", "#s": "state" },
          ExpressionAttributeValues: {
            ":owner": owner,
            ":until": nowMs + leaseMs,
            ":leased": "leased",
            ":now": nowMs,
            ":ttl": Math.ceil((nowMs + CLAIM_RETENTION_MS) / 1000),
          },
        }),
      );
      return "claimed";
    } catch (e) {
      if (!(e instanceof ConditionalCheckFailedException)) throw e;
    }
    const r = await this.doc.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND sk = :sk",
        ExpressionAttributeValues: { ":pk": `a#${id}`, ":sk": "claim" },
        ConsistentRead: true,
      }),
    );
    return r.Items?.[0]?.state === "published" ? "published" : "held";
  }

  async markPublished(id: string, owner: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `a#${id}`, sk: "claim" },
        UpdateExpression: "SET #s = :published, #o = :owner, expiration = :ttl",
        ExpressionAttributeNames: { "#o": "owner", "#s": "state" },
        ExpressionAttributeValues: {
          ":published": "published",
          ":owner": owner,
          ":ttl": Math.ceil((this.now() + CLAIM_RETENTION_MS) / 1000),
        },
      }),
    );
  }
}
