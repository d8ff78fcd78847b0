/**
 * Kibana rule exports (`POST /api/detection_engine/rules/_export`, "Export rules" in the UI) and
 * exception-list exports (`POST /api/exception_lists/_export`): NDJSON, one object a line: rules,
 * then the exception lists and items exported with them, then an export summary. Each rule keeps
 * what Kibana applies when it runs (docs/rules-and-eql.md, "Kibana exports"); a rule of another
 * type or language is refused by name, never half-loaded.
 */
import { EqlError } from "../eql/index.ts";
import { compileRuleQuery } from "./correlation.ts";
import {
  type CompiledException,
  compileExceptionItem,
  ExceptionError,
  type ExceptionItem,
  type ExceptionListInfo,
  type ExceptionListRef,
  parseExceptionItem,
  parseExceptionList,
} from "./exceptions.ts";
import { Check, describeValue, type LoadOptions, parseThreat, RuleLoadError } from "./load.ts";
import type { AlertSuppression, Rule, Severity, SeverityMappingItem } from "./rule.ts";

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (o: Obj, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

const SEVERITIES: readonly Severity[] = ["low", "medium", "high", "critical"];
const DURATION_UNITS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

/** A rule of the export as read, before its exception lists are linked. */
export interface ExportedRule {
  readonly rule: Rule;
  readonly lists: readonly ExceptionListRef[];
}

/** What one export file holds. Problems are per line: one bad rule does not hide the others. */
export interface KibanaExport {
  readonly rules: readonly ExportedRule[];
  readonly lists: readonly ExceptionListInfo[];
  readonly items: readonly ExceptionItem[];
  readonly problems: readonly RuleLoadError[];
}

/** True when the text looks like NDJSON of Kibana saved objects rather than TOML. */
export function looksLikeKibanaExport(text: string): boolean {
  const first = text.replace(/^\uFEFF/, "").trimStart();
  return first.startsWith("{");
}

function parseSuppression(c: Check, r: Obj): AlertSuppression | undefined {
  const s = own(r, "alert_suppression");
  if (s === undefined || s === null) return undefined;
  if (!isObj(s)) c.fail("`alert_suppression` must be an object");
  const groupBy = c.strings(s, "group_by", "alert_suppression");
  if (groupBy.length < 1 || groupBy.length > 3) {
    c.fail(`\`alert_suppression.group_by\` must name 1 to 3 fields, got ${groupBy.length}`);
  }
  const strategy = own(s, "missing_fields_strategy") ?? "suppress";
  if (strategy !== "suppress" && strategy !== "doNotSuppress") {
    c.fail(
      `\`alert_suppression.missing_fields_strategy\` must be "suppress" or "doNotSuppress", got ${describeValue(strategy)}`,
    );
  }
  const d = own(s, "duration");
  let durationMs: number | undefined;
  if (d !== undefined && d !== null) {
    const value = isObj(d) ? own(d, "value") : undefined;
    const unit = isObj(d) ? own(d, "unit") : undefined;
    const per = typeof unit === "string" ? DURATION_UNITS[unit] : undefined;
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || per === undefined) {
      c.fail(
        `\`alert_suppression.duration\` must be {"value": <positive integer>, "unit": "s" | "m" | "h"}, got ${JSON.stringify(d)}`,
      );
    }
    durationMs = value * per;
  }
  return { groupBy, missingFields: strategy, ...(durationMs === undefined ? {} : { durationMs }) };
}

function parseSeverityMapping(c: Check, r: Obj): SeverityMappingItem[] {
  const m = own(r, "severity_mapping");
  if (m === undefined || m === null) return [];
  if (!Array.isArray(m)) c.fail("`severity_mapping` must be an array");
  return m.map((x, i) => {
    if (!isObj(x)) c.fail(`\`severity_mapping[${i}]\` must be an object`);
    const field = c.string(x, "field", `severity_mapping[${i}]`, true);
    const value = c.string(x, "value", `severity_mapping[${i}]`, false) ?? "";
    const severity = c.string(x, "severity", `severity_mapping[${i}]`, true);
    if (!(SEVERITIES as readonly string[]).includes(severity)) {
      c.fail(`\`severity_mapping[${i}].severity\` must be one of ${SEVERITIES.join(", ")}`);
    }
    return { field, value, severity: severity as Severity };
  });
}

