/**
 * Per-source normalisation: a raw record -> the ECS view the rules evaluate
 * (docs/sources.md). Never mutates the record.
 */
import { type DetectedSource, detectSource } from "./detect.ts";
import { defendToEcs } from "./elastic-defend.ts";
import { endgameToEcs } from "./endgame.ts";
import type { SourceOption } from "./names.ts";
import { sentinelOneToEcs } from "./sentinelone.ts";

export type { DetectedSource } from "./detect.ts";
export { detectSource } from "./detect.ts";
export { defendToEcs } from "./elastic-defend.ts";
export { endgameToEcs } from "./endgame.ts";
export { SOURCE_NAMES, SOURCE_OPTIONS, type SourceName, type SourceOption } from "./names.ts";
export { sentinelOneEventType, sentinelOneToEcs } from "./sentinelone.ts";

export interface EcsView {
  /** The source the record was read as ("unknown": evaluated as ECS, like Defend). */
  readonly source: DetectedSource;
  /** The ECS view (for Defend and unknown records, the record itself). */
  readonly event: unknown;
}

export function toEcs(record: Record<string, unknown>, source: SourceOption): EcsView {
  const s: DetectedSource = source === "auto" ? detectSource(record) : source;
  switch (s) {
    case "defend":
      return { source: s, event: defendToEcs(record) };
    case "sentinelone":
      return { source: s, event: sentinelOneToEcs(record) };
    case "endgame":
      return { source: s, event: endgameToEcs(record) };
    case "unknown":
      return { source: s, event: record };
    default: {
      const never: never = s;
      throw new TypeError(`unknown source option: ${String(never)}`);
    }
  }
}
