/**
 * LINES, the fast path for NDJSON: records are cut at `Buffer.indexOf(10)` (a native search; the
 * whole NDJSON scan costs about as much as counting newlines, docs/performance.md). A line that
 * holds two glued values (Firehose writes `}{`) is handed to the structural scanner.
 */
import type { RecordBuffer } from "./record-buffer.ts";
import { type FrameHandler, isWs, LF, RecordKind } from "./types.ts";

/** Two glued values on one NDJSON line (Firehose writes `}{`); such a line is split structurally. */
const GLUE = Buffer.from("}{");

export class LineSplitter {
  constructor(
    private readonly handler: FrameHandler,
    private readonly rb: RecordBuffer,
    /** Splits one line holding `}{` (possibly inside a string) with the structural scanner. */
    private readonly splitGlued: (b: Buffer, s: number, e: number) => void,
  ) {}

  write(b: Buffer, from: number): void {
    const rb = this.rb;
    const max = rb.max;
    let pos = from;
    const n = b.length;
    if (rb.discarding) {
      const nl = b.indexOf(LF, pos);
      if (nl < 0) {
        rb.discardLen += n - pos;
        return;
      }
      rb.discardLen += nl - pos;
      this.handler.oversize(rb.endDiscard(), RecordKind.Plain);
      pos = nl + 1;
    } else if (rb.len > 0) {
      const nl = b.indexOf(LF, pos);
      if (nl < 0) {
        rb.keepCopy(b, pos, n);
        return;
      }
      if (rb.len + (nl - pos) > max) {
        const len = rb.len + (nl - pos);
        rb.clear();
        this.handler.oversize(len, RecordKind.Plain);
      } else {
        rb.push(b.subarray(pos, nl));
        const line = rb.take();
        this.emitLine(line, 0, line.length, true);
      }
      pos = nl + 1;
    }
    let glue = pos < n ? b.indexOf(GLUE, pos) : -1;
    for (;;) {
      const nl = b.indexOf(LF, pos);
      if (nl < 0) break;
      // A line over the limit is skipped whole, glued values or not, as it is when it spans
      // chunks (where its bytes are dropped before it could be split).
      if (nl - pos > max) {
        this.handler.oversize(nl - pos, RecordKind.Plain);
      } else if (glue >= 0 && glue < nl) {
        this.emitGlued(b, pos, nl);
      } else {
        this.emitLine(b, pos, nl, false);
      }
      if (glue >= 0 && glue < nl) glue = b.indexOf(GLUE, nl);
      pos = nl + 1;
    }
    if (pos < n) rb.keepCopy(b, pos, n);
  }

  /** The stream ended: emit a last line without its newline. */
  end(): void {
    const rb = this.rb;
    if (rb.discarding) this.handler.oversize(rb.endDiscard(), RecordKind.Plain);
    else if (rb.len > 0) {
      const line = rb.take();
      this.emitLine(line, 0, line.length, true);
    }
  }

  /** `checkGlue`: search the line for `}{` (the chunk loop already did, for lines inside a chunk). */
  private emitLine(b: Buffer, s: number, e: number, checkGlue: boolean): void {
    while (s < e && isWs(b[s]!)) s++;
    while (e > s && isWs(b[e - 1]!)) e--;
    if (s === e) return; // blank line: not a record
    if (checkGlue) {
      const glue = b.indexOf(GLUE, s);
      if (glue >= 0 && glue < e) {
        this.emitGlued(b, s, e);
        return;
      }
    }
    this.handler.record(b, s, e, RecordKind.Plain);
  }

  private emitGlued(b: Buffer, s: number, e: number): void {
    this.splitGlued(b, s, e);
  }
}
