/**
 * S3 for both edges (the CLI and the Lambda): object streams, listing, `s3://` URIs, key
 * decoding and the one AWS SDK error formatter. Imports none of our other folders.
 */
export {
  createS3Client,
  parseForcePathStyle,
  S3_FORCE_PATH_STYLE_ENV,
  type S3ClientOptions,
} from "./client.ts";
export {
  isPermanentS3Error,
  PermanentObjectError,
  s3ErrorReason,
  sdkErrorReason,
  TransientObjectError,
} from "./errors.ts";
export { decodeNotificationKey, S3KeyError, unquote } from "./keys.ts";
export { listObjects, type S3ObjectInfo } from "./list.ts";
export { type ObjectAddress, type OpenedObject, objectVersion, openObject } from "./object.ts";
export { isS3Uri, parseS3Uri, S3_URI_PREFIX, type S3Location, S3UriError, s3Uri } from "./uri.ts";
