/** SentinelOne registry, login, indicator, threat-intelligence and module events; args splitting. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sentinelOneToEcs, windowsArgv } from "../../src/sources/index.ts";
import { at, s1Base } from "./s1-records.ts";

function regEvent(o: Record<string, unknown> = {}): Record<string, unknown> {
  return s1Base({
    "event.category": "registry",
    "event.type": "Registry Value Create",
    "meta.event.name": "REGVALUECREATE",
    "registry.keyPath": "MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater",
    "registry.value": "C:\\Users\\Public\\u.exe",
    "registry.valueType": "SZ",
    ...o,
  });
}

describe("SentinelOne registry events", () => {
  const e = sentinelOneToEcs(regEvent());
  test("category registry; type from event.type, action from meta.event.name", () => {
    assert.deepEqual(at(e, "event.category"), ["registry"]);
    assert.deepEqual(at(e, "event.type"), ["creation"]);
    assert.deepEqual(at(e, "event.action"), ["creation"]);
  });
  test("modification and deletion", () => {
    const mod = sentinelOneToEcs(
      regEvent({ "event.type": "RegistryValueModified", "meta.event.name": "REGVALUEMODIFIED" }),
    );
    assert.deepEqual(at(mod, "event.type"), ["change"]);
    assert.deepEqual(at(mod, "event.action"), ["modification"]);
    const del = sentinelOneToEcs(
      regEvent({ "event.type": "Registry Key Delete", "meta.event.name": "REGKEYDELETE" }),
    );
    assert.deepEqual(at(del, "event.type"), ["deletion"]);
    assert.deepEqual(at(del, "event.action"), ["deletion"]);
  });
  test("'Created' contains 'create'; a type with none of the words gets no event.type", () => {
    assert.deepEqual(at(sentinelOneToEcs(regEvent({ "event.type": "KeyCreated" })), "event.type"), [
      "creation",
    ]);
    assert.equal(
      at(sentinelOneToEcs(regEvent({ "event.type": "RegistryKeyRename" })), "event.type"),
      undefined,
    );
  });
  test("path, key (before the last backslash), value name, data", () => {
    assert.equal(
      at(e, "registry.path"),
      "MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\Updater",
    );
    assert.equal(at(e, "registry.key"), "MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run");
    assert.equal(at(e, "registry.value"), "Updater");
    assert.equal(at(e, "registry.data.strings"), "C:\\Users\\Public\\u.exe");
    assert.equal(at(e, "registry.data.type"), "SZ");
  });
  test("no meta.event.name: the action test throws, the rest of the registry pipeline is skipped", () => {
    const r = regEvent();
    delete r["meta.event.name"];
    const x = sentinelOneToEcs(r);
    assert.equal(at(x, "event.kind"), "pipeline_error");
    assert.deepEqual(at(x, "event.type"), ["creation"]);
    assert.equal(at(x, "registry"), undefined);
  });
});

describe("SentinelOne login events", () => {
  const e = sentinelOneToEcs(
    s1Base({
      "event.category": "logins",
      "event.type": "Login",
      "event.login.userName": "mallory",
      "src.endpoint.ip.address": "192.0.2.44",
      "event.login.tgt.domainName": "CORP",
      "event.login.tgt.user.name": "svc-backup",
    }),
  );
  test("category authentication; Login is start, Logout end, anything else info", () => {
    assert.deepEqual(at(e, "event.category"), ["authentication"]);
    assert.deepEqual(at(e, "event.type"), ["start"]);
    const out = sentinelOneToEcs(s1Base({ "event.category": "logins", "event.type": "Logout" }));
    assert.deepEqual(at(out, "event.type"), ["end"]);
    const other = sentinelOneToEcs(s1Base({ "event.category": "logins", "event.type": "LoginFailed" }));
    assert.deepEqual(at(other, "event.type"), ["info"]);
  });
  test("the login's user name replaces user.name; user.domain stays the process's", () => {
    assert.equal(at(e, "user.name"), "mallory");
    assert.equal(at(e, "user.domain"), "CORP");
  });
  test("the remote endpoint is host.ip; the login target is destination.user", () => {
    assert.deepEqual(at(e, "host.ip"), ["192.0.2.44"]);
    assert.deepEqual(at(e, "destination.user"), { name: "svc-backup", domain: "CORP" });
  });
});

describe("SentinelOne indicators, threat intelligence, modules", () => {
  test("behavioural indicators get no category (the pipeline sets none), thread id only", () => {
    const e = sentinelOneToEcs(s1Base({ "event.category": "indicators", "src.process.tid": 9 }));
    assert.equal(at(e, "event.category"), undefined);
    assert.equal(at(e, "process.thread.id"), 9);
  });
  test("threat intelligence indicators: threat / indicator, with description and references", () => {
    const e = sentinelOneToEcs(
      s1Base({
        "event.category": "threat_intelligence_indicators",
        "tiIndicator.description": "known bad",
        "tiIndicator.references": ["https://example.org/r"],
        "tiIndicator.mitreTactics": "Execution",
      }),
    );
    assert.deepEqual(at(e, "event.category"), ["threat"]);
    assert.deepEqual(at(e, "event.type"), ["indicator"]);
    assert.equal(at(e, "threat.indicator.description"), "known bad");
    assert.deepEqual(at(e, "threat.indicator.reference"), ["https://example.org/r"]);
    assert.deepEqual(at(e, "threat.tactic.name"), ["Execution"]);
  });
  test("module loads: no category, the process fields only", () => {
    const e = sentinelOneToEcs(s1Base({ "event.category": "module", "module.path": "C:\\x.dll" }));
    assert.equal(at(e, "event.category"), undefined);
    assert.equal(at(e, "process.name"), "cmd.exe");
    assert.equal(at(e, "file"), undefined);
  });
  test("an unknown category: the common fields only", () => {
    const e = sentinelOneToEcs(s1Base({ "event.category": "driver" }));
    assert.equal(at(e, "event.category"), undefined);
    assert.equal(at(e, "event.kind"), "event");
  });
});

describe("command lines split as Windows does (process.args)", () => {
  const cases: [string, string[]][] = [
    ["a b  c", ["a", "b", "c"]],
    ["  lead\ttab ", ["lead", "tab"]],
    ['"C:\\Program Files\\x.exe" -a', ["C:\\Program Files\\x.exe", "-a"]],
    ['a"b c"d', ["ab cd"]],
    ['\\"quoted\\"', ['"quoted"']],
    ['a\\\\"b c"', ["a\\b c"]],
    ["a\\\\b", ["a\\\\b"]],
    ["trailing\\", ["trailing\\"]],
    ['"a""b"', ['a"b']],
    ['x ""', ["x", ""]],
    ["", []],
  ];
  for (const [cmd, want] of cases) {
    test(JSON.stringify(cmd), () => assert.deepEqual(windowsArgv(cmd), want));
  }
  test("empty arguments count in args_count but are dropped from args", () => {
    const e = sentinelOneToEcs(s1Base({ "src.process.cmdline": 'tool ""' }));
    assert.deepEqual(at(e, "process.args"), ["tool"]);
    assert.equal(at(e, "process.args_count"), 2);
  });
  test("Linux command lines are split by the same (Windows) rules", () => {
    const e = sentinelOneToEcs(s1Base({ "endpoint.os": "linux", "src.process.cmdline": "sh -c 'echo a b'" }));
    assert.deepEqual(at(e, "process.args"), ["sh", "-c", "'echo", "a", "b'"]);
  });
});
