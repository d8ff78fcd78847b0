/**
 * Index routing: the index (data stream) a record would have in Elasticsearch, and whether a
 * rule's `index` patterns select it, so a rule runs only on the data it was written for.
 *
 * Pattern semantics are Elasticsearch's for a search over a list of index expressions
 * (IndexNameExpressionResolver's wildcard resolver): expressions are taken in order, each
 * list element may itself be a comma-separated list; `*` is the only wildcard; an expression
 * starting with `-` after some wildcard expression removes what it matches from the names
 * selected so far (before any wildcard it is a plain name, which no index can have, since index
 * names cannot start with `-`); a wildcard expression does not match a name starting with `.`
 * unless it starts with `.` itself (hidden and system indices, such as `.ds-` backing indices,
 * are not expanded by default); `cluster:pattern` names another cluster and never selects a
 * local record. A rule without `index` (or with an empty list) searches Kibana's default
 * security index patterns (`securitySolution:defaultIndex`).
 */
import { fieldValues } from "../document/index.ts";
import type { DetectedSource } from "./detect.ts";

/**
 * Kibana's default `securitySolution:defaultIndex` (x-pack/plugins/security_solution/common/
 * constants.ts, DEFAULT_INDEX_PATTERN: INCLUDE_INDEX_PATTERN + EXCLUDE_ELASTIC_CLOUD_INDICES).
 */
export const KIBANA_DEFAULT_INDEX_PATTERNS: readonly string[] = Object.freeze([
  "apm-*-transaction*",
  "auditbeat-*",
  "endgame-*",
  "filebeat-*",
  "logs-*",
  "packetbeat-*",
  "traces-apm*",
  "winlogbeat-*",
  "-*elastic-cloud-logs-*",
]);

/** The SentinelOne integration's data stream (its reroute option is off by default). */
export const SENTINELONE_INDEX = "logs-sentinel_one_cloud_funnel.event-default";

/** Elasticsearch's simple wildcard match (`*` = any run of characters, nothing else special). */
export function simpleWildcardMatch(pattern: string, name: string): boolean {
  const parts = pattern.split("*");
  if (parts.length === 1) return pattern === name;
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (name.length < first.length + last.length) return false;
  if (!name.startsWith(first) || !name.endsWith(last)) return false;
  let pos = first.length;
  const end = name.length - last.length;
  for (let i = 1; i < parts.length - 1; i++) {
    const part = parts[i]!;
    if (part === "") continue;
    const at = name.indexOf(part, pos);
    if (at < 0 || at + part.length > end) return false;
    pos = at + part.length;
  }
  return true;
}

function expressionMatches(expr: string, index: string): boolean {
  if (expr.includes(":")) return false; // another cluster's index
  if (!expr.includes("*")) return expr === index;
  if (index.startsWith(".") && !expr.startsWith(".")) return false;
  return simpleWildcardMatch(expr, index);
}

/**
 * True when a search over `patterns` (a rule's `index` list, in order) includes `index`.
 * An empty list means Kibana's default security patterns.
 */
export function indexPatternMatches(patterns: readonly string[], index: string): boolean {
  const list = patterns.length === 0 ? KIBANA_DEFAULT_INDEX_PATTERNS : patterns;
  let selected = false;
  let wildcardSeen = false;
  for (const element of list) {
    for (const raw of element.split(",")) {
      if (raw === "") continue;
      let expr = raw;
      const exclude = expr.startsWith("-") && wildcardSeen;
      if (exclude) expr = expr.slice(1);
      if (expressionMatches(expr, index)) selected = !exclude;
      if (expr.includes("*")) wildcardSeen = true;
    }
  }
  return selected;
}

/**
 * The data stream behind a backing index name (`.ds-<stream>-<yyyy.MM.dd>-<generation>`), or
 * the name itself: rules name data streams, and an Elasticsearch export records the backing
 * index in `_index`.
 */
export function dataStreamOfIndex(index: string): string {
  const m = /^\.ds-(.+)-\d{4}\.\d{2}\.\d{2}-\d{6}$/.exec(index);
  return m === null ? index : m[1]!;
}

const first = (record: unknown, path: string): string | undefined => {
  const v = fieldValues(record, path)[0];
  return v === undefined || v === "" ? undefined : v;
};

/** `<type>-<dataset>-<namespace>` from a record's `data_stream.*` fields, when it has a dataset. */
export function dataStreamOf(record: Record<string, unknown>): string | undefined {
  const dataset = first(record, "data_stream.dataset");
  if (dataset === undefined) return undefined;
  const type = first(record, "data_stream.type") ?? "logs";
  const namespace = first(record, "data_stream.namespace") ?? "default";
  return `${type}-${dataset}-${namespace}`;
}

export interface IndexOptions {
  /**
   * The index every record of this input is taken to be in (for archives whose records carry
   * nothing that names it, or to override what they say). A backing index name is read as its
   * data stream.
   */
  readonly indexName?: string;
  /**
   * The `_index` of the Elasticsearch hit the record was read from (an export of search hits):
   * where the document really was. Used unless `indexName` is given.
   */
  readonly hitIndex?: string;
}

/** The `_index` of an Elasticsearch hit (`{"_index": ..., "_source": {...}}`), if `raw` is one. */
export function hitIndexOf(raw: unknown): string | undefined {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return undefined;
  const own = Object.prototype.hasOwnProperty;
  if (!own.call(raw, "_source") || !own.call(raw, "_index")) return undefined;
  const index = (raw as Record<string, unknown>)._index;
  return typeof index === "string" && index !== "" ? index : undefined;
}

/**
 * The index a record would be in, in Elasticsearch:
 * - an explicit `indexName` wins, then the `hitIndex` of an Elasticsearch export (a backing
 *   index `.ds-<stream>-<date>-<n>` is read as its data stream);
 * - Elastic Defend: its `data_stream.*` (`logs-endpoint.events.process-default`), else
 *   `logs-<event.dataset>-default`;
 * - SentinelOne Cloud Funnel: `logs-sentinel_one_cloud_funnel.event-default`;
 * - Elastic Endgame: `endgame-<agent.version or ecs.version>` (`endgame-unknown` without either);
 * - anything else: its `data_stream.*` when present, else undefined (not known).
 */
export function indexFor(
  record: Record<string, unknown>,
  source: DetectedSource,
  options: IndexOptions = {},
): string | undefined {
  if (options.indexName !== undefined && options.indexName !== "")
    return dataStreamOfIndex(options.indexName);
  switch (source) {
    case "sentinelone":
      return SENTINELONE_INDEX;
    case "defend": {
      const ds = dataStreamOf(record);
      if (ds !== undefined) return ds;
      const dataset = first(record, "event.dataset");
      return dataset === undefined ? undefined : `logs-${dataset}-default`;
    }
    case "endgame": {
      const version = first(record, "agent.version") ?? first(record, "ecs.version") ?? "unknown";
      return `endgame-${version}`;
    }
    case "unknown":
      return dataStreamOf(record);
    default: {
      const never: never = source;
      throw new TypeError(`unknown source: ${String(never)}`);
    }
  }
}

/**
 * Whether a rule with these `index` patterns is evaluated on a record in `index`. A record whose
 * index is not known (undefined) is evaluated by every rule, as before index routing existed;
 * set `indexName` for such archives to route them.
 */
export function ruleAppliesToIndex(patterns: readonly string[], index: string | undefined): boolean {
  return index === undefined ? true : indexPatternMatches(patterns, index);
}
