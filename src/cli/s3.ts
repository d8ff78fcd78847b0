/**
 * `s3://bucket/prefix` inputs: list (ListObjectsV2, paginated) and open (GetObject, streamed).
 * The client uses the SDK's default configuration (AWS_REGION, AWS_ENDPOINT_URL[_S3], the
 * credential chain); `S3_FORCE_PATH_STYLE=true` turns on path-style addressing, which local
 * S3-compatible servers need.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { s3ErrorReason, s3Uri } from "../aws/s3.ts";
import { unquote } from "../aws/triggers.ts";

// One formatting of S3 URIs and error reasons for the CLI and the Lambda.
export { s3ErrorReason, s3Uri };

export interface S3Location {
  readonly bucket: string;
  /** "" for the whole bucket. */
  readonly prefix: string;
}

/** Bucket names per S3's rules (3-63 of a-z, 0-9, '.', '-'); a malformed name is a usage error. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function isS3Uri(input: string): boolean {
  return input.startsWith("s3://");
}

/** Parses `s3://bucket[/prefix]`; throws a message naming the input and the form expected. */
export function parseS3Uri(input: string): S3Location {
  const rest = input.slice("s3://".length);
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) {
    throw new Error(
      `${JSON.stringify(input)} is not an S3 URI: expected s3://bucket/prefix with a bucket name of 3-63 lower-case letters, digits, '.' or '-'`,
    );
  }
  return { bucket, prefix };
}

export function createS3Client(env: Readonly<Record<string, string | undefined>>): S3Client {
  return new S3Client({ forcePathStyle: env["S3_FORCE_PATH_STYLE"]?.trim().toLowerCase() === "true" });
}

export interface S3ObjectInfo {
  readonly key: string;
  readonly size?: number;
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
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({
        Bucket: loc.bucket,
        ...(loc.prefix === "" ? {} : { Prefix: loc.prefix }),
        ...(token === undefined ? {} : { ContinuationToken: token }),
        ...(maxKeys === undefined ? {} : { MaxKeys: maxKeys }),
      }),
      signal === undefined ? {} : { abortSignal: signal },
    );
    for (const o of page.Contents ?? []) {
      if (o.Key === undefined) continue;
      if (o.Key.endsWith("/") && (o.Size ?? 0) === 0) continue;
      yield {
        key: o.Key,
        ...(typeof o.Size === "number" ? { size: o.Size } : {}),
        ...(typeof o.ETag === "string" ? { eTag: unquote(o.ETag) } : {}),
      };
    }
    token = page.IsTruncated === true ? page.NextContinuationToken : undefined;
  } while (token !== undefined);
}

export interface OpenedS3Object {
  readonly body: AsyncIterable<Uint8Array>;
  /** VersionId when versioning is on, else the ETag: what makes alert ids change when the object does. */
  readonly version?: string;
}

export async function openS3Object(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<OpenedS3Object> {
  const out = await s3.send(
    new GetObjectCommand({ Bucket: bucket, Key: key }),
    signal === undefined ? {} : { abortSignal: signal },
  );
  if (out.Body === undefined) throw new Error("GetObject returned no body");
  const version =
    typeof out.VersionId === "string" && out.VersionId !== "null"
      ? out.VersionId
      : typeof out.ETag === "string"
        ? unquote(out.ETag)
        : undefined;
  return {
    body: out.Body as AsyncIterable<Uint8Array>,
    ...(version === undefined ? {} : { version }),
  };
}
