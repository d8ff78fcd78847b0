/** Listing a prefix with the SDK's paginator, one page at a time. */
import { paginateListObjectsV2, type S3Client } from "@aws-sdk/client-s3";
import { unquote } from "./keys.ts";
import type { S3Location } from "./uri.ts";

export interface S3ObjectInfo {
  readonly key: string;
  readonly size?: number;
  /** Without quotes. */
  readonly eTag?: string;
}

/**
 * Every object under the prefix, in S3's listing order (UTF-8 binary order of keys), one page
 * at a time so a prefix with millions of keys is never held in memory. "Folder" markers (keys
 * ending in `/` with no content) are not objects to scan.
 */
export async function* listObjects(
  s3: S3Client,
  loc: S3Location,
  signal?: AbortSignal,
  /** Keys per page (S3's default and maximum is 1000); smaller only in tests of pagination. */
  maxKeys?: number,
): AsyncGenerator<S3ObjectInfo> {
  const pages = paginateListObjectsV2(
    { client: s3, ...(maxKeys === undefined ? {} : { pageSize: maxKeys }) },
    { Bucket: loc.bucket, ...(loc.prefix === "" ? {} : { Prefix: loc.prefix }) },
    ...(signal === undefined ? [] : [{ abortSignal: signal }]),
  );
  for await (const page of pages) {
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      if (o.Key.endsWith("/") && (o.Size ?? 0) === 0) continue;
      yield {
        key: o.Key,
        ...(typeof o.Size === "number" ? { size: o.Size } : {}),
        ...(typeof o.ETag === "string" ? { eTag: unquote(o.ETag) } : {}),
      };
    }
  }
}
