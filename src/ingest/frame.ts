/**
 * Decompressed bytes -> raw record bytes, whatever the layout (../shared/spec/s3-objects.md):
 * NDJSON, concatenated JSON (Firehose `}{`), a top-level array, a `{"Records":[...]}` wrapper,
 * Elasticsearch export lines and search responses (`hits.hits[]`), CloudWatch Logs subscription
 * payloads (`messageType` / `logEvents[]`).
 *
 * Two scanners share one record accumulator:
 * - LINES, the fast path for NDJSON: records are cut at `Buffer.indexOf(10)` (a native search;
 *   the whole NDJSON scan costs about as much as counting newlines, notes/performance.md);
 * - STRUCT, a byte-level JSON structural scanner (depth, strings, escapes, kept across chunk
 *   boundaries) for every other layout; it cuts out one element at a time, so a 2 GB array or
 *   wrapper is never held, and it only looks at keys at depth 1 (and 2 inside `hits`).
 * The layout is decided from the first value: `[` -> array; an object whose `Records`,
 * `hits.hits` or (after `messageType`) `logEvents` value is an array -> that wrapper; a one-line
 * object followed by a newline -> NDJSON (LINES from then on); otherwise concatenated values.
 *
 * Bounded memory: a record is buffered only while it is at most `maxRecordBytes` long; a longer
 * one is discarded as it streams by (only its length is kept) and reported through `oversize`.
 * Handlers are called synchronously and must not keep `buf` beyond the call.
 */

/** How the scanner must read a record's parsed value. */
export enum RecordKind {
  /** The record itself (an Elasticsearch hit `{_index, _source}` line is unwrapped by the scanner). */
  Plain = 0,
  /** An element of `hits.hits`: the record is its `_source`. */
  EsHit = 1,
  /** An element of CloudWatch Logs `logEvents`: the record is its `message`, parsed as JSON. */
  CwlEvent = 2,
}

export interface FrameHandler {
  /** A complete record's raw bytes are `buf[start, end)` (trimmed of surrounding whitespace). */
  record(buf: Buffer, start: number, end: number, kind: RecordKind): void;
  /** A record longer than maxRecordBytes went by (its bytes were not kept). */
  oversize(bytes: number, kind: RecordKind): void;
}

export type Framing =
  | "empty"
  | "json"
  | "ndjson"
  | "es-export"
  | "concatenated"
  | "json-array"
  | "records-wrapper"
  | "es-hits"
  | "cloudwatch-logs";

const LF = 10;
const CR = 13;
const SP = 32;
const TAB = 9;
const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const COMMA = 44;
const COLON = 58;
const BOM = [0xef, 0xbb, 0xbf] as const;
/** Two glued values on one NDJSON line (Firehose writes `}{`); such a line is split structurally. */
const GLUE = Buffer.from("}{");
const SOURCE_KEY = Buffer.from('"_source"');

enum Mode {
  Start = 0,
  Lines = 1,
  Struct = 2,
  /** Everything goes to `sub` (a first value too long to hold while deciding if it is a wrapper). */
  Delegate = 3,
}

enum Cut {
  None = 0,
  Container = 1,
  Str = 2,
  Scalar = 3,
  /** Bytes at the top level that cannot start a JSON value: one malformed record up to the next LF. */
  Garbage = 4,
}

/** Key-tracking state of an object at depth 1 (the top-level object) or 2 (`hits`). */
enum Key {
  Expect = 0,
  In = 1,
  AfterKey = 2,
  ExpectValue = 3,
  InValue = 4,
}

