/**
 * Every alert of an object, kept durably: one NDJSON object per scanned object and rule under
 * `<prefix>rule=<rule id>/dt=<YYYY-MM-DD>/<digest of the object and version>.ndjson` in the
 * alerts bucket (KMS-encrypted by the bucket's default encryption). Messages list at most
 * MAX_HITS_PER_RULE hits; this copy has them all, whatever their number, and Athena reads it
 * (partitions rule and dt). The key is deterministic (dt is the object version's LastModified
 * date), so a rescan overwrites the copy instead of adding a second one.
 *
 * Written as the scan goes: each rule's lines are collected up to one part (8 MiB) and uploaded
 * as a multipart upload part, so memory holds at most a part per rule plus what the
 * backpressure bound lets queue. An object with less than a part per rule is one PutObject.
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { type Alert, digest } from "../alerts/index.ts";
import { s3ErrorReason, s3Uri, TransientObjectError } from "../s3/index.ts";
import type { Backpressure } from "./backpressure.ts";
import { DEFAULT_ALERTS_PREFIX } from "./env.ts";

/** S3's smallest multipart part (but the last) is 5 MiB; 8 MiB keeps requests few. */
export const ALERT_PART_BYTES = 8 * 1024 * 1024;

export interface AlertArchiveOptions {
  readonly s3: S3Client;
  readonly bucket: string;
  /** Key prefix, ending in "/" (default "alerts/"). */
  readonly prefix?: string;
  readonly object: { readonly uri: string; readonly version?: string };
  /** The scanned object's LastModified (the partition date); absent = the date of `now()`. */
  readonly objectDate?: Date;
  readonly pressure?: Backpressure;
  /** For tests: smaller parts (S3 still needs 5 MiB but for the last). */
  readonly partBytes?: number;
  readonly now?: () => Date;
}

interface RuleFile {
  readonly key: string;
  lines: string[];
  bytes: number;
  /** A part was queued: the copy is a multipart upload. */
  multipart: boolean;
  /** Set inside the upload chain (which runs one request at a time, in order). */
  uploadId?: string | undefined;
  parts: { ETag: string; PartNumber: number }[];
  queuedParts: number;
  alerts: number;
}

/** Rule ids become one path segment: anything but [A-Za-z0-9._-] would need escaping in Athena. */
function ruleSegment(ruleId: string): string {
  return /^[A-Za-z0-9._-]{1,128}$/.test(ruleId) ? ruleId : `h-${digest([ruleId], 32)}`;
}

export function alertArchiveKey(
  prefix: string,
  ruleId: string,
  date: Date,
  object: { readonly uri: string; readonly version?: string },
): string {
  const dt = date.toISOString().slice(0, 10);
  return `${prefix}rule=${ruleSegment(ruleId)}/dt=${dt}/${digest([object.uri, object.version ?? ""], 32)}.ndjson`;
}

export class AlertArchive {
  private readonly files = new Map<string, RuleFile>();
  private readonly prefix: string;
  private readonly date: Date;
  private readonly partBytes: number;
  private chain: Promise<void> = Promise.resolve();
  private error: unknown;

  constructor(private readonly options: AlertArchiveOptions) {
    this.prefix = options.prefix ?? DEFAULT_ALERTS_PREFIX;
    this.date = options.objectDate ?? (options.now ?? (() => new Date()))();
    this.partBytes = options.partBytes ?? ALERT_PART_BYTES;
  }

  /** Where every hit of this rule is (also before the copy is complete). */
  location(ruleId: string): string {
    return s3Uri(this.options.bucket, this.fileOf(ruleId).key);
  }

  /** The scan's onAlert: never throws (a failed upload is reported by finish()). */
  add(alert: Alert): void {
    const f = this.fileOf(alert.rule.id);
    const line = `${JSON.stringify(alert)}\n`;
    f.lines.push(line);
    f.bytes += Buffer.byteLength(line);
    f.alerts++;
    if (f.bytes >= this.partBytes) this.uploadPart(f);
  }

