/**
 * Keys and ETags as the S3 APIs spell them. Notifications form-URL-encode keys (`+` is a space);
 * listings and GetObject give them verbatim. ETags come quoted from the APIs and bare in
 * notifications. Decoding happens exactly once, here, so an alert names the real object.
 */

export class S3KeyError extends Error {
  override readonly name = "S3KeyError";
}

/** Decodes an S3 notification key (form-URL-encoding, where `+` is a space). */
export function decodeNotificationKey(encoded: string): string {
  try {
    return decodeURIComponent(encoded.replace(/\+/g, " "));
  } catch {
    const shown = JSON.stringify(encoded.length > 80 ? `${encoded.slice(0, 80)}…` : encoded);
    throw new S3KeyError(
      `S3 notification object key is not valid form-URL-encoding (a stray "%"?): ${shown}`,
    );
  }
}

/** S3 APIs quote ETags, notifications do not: one form everywhere keeps alert ids stable. */
export function unquote(eTag: string): string {
  return eTag.replace(/^"(.*)"$/, "$1");
}
