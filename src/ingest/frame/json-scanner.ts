/**
 * STRUCT, the byte-level JSON structural scanner for every layout but NDJSON: depth, strings and
 * escapes, kept across chunk boundaries. It cuts out one element at a time at the records' depth
 * (so a 2 GB array or wrapper is never held), and watches the keys at depth 1 (and 2 inside
 * `hits`) for the wrappers of layouts.ts.
 *
 * Over 400 lines on purpose: one state machine whose hot loop reads and writes these fields on
 * every byte; splitting it would put them behind calls or another object (about 350 MB/s of CPU
 * time on Defend-shaped records, docs/reader.md). The layout decisions it needs from the framer
 * (switch to LINES, hand the rest to a sub-framer, replay a held first value) are the abstract
 * methods at the end.
 */
import {
  CAPTURE_MAX,
  isWrapperKey,
  K,
  keyCode,
  lineLayout,
  Msg,
  messageTypeOf,
  SOURCE_KEY,
} from "./layouts.ts";
import { RecordBuffer } from "./record-buffer.ts";
import { CR, type FrameHandler, type Framing, isWs, LF, RecordKind, SP, TAB } from "./types.ts";

const QUOTE = 34;
const BSLASH = 92;
const LBRACE = 123;
const RBRACE = 125;
const LBRACK = 91;
const RBRACK = 93;
const COMMA = 44;
const COLON = 58;

export enum Mode {
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

/** What a framer that takes over the rest of the object offers. */
export interface SubFramer {
  framing: Framing;
  write(chunk: Buffer): void;
  end(): void;
}

export abstract class JsonScanner {
  /** The layout detected so far ("empty" until the first value). */
  framing: Framing = "empty";

  protected readonly handler: FrameHandler;
  protected readonly rb: RecordBuffer;
  protected mode: Mode = Mode.Start;
  /** False in the sub-framer that splits one glued NDJSON line: no layout detection there. */
  protected readonly detect: boolean;
  protected sub: SubFramer | null = null;

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
  protected valuesSeen = 0;
  protected firstWasLine = false;
  protected afterFirst = false;
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
  protected probing = false;
  protected held: Buffer | null = null;
  private firstForeignKey = false;

  constructor(handler: FrameHandler, maxRecordBytes: number, detect: boolean, probe: boolean) {
    this.handler = handler;
    this.rb = new RecordBuffer(maxRecordBytes);
    this.detect = detect;
    this.probe = probe;
  }

  /** The rest of this chunk, from `i`, and of the object is NDJSON. */
  protected abstract toLines(b: Buffer, i: number): void;
  /** Hands the rest of the object to a framer that reads a first wrapper as a wrapper. */
  protected abstract startDelegate(prefix: Buffer): void;
  /** The held first value was a wrapper after all: read it as one. */
  protected abstract replayHeld(): void;

  /** Forgets the record being cut (its bytes were taken by the caller). */
  protected dropCut(): void {
    this.cut = Cut.None;
  }

  /** The stream ended inside STRUCT: emit the record being cut (a truncated one is malformed). */
  protected structEnd(): void {
    if (this.framing === "empty" && this.valuesSeen > 0) {
      // One value and nothing after it: a one-line object is NDJSON, anything else one document.
      this.framing = this.afterFirst && this.firstWasLine ? this.firstFraming() : "json";
    }
    if (this.cut !== Cut.None) {
      const kind = this.recKind;
      const rb = this.rb;
      if (rb.discarding) this.handler.oversize(rb.endDiscard(), kind);
      else if (rb.len > 0) {
        const rec = rb.take();
        this.emitTrimmed(rec, 0, rec.length, kind);
      }
      this.cut = Cut.None;
    }
  }

  /** Keeps the unfinished tail of a record, or switches to discarding once it is too long. */
  private keep(b: Buffer, from: number, to: number): void {
    const rb = this.rb;
    if (this.probing && rb.len + (to - from) > rb.max) {
      rb.push(b.subarray(from, to));
      const prefix = rb.take();
      this.cut = Cut.None;
      this.startDelegate(prefix);
      return;
    }
    rb.keepCopy(b, from, to);
  }

  private emitTrimmed(b: Buffer, s: number, e: number, kind: RecordKind): void {
    while (s < e && isWs(b[s]!)) s++;
    while (e > s && isWs(b[e - 1]!)) e--;
    if (s < e) this.handler.record(b, s, e, kind);
  }

  private startCut(kind: Cut, i: number): void {
    this.cut = kind;
    this.cutDepth = this.depth;
    this.cutStart = i;
  }

  private endCut(b: Buffer, end: number): void {
    const kind = this.recKind;
    const rb = this.rb;
    const wasTop = this.cutDepth === 0 && this.cut === Cut.Container;
    this.cut = Cut.None;
    if (rb.discarding) {
      rb.discardLen += end - this.cutStart;
      this.handler.oversize(rb.endDiscard(), kind);
      return;
    }
    let rec = b;
    let s = this.cutStart;
    let e = end;
    if (this.probing && wasTop) {
      this.probing = false;
      const len = rb.len + (end - this.cutStart);
      if (len > rb.max) {
        rb.push(b.subarray(this.cutStart, end));
        this.startDelegate(rb.take());
        return;
      }
      if (rb.len > 0) {
        rb.push(b.subarray(this.cutStart, end));
        rec = rb.take();
      } else {
        // A copy: the caller may reuse the chunk's memory once write() returns.
        rec = Buffer.from(b.subarray(this.cutStart, end));
      }
      this.firstWasLine = rec.indexOf(LF) < 0;
      this.firstHasSource = rec.indexOf(SOURCE_KEY) >= 0;
      this.held = rec;
      return;
    }
    if (rb.len > 0) {
      const len = rb.len + (end - this.cutStart);
      if (len > rb.max) {
        rb.clear();
        this.handler.oversize(len, kind);
        return;
      }
      rb.push(b.subarray(this.cutStart, end));
      rec = rb.take();
      s = 0;
      e = rec.length;
    } else if (e - s > rb.max) {
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
    if (this.rb.discarding) this.rb.discardLen += b.length - this.cutStart;
    else this.keep(b, this.cutStart, b.length);
    this.cutStart = 0;
  }

  private firstFraming(): Framing {
    return lineLayout(this.firstWasLine, this.firstHasSource);
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

  protected structWrite(b: Buffer, from: number): void {
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
            this.toLines(b, i);
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
    this.cut = Cut.None;
    this.rb.clear();
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
        this.messageType = messageTypeOf(this.cap, len);
      }
    }
  }
}
