/** One object's record counters: bad records are values (counted, the first few sampled), not exceptions. */

/** Malformed and skipped records whose ordinals are reported. */
export const SAMPLE_LIMIT = 10;

/** The key for records whose index is not known (every rule applies to them). */
export const UNKNOWN_INDEX = "(index unknown)";
/** The key that collects the records of indices beyond MAX_INDICES. */
export const OTHER_INDICES = "(other indices)";
const MAX_INDICES = 256;

export class ScanCounts {
  /** Records framed so far (the ordinal of the last one). */
  records = 0;
  malformed = 0;
  skipped = 0;
  alerts = 0;
  readonly malformedSamples: { record: number; reason: string }[] = [];
  readonly skippedSamples: { record: number; bytes: number }[] = [];
  /** Records evaluated per index (the prefilter's skips have no view, so no index). */
  readonly byIndex = new Map<string, number>();

  indexed(index: string | undefined): void {
    let key = index ?? UNKNOWN_INDEX;
    // Index names come from records: a hostile object cannot grow this map without bound.
    if (!this.byIndex.has(key) && this.byIndex.size >= MAX_INDICES) key = OTHER_INDICES;
    this.byIndex.set(key, (this.byIndex.get(key) ?? 0) + 1);
  }

  bad(ordinal: number, reason: string): void {
    this.malformed++;
    if (this.malformedSamples.length < SAMPLE_LIMIT) this.malformedSamples.push({ record: ordinal, reason });
  }

  skip(ordinal: number, bytes: number): void {
    this.skipped++;
    if (this.skippedSamples.length < SAMPLE_LIMIT) this.skippedSamples.push({ record: ordinal, bytes });
  }
}
