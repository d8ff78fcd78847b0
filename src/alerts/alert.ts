/**
 * The alert contract (one JSON object per line from the CLI; `alerts[]` in SNS messages).
 * Later work extends it and never breaks it.
 */
import { compileFieldPath, type FieldPath, fieldValues } from "../document/index.ts";
import { effectiveRule, type Rule, suppressionGroupValues, type Threat } from "../rules/index.ts";
import { digest } from "./digest.ts";

export interface Alert {
  /** Deterministic: the same rule, object (and version) and record always give the same id. */
  readonly id: string;
  readonly rule: {
    readonly id: string;
    readonly name: string;
    readonly severity: string;
    readonly risk_score: number;
    readonly threat: readonly Threat[];
    /** A building-block rule's alert (Kibana hides these by default; they feed other rules). */
    readonly building_block?: true;
  };
  readonly source: {
    /** File path or s3://bucket/key. */
    readonly uri: string;
    /** 1-based ordinal of the record in the object. */
    readonly record: number;
    /** S3 version id or ETag when known. */
    readonly version?: string;
  };
  /** The ECS view: the fields the rule read plus @timestamp, host.name, process.pid, ... */
  readonly event: Record<string, unknown>;
  /** The original record exactly as parsed. */
  readonly raw: unknown;
  /**
   * Set when the rule suppresses alerts (Kibana `alert_suppression`): the group this alert belongs
   * to. The sinks (CLI output, Lambda publisher) send the first alert of a group per window and
   * count the others (docs/tuning.md).
   */
  readonly suppression?: {
    /** Each group_by field's sorted values, null when the event lacks it. */
    readonly group: Readonly<Record<string, readonly string[] | null>>;
    /** Stable key of the group (JSON of the values). */
    readonly key: string;
    /** The window in ms; null: one window per run (CLI) or per object (Lambda). */
    readonly window_ms: number | null;
  };
}

/** sha256 over (rule id, uri, version, ordinal), hex, 32 chars. */
export function alertId(ruleId: string, uri: string, version: string | undefined, record: number): string {
  return digest([ruleId, uri, version ?? "", record]);
}

/** The rule as an alert names it; with the event, Kibana's per-event overrides apply (overrides.ts). */
export function ruleSummary(rule: Rule, ecs?: unknown): Alert["rule"] {
  const e = ecs === undefined ? rule : effectiveRule(rule, ecs);
  return {
    id: rule.id,
    name: e.name,
    severity: e.severity,
    risk_score: e.riskScore,
    threat: rule.threat,
    ...(rule.buildingBlock === true ? { building_block: true as const } : {}),
  };
}

function suppressionOf(rule: Rule, ecs: unknown): Alert["suppression"] {
  const s = rule.suppression;
  if (s === undefined) return undefined;
  const values = suppressionGroupValues(s, ecs);
  if (values === null) return undefined;
  const key = JSON.stringify(values);
  const group: Record<string, readonly string[] | null> = Object.create(null);
  s.groupBy.forEach((f, i) => {
    group[f] = values[i] ?? null;
  });
  return { group: { ...group }, key, window_ms: s.durationMs ?? null };
}

/**
 * Context fields every alert carries when the event has them, besides the fields the rule read:
 * the identities responders pivot on (they must survive even when `raw` is cut to fit a
 * message), and what each event category needs to be read: process (command line, args,
 * parent, user), network (addresses, ports, direction), file (path, hashes), dns (question),
 * registry (path, value), library (dll), authentication (user, source, outcome).
 */
export const CONTEXT_FIELDS: readonly string[] = [
  "@timestamp",
  "event.id",
  "event.kind",
  "event.category",
  "event.type",
  "event.action",
  "event.outcome",
  "data_stream.dataset",
  "agent.id",
  "agent.type",
  "host.id",
  "host.name",
  "host.hostname",
  "host.ip",
  "host.os.type",
  "user.id",
  "user.name",
  "user.domain",
  "process.entity_id",
  "process.pid",
  "process.executable",
  "process.name",
  "process.command_line",
  "process.args",
  "process.hash.sha256",
  "process.parent.entity_id",
  "process.parent.pid",
  "process.parent.executable",
  "process.parent.name",
  "process.parent.command_line",
  "file.path",
  "file.name",
  "file.hash.sha256",
  "source.ip",
  "source.port",
  "destination.ip",
  "destination.port",
  "destination.domain",
  "network.direction",
  "network.transport",
  "dns.question.name",
  "dns.question.type",
  "dns.resolved_ip",
  "registry.path",
  "registry.value",
  "registry.data.strings",
  "dll.path",
  "url.full",
];

