import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { NON_VERBATIM_FIELDS } from "../../src/eql/literals.ts";
import { fieldValues } from "../../src/document/index.ts";
import { sentinelOneEventType, sentinelOneToEcs, toEcs } from "../../src/sources/index.ts";
import { readRecords, snapshot } from "./helpers.ts";

/** A minimal Cloud Funnel file event on Linux, flat dotted keys as S1 writes them. */
function s1(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    "dataSource.name": "SentinelOne",
    "i.scheme": "edr",
    "event.category": "file",
    "event.type": "File Creation",
    "event.time": 1700000000000,
    "event.id": "X_1",
    "endpoint.os": "linux",
    "endpoint.name": "host-a",
    "tgt.file.path": "/etc/NetworkManager/dispatcher.d/99-persist",
    "src.process.image.path": "/usr/bin/bash",
    "src.process.name": "bash",
    "src.process.cmdline": "bash -c x",
    "src.process.pid": 1517,
    "src.process.eUserName": "root",
    ...overrides,
  };
}

const v = (event: unknown, path: string) => fieldValues(event, path);

describe("SentinelOne event.type", () => {
  const cases: [string, string][] = [
    ["File Creation", "creation"],
    ["FileCreation", "creation"],
    ["FILECREATION", "creation"],
    ["file creation", "creation"],
    ["File Deletion", "deletion"],
    ["FileDeletion", "deletion"],
    ["File Modification", "change"],
    ["FileModification", "change"],
    ["File Rename", "change"],
    ["FileRename", "change"],
    ["File Change", "change"],
    ["File Scan", "info"],
    ["", "info"],
  ];
  for (const [raw, want] of cases) {
    test(`${JSON.stringify(raw)} -> ${want}`, () => {
      assert.equal(sentinelOneEventType(raw), want);
      assert.deepEqual(v(sentinelOneToEcs(s1({ "event.type": raw })), "event.type"), [want]);
    });
  }
  test("absent raw event.type gives no event.type", () => {
    const r = s1();
    delete r["event.type"];
    assert.deepEqual(v(sentinelOneToEcs(r), "event.type"), []);
  });
});

describe("SentinelOne event.category", () => {
  for (const raw of ["file", "File", "FILE", "file_event"]) {
    test(`${raw} -> ["file"]`, () => {
      assert.deepEqual(v(sentinelOneToEcs(s1({ "event.category": raw })), "event.category"), ["file"]);
    });
  }
  for (const raw of ["process", "network", "", null]) {
    test(`${JSON.stringify(raw)} -> no file category`, () => {
      assert.deepEqual(v(sentinelOneToEcs(s1({ "event.category": raw })), "event.category"), []);
    });
  }
});

describe("SentinelOne host.os.type", () => {
  for (const os of ["linux", "windows", "macos", "ios", "android"]) {
    test(`${os} is copied`, () => {
      assert.deepEqual(v(sentinelOneToEcs(s1({ "endpoint.os": os })), "host.os.type"), [os]);
    });
  }
  for (const os of ["Linux", "LINUX", "linux ", "osx", "unknown", ""]) {
    test(`${JSON.stringify(os)} is not copied`, () => {
      assert.deepEqual(v(sentinelOneToEcs(s1({ "endpoint.os": os })), "host.os.type"), []);
    });
  }
});

describe("SentinelOne file fields", () => {
  test("file.path from tgt.file.path", () => {
    assert.deepEqual(v(sentinelOneToEcs(s1()), "file.path"), ["/etc/NetworkManager/dispatcher.d/99-persist"]);
  });
  test("file.name from tgt.file.name when present", () => {
    const e = sentinelOneToEcs(s1({ "tgt.file.name": "given" }));
    assert.deepEqual(v(e, "file.name"), ["given"]);
  });
  test("file.name is the basename after the last slash on Linux paths", () => {
    assert.deepEqual(v(sentinelOneToEcs(s1()), "file.name"), ["99-persist"]);
  });
  test("file.name is the part after the last backslash when there is one", () => {
    const e = sentinelOneToEcs(s1({ "tgt.file.path": "C:\\Users\\a/b\\evil.ps1" }));
    assert.deepEqual(v(e, "file.name"), ["evil.ps1"]);
    const e2 = sentinelOneToEcs(s1({ "tgt.file.path": "/odd/dir\\name" }));
    assert.deepEqual(v(e2, "file.name"), ["name"]);
  });
  test("a path ending with a separator gives no file.name", () => {
    assert.deepEqual(v(sentinelOneToEcs(s1({ "tgt.file.path": "/etc/x/" })), "file.name"), []);
  });
  test("a path with no separator is its own name", () => {
    assert.deepEqual(v(sentinelOneToEcs(s1({ "tgt.file.path": "plain" })), "file.name"), ["plain"]);
  });
  test("file.extension only from tgt.file.extension, never derived from the name", () => {
    const noExt = sentinelOneToEcs(s1({ "tgt.file.path": "/etc/NetworkManager/dispatcher.d/.x.swp" }));
    assert.deepEqual(v(noExt, "file.extension"), []);
    const ext = sentinelOneToEcs(s1({ "tgt.file.path": "/a/b", "tgt.file.extension": "swp" }));
    assert.deepEqual(v(ext, "file.extension"), ["swp"]);
  });
});

