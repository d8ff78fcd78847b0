import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { fieldValues } from "../../src/document/index.ts";
import { endgameToEcs, toEcs } from "../../src/sources/index.ts";
import { readRecords, snapshot } from "./helpers.ts";

const v = (event: unknown, path: string) => fieldValues(event, path);

describe("Endgame", () => {
  test("an ECS Endgame document is its own view (no copy)", () => {
    const r = {
      event: { module: "endgame", category: "file", type: "creation" },
      file: { path: "/etc/x/y", name: "y" },
      process: { name: "bash" },
    };
    assert.equal(endgameToEcs(r), r);
  });

  test("legacy endgame.file_path fills file.path and its basename file.name", () => {
    const r = { event: { module: "endgame" }, endgame: { file_path: "/etc/NetworkManager/dispatcher.d/a" } };
    const e = endgameToEcs(r);
    assert.deepEqual(v(e, "file.path"), ["/etc/NetworkManager/dispatcher.d/a"]);
    assert.deepEqual(v(e, "file.name"), ["a"]);
  });

  test("legacy endgame.file_name wins over the basename", () => {
    const r = { event: { module: "endgame" }, endgame: { file_path: "C:\\t\\x.tmp", file_name: "given" } };
    assert.deepEqual(v(endgameToEcs(r), "file.name"), ["given"]);
  });

  test("basename of a Windows path cuts at the last backslash", () => {
    const r = { event: { module: "endgame" }, endgame: { file_path: "C:\\Windows\\TEMP\\tmp1" } };
    assert.deepEqual(v(endgameToEcs(r), "file.name"), ["tmp1"]);
  });

  test("legacy endgame.process_name fills process.name", () => {
    const r = { event: { module: "endgame" }, endgame: { process_name: "sed" } };
    assert.deepEqual(v(endgameToEcs(r), "process.name"), ["sed"]);
  });

  test("native ECS fields win over legacy ones", () => {
    const r = {
      event: { module: "endgame" },
      file: { path: "/native/p", name: "n" },
      process: { name: "native" },
      endgame: { file_path: "/legacy/p", file_name: "l", process_name: "legacy" },
    };
    const e = endgameToEcs(r);
    assert.deepEqual(v(e, "file.path"), ["/native/p"]);
    assert.deepEqual(v(e, "file.name"), ["n"]);
    assert.deepEqual(v(e, "process.name"), ["native"]);
  });

  test("native file.path without file.name: the name comes from the native path", () => {
    const r = { event: { module: "endgame" }, file: { path: "/etc/a/b" } };
    assert.deepEqual(v(endgameToEcs(r), "file.name"), ["b"]);
  });

  test("null ECS fields count as absent", () => {
    const r = { event: { module: "endgame" }, file: { path: null }, endgame: { file_path: "/l/p" } };
    assert.deepEqual(v(endgameToEcs(r), "file.path"), ["/l/p"]);
  });

  test("the record is never mutated and hostile keys stay data", () => {
    const r = JSON.parse(
      '{"event":{"module":"endgame"},"__proto__":{"polluted":1},"endgame":{"file_path":"/a/b","__proto__":{"x":1}}}',
    ) as Record<string, unknown>;
    const before = snapshot(r);
    const e = endgameToEcs(r);
    assert.equal(snapshot(r), before);
    assert.notEqual(e, r);
    assert.equal(({} as Record<string, unknown>)["polluted"], undefined);
    assert.equal(Object.getPrototypeOf(e), Object.prototype);
    assert.deepEqual(v(e, "file.path"), ["/a/b"]);
  });

  test("Kibana's demo Endgame documents (legacy shape, array values)", () => {
    const [create, del] = readRecords("endgame_kibana_demo.ndjson");
    const c = toEcs(create!, "auto");
    assert.equal(c.source, "endgame");
    assert.deepEqual(v(c.event, "file.name"), ["63d78c21-e593-4484-b7a9-db33cd522ddc.tmp"]);
    assert.deepEqual(v(c.event, "process.name"), ["chrome.exe"]);
    const d = toEcs(del!, "auto");
    assert.deepEqual(v(d.event, "file.name"), ["tmp000002f6"]);
    assert.deepEqual(v(d.event, "file.path"), ["C:\\Windows\\TEMP\\tmp00000404\\tmp000002f6"]);
    assert.deepEqual(v(d.event, "process.name"), ["AmSvc.exe"]);
  });
});
