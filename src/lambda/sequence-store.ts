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

import { deflateRawSync, inflateRawSync } from "node:zlib";
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

/**
 * The preset dictionary of the step events' compressed JSON (format 1, attribute `ev1`): the
 * spellings of the keys and values nearly every projected step event holds (CONTEXT_FIELDS and
 * the ECS fields the Linux pack reads, Elastic Defend's usual values), so that deflate spends a
 * few bits on each instead of spelling it out. Items written with it must stay readable for as
 * long as they live, so it is frozen: another dictionary is another format (`ev2`).
 */
const DICTIONARY_V1 = Buffer.from(
  [
    '"destination.ip":"destination.port":"source.ip":"source.port":"network.transport":',
    '"network.direction":"dns.question.name":"file.path":"file.name":"file.extension":',
    '"process.working_directory":"process.env_vars":"process.parent.args":',
    '"process.group_leader.name":"process.session_leader.name":"process.entry_leader.entry_meta.type":',
    '"user.effective.id":"group.id":"container.id":"process.user.id":"process.real_user.id":',
    '"event.category":["process","network","file"],"event.type":["start","end","info","creation",',
    '"change","deletion","connection","protocol"],"event.action":"exec","fork","end",',
    '"connection_attempted","connection_accepted","disconnect_received","lookup_requested",',
    '"lookup_result","creation","deletion","modification","rename","event.outcome":"unknown",',
    '"success","failure","data_stream.dataset":"endpoint.events.process","endpoint.events.network",',
    '"endpoint.events.file","host.os.type":"linux","agent.type":"endpoint","event.kind":"event",',
    '"host.name":"host.hostname":"host.ip":["host.id":"user.id":"user.name":"root","user.domain":',
    '"process.hash.sha256":"process.parent.command_line":"process.parent.entity_id":',
    '"process.parent.pid":"process.parent.executable":"/usr/bin/","/usr/sbin/","/bin/bash",',
    '"/bin/sh","/tmp/","process.parent.name":"bash","sh","process.entity_id":"process.pid":',
    '"process.executable":"/usr/bin/","process.command_line":"process.args":["process.name":',
    '"agent.id":"event.id":"@timestamp":"20',
  ].join(""),
  "latin1",
);

/** A step item's attributes (DynamoDB document form). */
export interface StepItem {
  readonly pk: string;
  readonly sk: string;
  readonly uri: string;
  readonly version?: string;
  readonly record: number;
  readonly ts: number;
  /** The projected event: JSON, deflated with DICTIONARY_V1. */
  readonly ev1: Uint8Array;
  readonly expiration: number;
}

/**
 * The item of one step event. The event is stored deflated (format 1): on the bench object a
 * projected step event is ~1,150 bytes of JSON and ~400 deflated, which takes the item under
 * DynamoDB's 1 KB write unit (two units each before) and reads in fewer 4 KB read units.
 * Throws SequenceStoreError for an event over MAX_EVENT_JSON_BYTES of JSON (by name).
 */
export function stepItem(s: StoredStep, pk: string, expiresAtMs: number): StepItem {
  const json = Buffer.from(JSON.stringify(s.event), "utf8");
  if (json.length > MAX_EVENT_JSON_BYTES) {
    throw new SequenceStoreError(
      `${s.uri} record ${s.record}: a step event of rule ${s.ruleId} is over ${MAX_EVENT_JSON_BYTES} bytes of JSON and cannot be stored`,
    );
  }
  return {
    pk,
    sk: `${pad(s.timestampMs)}#${digest([s.uri, s.version ?? "", s.record])}`,
    uri: s.uri,
    ...(s.version === undefined ? {} : { version: s.version }),
    record: s.record,
    ts: s.timestampMs,
    ev1: new Uint8Array(deflateRawSync(json, { dictionary: DICTIONARY_V1 })),
    expiration: Math.ceil(expiresAtMs / 1000),
  };
}

/** The event of a stored item: format 1 (`ev1`), or the JSON text items were first written with (`event`). */
function itemEvent(it: Record<string, unknown>): Record<string, unknown> {
  const z = it.ev1;
  const json =
    z instanceof Uint8Array
      ? inflateRawSync(z, { dictionary: DICTIONARY_V1, maxOutputLength: MAX_EVENT_JSON_BYTES }).toString(
          "utf8",
        )
      : String(it.event);
  return JSON.parse(json) as Record<string, unknown>;
}

/**
 * An item's size as DynamoDB bills it: attribute names plus values (strings in UTF-8, binary
 * as is, numbers about one byte per two significant digits plus one). For the cost figures
 * (test/bench/sequences.ts): one write unit per started 1 KB.
 */
export function dynamoItemBytes(item: object): number {
  let n = 0;
  for (const [k, v] of Object.entries(item)) {
    n += Buffer.byteLength(k, "utf8");
    if (typeof v === "string") n += Buffer.byteLength(v, "utf8");
    else if (typeof v === "number") n += Math.ceil(String(Math.abs(v)).replace(/^0+|\./g, "").length / 2) + 1;
    else if (v instanceof Uint8Array) n += v.length;
  }
  return n;
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
      const item = stepItem(
        s,
        this.pk(s.ruleId, s.partition),
        now + this.windowMs(s.ruleId) + RETENTION_SLACK_MS,
      );
      // BatchWrite refuses two requests for one item in a batch.
      const k = `${item.pk} ${item.sk}`;
      if (seen.has(k)) continue;
      seen.add(k);
      requests.push({ PutRequest: { Item: item } } as unknown as WriteRequest);
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
          event: itemEvent(it),
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
