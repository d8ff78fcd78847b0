/** GetObject as a byte stream for scanObject, with failures sorted into permanent and transient. */
import type { Readable } from "node:stream";
import { GetObjectCommand, type GetObjectCommandOutput, type S3Client } from "@aws-sdk/client-s3";
import { isPermanentS3Error, PermanentObjectError, s3ErrorReason, TransientObjectError } from "./errors.ts";
import { unquote } from "./keys.ts";
import { s3Uri } from "./uri.ts";

export interface ObjectAddress {
  readonly bucket: string;
  readonly key: string;
  /** A specific version; absent = the current one. */
  readonly versionId?: string;
}

export interface OpenedObject {
  readonly body: AsyncIterable<Uint8Array> & Readable;
  readonly contentLength?: number;
  /** Without quotes. */
  readonly eTag?: string;
  /** Absent when the bucket is not versioned (S3 reports "null"). */
  readonly versionId?: string;
  /** When this version was written: fixed for the version, so keys derived from it are stable. */
  readonly lastModified?: Date;
}

/**
 * Streams one object. Throws PermanentObjectError when it is gone or archived for good and
 * TransientObjectError for everything else (throttling, 5xx, network, access denied).
 */
export async function openObject(
  s3: S3Client,
  address: ObjectAddress,
  signal?: AbortSignal,
): Promise<OpenedObject> {
  const uri = s3Uri(address.bucket, address.key);
  let out: GetObjectCommandOutput;
  try {
    out = await s3.send(
      new GetObjectCommand({
        Bucket: address.bucket,
        Key: address.key,
        ...(address.versionId === undefined ? {} : { VersionId: address.versionId }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
  } catch (err) {
    const reason = s3ErrorReason(err);
    if (isPermanentS3Error(err)) throw new PermanentObjectError(uri, reason, { cause: err });
    throw new TransientObjectError(uri, reason, { cause: err });
  }
  if (out.Body === undefined || out.Body === null) {
    throw new TransientObjectError(uri, "GetObject returned no body");
  }
  return {
    body: out.Body as AsyncIterable<Uint8Array> & Readable,
    ...(typeof out.ContentLength === "number" ? { contentLength: out.ContentLength } : {}),
    ...(typeof out.ETag === "string" ? { eTag: unquote(out.ETag) } : {}),
    ...(typeof out.VersionId === "string" && out.VersionId !== "null" ? { versionId: out.VersionId } : {}),
    ...(out.LastModified instanceof Date && !Number.isNaN(out.LastModified.getTime())
      ? { lastModified: out.LastModified }
      : {}),
  };
}

/** VersionId when versioning is on, else the ETag: what makes alert ids change when the object does. */
export function objectVersion(o: {
  readonly versionId?: string;
  readonly eTag?: string;
}): string | undefined {
  return o.versionId ?? o.eTag;
}
