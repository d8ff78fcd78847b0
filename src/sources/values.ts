/**
 * Small helpers the source mappings share for shaping values into a view (reading them goes
 * through src/document: own properties only, dotted, nested and mixed forms equivalent).
 */
/** One value as a string, several as a string array, none as undefined (a view never holds `[]`). */
export function shape(values: readonly string[]): string | string[] | undefined {
  if (values.length === 0) return undefined;
  if (values.length === 1) return values[0];
  return [...values];
}

/**
 * The part of a path after the last `\`, or after the last `/` when there is no `\` (the rule
 * Elastic's SentinelOne pipeline applies; also the Endgame fallback). Empty when the path ends
 * with a separator, in which case there is no name.
 */
export function basename(path: string): string {
  const back = path.lastIndexOf("\\");
  const cut = back >= 0 ? back : path.lastIndexOf("/");
  return cut >= 0 ? path.slice(cut + 1) : path;
}

/** A pid as a number when it is a plain non-negative integer, else the string as given. */
export function toPid(value: string): number | string {
  if (/^\d{1,15}$/.test(value)) return Number(value);
  return value;
}

/** Epoch milliseconds (number or digit string) to ISO 8601, or undefined when out of range. */
export function epochMsToIso(value: string): string | undefined {
  // Number() alone would also accept "", " ", "0x10" and "1e3"; event.time is plain digits.
  const c = value.charCodeAt(0);
  if (!(c >= 48 && c <= 57) && c !== 45) return undefined;
  const ms = Number(value);
  // Date's range is +-8.64e15 ms; outside it toISOString throws.
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15 || !/^-?\d+(\.\d+)?$/.test(value)) return undefined;
  return new Date(ms).toISOString();
}