function parseListRefs(c: Check, r: Obj): ExceptionListRef[] {
  const l = own(r, "exceptions_list");
  if (l === undefined || l === null) return [];
  if (!Array.isArray(l)) c.fail("`exceptions_list` must be an array");
  return l.map((x, i) => {
    if (!isObj(x)) c.fail(`\`exceptions_list[${i}]\` must be an object`);
    const listId = c.string(x, "list_id", `exceptions_list[${i}]`, true);
    const ns = c.string(x, "namespace_type", `exceptions_list[${i}]`, false) ?? "single";
    const type = c.string(x, "type", `exceptions_list[${i}]`, false) ?? "detection";
    return { listId, namespaceType: ns, type };
  });
}

/** One exported rule object -> our rule model (exceptions linked later). */
export function parseKibanaRule(r: Obj, where: string, options: LoadOptions = {}): ExportedRule {
  const c: Check = new Check(where);
  const type = c.string(r, "type", "rule", true);
  const language = c.string(r, "language", "rule", false);
  if (type !== "eql" || (language !== undefined && language !== "eql")) {
    c.fail(
      `rule type ${JSON.stringify(type)}${language === undefined ? "" : ` (language ${JSON.stringify(language)})`} is not supported: only EQL rules can be run`,
    );
  }
  const id = c.string(r, "rule_id", "rule", true);
  const name = c.string(r, "name", "rule", true);
  const severity = c.string(r, "severity", "rule", true);
  if (!(SEVERITIES as readonly string[]).includes(severity)) {
    c.fail(`\`severity\` must be one of ${SEVERITIES.join(", ")}, got ${JSON.stringify(severity)}`);
  }
  const risk = own(r, "risk_score");
  if (typeof risk !== "number" || !Number.isInteger(risk) || risk < 0 || risk > 100) {
    c.fail(`\`risk_score\` must be an integer from 0 to 100, got ${describeValue(risk)}`);
  }
  if (own(r, "index") === undefined && typeof own(r, "data_view_id") === "string") {
    c.fail(
      `the rule reads the Kibana data view ${JSON.stringify(own(r, "data_view_id"))}, whose index patterns are not in the export; set the rule's index patterns instead`,
    );
  }
  const query = c.string(r, "query", "rule", true);
  const maxSignals = own(r, "max_signals");
  if (
    maxSignals !== undefined &&
    (typeof maxSignals !== "number" || !Number.isInteger(maxSignals) || maxSignals < 1)
  ) {
    c.fail(`\`max_signals\` must be a positive integer, got ${describeValue(maxSignals)}`);
  }
  const enabled = own(r, "enabled");
  if (enabled !== undefined && typeof enabled !== "boolean") c.fail("`enabled` must be true or false");
  const note = c.string(r, "note", "rule", false);
  const from = c.string(r, "from", "rule", false);
  const nameOverride = c.string(r, "rule_name_override", "rule", false);
  const riskMapping = own(r, "risk_score_mapping");
  const riskScoreMapping =
    Array.isArray(riskMapping) && riskMapping.length > 0
      ? riskMapping.map((x, i) => ({
          field: c.string(isObj(x) ? x : {}, "field", `risk_score_mapping[${i}]`, true),
        }))
      : [];
  const severityMapping = parseSeverityMapping(c, r);
  const suppression = parseSuppression(c, r);
  const lists = parseListRefs(c, r);
  let compiled: Rule["compiled"];
  let sequence: Rule["sequence"];
  try {
    ({ compiled, sequence } = compileRuleQuery(query, {
      file: `${where} query`,
      ...(options.ignoreAbove === undefined ? {} : { ignoreAbove: options.ignoreAbove }),
    }));
  } catch (e) {
    if (e instanceof EqlError) throw new RuleLoadError(where, e.message, { cause: e });
    throw e;
  }
  const rule: Rule = {
    id,
    name,
    description: c.string(r, "description", "rule", false) ?? "",
    severity: severity as Severity,
    riskScore: risk,
    threat: parseThreat(c, r),
    tags: c.strings(r, "tags", "rule"),
    indices: c.strings(r, "index", "rule"),
    references: c.strings(r, "references", "rule"),
    falsePositives: c.strings(r, "false_positives", "rule"),
    ...(note === undefined ? {} : { note }),
    query,
    file: where,
    compiled,
    ...(sequence === undefined ? {} : { sequence }),
    format: "kibana-export",
    enabled: enabled !== false,
    ...(typeof own(r, "building_block_type") === "string" ? { buildingBlock: true } : {}),
    ...(from === undefined ? {} : { from }),
    ...(typeof maxSignals === "number" ? { maxSignals } : {}),
    ...(suppression === undefined ? {} : { suppression }),
    ...(severityMapping.length > 0 ? { severityMapping } : {}),
    ...(riskScoreMapping.length > 0 ? { riskScoreMapping } : {}),
    ...(nameOverride === undefined || nameOverride === "" ? {} : { ruleNameOverride: nameOverride }),
  };
  return { rule, lists };
}

