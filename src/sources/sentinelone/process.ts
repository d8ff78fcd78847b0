/**
 * Process-family event types: `process` (pipeline-process.yml), `cross_process`
 * (pipeline-cross-process.yml) and `command_script` (pipeline-command-script.yml).
 *
 * For process events Elastic moves everything the common part built from the SOURCE process
 * into `process.parent.*` and fills `process.*` from the TARGET process (`tgt.process.*`): a
 * process rule sees the process that was started, with the launcher as its parent. The target's
 * code-signature fields are set before that move, so they land on `process.parent` (as in the
 * pipeline). Cross-process and command-script events keep the source process as `process`.
 */

import { mapContainer } from "./common.ts";
import { toDate, toLong, toStr, trimQuotes } from "./convert.ts";
import { append, child, type Doc, failed, type Obj, put } from "./doc.ts";

const END_TYPES: ReadonlySet<unknown> = new Set([
  "ProcessExit",
  "ProcessTermination",
  "Process Exit",
  "Process Termination",
]);

/** tgt.process.cmdline after the common part's quote trim (which runs only if it got that far). */
function targetCmdline(d: Doc): unknown {
  const v = d.raw.get("tgt.process.cmdline");
  if (typeof v !== "string" || !d.trimTarget) return d.raw.copy("tgt.process.cmdline");
  const t = trimQuotes(v);
  if (failed(t)) {
    d.error = true;
    return v;
  }
  return t === "" ? undefined : t;
}

export function mapProcess(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["process"];
  if (raw.get("meta.event.name") === "PROCESSCREATION") event.type = ["start"];
  if (END_TYPES.has(raw.get("event.type"))) event.type = ["end"];
  if (Array.isArray(event.type)) event.action = [...(event.type as string[])];
  mapContainer(d);

  put(d, child(child(root, "file"), "hash"), "sha1", raw.copy("tgt.file.sha1"));

  const before = child(root, "process");
  const sig = child(before, "code_signature");
  put(d, sig, "subject_name", raw.copy("tgt.process.publisher"));
  sig.exists = raw.get("tgt.process.signedStatus") === "signed";
  const verified = raw.get("tgt.process.verifiedStatus");
  if (verified === "verified") sig.trusted = true;
  if (sig.exists === true && verified !== "verified") sig.trusted = false;

  // remove process.parent; rename process -> process.parent
  const moved: Obj = {};
  for (const k of Object.keys(before)) if (k !== "parent") moved[k] = before[k];
  const process: Obj = { parent: moved };
  root.process = process;

  const tgtUser = raw.copy("tgt.process.user");
  if (typeof tgtUser === "string") append(child(process, "user"), "name", tgtUser);
  put(d, process, "name", raw.copy("tgt.process.name"));
  put(d, process, "executable", raw.copy("tgt.process.image.path"));
  // The common part converts tgt.process.pid to a string; this convert to long has no
  // on_failure of its own, so a bad pid ends the process pipeline here (pipeline_error).
  const pid = toLong(toStr(raw.copy("tgt.process.pid")));
  if (failed(pid)) {
    d.error = true;
    return;
  }
  put(d, process, "pid", pid);
  put(d, process, "entity_id", raw.copy("tgt.process.uid"));
  put(d, process, "command_line", targetCmdline(d));
  const hash = child(process, "hash");
  put(d, hash, "md5", raw.copy("tgt.process.image.md5"));
  put(d, hash, "sha1", raw.copy("tgt.process.image.sha1"));
  put(d, hash, "sha256", raw.copy("tgt.process.image.sha256"));
  const real = child(process, "real_user");
  put(d, real, "id", toStr(raw.copy("tgt.process.rUserUid")));
  put(d, real, "name", raw.copy("tgt.process.rUserName"));
  put(d, process, "start", toDate(raw.get("tgt.process.startTime")));
  put(d, process, "title", raw.copy("tgt.process.displayName"));
  const user = child(process, "user");
  put(d, user, "id", toStr(raw.copy("tgt.process.eUserUid")));
  put(d, user, "name", tgtUser);
}

export function mapCrossProcess(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["process"];
  event.type = ["info"];
  const sha = raw.copy("k8sCluster.containerImage.sha256");
  if (typeof sha === "string") append(child(child(child(root, "container"), "image"), "hash"), "all", sha);
  // The target's user is appended to the source's: process.user.name lists both.
  const tgtUser = raw.copy("tgt.process.user");
  if (typeof tgtUser === "string") append(child(child(root, "process"), "user"), "name", tgtUser);
}

export function mapCommandScript(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.category = ["process"];
  event.type = ["info"];
  put(d, child(child(root, "file"), "hash"), "sha1", raw.copy("tgt.file.sha1"));
  put(d, child(child(root, "powershell"), "file"), "script_block_text", raw.copy("cmdScript.content"));
}
