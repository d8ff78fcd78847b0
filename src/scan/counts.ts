/** One object's record counters: bad records are values (counted, the first few sampled), not exceptions. */

/** Malformed and skipped records whose ordinals are reported. */
export const SAMPLE_LIMIT = 10;

export class ScanCounts {
  /** Records framed so far (the ordinal of the last one). */
  records = 0;
  malformed = 0;
  skipped = 0;
  alerts = 0;
  readonly malformedSamples: { record: number; reason: string }[] = [];
  readonly skippedSamples: { record: number; bytes: number }[] = [];

  bad(ordinal: number, reason: string): void {
    this.malformed++;
    if (this.malformedSamples.length < SAMPLE_LIMIT) this.malformedSamples.push({ record: ordinal, reason });
  }

  skip(ordinal: number, bytes: number): void {
    this.skipped++;
    if (this.skippedSamples.length < SAMPLE_LIMIT) this.skippedSamples.push({ record: ordinal, bytes });
  }
}