/**
 * Reads an export's lines. Rules, lists and items are told apart by their keys, as Kibana's
 * import does: `rule_id` (a rule), `item_id` + `entries` (an exception item), `list_id` (a list
 * header), `exported_count` / `exported_rules_count` (the summary line, ignored).
 */
export function parseKibanaExport(text: string, file: string, options: LoadOptions = {}): KibanaExport {
  const rules: ExportedRule[] = [];
  const lists: ExceptionListInfo[] = [];
  const items: ExceptionItem[] = [];
  const problems: RuleLoadError[] = [];
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/);
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    const where = `${file}:${i + 1}`;
    let o: unknown;
    try {
      o = JSON.parse(line);
    } catch (e) {
      problems.push(new RuleLoadError(file, `${where}: not a JSON object: ${(e as Error).message}`));
      return;
    }
    if (!isObj(o)) {
      problems.push(
        new RuleLoadError(file, `${where}: expected a JSON object per line, got ${describeValue(o)}`),
      );
      return;
    }
    try {
      if (Object.hasOwn(o, "exported_count") || Object.hasOwn(o, "exported_rules_count")) return;
      if (Object.hasOwn(o, "rule_id")) rules.push(parseKibanaRule(o, where, options));
      else if (Object.hasOwn(o, "item_id") && Object.hasOwn(o, "entries"))
        items.push(parseExceptionItem(o, where));
      else if (Object.hasOwn(o, "list_id")) lists.push(parseExceptionList(o, where));
      else {
        problems.push(
          new RuleLoadError(
            file,
            `${where}: neither a rule (rule_id), an exception list (list_id) nor an exception item (item_id); is this a Kibana rule or exception-list export?`,
          ),
        );
      }
    } catch (e) {
      if (e instanceof RuleLoadError) problems.push(e);
      else if (e instanceof ExceptionError) problems.push(new RuleLoadError(file, e.message, { cause: e }));
      else throw e;
    }
  });
  return { rules, lists, items, problems };
}

/** Exception items and lists gathered from every export and `--exceptions` file of a load. */
export class ExceptionCatalog {
  private readonly byList = new Map<string, CompiledException[]>();
  private readonly known = new Set<string>();

  private static key(listId: string, ns: string): string {
    return `${ns}\u0000${listId}`;
  }

  addList(list: ExceptionListInfo): void {
    this.known.add(ExceptionCatalog.key(list.listId, list.namespaceType));
  }

  addItem(item: ExceptionItem): void {
    const k = ExceptionCatalog.key(item.listId, item.namespaceType);
    this.known.add(k);
    const arr = this.byList.get(k) ?? [];
    if (arr.length === 0) this.byList.set(k, arr);
    arr.push(compileExceptionItem(item));
  }

  has(ref: ExceptionListRef): boolean {
    return this.known.has(ExceptionCatalog.key(ref.listId, ref.namespaceType));
  }

  /** The rule with its lists' items attached; a list that was never given is a load error. */
  link(exported: ExportedRule): Rule {
    const { rule, lists } = exported;
    if (lists.length === 0) return rule;
    const missing = lists.filter((l) => !this.has(l));
    if (missing.length > 0) {
      throw new RuleLoadError(
        rule.file,
        `${rule.file}: rule ${JSON.stringify(rule.name)} uses exception list${missing.length > 1 ? "s" : ""} ${missing
          .map((m) => JSON.stringify(m.listId))
          .join(
            ", ",
          )}, not found in the export; export the rule with its exceptions, or pass the list's export with --exceptions`,
      );
    }
    const items = lists.flatMap(
      (l) => this.byList.get(ExceptionCatalog.key(l.listId, l.namespaceType)) ?? [],
    );
    return { ...rule, exceptions: { lists, items } };
  }
}
