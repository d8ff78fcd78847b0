/** SentinelOne process, cross-process and command-script events. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { sentinelOneToEcs } from "../../src/sources/index.ts";
import { at, s1Base } from "./s1-records.ts";

function processEvent(o: Record<string, unknown> = {}): Record<string, unknown> {
  return s1Base({
    "event.category": "process",
    "event.type": "ProcessCreation",
    "meta.event.name": "PROCESSCREATION",
    "tgt.process.name": "powershell.exe",
    "tgt.process.image.path": "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    "tgt.process.cmdline": '"powershell.exe" -enc  SQBFAFgA',
    "tgt.process.pid": 7777,
    "tgt.process.uid": "TGT-UID",
    "tgt.process.user": "CORP\\bob",
    "tgt.process.displayName": "Windows PowerShell",
    "tgt.process.startTime": 1700000000100,
    "tgt.process.image.md5": "md5-tgt",
    "tgt.process.image.sha1": "sha1-tgt",
    "tgt.process.image.sha256": "sha256-tgt",
    "tgt.process.signedStatus": "signed",
    "tgt.process.verifiedStatus": "verified",
    "tgt.process.publisher": "TGT PUBLISHER",
    ...o,
  });
}

describe("SentinelOne process events", () => {
  const e = sentinelOneToEcs(processEvent());

  test("category process; ProcessCreation (meta PROCESSCREATION) is start, and the action repeats the type", () => {
    assert.deepEqual(at(e, "event.category"), ["process"]);
    assert.deepEqual(at(e, "event.type"), ["start"]);
    assert.deepEqual(at(e, "event.action"), ["start"]);
  });
  test("exit and termination types are end", () => {
    for (const t of ["ProcessExit", "ProcessTermination", "Process Exit", "Process Termination"]) {
      const x = sentinelOneToEcs(processEvent({ "event.type": t, "meta.event.name": "PROCESSTERMINATION" }));
      assert.deepEqual(at(x, "event.type"), ["end"], t);
      assert.deepEqual(at(x, "event.action"), ["end"], t);
    }
  });
  test("other process types get no event.type nor action", () => {
    const x = sentinelOneToEcs(processEvent({ "event.type": "ProcessModification", "meta.event.name": "X" }));
    assert.equal(at(x, "event.type"), undefined);
    assert.equal(at(x, "event.action"), undefined);
  });
  test("the TARGET process is process.*", () => {
    assert.equal(at(e, "process.name"), "powershell.exe");
    assert.equal(
      at(e, "process.executable"),
      "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
    );
    assert.equal(at(e, "process.pid"), 7777);
    assert.equal(at(e, "process.entity_id"), "TGT-UID");
    assert.equal(at(e, "process.title"), "Windows PowerShell");
    assert.equal(at(e, "process.start"), "2023-11-14T22:13:20.100Z");
    assert.deepEqual(at(e, "process.hash"), { md5: "md5-tgt", sha1: "sha1-tgt", sha256: "sha256-tgt" });
    assert.equal(at(e, "process.user.name"), "CORP\\bob");
  });
  test("the target command line keeps its text; only whole-line surrounding quotes would go", () => {
    assert.equal(at(e, "process.command_line"), '"powershell.exe" -enc  SQBFAFgA');
    assert.deepEqual(at(e, "process.args"), ["powershell.exe", "-enc", "SQBFAFgA"]);
    assert.equal(at(e, "process.args_count"), 3);
    const quoted = sentinelOneToEcs(processEvent({ "tgt.process.cmdline": '"C:\\a b\\x.exe"' }));
    assert.equal(at(quoted, "process.command_line"), "C:\\a b\\x.exe");
    assert.deepEqual(at(quoted, "process.args"), ["C:\\a", "b\\x.exe"]);
  });
  test("the SOURCE process becomes process.parent.* (its own parent is dropped)", () => {
    assert.equal(at(e, "process.parent.name"), "cmd.exe");
    assert.equal(at(e, "process.parent.executable"), "C:\\Windows\\System32\\cmd.exe");
    assert.equal(at(e, "process.parent.command_line"), 'cmd.exe /c "echo hi"');
    assert.deepEqual(at(e, "process.parent.args"), ["cmd.exe", "/c", "echo hi"]);
    assert.equal(at(e, "process.parent.pid"), 4321);
    assert.equal(at(e, "process.parent.entity_id"), "SRC-UID");
    assert.equal(at(e, "process.parent.user.name"), "CORP\\alice");
    assert.equal(at(e, "process.parent.parent"), undefined);
    assert.equal(JSON.stringify(at(e, "process.parent")).includes("explorer.exe"), false);
  });
  test("user.* still comes from the source process", () => {
    assert.equal(at(e, "user.name"), "alice");
    assert.equal(at(e, "user.domain"), "CORP");
  });
  test("the target's code signature is set before the move, so it lands on process.parent", () => {
    assert.deepEqual(at(e, "process.parent.code_signature"), {
      exists: true,
      subject_name: "TGT PUBLISHER",
      trusted: true,
    });
    assert.equal(at(e, "process.code_signature"), undefined);
    const unsigned = sentinelOneToEcs(processEvent({ "tgt.process.signedStatus": "unsigned" }));
    assert.equal(at(unsigned, "process.parent.code_signature.exists"), false);
    const noStatus = processEvent();
    delete noStatus["tgt.process.signedStatus"];
    assert.equal(at(sentinelOneToEcs(noStatus), "process.parent.code_signature.exists"), false);
    const untrusted = sentinelOneToEcs(processEvent({ "tgt.process.verifiedStatus": "unverified" }));
    assert.equal(at(untrusted, "process.parent.code_signature.trusted"), false);
  });
  test("tgt.file.sha1 is file.hash.sha1", () => {
    assert.equal(at(sentinelOneToEcs(processEvent({ "tgt.file.sha1": "f1" })), "file.hash.sha1"), "f1");
  });
  test("a target pid that is not a number ends the process pipeline there (pipeline_error)", () => {
    const x = sentinelOneToEcs(processEvent({ "tgt.process.pid": "n/a" }));
    assert.equal(at(x, "event.kind"), "pipeline_error");
    assert.equal(at(x, "process.name"), "powershell.exe");
    assert.equal(at(x, "process.pid"), undefined);
    assert.equal(at(x, "process.entity_id"), undefined);
    assert.equal(at(x, "process.command_line"), undefined);
  });
  test("string pids convert like numbers", () => {
    assert.equal(at(sentinelOneToEcs(processEvent({ "tgt.process.pid": "88" })), "process.pid"), 88);
  });
});

describe("SentinelOne cross-process events", () => {
  const e = sentinelOneToEcs(
    s1Base({
      "event.category": "cross_process",
      "event.type": "OpenRemoteProcessHandle",
      "tgt.process.user": "CORP\\svc",
    }),
  );
  test("category process, type info; the source process stays process.*", () => {
    assert.deepEqual(at(e, "event.category"), ["process"]);
    assert.deepEqual(at(e, "event.type"), ["info"]);
    assert.equal(at(e, "process.name"), "cmd.exe");
    assert.equal(at(e, "process.parent.name"), "explorer.exe");
  });
  test("the target's user is appended to process.user.name", () => {
    assert.deepEqual(at(e, "process.user.name"), ["CORP\\alice", "CORP\\svc"]);
  });
});

describe("SentinelOne command-script events", () => {
  const e = sentinelOneToEcs(
    s1Base({ "event.category": "command_script", "cmdScript.content": "Get-Process", "tgt.file.sha1": "s" }),
  );
  test("category process, type info, the script text for PowerShell rules", () => {
    assert.deepEqual(at(e, "event.category"), ["process"]);
    assert.deepEqual(at(e, "event.type"), ["info"]);
    assert.equal(at(e, "powershell.file.script_block_text"), "Get-Process");
    assert.equal(at(e, "file.hash.sha1"), "s");
  });
  test("'script' contains 'ip', but command scripts are not network events", () => {
    assert.equal(at(e, "network"), undefined);
    assert.notDeepEqual(at(e, "event.category"), ["network"]);
  });
});

describe("SentinelOne Kubernetes container fields", () => {
  const k8s = {
    "k8sCluster.containerId": "c0ffee",
    "k8sCluster.containerImage": "registry.example/app:1.2",
    "k8sCluster.containerImage.sha256": "img256",
    "k8sCluster.containerName": "app",
  };
  test("process, file and network events carry container.*", () => {
    for (const c of ["process", "file", "ip"]) {
      const e = sentinelOneToEcs(s1Base({ "event.category": c, ...k8s }));
      assert.deepEqual(
        at(e, "container"),
        { id: "c0ffee", image: { hash: { all: ["img256"] }, name: "registry.example/app:1.2" }, name: "app" },
        c,
      );
    }
  });
  test("cross-process events only the image hash; other types none", () => {
    const cross = sentinelOneToEcs(s1Base({ "event.category": "cross_process", ...k8s }));
    assert.deepEqual(at(cross, "container"), { image: { hash: { all: ["img256"] } } });
    assert.equal(at(sentinelOneToEcs(s1Base({ "event.category": "dns", ...k8s })), "container"), undefined);
  });
  test("the image name is read from the flat key only (the pipeline renames it before expanding)", () => {
    const nested = sentinelOneToEcs(
      s1Base({ "event.category": "process", k8sCluster: { containerImage: "x", containerId: "id2" } }),
    );
    assert.deepEqual(at(nested, "container"), { id: "id2" });
  });
});