describe("SentinelOne process, user, host, time", () => {
  const e = sentinelOneToEcs(s1());
  test("process fields", () => {
    assert.deepEqual(v(e, "process.executable"), ["/usr/bin/bash"]);
    assert.deepEqual(v(e, "process.name"), ["bash"]);
    assert.deepEqual(v(e, "process.command_line"), ["bash -c x"]);
    assert.deepEqual(v(e, "process.pid"), ["1517"]);
    assert.equal((e as { process: { pid: unknown } }).process.pid, 1517);
  });
  test("user.name prefers src.process.user, else src.process.eUserName", () => {
    assert.deepEqual(v(e, "user.name"), ["root"]);
    assert.deepEqual(v(sentinelOneToEcs(s1({ "src.process.user": "DOM\\bob" })), "user.name"), ["DOM\\bob"]);
  });
  test("host.name from endpoint.name", () => {
    assert.deepEqual(v(e, "host.name"), ["host-a"]);
  });
  test("@timestamp from event.time epoch ms", () => {
    assert.equal((e as Record<string, unknown>)["@timestamp"], "2023-11-14T22:13:20.000Z");
    assert.equal(
      (sentinelOneToEcs(s1({ "event.time": "1700000000000" })) as Record<string, unknown>)["@timestamp"],
      "2023-11-14T22:13:20.000Z",
    );
  });
  test("an unusable event.time gives no @timestamp and no throw", () => {
    for (const t of ["yesterday", 1e300, "9".repeat(40), null]) {
      const x = sentinelOneToEcs(s1({ "event.time": t })) as Record<string, unknown>;
      assert.equal(x["@timestamp"], undefined);
    }
  });
  test("raw fields stay readable under sentinel_one_cloud_funnel.event", () => {
    assert.deepEqual(v(e, "sentinel_one_cloud_funnel.event.tgt.file.path"), [
      "/etc/NetworkManager/dispatcher.d/99-persist",
    ]);
  });
});

describe("SentinelOne raw shapes", () => {
  test("nested and mixed spellings of the raw keys map the same", () => {
    const nested = {
      dataSource: { name: "SentinelOne" },
      event: { category: "file", type: "File Creation" },
      endpoint: { os: "linux" },
      tgt: { file: { path: "/etc/NetworkManager/dispatcher.d/a" } },
      "src.process": { "image.path": "/usr/bin/bash" },
    };
    const e = sentinelOneToEcs(nested);
    assert.deepEqual(v(e, "file.path"), ["/etc/NetworkManager/dispatcher.d/a"]);
    assert.deepEqual(v(e, "event.type"), ["creation"]);
    assert.deepEqual(v(e, "host.os.type"), ["linux"]);
    assert.deepEqual(v(e, "process.executable"), ["/usr/bin/bash"]);
  });
  test("the record is never mutated", () => {
    const r = s1();
    const before = snapshot(r);
    sentinelOneToEcs(r);
    toEcs(r, "auto");
    assert.equal(snapshot(r), before);
  });
  test("hostile keys neither pollute nor reach the view", () => {
    const r = JSON.parse(
      '{"dataSource.name":"SentinelOne","__proto__":{"polluted":1},"constructor.prototype.polluted":1,' +
        '"__proto__.executable":"/x","file":{"path":"/etc/NetworkManager/dispatcher.d/fake"},' +
        '"process.executable":"/usr/bin/dpkg","event.type":"File Creation","tgt.file.path":"/real"}',
    ) as Record<string, unknown>;
    const e = sentinelOneToEcs(r);
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
    assert.equal(Object.getPrototypeOf(e), Object.prototype);
    // ECS-looking keys in a raw S1 record are not the mapped fields.
    assert.deepEqual(v(e, "file.path"), ["/real"]);
    assert.deepEqual(v(e, "process.executable"), []);
  });
});

