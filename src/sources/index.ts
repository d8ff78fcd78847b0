/**
 * Per-source normalisation: a raw record -> the ECS view the rules evaluate
 * (docs/sources.md). Never mutates the record.
 */
import { type DetectedSource, detectSource } from "./detect.ts";
import { defendToEcs } from "./elastic-defend.ts";
import { endgameToEcs } from "./endgame.ts";
import { type IndexOptions, indexFor } from "./indices.ts";
import type { SourceOption } from "./names.ts";
import { sentinelOneToEcs } from "./sentinelone/index.ts";

export {
  indexPatternMatches,
  KIBANA_DEFAULT_INDEX_PATTERNS,
  simpleWildcardMatch,
} from "../document/index.ts";
export type { DetectedSource } from "./detect.ts";
export { detectSource, MAPPED_VIEW_MARKERS, type RawMarker } from "./detect.ts";
export { defendToEcs } from "./elastic-defend.ts";
export { endgameToEcs } from "./endgame.ts";
export {
  dataStreamOf,
  dataStreamOfIndex,
  hitIndexOf,
  type IndexOptions,
  indexFor,
  ruleAppliesToIndex,
  SENTINELONE_INDEX,
} from "./indices.ts";
export { SOURCE_NAMES, SOURCE_OPTIONS, type SourceName, type SourceOption } from "./names.ts";
export {
  fileEventKinds,
  SENTINELONE_DERIVED_FIELDS,
  sentinelOneToEcs,
  windowsArgv,
} from "./sentinelone/index.ts";

export interface EcsView {
  /** The source the record was read as ("unknown": evaluated as ECS, like Defend). */
  readonly source: DetectedSource;
  /** The ECS view (for Defend and unknown records, the record itself). */
  readonly event: unknown;
  /**
   * The index (data stream) the record would be in, in Elasticsearch (indices.ts: indexFor);
   * undefined when nothing names it and no `indexName` was given.
   */
  readonly index: string | undefined;
}

export function toEcs(
  record: Record<string, unknown>,
  source: SourceOption,
  options?: IndexOptions,
): EcsView {
  const s: DetectedSource = source === "auto" ? detectSource(record) : source;
  const index = indexFor(record, s, options);
  switch (s) {
    case "defend":
      return { source: s, event: defendToEcs(record), index };
    case "sentinelone":
      return { source: s, event: sentinelOneToEcs(record), index };
    case "endgame":
      return { source: s, event: endgameToEcs(record), index };
    case "unknown":
      return { source: s, event: record, index };
    default: {
      const never: never = s;
      throw new TypeError(`unknown source option: ${String(never)}`);
    }
  }
}
