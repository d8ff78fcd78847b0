/**
 * Rule index patterns as Elasticsearch expands them for a search over a list of index expressions
 * (IndexNameExpressionResolver's wildcard resolver): expressions are taken in order, each list
 * element may itself be a comma-separated list; `*` is the only wildcard; an expression starting
 * with `-` after some wildcard expression removes what it matches from the names selected so far
 * (before any wildcard it is a plain name, which no index can have, since index names cannot
 * start with `-`); a wildcard expression does not match a name starting with `.` unless it starts
 * with `.` itself (hidden and system indices, such as `.ds-` backing indices, are not expanded by
 * default); `cluster:pattern` names another cluster and never selects a local record. A rule
 * without `index` (or with an empty list) searches Kibana's default security index patterns
 * (`securitySolution:defaultIndex`).
 *
 * Pure and import-free: the sources (index routing) and the rules (`--rule-filter index:`) share it.
 */
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
  if (expr === "_all") return !index.startsWith(".");
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
      if (expr.includes("*") || expr === "_all") wildcardSeen = true;
    }
  }
  return selected;
}
