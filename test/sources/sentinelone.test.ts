/**
 * SentinelOne Cloud Funnel -> ECS: the part of Elastic's pipeline every event type shares
 * (time, host, the source process, user split, code signature) and the view's safety
 * properties. Event types have their own files (sentinelone-*.test.ts).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { sentinelOneToEcs, toEcs } from "../../src/sources/index.ts";
import { isoFromMs } from "../../src/sources/sentinelone/convert.ts";
import { halveBackslashes } from "../../src/sources/sentinelone/index.ts";
import { readRecords, snapshot } from "./helpers.ts";
import { at, s1Base, values as v } from "./s1-records.ts";

describe("SentinelOne common fields", () => {
  const e = sentinelOneToEcs(s1Base({ "event.category": "module" }));

  test("event.kind is event, event.id is copied", () => {
    assert.equal(at(e, "event.kind"), "event");
    assert.equal(at(e, "event.id"), "EVT_1");
  });
  test("@timestamp is event.time (epoch ms) as a UTC date with milliseconds", () => {
    assert.equal(at(e, "@timestamp"), "2023-11-14T22:13:20.123Z");
    const iso = sentinelOneToEcs(s1Base({ "event.time": "2023-11-14T23:13:20.5+01:00" }));
    assert.equal(at(iso, "@timestamp"), "2023-11-14T22:13:20.500Z");
    const digits = sentinelOneToEcs(s1Base({ "event.time": "1700000000123" }));
    assert.equal(at(digits, "@timestamp"), "2023-11-14T22:13:20.123Z");
  });
  test("an unparsable event.time gives no @timestamp and marks a pipeline error", () => {
    for (const t of ["yesterday", "2023-13-01", "2023-02-30T00:00:00Z", true]) {
      const x = sentinelOneToEcs(s1Base({ "event.time": t }));
      assert.equal(at(x, "@timestamp"), undefined, String(t));
      assert.equal(at(x, "event.kind"), "pipeline_error", String(t));
    }
    assert.equal(at(sentinelOneToEcs(s1Base({ "event.time": "" })), "event.kind"), "event");
  });
  test("the endpoint name is host.hostname, not host.name", () => {
    assert.equal(at(e, "host.hostname"), "WKS-07");
    assert.deepEqual(v(e, "host.name"), []);
  });
  test("host id, type and os", () => {
    assert.equal(at(e, "host.id"), "agent-uuid-1");
    assert.equal(at(e, "host.type"), "laptop");
    assert.equal(at(e, "host.os.name"), "Windows 11 Pro");
    assert.equal(at(e, "host.os.platform"), "windows");
    assert.equal(at(e, "host.os.type"), "windows");
  });
  test("host.os.type only for the exact lower-case ECS names; platform always", () => {
    for (const os of ["linux", "windows", "macos", "ios", "android"]) {
      assert.equal(at(sentinelOneToEcs(s1Base({ "endpoint.os": os })), "host.os.type"), os);
    }
    for (const os of ["Linux", "osx", "unknown", "windows "]) {
      const x = sentinelOneToEcs(s1Base({ "endpoint.os": os }));
      assert.equal(at(x, "host.os.type"), undefined, os);
      assert.equal(at(x, "host.os.platform"), os);
    }
  });
  test("the source process is process.*", () => {
    assert.equal(at(e, "process.name"), "cmd.exe");
    assert.equal(at(e, "process.executable"), "C:\\Windows\\System32\\cmd.exe");
    assert.equal(at(e, "process.command_line"), 'cmd.exe /c "echo hi"');
    assert.equal(at(e, "process.pid"), 4321);
    assert.equal(at(e, "process.entity_id"), "SRC-UID");
    assert.equal(at(e, "process.title"), "Windows Command Processor");
    assert.equal(at(e, "process.start"), "2023-11-14T22:13:20.000Z");
    assert.deepEqual(at(e, "process.hash"), { md5: "md5-src", sha1: "sha1-src", sha256: "sha256-src" });
  });
  test("its parent is process.parent.*, pid as a number, command line without surrounding quotes", () => {
    assert.equal(at(e, "process.parent.name"), "explorer.exe");
    assert.equal(at(e, "process.parent.executable"), "C:\\Windows\\explorer.exe");
    assert.equal(at(e, "process.parent.command_line"), "C:\\Windows\\explorer.exe");
    assert.equal(at(e, "process.parent.pid"), 1200);
    assert.equal(at(e, "process.parent.entity_id"), "PARENT-UID");
    assert.equal(at(e, "process.parent.hash.sha1"), "sha1-parent");
    assert.equal(at(e, "process.parent.start"), "2023-11-14T19:26:40.000Z");
  });
  test("the parent's md5 comes from osSrc.process.parent.image.md5, as in the pipeline", () => {
    assert.equal(at(e, "process.parent.hash.md5"), undefined);
    const x = sentinelOneToEcs(
      s1Base({ "src.process.parent.image.md5": "ignored", "osSrc.process.parent.image.md5": "os-md5" }),
    );
    assert.equal(at(x, "process.parent.hash.md5"), "os-md5");
  });
  test("args split the command lines (process and parent)", () => {
    assert.deepEqual(at(e, "process.args"), ["cmd.exe", "/c", "echo hi"]);
    assert.equal(at(e, "process.args_count"), 3);
    assert.deepEqual(at(e, "process.parent.args"), ["C:\\Windows\\explorer.exe"]);
    assert.equal(at(e, "process.parent.args_count"), 1);
  });
  test("a pid that is not a number is dropped and marks a pipeline error", () => {
    const x = sentinelOneToEcs(s1Base({ "src.process.pid": "12a" }));
    assert.equal(at(x, "process.pid"), undefined);
    assert.equal(at(x, "event.kind"), "pipeline_error");
    assert.equal(at(sentinelOneToEcs(s1Base({ "src.process.pid": "0x10" })), "process.pid"), 16);
  });
});

describe("SentinelOne user", () => {
  test("DOMAIN\\name is split at the first backslash into user.domain and user.name", () => {
    const e = sentinelOneToEcs(s1Base());
    assert.equal(at(e, "user.name"), "alice");
    assert.equal(at(e, "user.domain"), "CORP");
    assert.equal(at(e, "process.user.name"), "CORP\\alice");
    const deep = sentinelOneToEcs(s1Base({ "src.process.user": "A\\B\\c" }));
    assert.equal(at(deep, "user.domain"), "A");
    assert.equal(at(deep, "user.name"), "B\\c");
  });
  test("a user without a backslash is both user.name and user.domain", () => {
    const e = sentinelOneToEcs(s1Base({ "src.process.user": "root" }));
    assert.equal(at(e, "user.name"), "root");
    assert.equal(at(e, "user.domain"), "root");
  });
  test("an empty half is dropped", () => {
    const e = sentinelOneToEcs(s1Base({ "src.process.user": "\\bob" }));
    assert.equal(at(e, "user.name"), "bob");
    assert.equal(at(e, "user.domain"), undefined);
  });
  test("eUserName replaces process.user.name but never user.name", () => {
    const e = sentinelOneToEcs(s1Base({ "src.process.eUserName": "effective" }));
    assert.equal(at(e, "process.user.name"), "effective");
    assert.equal(at(e, "user.name"), "alice");
    const none = s1Base({ "src.process.eUserName": "effective" });
    delete none["src.process.user"];
    assert.equal(at(sentinelOneToEcs(none), "user"), undefined);
  });
});

describe("SentinelOne code signature of the source process", () => {
  const sig = (o: Record<string, unknown>) => at(sentinelOneToEcs(s1Base(o)), "process.code_signature");
  test("signed and verified", () => {
    assert.deepEqual(sig({}), { exists: true, subject_name: "MICROSOFT WINDOWS", trusted: true });
  });
  test("signed but not verified is untrusted", () => {
    assert.deepEqual(sig({ "src.process.verifiedStatus": "invalid" }), {
      exists: true,
      subject_name: "MICROSOFT WINDOWS",
      trusted: false,
    });
  });
  test("unsigned: exists false, no trust", () => {
    assert.deepEqual(sig({ "src.process.signedStatus": "unsigned", "src.process.verifiedStatus": "x" }), {
      exists: false,
      subject_name: "MICROSOFT WINDOWS",
    });
  });
  test("'unverified' contains 'verified', and the pipeline counts it as trusted", () => {
    assert.equal((sig({ "src.process.verifiedStatus": "unverified" }) as { trusted: unknown }).trusted, true);
  });
});

describe("SentinelOne raw shapes", () => {
  test("nested and mixed spellings of the raw keys map the same as flat ones", () => {
    const nested = {
      dataSource: { name: "SentinelOne" },
      event: { category: "file", type: "FileCreation", time: 1700000000000 },
      endpoint: { os: "linux", name: "h" },
      tgt: { file: { path: "/etc/NetworkManager/dispatcher.d/a" } },
      "src.process": { "image.path": "/usr/bin/bash", user: "root" },
    };
    const flat = {
      "dataSource.name": "SentinelOne",
      "event.category": "file",
      "event.type": "FileCreation",
      "event.time": 1700000000000,
      "endpoint.os": "linux",
      "endpoint.name": "h",
      "tgt.file.path": "/etc/NetworkManager/dispatcher.d/a",
      "src.process.image.path": "/usr/bin/bash",
      "src.process.user": "root",
    };
    const strip = (x: Record<string, unknown>) => ({ ...x, sentinel_one_cloud_funnel: undefined });
    assert.deepEqual(strip(sentinelOneToEcs(nested)), strip(sentinelOneToEcs(flat)));
    assert.equal(at(sentinelOneToEcs(nested), "file.directory"), "/etc/NetworkManager/dispatcher.d");
  });
  test("runs of backslashes are halved (rounding up), as Elastic's gsub on the raw line does", () => {
    assert.equal(halveBackslashes("C:\\x"), "C:\\x");
    assert.equal(halveBackslashes("\\\\srv\\share"), "\\srv\\share");
    assert.equal(halveBackslashes("a\\\\\\b"), "a\\\\b");
    assert.equal(halveBackslashes("a\\\\\\\\b"), "a\\\\b");
    const e = sentinelOneToEcs(s1Base({ "src.process.image.path": "C:\\\\Windows\\\\x.exe" }));
    assert.equal(at(e, "process.executable"), "C:\\Windows\\x.exe");
  });
  test("the record is never mutated", () => {
    const r = s1Base({
      "event.category": "process",
      "tgt.process.cmdline": '"a b"',
      "event.type": "ProcessCreation",
    });
    const before = snapshot(r);
    sentinelOneToEcs(r);
    toEcs(r, "auto");
    assert.equal(snapshot(r), before);
  });
  test("hostile keys neither pollute nor reach the view", () => {
    const r = JSON.parse(
      '{"dataSource.name":"SentinelOne","__proto__":{"polluted":1},"constructor.prototype.polluted":1,' +
        '"__proto__.executable":"/x","file":{"path":"/etc/fake"},"process.executable":"/usr/bin/dpkg",' +
        '"event.category":"file","event.type":"FileCreation","tgt.file.path":"/real/p",' +
        '"src.process.__proto__":"x","tgt":{"__proto__":{"file":{"path":"/proto"}}}}',
    ) as Record<string, unknown>;
    const e = sentinelOneToEcs(r);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(e), Object.prototype);
    assert.deepEqual(v(e, "file.path"), ["/real/p"]);
    assert.deepEqual(v(e, "process.executable"), []);
  });
  test("values of unexpected JSON types never throw", () => {
    const odd: unknown[] = [null, {}, [], [1, "a"], { a: 1 }, true, 1.5, Number.MAX_VALUE, ""];
    const keys = Object.keys(s1Base({ "event.category": "process", "event.type": "ProcessCreation" }));
    for (const k of [...keys, "event.category", "event.dns.response", "url.address", "registry.keyPath"]) {
      for (const x of odd) {
        assert.doesNotThrow(
          () => sentinelOneToEcs(s1Base({ "event.category": "dns", [k]: x })),
          `${k}=${String(x)}`,
        );
        for (const c of ["process", "file", "ip", "registry", "url", "logins", "dns"]) {
          assert.doesNotThrow(() => sentinelOneToEcs(s1Base({ "event.category": c, [k]: x })));
        }
      }
    }
  });
  test("the raw record stays readable under sentinel_one_cloud_funnel.event", () => {
    const r = s1Base();
    const e = sentinelOneToEcs(r);
    assert.equal(at(e, "sentinel_one_cloud_funnel.event"), r);
    assert.deepEqual(v(e, "sentinel_one_cloud_funnel.event.src.process.name"), ["cmd.exe"]);
  });
  test("the old nested (pre-2023) format has no Cloud Funnel keys, so no event type is mapped", () => {
    const sample = JSON.parse(
      (readRecords("OLD_nested_format_file_deletion_linux.205732c.json")[0] as { input: { message: string } })
        .input.message,
    ) as Record<string, unknown>;
    const { event } = toEcs(sample, "auto");
    assert.deepEqual(v(event, "event.category"), []);
    assert.deepEqual(v(event, "file.path"), []);
  });
});

describe("dates as toISOString writes them", () => {
  test("property: isoFromMs equals Date.prototype.toISOString (years 1000-9999 and the whole Date range)", () => {
    const same = (ms: number): boolean => isoFromMs(ms) === new Date(ms).toISOString();
    fc.assert(fc.property(fc.integer({ min: -30610224000000, max: 253402300799999 }), same), {
      numRuns: 5000,
    });
    fc.assert(fc.property(fc.integer({ min: -8.64e15, max: 8.64e15 }), same), { numRuns: 1000 });
    for (const ms of [0, -1, 951782400000, 951868799999, -30610224000000, 253402300799999, 253402300800000]) {
      assert.equal(isoFromMs(ms), new Date(ms).toISOString(), String(ms));
    }
  });
});
