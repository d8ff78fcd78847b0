/** `s3://bucket/key` URIs: the one spelling of an object's name in alerts, logs and CLI inputs. */

export interface S3Location {
  readonly bucket: string;
  /** "" for the whole bucket. */
  readonly prefix: string;
}

export class S3UriError extends Error {
  override readonly name = "S3UriError";
}

/** Bucket names per S3's rules (3-63 of a-z, 0-9, '.', '-'); a malformed name is a usage error. */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export function s3Uri(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}

export const S3_URI_PREFIX = "s3://";

export function isS3Uri(input: string): boolean {
  return input.startsWith("s3://");
}

/** Parses `s3://bucket[/prefix]`; throws S3UriError naming the input and the form expected. */
export function parseS3Uri(input: string): S3Location {
  const rest = input.startsWith("s3://") ? input.slice("s3://".length) : "";
  const slash = rest.indexOf("/");
  const bucket = slash < 0 ? rest : rest.slice(0, slash);
  const prefix = slash < 0 ? "" : rest.slice(slash + 1);
  if (!BUCKET.test(bucket)) {
    throw new S3UriError(
      `${JSON.stringify(input)} is not an S3 URI: expected s3://bucket/prefix with a bucket name of 3-63 lower-case letters, digits, '.' or '-'`,
    );
  }
  return { bucket, prefix };
}