describe("SentinelOne samples", () => {
  test("Elastic's own pipeline fixture (FileCreation, Windows) maps like its expected ECS", () => {
    const [r] = readRecords("test-file.log");
    const { source, event } = toEcs(r!, "auto");
    assert.equal(source, "sentinelone");
    assert.deepEqual(v(event, "event.type"), ["creation"]);
    assert.deepEqual(v(event, "event.category"), ["file"]);
    assert.deepEqual(v(event, "host.os.type"), ["windows"]);
    assert.deepEqual(v(event, "file.name"), ["Favicons"]);
    assert.deepEqual(v(event, "file.path"), [
      "C:\\PROGRAMFILES\\MediaMonitors\\ChromeProfiles\\profile-1234\\userdata\\Default\\Favicons",
    ]);
    assert.deepEqual(v(event, "process.executable"), [
      "C:\\ProgramFiles(x86)\\Google\\Chrome\\Application\\chrome.exe",
    ]);
    assert.deepEqual(v(event, "process.pid"), ["7660"]);
    assert.deepEqual(v(event, "host.name"), ["asdf1"]);
    assert.equal((event as Record<string, unknown>)["@timestamp"], "2022-10-03T15:32:29.488Z");
  });
  test("Cloud Funnel 2.0 rename is a change, not a creation", () => {
    const [r] = readRecords("file_filerename.raw.ndjson");
    const { event } = toEcs(r!, "auto");
    assert.deepEqual(v(event, "event.type"), ["change"]);
    assert.deepEqual(v(event, "file.extension"), ["json"]);
  });
  test("Cloud Funnel 2.0 file creation without extension has no file.extension", () => {
    const [r] = readRecords("file_filecreation_noext.raw.ndjson");
    const { source, event } = toEcs(r!, "auto");
    assert.equal(source, "sentinelone");
    assert.deepEqual(v(event, "event.type"), ["creation"]);
    assert.deepEqual(v(event, "file.extension"), []);
    assert.deepEqual(v(event, "file.name"), ["TEST FILE ARY_2"]);
  });
  test("a process event has no file category", () => {
    const [r] = readRecords("linux_process_processcreation.raw.ndjson");
    const { source, event } = toEcs(r!, "auto");
    assert.equal(source, "sentinelone");
    assert.deepEqual(v(event, "event.category"), []);
  });
  test("the old nested (pre-2023) format is not mapped: no file event comes out of it", () => {
    const sample = JSON.parse(
      (readRecords("OLD_nested_format_file_deletion_linux.205732c.json")[0] as { input: { message: string } })
        .input.message,
    ) as Record<string, unknown>;
    const { event } = toEcs(sample, "auto");
    assert.deepEqual(v(event, "event.category"), []);
    assert.deepEqual(v(event, "file.path"), []);
  });
});

describe("views hold raw values verbatim outside NON_VERBATIM_FIELDS (the raw-text prefilter relies on it)", () => {
  function leaves(node: unknown, path: string, out: [string, string][]): void {
    if (node === null || node === undefined) return;
    if (Array.isArray(node)) {
      for (const x of node) leaves(x, path, out);
    } else if (typeof node === "object") {
      for (const [k, x] of Object.entries(node)) {
        const p = path === "" ? k : `${path}.${k}`;
        if (p !== "sentinel_one_cloud_funnel") leaves(x, p, out);
      }
    } else out.push([path, String(node)]);
  }
  const files = [
    "linux_dispatcher_file_creation.SYNTHETIC.ndjson",
    "file_filecreation_noext.raw.ndjson",
    "file_filerename.raw.ndjson",
    "linux_process_processcreation.raw.ndjson",
    "test-file.log",
    "endgame_kibana_demo.ndjson",
    "endgame_linux_dispatcher.SYNTHETIC.ndjson",
  ];
  for (const file of files) {
    test(file, () => {
      for (const r of readRecords(file)) {
        const raw = JSON.stringify(r);
        const out: [string, string][] = [];
        leaves(toEcs(r, "auto").event, "", out);
        for (const [path, value] of out) {
          if (NON_VERBATIM_FIELDS.includes(path)) continue;
          const escaped = JSON.stringify(value).slice(1, -1);
          assert.ok(raw.includes(escaped), `${file}: ${path}=${value} is not in the raw record`);
        }
      }
    });
  }
});

describe("flat and nested spellings of a Cloud Funnel record give the same view", () => {
  /** {"a.b.c": x} -> {"a": {"b": {"c": x}}} (first writer wins on a clash; the fixtures have none). */
  function nest(flat: Record<string, unknown>): Record<string, unknown> {
    const root: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(flat)) {
      const segs = key.split(".");
      let node = root;
      for (const s of segs.slice(0, -1)) {
        const next = node[s];
        if (next === undefined || typeof next !== "object" || next === null) node[s] = {};
        node = node[s] as Record<string, unknown>;
      }
      node[segs.at(-1)!] = value;
    }
    return root;
  }
  const strip = (view: Record<string, unknown>) => ({ ...view, sentinel_one_cloud_funnel: undefined });
  for (const file of [
    "linux_dispatcher_file_creation.SYNTHETIC.ndjson",
    "file_filecreation_noext.raw.ndjson",
    "file_filerename.raw.ndjson",
    "test-file.log",
  ]) {
    test(file, () => {
      for (const r of readRecords(file)) {
        assert.deepEqual(strip(sentinelOneToEcs(nest(r))), strip(sentinelOneToEcs(r)));
      }
    });
  }
});
