/**
 * "What was detected": which fields of an alert's event a person reads first, by the event's
 * category (process: command line, args, parent, user; network: addresses, ports, direction;
 * file, dns, registry, library, authentication), then the other fields the rule's query read, so
 * an alert of any rule in the pack reads right. Shared by the email and Slack renderings.
 */

/** Rows of "what was detected" for one category, in the order a responder reads them. */
const CATEGORY_ROWS: Readonly<Record<string, readonly (readonly [string, readonly string[]])[]>> = {
  file: [
    ["File", ["file.path"]],
    ["SHA-256", ["file.hash.sha256"]],
    ["Action", ["event.action", "event.type"]],
    ["Process", ["process.executable", "process.name"]],
    ["PID", ["process.pid"]],
    ["Command", ["process.command_line"]],
    ["Parent", ["process.parent.executable"]],
    ["User", ["user.name"]],
  ],
  process: [
    ["Process", ["process.executable", "process.name"]],
    ["PID", ["process.pid"]],
    ["Command", ["process.command_line"]],
    ["Args", ["process.args"]],
    ["Action", ["event.action", "event.type"]],
    ["Parent", ["process.parent.executable", "process.parent.name"]],
    ["Par. cmd", ["process.parent.command_line"]],
    ["User", ["user.name"]],
  ],
  network: [
    ["Source", ["source.ip"]],
    ["Src port", ["source.port"]],
    ["Dest", ["destination.ip"]],
    ["Dst port", ["destination.port"]],
    ["Domain", ["destination.domain"]],
    ["Direction", ["network.direction"]],
    ["Protocol", ["network.transport"]],
    ["Process", ["process.executable", "process.name"]],
    ["User", ["user.name"]],
  ],
  dns: [
    ["Question", ["dns.question.name"]],
    ["Type", ["dns.question.type"]],
    ["Resolved", ["dns.resolved_ip"]],
    ["Process", ["process.executable", "process.name"]],
    ["User", ["user.name"]],
  ],
  registry: [
    ["Registry", ["registry.path"]],
    ["Value", ["registry.value"]],
    ["Data", ["registry.data.strings"]],
    ["Process", ["process.executable", "process.name"]],
    ["User", ["user.name"]],
  ],
  library: [
    ["Library", ["dll.path"]],
    ["Process", ["process.executable", "process.name"]],
    ["User", ["user.name"]],
  ],
  authentication: [
    ["User", ["user.name"]],
    ["Domain", ["user.domain"]],
    ["Source", ["source.ip"]],
    ["Outcome", ["event.outcome"]],
    ["Action", ["event.action"]],
  ],
};
const DEFAULT_ROWS = CATEGORY_ROWS.file!;
export const SLACK_SKIPPED: ReadonlySet<string> = new Set(["SHA-256", "Action", "PID", "Src port"]);
export const SLACK_LABEL: Readonly<Record<string, string>> = {
  Command: "cmd",
  "Par. cmd": "parent cmd",
  "Dst port": "port",
};

/**
 * What to show of an event: the rows of its category (process: command line, args, parent, user;
 * network: addresses, ports, direction; ...), then the other fields the rule's query read, so a
 * rule of any kind reads right, not only file rules.
 */
export function contextRows(
  e: Readonly<Record<string, unknown>>,
  ruleFields?: readonly string[],
): [string, unknown][] {
  const cats = e["event.category"];
  const cat = (Array.isArray(cats) ? cats : [cats]).find(
    (c) => typeof c === "string" && Object.hasOwn(CATEGORY_ROWS, c),
  );
  const spec = typeof cat === "string" ? CATEGORY_ROWS[cat]! : DEFAULT_ROWS;
  const rows: [string, unknown][] = [];
  const shown = new Set<string>([
    "@timestamp",
    "host.name",
    "host.hostname",
    "host.os.type",
    "event.category",
  ]);
  for (const [label, fields] of spec) {
    for (const f of fields) shown.add(f);
    const f = fields.find((x) => e[x] !== undefined);
    if (f !== undefined) rows.push([label, e[f]]);
  }
  for (const f of ruleFields ?? []) {
    if (shown.has(f) || e[f] === undefined) continue;
    shown.add(f);
    rows.push([f, e[f]]);
  }
  return rows;
}
