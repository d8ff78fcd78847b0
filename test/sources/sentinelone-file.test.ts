/** SentinelOne file and scheduled-task events. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fileEventKinds, sentinelOneToEcs } from "../../src/sources/index.ts";
import { at, s1Base } from "./s1-records.ts";

function fileEvent(o: Record<string, unknown> = {}): Record<string, unknown> {
  return s1Base({
    "event.category": "file",
    "event.type": "File Creation",
    "tgt.file.path": "C:\\Users\\alice\\AppData\\Roaming\\evil.ps1",
    "tgt.file.type": "PE",
    "tgt.file.size": "2048",
    "tgt.file.sha1": "fsha1",
    "tgt.file.sha256": "fsha256",
    "tgt.file.md5": "fmd5",
    "tgt.file.creationTime": 1700000000000,
    "tgt.file.modificationTime": "2023-11-14T22:13:21Z",
    ...o,
  });
}

describe("SentinelOne file event.type and event.action", () => {
  const cases: [string, string, string | undefined][] = [
    ["File Creation", "creation", "creation"],
    ["FileCreation", "creation", "creation"],
    ["FILECREATED", "creation", "creation"],
    ["File Deletion", "deletion", "deletion"],
    ["File Modification", "change", "change"],
    ["FileChange", "change", "change"],
    ["File Rename", "change", "rename"],
    ["File Scan", "info", undefined],
    ["", "info", undefined],
  ];
  for (const [raw, type, action] of cases) {
    test(`${JSON.stringify(raw)}: type ${type}, action ${action ?? "(none)"}`, () => {
      assert.deepEqual(fileEventKinds(raw), { type, action });
      const e = sentinelOneToEcs(fileEvent({ "event.type": raw }));
      assert.deepEqual(at(e, "event.category"), ["file"]);
      assert.deepEqual(at(e, "event.type"), [type]);
      assert.deepEqual(at(e, "event.action"), action === undefined ? undefined : [action]);
    });
  }
  test("no raw event.type: info", () => {
    const r = fileEvent();
    delete r["event.type"];
    assert.deepEqual(at(sentinelOneToEcs(r), "event.type"), ["info"]);
  });
  test("the category test is a case-insensitive 'contains file'", () => {
    assert.deepEqual(at(sentinelOneToEcs(fileEvent({ "event.category": "FILE" })), "event.category"), [
      "file",
    ]);
  });
});

describe("SentinelOne file fields", () => {
  const e = sentinelOneToEcs(fileEvent());
  test("path, name, directory, drive letter", () => {
    assert.equal(at(e, "file.path"), "C:\\Users\\alice\\AppData\\Roaming\\evil.ps1");
    assert.equal(at(e, "file.name"), "evil.ps1");
    assert.equal(at(e, "file.directory"), "C:\\Users\\alice\\AppData\\Roaming");
    assert.equal(at(e, "file.drive_letter"), "C");
    assert.equal(at(sentinelOneToEcs(fileEvent({ "tgt.file.path": "d:\\x" })), "file.drive_letter"), "D");
  });
  test("hashes, type, size as a number, created and mtime as dates", () => {
    assert.deepEqual(at(e, "file.hash"), { md5: "fmd5", sha1: "fsha1", sha256: "fsha256" });
    assert.equal(at(e, "file.type"), "PE");
    assert.equal(at(e, "file.size"), 2048);
    assert.equal(at(e, "file.created"), "2023-11-14T22:13:20.000Z");
    assert.equal(at(e, "file.mtime"), "2023-11-14T22:13:21.000Z");
  });
  test("Linux paths split at the last slash; a backslash wins when there is one", () => {
    const lin = sentinelOneToEcs(fileEvent({ "tgt.file.path": "/etc/NetworkManager/dispatcher.d/99-x" }));
    assert.equal(at(lin, "file.name"), "99-x");
    assert.equal(at(lin, "file.directory"), "/etc/NetworkManager/dispatcher.d");
    assert.equal(at(lin, "file.drive_letter"), undefined);
    const mixed = sentinelOneToEcs(fileEvent({ "tgt.file.path": "/odd/dir\\name" }));
    assert.equal(at(mixed, "file.name"), "name");
    assert.equal(at(mixed, "file.directory"), "/odd/dir");
  });
  test("the name from the path replaces tgt.file.name; without a separator tgt.file.name stays", () => {
    const both = sentinelOneToEcs(fileEvent({ "tgt.file.name": "given", "tgt.file.path": "/a/b" }));
    assert.equal(at(both, "file.name"), "b");
    const plain = sentinelOneToEcs(fileEvent({ "tgt.file.name": "given", "tgt.file.path": "plain" }));
    assert.equal(at(plain, "file.name"), "given");
    assert.equal(at(plain, "file.directory"), undefined);
  });
  test("a path ending with a separator gives no file.name at all", () => {
    const x = sentinelOneToEcs(fileEvent({ "tgt.file.name": "given", "tgt.file.path": "/etc/x/" }));
    assert.equal(at(x, "file.name"), undefined);
    assert.equal(at(x, "file.directory"), "/etc/x");
  });
  test("file.extension: the raw one, derived from the name only when file.type is exactly 'file'", () => {
    assert.equal(at(e, "file.extension"), undefined);
    const raw = sentinelOneToEcs(fileEvent({ "tgt.file.extension": "ps1" }));
    assert.equal(at(raw, "file.extension"), "ps1");
    const typed = sentinelOneToEcs(fileEvent({ "tgt.file.type": "file", "tgt.file.extension": "raw" }));
    assert.equal(at(typed, "file.extension"), "ps1");
    const noDot = sentinelOneToEcs(fileEvent({ "tgt.file.type": "file", "tgt.file.path": "/usr/bin/ls" }));
    assert.equal(at(noDot, "file.extension"), undefined);
  });
  test("src.process.tid is process.thread.id", () => {
    assert.equal(at(sentinelOneToEcs(fileEvent({ "src.process.tid": "12" })), "process.thread.id"), 12);
  });
  test("the writing process is process.* (no target process in file events)", () => {
    assert.equal(at(e, "process.name"), "cmd.exe");
    assert.equal(at(e, "user.name"), "alice");
  });
});

describe("SentinelOne scheduled-task events", () => {
  const e = sentinelOneToEcs(
    s1Base({
      "event.category": "scheduled_task",
      "event.type": "TaskRegister",
      "tgt.file.path": "C:\\Windows\\System32\\Tasks\\Updater",
      "tgt.file.sha256": "t256",
      "tgt.file.size": 10,
      "task.name": "Updater",
    }),
  );
  test("file.* from the task's file, but no category, no type, no name split", () => {
    assert.equal(at(e, "file.path"), "C:\\Windows\\System32\\Tasks\\Updater");
    assert.equal(at(e, "file.hash.sha256"), "t256");
    assert.equal(at(e, "file.size"), 10);
    assert.equal(at(e, "file.name"), undefined);
    assert.equal(at(e, "event.category"), undefined);
    assert.equal(at(e, "event.type"), undefined);
  });
});
