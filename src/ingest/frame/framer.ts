/**
 * Decompressed bytes -> raw record bytes, whatever the layout (docs/reader.md, Layouts):
 * NDJSON, concatenated JSON (Firehose `}{`), a top-level array, a `{"Records":[...]}` wrapper,
 * Elasticsearch export lines and search responses (`hits.hits[]`), CloudWatch Logs subscription
 * payloads (`messageType` / `logEvents[]`).
 *
 * Two scanners share one record buffer: LINES (lines.ts) for NDJSON and STRUCT (json-scanner.ts)
 * for every other layout. The layout is decided from the first value: `[` -> array; an object
 * whose `Records`, `hits.hits` or (after `messageType`) `logEvents` value is an array -> that
 * wrapper; a one-line object followed by a newline -> NDJSON (LINES from then on); otherwise
 * concatenated values.
 *
 * Bounded memory: a record is buffered only while it is at most `maxRecordBytes` long; a longer
 * one is discarded as it streams by (only its length is kept) and reported through `oversize`.
 * Handlers are called synchronously and must not keep `buf` beyond the call.
 */
import { JsonScanner, Mode } from "./json-scanner.ts";
import { LineSplitter } from "./lines.ts";
import { type FrameHandler, isWs, RecordKind } from "./types.ts";

const LBRACE = 123;
const LBRACK = 91;
const BOM = [0xef, 0xbb, 0xbf] as const;

export class Framer extends JsonScanner {
  private bomSeen = 0;
  private readonly lines: LineSplitter;

  constructor(handler: FrameHandler, maxRecordBytes: number, detect = true, probe = detect) {
    super(handler, maxRecordBytes, detect, probe);
    this.lines = new LineSplitter(handler, this.rb, (b, s, e) => {
      // A line holding `}{`, possibly inside a string: let the structural scanner split it.
      const sub = new Framer(handler, maxRecordBytes, false);
      sub.write(b.subarray(s, e));
      sub.end();
    });
    if (!detect) this.mode = Mode.Struct;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    switch (this.mode) {
      case Mode.Start:
        this.startWrite(chunk, 0);
        return;
      case Mode.Lines:
        this.lines.write(chunk, 0);
        return;
      case Mode.Struct:
        this.structWrite(chunk, 0);
        return;
      case Mode.Delegate:
        this.sub!.write(chunk);
        this.framing = this.sub!.framing;
        return;
    }
  }

  /** The stream ended: emit a last record without its newline (or a truncated one: malformed). */
  end(): void {
    if (this.mode === Mode.Delegate) {
      this.sub!.end();
      this.framing = this.sub!.framing;
      return;
    }
    if (this.held !== null) {
      // Nothing but whitespace after the first value: it is the wrapper of the whole object.
      this.replayHeld();
      return;
    }
    if (this.probing) {
      // The object ended inside the probed first value (truncated): read what there is as before.
      this.probing = false;
      const prefix = this.rb.len > 0 ? this.rb.take() : Buffer.alloc(0);
      this.dropCut();
      this.startDelegate(prefix);
      this.sub!.end();
      this.framing = this.sub!.framing;
      return;
    }
    if (this.mode === Mode.Start) {
      if (this.bomSeen > 0 && this.bomSeen < 3) {
        // A partial BOM and nothing else: garbage.
        const b = Buffer.from(BOM.slice(0, this.bomSeen));
        this.framing = "ndjson";
        this.handler.record(b, 0, b.length, RecordKind.Plain);
      }
      return;
    }
    if (this.mode === Mode.Lines) {
      this.lines.end();
      return;
    }
    this.structEnd();
  }

  protected override toLines(b: Buffer, i: number): void {
    this.mode = Mode.Lines;
    this.lines.write(b, i);
  }

  protected override startDelegate(prefix: Buffer): void {
    this.probing = false;
    this.mode = Mode.Delegate;
    this.sub = new Framer(this.handler, this.rb.max, true, false);
    this.sub.write(prefix);
    this.framing = this.sub.framing;
  }

  protected override replayHeld(): void {
    const held = this.held!;
    this.held = null;
    const sub = new Framer(this.handler, this.rb.max, true, false);
    sub.write(held);
    sub.end();
    this.framing = sub.framing;
  }

  /** BOM, leading whitespace, then pick a scanner. */
  private startWrite(b: Buffer, from: number): void {
    let i = from;
    const n = b.length;
    while (i < n && this.bomSeen < 3) {
      if (b[i] === BOM[this.bomSeen]) {
        this.bomSeen++;
        i++;
        continue;
      }
      if (this.bomSeen > 0) {
        // Not a BOM after all: those bytes are data (garbage), start a line with them.
        this.rb.push(Buffer.from(BOM.slice(0, this.bomSeen)));
        this.mode = Mode.Lines;
        this.framing = "ndjson";
        this.lines.write(b, i);
        return;
      }
      this.bomSeen = 3;
    }
    while (i < n && isWs(b[i]!)) i++;
    if (i >= n) return;
    const c = b[i]!;
    if (c === LBRACE || c === LBRACK) {
      this.mode = Mode.Struct;
      this.structWrite(b, i);
    } else {
      this.mode = Mode.Lines;
      this.framing = "ndjson";
      this.lines.write(b, i);
    }
  }
}
