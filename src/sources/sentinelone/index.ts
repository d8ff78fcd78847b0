/**
 * SentinelOne Cloud Funnel raw events -> the ECS document Elastic's `sentinel_one_cloud_funnel`
 * integration pipeline would index (elastic/integrations,
 * packages/sentinel_one_cloud_funnel/data_stream/event/elasticsearch/ingest_pipeline/): the common
 * part (common.ts), then each per-event-type pipeline whose keyword the raw `event.category`
 * contains (same tests, same order), then the command-line split into args and the removal of
 * empty values. docs/sources.md has the table per event type.
 *
 * The view is a new object built with literal keys only; the record is never written and is kept
 * by reference under `sentinel_one_cloud_funnel.event`, so a rule may still read any raw field
 * (by its raw name: Elastic renames the custom fields it keeps, this view does not).
 */
import { windowsArgv } from "./argv.ts";
import { mapCommon } from "./common.ts";
import { child, type Doc, dropEmpty, type Obj } from "./doc.ts";
import { mapFile, mapScheduledTask } from "./file.ts";
import { mapDns, mapNetworkAction, mapUrl } from "./network.ts";
import { mapIndicator, mapLogin, mapThreatIntel } from "./other.ts";
import { mapCommandScript, mapCrossProcess, mapProcess } from "./process.ts";
import { RawRecord } from "./raw.ts";
import { mapRegistry } from "./registry.ts";

export { windowsArgv } from "./argv.ts";
export { fileEventKinds } from "./file.ts";
export { halveBackslashes } from "./raw.ts";

/** The per-event-type pipelines in default.yml's order, with the test on the lower-cased category. */
const PIPELINES: readonly [(c: string) => boolean, (d: Doc) => void][] = [
  [(c) => c.includes("command"), mapCommandScript],
  [(c) => c.includes("cross"), mapCrossProcess],
  [(c) => c.includes("dns"), mapDns],
  [(c) => c.includes("file"), mapFile],
  [(c) => c.includes("indicator") && !c.includes("threat"), mapIndicator],
  [(c) => c.includes("login"), mapLogin],
  [(c) => c.includes("module"), () => {}],
  // "ip" is also inside "command_script", hence the exclusion.
  [(c) => c.includes("ip") && !c.includes("command"), mapNetworkAction],
  [(c) => c.includes("process") && !c.includes("cross"), mapProcess],
  [(c) => c.includes("registry"), mapRegistry],
  [(c) => c.includes("schedule"), mapScheduledTask],
  [(c) => c.includes("threat"), mapThreatIntel],
  [(c) => c.includes("url"), mapUrl],
];

function splitArgs(process: Obj): void {
  const cmd = process.command_line;
  if (typeof cmd === "string" && cmd !== "") {
    const args = windowsArgv(cmd);
    process.args = args;
    process.args_count = args.length;
  }
}

export function sentinelOneToEcs(record: Record<string, unknown>): Record<string, unknown> {
  const raw = new RawRecord(record);
  const root: Obj = {};
  const d: Doc = { raw, root, error: false, trimTarget: true };
  mapCommon(d);

  const category = raw.get("event.category");
  if (typeof category === "string") {
    const c = category.toLowerCase();
    for (const [applies, map] of PIPELINES) if (applies(c)) map(d);
  } else if (category !== undefined && category !== null) {
    d.error = true; // each pipeline processor's `if` calls toLowerCase() and fails
  }

  // After the event-type pipelines: the process pipeline replaces process.command_line.
  const process = root.process;
  if (process !== null && typeof process === "object" && !Array.isArray(process)) {
    splitArgs(process as Obj);
    const parent = (process as Obj).parent;
    if (parent !== null && typeof parent === "object" && !Array.isArray(parent)) splitArgs(parent as Obj);
  }
  const view = dropEmpty(root) ?? {};
  if (d.error) child(view, "event").kind = "pipeline_error";
  view.sentinel_one_cloud_funnel = { event: record };
  return view;
}

/**
 * ECS fields whose SentinelOne values are derived rather than copied, so a rule literal on them
 * need not occur in the raw text: constants set per event type, lower-cased or renamed values,
 * dates, booleans, numbers from strings, and the command line split into args. Every other
 * field holds a raw value or a piece of one, except that runs of backslashes are halved
 * (halveBackslashes): only the parts of a value between backslashes are verbatim in the raw text.
 */
export const SENTINELONE_DERIVED_FIELDS: readonly string[] = [
  "@timestamp",
  "event.category",
  "event.type",
  "event.action",
  "event.kind",
  "event.outcome",
  "process.args",
  "process.args_count",
  "process.parent.args",
  "process.parent.args_count",
  "process.start",
  "process.parent.start",
  "process.code_signature.exists",
  "process.code_signature.trusted",
  "process.parent.code_signature.exists",
  "process.parent.code_signature.trusted",
  "file.created",
  "file.mtime",
  "file.drive_letter",
  "network.direction",
  "network.protocol",
  "dns.question.type",
  "dns.answers.type",
  "dns.resolved_ip",
  // percent-decoded by uri_parts
  "url.path",
  "url.query",
  "url.fragment",
  "url.extension",
  "url.user_info",
  "url.username",
  "url.password",
];