  /** Writes what is left and completes every copy; throws TransientObjectError if S3 failed. */
  async finish(): Promise<{ readonly objects: number; readonly alerts: number }> {
    let alerts = 0;
    for (const f of this.files.values()) {
      alerts += f.alerts;
      if (!f.multipart) this.putWhole(f);
      else {
        if (f.lines.length > 0) this.uploadPart(f);
        this.complete(f);
      }
    }
    await this.chain;
    if (this.error !== undefined) throw this.error;
    return { objects: this.files.size, alerts };
  }

  /** The scan broke: abandons the uploads begun (the retry writes every copy again). */
  async abandon(): Promise<void> {
    await this.chain;
    const o = this.options;
    await Promise.all(
      [...this.files.values()].map(async (f) => {
        const UploadId = f.uploadId;
        if (UploadId === undefined) return;
        try {
          await o.s3.send(new AbortMultipartUploadCommand({ Bucket: o.bucket, Key: f.key, UploadId }));
        } catch {
          // The bucket's lifecycle rule removes incomplete uploads after a day.
        }
      }),
    );
  }

  private fileOf(ruleId: string): RuleFile {
    let f = this.files.get(ruleId);
    if (f === undefined) {
      f = {
        key: alertArchiveKey(this.prefix, ruleId, this.date, this.options.object),
        lines: [],
        bytes: 0,
        multipart: false,
        parts: [],
        queuedParts: 0,
        alerts: 0,
      };
      this.files.set(ruleId, f);
    }
    return f;
  }

  private take(f: RuleFile): Buffer {
    const body = Buffer.from(f.lines.join(""));
    f.lines = [];
    f.bytes = 0;
    return body;
  }

  private run(what: string, key: string, bytes: number, work: () => Promise<void>): void {
    const o = this.options;
    o.pressure?.queue(bytes);
    this.chain = this.chain.then(async () => {
      try {
        if (this.error === undefined) await work();
      } catch (err) {
        this.error = new TransientObjectError(
          s3Uri(o.bucket, key),
          `cannot write the alert copy (${what}): ${s3ErrorReason(err)}`,
          { cause: err },
        );
      } finally {
        o.pressure?.sent(bytes);
      }
    });
  }

  private uploadPart(f: RuleFile): void {
    const o = this.options;
    const body = this.take(f);
    f.multipart = true;
    const PartNumber = ++f.queuedParts;
    this.run("part", f.key, body.length, async () => {
      if (f.uploadId === undefined) {
        const created = await o.s3.send(
          new CreateMultipartUploadCommand({
            Bucket: o.bucket,
            Key: f.key,
            ContentType: "application/x-ndjson",
          }),
        );
        if (created.UploadId === undefined) throw new Error("CreateMultipartUpload returned no UploadId");
        f.uploadId = created.UploadId;
      }
      const out = await o.s3.send(
        new UploadPartCommand({ Bucket: o.bucket, Key: f.key, UploadId: f.uploadId, PartNumber, Body: body }),
      );
      f.parts.push({ ETag: out.ETag ?? "", PartNumber });
    });
  }

  private complete(f: RuleFile): void {
    const o = this.options;
    this.run("complete", f.key, 0, async () => {
      await o.s3.send(
        new CompleteMultipartUploadCommand({
          Bucket: o.bucket,
          Key: f.key,
          UploadId: f.uploadId,
          MultipartUpload: { Parts: f.parts },
        }),
      );
      f.uploadId = undefined;
    });
  }

  private putWhole(f: RuleFile): void {
    const o = this.options;
    const body = this.take(f);
    this.run("put", f.key, body.length, async () => {
      await o.s3.send(
        new PutObjectCommand({
          Bucket: o.bucket,
          Key: f.key,
          Body: body,
          ContentType: "application/x-ndjson",
        }),
      );
    });
  }
}