// Paths are compiled once per field name, not once per alert (an alert flood builds thousands).
const compiledPaths = new Map<string, FieldPath>();
function pathOf(field: string): FieldPath {
  let fp = compiledPaths.get(field);
  if (fp === undefined) {
    fp = compileFieldPath(field);
    // Field names come from rule files and the list above: the map stays small.
    compiledPaths.set(field, fp);
  }
  return fp;
}

/**
 * The alert's `event`: flat dotted ECS keys (a value is a string, or a string array when the
 * field has several values), for the fields the rule read plus CONTEXT_FIELDS when present.
 * Built on a null-prototype object so no record key can reach Object.prototype.
 */
export function alertEvent(rule: Rule, ecs: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const f of [...rule.compiled.fields, ...CONTEXT_FIELDS]) {
    if (Object.hasOwn(out, f)) continue;
    const vals = fieldValues(ecs, pathOf(f));
    if (vals.length === 1) out[f] = vals[0];
    else if (vals.length > 1) out[f] = vals;
  }
  // Return a plain object (JSON.stringify ignores the prototype either way; tests compare deeply).
  return { ...out };
}

export interface AlertInput {
  readonly rule: Rule;
  /** The ECS view the rule evaluated. */
  readonly ecs: unknown;
  /** The record exactly as parsed. */
  readonly raw: unknown;
  readonly uri: string;
  readonly version?: string;
  readonly record: number;
}

export function buildAlert(input: AlertInput): Alert {
  const { rule, ecs, raw, uri, version, record } = input;
  const suppression = suppressionOf(rule, ecs);
  return {
    id: alertId(rule.id, uri, version, record),
    rule: ruleSummary(rule, ecs),
    source: version === undefined ? { uri, record } : { uri, record, version },
    event: alertEvent(rule, ecs),
    raw: boundedRaw(raw),
    ...(suppression === undefined ? {} : { suppression }),
  };
}

// A record several rules match gets one alert per rule with the same `raw`: its depth is walked
// once, not once per alert (the walk visits every node of the record).
const bounded = new WeakMap<object, unknown>();
function boundedRaw(raw: unknown): unknown {
  if (raw === null || typeof raw !== "object") return raw;
  let b = bounded.get(raw);
  if (b === undefined) {
    b = boundDepth(raw, MAX_RAW_DEPTH);
    bounded.set(raw, b);
  }
  return b;
}

/**
 * Nesting kept in an alert's `raw`. JSON.parse accepts arrays nested a million levels deep, but
 * JSON.stringify overflows the stack at about 10,000, which would lose the alert (and, in the
 * CLI, every later alert of the object). Real EDR records nest fewer than 20 levels.
 */
export const MAX_RAW_DEPTH = 256;

/** Marker that replaces a subtree nested deeper than MAX_RAW_DEPTH. */
export const DEPTH_MARKER = "[nested too deep: omitted by edr-archive-scanner]";

/** Nesting depth of a JSON value, without recursion (so it cannot overflow either). */
function depthExceeds(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    if (d >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) {
      if (child !== null && typeof child === "object") stack.push([child, d + 1]);
    }
  }
  return false;
}

function cut(value: unknown, depth: number, max: number): unknown {
  if (value === null || typeof value !== "object") return value;
  if (depth >= max) return DEPTH_MARKER;
  if (Array.isArray(value)) return value.map((v) => cut(v, depth + 1, max));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    // defineProperty: a "__proto__" key stays an own data property, as JSON.parse made it.
    Object.defineProperty(out, k, {
      value: cut(v, depth + 1, max),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return out;
}

/** `value` itself when it nests at most `max` levels, else a copy with deeper subtrees replaced by DEPTH_MARKER. */
export function boundDepth(value: unknown, max: number): unknown {
  return depthExceeds(value, max) ? cut(value, 0, max) : value;
}