const CAPTURE_MAX = 16;
// Keys that make a top-level object a wrapper, compared as bytes (no string per key).
const KEY_RECORDS = Buffer.from("Records");
const KEY_HITS = Buffer.from("hits");
const KEY_LOG_EVENTS = Buffer.from("logEvents");
const KEY_MESSAGE_TYPE = Buffer.from("messageType");
const CONTROL_MESSAGE = Buffer.from("CONTROL_MESSAGE");
enum K {
  Other = 0,
  Records = 1,
  Hits = 2,
  LogEvents = 3,
  MessageType = 4,
}
/** messageType of the current top-level object: none seen yet, a data message, a control message. */
enum Msg {
  None = 0,
  Data = 1,
  Control = 2,
}

function capIs(cap: Uint8Array, len: number, k: Buffer): boolean {
  if (len !== k.length) return false;
  for (let i = 0; i < len; i++) if (cap[i] !== k[i]) return false;
  return true;
}

function keyCode(cap: Uint8Array, len: number): K {
  if (capIs(cap, len, KEY_RECORDS)) return K.Records;
  if (capIs(cap, len, KEY_HITS)) return K.Hits;
  if (capIs(cap, len, KEY_LOG_EVENTS)) return K.LogEvents;
  if (capIs(cap, len, KEY_MESSAGE_TYPE)) return K.MessageType;
  return K.Other;
}

/**
 * Top-level keys a wrapper may have besides its array (a CloudTrail file is `{"Records":[...]}`,
 * an Elasticsearch search response has `took`, `_shards`, ...). A first value with any other key
 * that is followed by more values is a record, not a wrapper (see `held`).
 */
const WRAPPER_KEYS = [
  "Records",
  "hits",
  "took",
  "timed_out",
  "_shards",
  "_scroll_id",
  "pit_id",
  "aggregations",
  "terminated_early",
  "_clusters",
  "profile",
  "suggest",
  "max_score",
  "status",
].map((k) => Buffer.from(k));

function isWrapperKey(cap: Uint8Array, len: number): boolean {
  if (len > CAPTURE_MAX) return false;
  for (const k of WRAPPER_KEYS) if (capIs(cap, len, k)) return true;
  return false;
}

function isWs(c: number): boolean {
  return c === SP || c === LF || c === CR || c === TAB;
}

export class Framer {
  /** The layout detected so far ("empty" until the first value). */
  framing: Framing = "empty";

  private readonly handler: FrameHandler;
  private readonly max: number;
  private mode: Mode = Mode.Start;
  private bomSeen = 0;
  /** False in the sub-framer that splits one glued NDJSON line: no layout detection there. */
  private readonly detect: boolean;

  // Record accumulator: bytes of a record that spans chunks, or the length of one being discarded.
  private parts: Buffer[] = [];
  private partsLen = 0;
  private discarding = false;
  private discardLen = 0;

  // STRUCT state.
  private depth = 0;
  private inStr = false;
  private esc = false;
  /** Depth at which values are records; -1 = none (rest of a wrapper after its array). */
  private recDepth = 0;
  private recKind: RecordKind = RecordKind.Plain;
  /** Depth the wrapper's array returns to when it closes. */
  private wrapperDepth = -1;
  private cut: Cut = Cut.None;
  private cutDepth = 0;
  private cutStart = 0;
  /** 0 none, 1 object, 2 array: the current top-level value. */
  private top = 0;
  private key1: Key = Key.Expect;
  private key1Name: K = K.Other;
  private key2: Key = Key.Expect;
  private key2Name: K = K.Other;
  /** Inside the object value of a top-level `hits` key (depth 2). */
  private inHits = false;
  private messageType: Msg = Msg.None;
  /** Capturing a short string (a key, or the messageType value): its bytes; -1 when not capturing. */
  private capLen = -1;
  private capTarget = 0; // 1 key1, 2 key2, 3 messageType
  private readonly cap = new Uint8Array(CAPTURE_MAX);
  // Layout detection after the first value.
  private valuesSeen = 0;
  private firstWasLine = false;
  private afterFirst = false;
  private lfAfterFirst = false;
  private firstHasSource = false;
  private wrapped = false;
  /**
   * The first value has a `Records` or `hits.hits` array: it is a wrapper only if nothing but
   * whitespace follows it (or, in an object of several values, if all its top-level keys are
   * wrapper keys: NDJSON of `{"Records":[...]}` lines); otherwise it is an NDJSON record that
   * happens to have such a key. Until that is known it is held whole (at most maxRecordBytes;
   * a longer one is streamed as a wrapper by `sub`, as before).
   */
  private readonly probe: boolean;
  private probing = false;
  private held: Buffer | null = null;
  private firstForeignKey = false;
  private sub: Framer | null = null;

