/**
 * Which EDR produced a record, decided per record (an object may mix sources).
 *
 * Checked in order of how common the source is in archives (Defend first) and how cheap the
 * check is: the nested ECS shape is tested with two own-property reads before any general
 * field access. Only own properties are read.
 */
import { compileFieldPath, fieldValues, isPlainObject, own } from "../document/index.ts";
import type { SourceName } from "./names.ts";

const EVENT_MODULE = compileFieldPath("event.module");
const DATASET = compileFieldPath("data_stream.dataset");
const AGENT_TYPE = compileFieldPath("agent.type");
const DATASOURCE_NAME = compileFieldPath("dataSource.name");
const I_SCHEME = compileFieldPath("i.scheme");
const ENDPOINT_OS = compileFieldPath("endpoint.os");

const hasOwn = Object.prototype.hasOwnProperty;

export type DetectedSource = SourceName | "unknown";

/** Raw JSON text searched as it is (quotes included), ASCII case-insensitively or not. */
export interface RawMarker {
  readonly text: string;
  readonly caseInsensitive: boolean;
}

/**
 * Byte strings of which the raw JSON (canonical spelling) of every record that detectSource names
 * "sentinelone" or "endgame" holds at least one: what each test below reads appears in the record
 * as a key or a value between quotes. Those two sources map fields to build their ECS view; a
 * record holding none of these is Defend or unknown, and its view is the record itself, which the
 * prefilter uses for stronger literals (src/scan/prefilter, wholeValueClauses). Keep them in step
 * with detectSource: test/sources/detect.test.ts checks the two against each other.
 */
export const MAPPED_VIEW_MARKERS: readonly RawMarker[] = [
  { text: '"endgame', caseInsensitive: false }, // event.module "endgame", an `endgame` object or `endgame.` keys
  { text: "sentinelone", caseInsensitive: true }, // dataSource.name (lower-cased: ASCII letters only fold to it)
  { text: 'scheme"', caseInsensitive: false }, // i.scheme, nested or dotted
  { text: '"tgt"', caseInsensitive: false },
  { text: '"tgt.', caseInsensitive: false },
  { text: '"src"', caseInsensitive: false },
  { text: '"src.', caseInsensitive: false },
  { text: 'event.type"', caseInsensitive: false }, // a dotted `event.type` key (with endpoint.os)
];

export function detectSource(record: Record<string, unknown>): DetectedSource {
  // Fast path: nested ECS `event.module` (every Defend and Endgame document has it).
  const module = own(own(record, "event"), "module");
  if (module === "endpoint") return "defend";
  if (module === "endgame") return "endgame";

  const modules = fieldValues(record, EVENT_MODULE);
  if (modules.includes("endpoint")) return "defend";
  if (modules.includes("endgame")) return "endgame";
  for (const d of fieldValues(record, DATASET)) if (d.startsWith("endpoint.events.")) return "defend";
  if (fieldValues(record, AGENT_TYPE).includes("endpoint")) return "defend";

  if (isPlainObject(own(record, "endgame"))) return "endgame";

  for (const n of fieldValues(record, DATASOURCE_NAME))
    if (n.toLowerCase() === "sentinelone") return "sentinelone";
  if (fieldValues(record, I_SCHEME).length > 0) return "sentinelone";
  // Nested spelling of the S1 flat keys ({"tgt": {"file": ...}}, {"src": {"process": ...}}).
  if (isPlainObject(own(own(record, "tgt"), "file")) || isPlainObject(own(own(record, "src"), "process"))) {
    return "sentinelone";
  }
  const hasEndpointOs = fieldValues(record, ENDPOINT_OS).length > 0;
  for (const key in record) {
    if (!hasOwn.call(record, key)) continue;
    if (key.startsWith("tgt.file.") || key.startsWith("src.process.")) return "sentinelone";
    if (key === "event.type" && hasEndpointOs) return "sentinelone";
    if (key.startsWith("endgame.")) return "endgame";
  }
  return "unknown";
}
