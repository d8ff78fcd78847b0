/** Records and rules for the sequence tests: a dropper (curl writes, chmod +x, the file runs). */
/** A detection-rules TOML rule around `query`. */
export function tomlRule(id: string, query: string): string {
  return [
    "[rule]",
    `rule_id = "${id}"`,
    `name = "Rule ${id}"`,
    'description = "test"',
    'severity = "high"',
    "risk_score = 73",
    'type = "eql"',
    'language = "eql"',
    `query = '''\n${query}\n'''`,
    "",
  ].join("\n");
}

// "curl wrote /tmp/x, chmod +x /tmp/x, /tmp/x ran", on one host, within a minute.
export const DROPPER = `sequence by host.id with maxspan=1m
  [file where event.type == "creation" and process.name == "curl"] by file.path
  [process where process.name == "chmod"] by process.args
  [process where event.type == "start"] by process.executable`;

export const T0 = Date.parse("2026-11-30T10:00:00Z");
export const iso = (s: number) => new Date(T0 + s * 1000).toISOString();

export function wrote(host: string, path: string, s: number, id = `w-${host}-${s}`) {
  return {
    "@timestamp": iso(s),
    event: { id, category: ["file"], type: ["creation"] },
    host: { id: host, name: `${host}.example` },
    process: { name: "curl", pid: 10 },
    file: { path },
  };
}
export function chmod(host: string, path: string, s: number, id = `c-${host}-${s}`) {
  return {
    "@timestamp": iso(s),
    event: { id, category: ["process"], type: ["start"] },
    host: { id: host },
    process: { name: "chmod", args: ["+x", path], executable: "/usr/bin/chmod" },
  };
}
export function ran(host: string, path: string, s: number, id = `r-${host}-${s}`) {
  return {
    "@timestamp": iso(s),
    event: { id, category: ["process"], type: ["start"] },
    host: { id: host },
    process: { name: path.split("/").pop(), executable: path, pid: 99 },
  };
}
export const noise = (s: number) => ({
  "@timestamp": iso(s),
  event: { id: `n${s}`, category: ["process"], type: ["end"] },
  host: { id: "h1" },
  process: { name: "bash" },
});
