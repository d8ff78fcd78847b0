/** The framer: decompressed bytes in, raw records out (docs/reader.md, Layouts). */
export { Framer } from "./framer.ts";
export { type FrameHandler, type Framing, RecordKind } from "./types.ts";
export {
  cwlEventRecord,
  cwlPayloadEvents,
  esHitSource,
  isCwlPayload,
  isEsHit,
  kindOf,
  mayBeCwlPayload,
  shortReason,
} from "./unwrap.ts";