  constructor(handler: FrameHandler, maxRecordBytes: number, detect = true, probe = detect) {
    this.handler = handler;
    this.max = maxRecordBytes;
    this.detect = detect;
    this.probe = probe;
    if (!detect) this.mode = Mode.Struct;
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    switch (this.mode) {
      case Mode.Start:
        this.startWrite(chunk, 0);
        return;
      case Mode.Lines:
        this.linesWrite(chunk, 0);
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

  /** Hands the rest of the object to a framer that reads a first wrapper as a wrapper. */
  private startDelegate(prefix: Buffer): void {
    this.probing = false;
    this.mode = Mode.Delegate;
    this.sub = new Framer(this.handler, this.max, true, false);
    this.sub.write(prefix);
    this.framing = this.sub.framing;
  }

  /** The held first value was a wrapper after all: read it as one. */
  private replayHeld(): void {
    const held = this.held!;
    this.held = null;
    const sub = new Framer(this.handler, this.max, true, false);
    sub.write(held);
    sub.end();
    this.framing = sub.framing;
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
      const prefix = this.partsLen > 0 ? this.takeParts() : Buffer.alloc(0);
      this.cut = Cut.None;
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
      if (this.discarding) this.finishDiscard(RecordKind.Plain);
      else if (this.partsLen > 0) {
        const line = this.takeParts();
        this.emitLine(line, 0, line.length, true);
      }
      return;
    }
    if (this.framing === "empty" && this.valuesSeen > 0) {
      // One value and nothing after it: a one-line object is NDJSON, anything else one document.
      this.framing = this.afterFirst && this.firstWasLine ? this.firstFraming() : "json";
    }
    if (this.cut !== Cut.None) {
      const kind = this.recKind;
      if (this.discarding) this.finishDiscard(kind);
      else if (this.partsLen > 0) {
        const rec = this.takeParts();
        this.emitTrimmed(rec, 0, rec.length, kind);
      }
      this.cut = Cut.None;
    }
  }

  // ---- START: BOM, leading whitespace, then pick a scanner --------------------------------

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
        this.parts.push(Buffer.from(BOM.slice(0, this.bomSeen)));
        this.partsLen = this.bomSeen;
        this.mode = Mode.Lines;
        this.framing = "ndjson";
        this.linesWrite(b, i);
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
      this.linesWrite(b, i);
    }
  }

  // ---- LINES ------------------------------------------------------------------------------

  private linesWrite(b: Buffer, from: number): void {
    let pos = from;
    const n = b.length;
    if (this.discarding) {
      const nl = b.indexOf(LF, pos);
      if (nl < 0) {
        this.discardLen += n - pos;
        return;
      }
      this.discardLen += nl - pos;
      this.finishDiscard(RecordKind.Plain);
      pos = nl + 1;
    } else if (this.partsLen > 0) {
      const nl = b.indexOf(LF, pos);
      if (nl < 0) {
        this.keep(b, pos, n);
        return;
      }
      if (this.partsLen + (nl - pos) > this.max) {
        this.parts = [];
        const len = this.partsLen + (nl - pos);
        this.partsLen = 0;
        this.handler.oversize(len, RecordKind.Plain);
      } else {
        this.parts.push(b.subarray(pos, nl));
        this.partsLen += nl - pos;
        const line = this.takeParts();
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
      if (nl - pos > this.max) {
        this.handler.oversize(nl - pos, RecordKind.Plain);
      } else if (glue >= 0 && glue < nl) {
        this.emitGlued(b, pos, nl);
      } else {
        this.emitLine(b, pos, nl, false);
      }
      if (glue >= 0 && glue < nl) glue = b.indexOf(GLUE, nl);
      pos = nl + 1;
    }
    if (pos < n) this.keep(b, pos, n);
  }

  /** Keeps the unfinished tail of a record, or switches to discarding once it is too long. */
  private keep(b: Buffer, from: number, to: number): void {
    const len = to - from;
    if (this.probing && this.partsLen + len > this.max) {
      this.parts.push(b.subarray(from, to));
      this.partsLen += len;
      const prefix = this.takeParts();
      this.cut = Cut.None;
      this.startDelegate(prefix);
      return;
    }
    if (this.partsLen + len > this.max) {
      this.discarding = true;
      this.discardLen = this.partsLen + len;
      this.parts = [];
      this.partsLen = 0;
      return;
    }
    // A copy, not a view: the caller may reuse the chunk's memory once write() returns (only
    // the unfinished record, at most maxRecordBytes, is ever copied).
    this.parts.push(Buffer.from(b.subarray(from, to)));
    this.partsLen += len;
  }

  private takeParts(): Buffer {
    const rec = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.partsLen);
    this.parts = [];
    this.partsLen = 0;
    return rec;
  }

  private finishDiscard(kind: RecordKind): void {
    const len = this.discardLen;
    this.discarding = false;
    this.discardLen = 0;
    this.handler.oversize(len, kind);
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

  /** A line holding `}{`, possibly inside a string: let the structural scanner split it. */
  private emitGlued(b: Buffer, s: number, e: number): void {
    const sub = new Framer(this.handler, this.max, false);
    sub.write(b.subarray(s, e));
    sub.end();
  }

  private emitTrimmed(b: Buffer, s: number, e: number, kind: RecordKind): void {
    while (s < e && isWs(b[s]!)) s++;
    while (e > s && isWs(b[e - 1]!)) e--;
    if (s < e) this.handler.record(b, s, e, kind);
  }

  // ---- STRUCT -----------------------------------------------------------------------------

  private startCut(kind: Cut, i: number): void {
    this.cut = kind;
    this.cutDepth = this.depth;
    this.cutStart = i;
  }

  private cancelCut(): void {
    this.cut = Cut.None;
    this.parts = [];
    this.partsLen = 0;
    this.discarding = false;
    this.discardLen = 0;
  }

  private endCut(b: Buffer, end: number): void {
    const kind = this.recKind;
    const wasTop = this.cutDepth === 0 && this.cut === Cut.Container;
    this.cut = Cut.None;
    if (this.discarding) {
      this.discardLen += end - this.cutStart;
      this.finishDiscard(kind);
      return;
    }
    let rec = b;
    let s = this.cutStart;
    let e = end;
    if (this.probing && wasTop) {
      this.probing = false;
      const len = this.partsLen + (end - this.cutStart);
      if (len > this.max) {
        this.parts.push(b.subarray(this.cutStart, end));
        this.partsLen = len;
        this.startDelegate(this.takeParts());
        return;
      }
      if (this.partsLen > 0) {
        this.parts.push(b.subarray(this.cutStart, end));
        this.partsLen = len;
        rec = this.takeParts();
      } else {
        // A copy: the caller may reuse the chunk's memory once write() returns.
        rec = Buffer.from(b.subarray(this.cutStart, end));
      }
      const nl = rec.indexOf(LF);
      this.firstWasLine = nl < 0;
      this.firstHasSource = rec.indexOf(SOURCE_KEY) >= 0;
      this.held = rec;
      return;
    }
    if (this.partsLen > 0) {
      const len = this.partsLen + (end - this.cutStart);
      if (len > this.max) {
        this.parts = [];
        this.partsLen = 0;
        this.handler.oversize(len, kind);
        return;
      }
      this.parts.push(b.subarray(this.cutStart, end));
      this.partsLen = len;
      rec = this.takeParts();
      s = 0;
      e = rec.length;
    } else if (e - s > this.max) {
      this.handler.oversize(e - s, kind);
      return;
    }
    if (wasTop && this.detect && this.valuesSeen === 1) {
      const nl = rec.indexOf(LF, s);
      this.firstWasLine = nl < 0 || nl >= e;
      const src = rec.indexOf(SOURCE_KEY, s);
      this.firstHasSource = src >= 0 && src < e;
    }
    this.emitTrimmed(rec, s, e, kind);
  }

  /** At a chunk's end: keep the unfinished record's bytes (or count them if discarding). */
  private stashCut(b: Buffer): void {
    if (this.cut === Cut.None) return;
    if (this.discarding) this.discardLen += b.length - this.cutStart;
    else this.keep(b, this.cutStart, b.length);
    this.cutStart = 0;
  }

  private firstFraming(): Framing {
    if (!this.firstWasLine) return "concatenated";
    return this.firstHasSource ? "es-export" : "ndjson";
  }

  /**
   * Scans a string from `i` (just after its opening quote, or where the previous chunk left it).
   * Returns the index after its closing quote, or -1 when the chunk ends inside it.
   */
  private scanString(b: Buffer, i: number): number {
    const n = b.length;
    if (this.capLen >= 0) {
      // A short key (or messageType value) at depth 1/2: keep its bytes.
      while (i < n) {
        const c = b[i]!;
        if (this.esc) {
          this.esc = false;
          this.capture(c);
        } else if (c === BSLASH) {
          this.esc = true;
          this.capture(c);
        } else if (c === QUOTE) {
          return i + 1;
        } else {
          this.capture(c);
        }
        i++;
      }
      return -1;
    }
    if (this.esc) {
      if (i >= n) return -1;
      this.esc = false;
      i++;
    }
    for (;;) {
      while (i < n) {
        const c = b[i]!;
        if (c === QUOTE || c === BSLASH) break;
        i++;
      }
      if (i >= n) return -1;
      if (b[i] === QUOTE) return i + 1;
      // A backslash escapes the next byte (which may be in the next chunk).
      if (i + 1 >= n) {
        this.esc = true;
        return -1;
      }
      i += 2;
    }
  }

  private structWrite(b: Buffer, from: number): void {
    const n = b.length;
    let i = from;
    if (this.cut !== Cut.None) this.cutStart = from;
    if (this.inStr) {
      const e = this.scanString(b, i);
      if (e < 0) {
        this.stashCut(b);
        return;
      }
      this.inStr = false;
      i = e;
      this.stringEnded(b, i);
    }
    while (i < n) {
      if (this.cut === Cut.Garbage) {
        const nl = b.indexOf(LF, i);
        if (nl < 0) {
          i = n;
          break;
        }
        this.endCut(b, nl);
        i = nl + 1;
        continue;
      }
      const c = b[i]!;
      if (c === SP || c === LF || c === CR || c === TAB) {
        if (this.cut === Cut.Scalar && this.depth === this.cutDepth) this.endCut(b, i);
        if (c === LF && this.afterFirst && this.depth === 0) this.lfAfterFirst = true;
        i++;
        continue;
      }
      const d = this.depth;
      if (d === 0 && this.afterFirst) {
        // The second top-level value starts here: NDJSON (switch to LINES) or concatenated.
        this.afterFirst = false;
        if (this.held !== null) {
          if (!this.firstForeignKey) {
            // A wrapper per line/value (only wrapper keys): unwrap this one and the next ones.
            this.replayHeld();
          } else {
            // A record that happens to have a Records or hits.hits array.
            const held = this.held;
            this.held = null;
            this.handler.record(held, 0, held.length, RecordKind.Plain);
          }
        }
        // After a replayed wrapper the layout is decided: later values are read as before
        // (wrappers unwrapped, in STRUCT).
        if (this.framing === "empty") {
          if (this.lfAfterFirst && this.firstWasLine) {
            this.framing = this.firstHasSource ? "es-export" : "ndjson";
            this.mode = Mode.Lines;
            this.linesWrite(b, i);
            return;
          }
          this.framing = "concatenated";
        }
      }
      switch (c) {
        case QUOTE: {
          if (d === this.recDepth && this.cut === Cut.None) this.startCut(Cut.Str, i);
          if (d === 1 && this.top === 1) {
            if (this.key1 === Key.Expect) {
              this.key1 = Key.In;
              this.beginCapture(1);
            } else if (this.key1 === Key.ExpectValue) {
              this.key1 = Key.InValue;
              if (this.key1Name === K.MessageType) this.beginCapture(3);
            }
          } else if (d === 2 && this.inHits) {
            if (this.key2 === Key.Expect) {
              this.key2 = Key.In;
              this.beginCapture(2);
            } else if (this.key2 === Key.ExpectValue) this.key2 = Key.InValue;
          }
          const e = this.scanString(b, i + 1);
          if (e < 0) {
            this.inStr = true;
            i = n;
            break;
          }
          i = e;
          this.stringEnded(b, i);
          break;
        }
        case LBRACE:
        case LBRACK:
          this.open(c, i);
          i++;
          break;
        case RBRACE:
        case RBRACK:
          if (d === 0) {
            // A stray closer at the top level: garbage up to the end of the line.
            this.valuesSeen++;
            this.startCut(Cut.Garbage, i);
            continue;
          }
          if (this.cut === Cut.Scalar && d === this.cutDepth) this.endCut(b, i);
          this.depth = d - 1;
          i++;
          this.closed(b, i);
          if (this.mode === Mode.Delegate) {
            this.sub!.write(b.subarray(i));
            this.framing = this.sub!.framing;
            return;
          }
          break;
        case COMMA:
          if (this.cut === Cut.Scalar && d === this.cutDepth) this.endCut(b, i);
          if (d === 1 && this.top === 1) this.key1 = Key.Expect;
          else if (d === 2 && this.inHits) this.key2 = Key.Expect;
          i++;
          break;
        case COLON:
          if (d === 1 && this.top === 1 && this.key1 === Key.AfterKey) this.key1 = Key.ExpectValue;
          else if (d === 2 && this.inHits && this.key2 === Key.AfterKey) this.key2 = Key.ExpectValue;
          i++;
          break;
        default:
          if (d === this.recDepth && this.cut === Cut.None) {
            if (d === 0) {
              this.valuesSeen++;
              this.startCut(Cut.Garbage, i);
              continue;
            }
            this.startCut(Cut.Scalar, i);
          }
          if (d === 1 && this.top === 1 && this.key1 === Key.ExpectValue) this.key1 = Key.InValue;
          else if (d === 2 && this.inHits && this.key2 === Key.ExpectValue) this.key2 = Key.InValue;
          // The rest of a number or literal: no structure inside.
          i++;
          while (i < n) {
            const x = b[i]!;
            if (
              x === COMMA ||
              x === RBRACE ||
              x === RBRACK ||
              x === SP ||
              x === LF ||
              x === CR ||
              x === TAB ||
              x === QUOTE ||
              x === LBRACE ||
              x === LBRACK ||
              x === COLON
            ) {
              break;
            }
            i++;
          }
          break;
      }
    }
    this.stashCut(b);
  }

  private open(c: number, i: number): void {
    const d = this.depth;
    if (d === 0) {
      this.valuesSeen++;
      this.top = c === LBRACE ? 1 : 2;
      if (c === LBRACK) {
        this.recDepth = 1;
        this.recKind = RecordKind.Plain;
        if (this.detect && this.valuesSeen === 1) this.framing = "json-array";
      } else {
        this.startCut(Cut.Container, i);
        this.key1 = Key.Expect;
        this.key1Name = K.Other;
        this.messageType = Msg.None;
      }
    } else if (d === this.recDepth && this.cut === Cut.None) {
      this.startCut(Cut.Container, i);
    }
    if (d === 1 && this.top === 1 && this.key1 === Key.ExpectValue) {
      this.key1 = Key.InValue;
      const k = this.key1Name;
      if (c === LBRACK && k === K.Records) {
        if (this.probe && this.valuesSeen === 1) this.probing = true;
        else this.enterWrapper(2, RecordKind.Plain, "records-wrapper");
      } else if (c === LBRACK && k === K.LogEvents && this.messageType !== Msg.None) {
        // A CONTROL_MESSAGE's events are health checks, not records: skip them (recDepth -1).
        const data = this.messageType !== Msg.Control;
        this.enterWrapper(data ? 2 : -1, RecordKind.CwlEvent, "cloudwatch-logs");
      } else if (c === LBRACE && k === K.Hits) {
        this.inHits = true;
        this.key2 = Key.Expect;
        this.key2Name = K.Other;
      }
    } else if (d === 2 && this.inHits && this.key2 === Key.ExpectValue) {
      this.key2 = Key.InValue;
      if (c === LBRACK && this.key2Name === K.Hits) {
        if (this.probe && this.valuesSeen === 1) this.probing = true;
        else this.enterWrapper(3, RecordKind.EsHit, "es-hits");
      }
    }
    this.depth = d + 1;
  }

  private enterWrapper(recDepth: number, kind: RecordKind, framing: Framing): void {
    // The top-level object is a wrapper, not a record: drop what was buffered of it.
    this.cancelCut();
    this.wrapped = true;
    this.recDepth = recDepth;
    this.recKind = kind;
    this.wrapperDepth = this.depth;
    if (this.detect && this.valuesSeen === 1) this.framing = framing;
  }

  private closed(b: Buffer, i: number): void {
    const d = this.depth;
    if (this.cut === Cut.Container && d === this.cutDepth) this.endCut(b, i);
    if (d === this.wrapperDepth) {
      // The wrapper's array closed: the rest of the wrapper object is not records.
      this.recDepth = -1;
      this.wrapperDepth = -1;
    }
    if (d === 1 && this.inHits && this.top === 1) this.inHits = false;
    if (d === 0) {
      const wasWrapper = this.wrapped;
      this.top = 0;
      this.recDepth = 0;
      this.recKind = RecordKind.Plain;
      this.wrapperDepth = -1;
      this.inHits = false;
      this.wrapped = false;
      if (this.detect && this.valuesSeen === 1 && this.framing === "empty" && !wasWrapper) {
        this.afterFirst = true;
      }
    }
  }

  private beginCapture(target: number): void {
    this.capLen = 0;
    this.capTarget = target;
  }

  private capture(c: number): void {
    if (this.capLen < CAPTURE_MAX) this.cap[this.capLen] = c;
    this.capLen++;
  }

  private stringEnded(b: Buffer, i: number): void {
    if (this.cut === Cut.Str && this.depth === this.cutDepth) this.endCut(b, i);
    if (this.capLen >= 0) {
      const t = this.capTarget;
      const len = this.capLen;
      this.capLen = -1;
      this.capTarget = 0;
      if (t === 1) {
        if (this.valuesSeen === 1 && !isWrapperKey(this.cap, len)) this.firstForeignKey = true;
        this.key1Name = keyCode(this.cap, len);
        this.key1 = Key.AfterKey;
      } else if (t === 2) {
        this.key2Name = keyCode(this.cap, len);
        this.key2 = Key.AfterKey;
      } else if (t === 3) {
        this.messageType = capIs(this.cap, len, CONTROL_MESSAGE) ? Msg.Control : Msg.Data;
      }
    }
  }
}
