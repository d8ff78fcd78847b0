/**
 * The bytes of one record that spans chunks, bounded by maxRecordBytes: past the limit the record
 * is discarded as it streams by and only its length is kept (docs/reader.md, Limits).
 */
export class RecordBuffer {
  parts: Buffer[] = [];
  len = 0;
  /** The current record went over the limit: its bytes are counted, not kept. */
  discarding = false;
  discardLen = 0;

  constructor(readonly max: number) {}

  /** Appends a view (the caller knows the chunk outlives the record's use). */
  push(b: Buffer): void {
    this.parts.push(b);
    this.len += b.length;
  }

  /**
   * Keeps `b[from, to)` of a chunk the caller may reuse once write() returns: a copy (only the
   * unfinished record, at most maxRecordBytes, is ever copied). Returns false, and starts
   * discarding instead, when the record would go over the limit.
   */
  keepCopy(b: Buffer, from: number, to: number): boolean {
    const n = to - from;
    if (this.len + n > this.max) {
      this.discarding = true;
      this.discardLen = this.len + n;
      this.parts = [];
      this.len = 0;
      return false;
    }
    this.parts.push(Buffer.from(b.subarray(from, to)));
    this.len += n;
    return true;
  }

  /** The kept bytes as one Buffer; the buffer is empty afterwards. */
  take(): Buffer {
    const rec = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.len);
    this.parts = [];
    this.len = 0;
    return rec;
  }

  /** Drops the kept bytes (and any discard in progress). */
  clear(): void {
    this.parts = [];
    this.len = 0;
    this.discarding = false;
    this.discardLen = 0;
  }

  /** Ends a discard: the length of the record that was skipped. */
  endDiscard(): number {
    const n = this.discardLen;
    this.discarding = false;
    this.discardLen = 0;
    return n;
  }
}
