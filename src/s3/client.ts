/**
 * The S3 client for both edges. Region, endpoint and credentials come from the SDK's default
 * chain (AWS_REGION, AWS_ENDPOINT_URL[_S3], ...); path-style addressing is the one setting we add,
 * because local S3-compatible servers need it.
 */
import { S3Client } from "@aws-sdk/client-s3";

/** Environment variable that turns on path-style addressing (CLI and Lambda read the same one). */
export const S3_FORCE_PATH_STYLE_ENV = "S3_FORCE_PATH_STYLE";

/** `true`/`1` -> true, `false`/`0` -> false (any case, trimmed); unset or empty -> undefined; else null. */
export function parseForcePathStyle(value: string | undefined): boolean | undefined | null {
  const v = value?.trim().toLowerCase();
  if (v === undefined || v === "") return undefined;
  if (v === "true" || v === "1") return true;
  if (v === "false" || v === "0") return false;
  return null;
}

export interface S3ClientOptions {
  /** @default false */
  readonly forcePathStyle?: boolean;
}

export function createS3Client(options: S3ClientOptions = {}): S3Client {
  return new S3Client({ forcePathStyle: options.forcePathStyle ?? false });
}
