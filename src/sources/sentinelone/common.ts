/**
 * The part of Elastic's `sentinel_one_cloud_funnel` pipeline (default.yml) that runs for every
 * event type, in the pipeline's order (later `set`s override earlier ones, so order matters):
 * time, ids, host, the source process (`src.process.*` -> `process.*`, its parent ->
 * `process.parent.*`), the user and its DOMAIN\name split, code signature, login/logout target
 * user, threat indicator text.
 */
import { toDate, toLong, toStr, trimQuotes } from "./convert.ts";
import { append, child, type Doc, failed, put } from "./doc.ts";

/** `endpoint.os` values copied to host.os.type (exact, case-sensitive, as the pipeline's list). */
const OS_TYPES: ReadonlySet<unknown> = new Set(["linux", "windows", "macos", "ios", "android"]);

export function mapCommon(d: Doc): void {
  const { raw, root } = d;
  const event = child(root, "event");
  event.kind = "event";

  put(d, root, "@timestamp", toDate(raw.get("event.time")));

  const destUser = (): ReturnType<typeof child> => child(child(root, "destination"), "user");
  const logoutName = raw.copy("event.logout.tgt.user.name");
  if (logoutName !== undefined) destUser().name = logoutName;
  const loginDomain = raw.copy("event.login.tgt.domainName");
  if (loginDomain !== undefined) destUser().domain = loginDomain;
  const logoutDomain = raw.copy("event.logout.tgt.domainName");
  if (logoutDomain !== undefined) destUser().domain = logoutDomain;
  const loginName = raw.copy("event.login.tgt.user.name");
  if (loginName !== undefined) destUser().name = loginName;

  put(d, event, "id", raw.copy("event.id"));
  put(d, child(root, "file"), "name", raw.copy("tgt.file.name"));
  put(d, child(root, "group"), "id", raw.copy("group.id"));

  const host = child(root, "host");
  put(d, host, "hostname", raw.copy("endpoint.name"));
  const os = child(host, "os");
  put(d, os, "name", raw.copy("os.name"));
  const endpointOs = raw.copy("endpoint.os");
  put(d, os, "platform", endpointOs);
  if (OS_TYPES.has(endpointOs)) os.type = endpointOs;
  put(d, host, "type", raw.copy("endpoint.type"));

  const process = child(root, "process");
  put(d, process, "command_line", raw.copy("src.process.cmdline"));
  put(d, process, "executable", raw.copy("src.process.image.path"));
  const hash = child(process, "hash");
  put(d, hash, "md5", raw.copy("src.process.image.md5"));
  put(d, hash, "sha1", raw.copy("src.process.image.sha1"));
  put(d, hash, "sha256", raw.copy("src.process.image.sha256"));
  put(d, process, "name", raw.copy("src.process.name"));

  const parent = child(process, "parent");
  // The pipeline strips one pair of surrounding quotes from the parent's command line (and the
  // target's, see process.ts), not from the source process's own.
  const parentCmd = raw.get("src.process.parent.cmdline");
  let parentCmdOk = true;
  if (typeof parentCmd === "string") {
    const t = trimQuotes(parentCmd);
    if (failed(t)) {
      // The script throws and stops before trimming tgt.process.cmdline too.
      d.error = true;
      parentCmdOk = false;
      put(d, parent, "command_line", raw.copy("src.process.parent.cmdline"));
    } else if (t !== "") parent.command_line = t;
  } else put(d, parent, "command_line", raw.copy("src.process.parent.cmdline"));
  d.trimTarget = parentCmdOk;

  const parentHash = child(parent, "hash");
  // md5 comes from osSrc.process.parent (the pipeline's own choice; src.process.parent.image.md5
  // only reaches related.hash).
  put(d, parentHash, "md5", raw.copy("osSrc.process.parent.image.md5"));
  put(d, parentHash, "sha1", raw.copy("src.process.parent.image.sha1"));
  put(d, parentHash, "sha256", raw.copy("src.process.parent.image.sha256"));
  put(d, parent, "name", raw.copy("src.process.parent.name"));
  put(d, parent, "pid", longUnlessEmpty(d, "src.process.parent.pid"));
  const parentReal = child(parent, "real_user");
  put(d, parentReal, "id", stringUnlessEmpty(d, "src.process.parent.rUserUid"));
  put(d, parentReal, "name", raw.copy("src.process.parent.rUserName"));
  put(d, parent, "start", toDate(raw.get("src.process.parent.startTime")));
  put(d, parent, "title", raw.copy("src.process.parent.displayName"));
  const parentUser = child(parent, "user");
  put(d, parentUser, "id", stringUnlessEmpty(d, "src.process.parent.eUserUid"));
  put(d, parentUser, "name", raw.copy("src.process.parent.eUserName"));
  put(d, parentUser, "name", raw.copy("src.process.parent.user"));

  put(d, process, "pid", longUnlessEmpty(d, "src.process.pid"));
  const real = child(process, "real_user");
  put(d, real, "id", stringUnlessEmpty(d, "src.process.rUserUid"));
  put(d, real, "name", raw.copy("src.process.rUserName"));
  put(d, process, "start", toDate(raw.get("src.process.startTime")));
  put(d, process, "title", raw.copy("src.process.displayName"));
  const puser = child(process, "user");
  put(d, puser, "id", stringUnlessEmpty(d, "src.process.eUserUid"));

  // user.name and user.domain both start as src.process.user; a backslash splits DOMAIN\name
  // at the first backslash (dissect), so a user without one keeps it in both fields.
  const srcUser = raw.copy("src.process.user");
  if (srcUser !== undefined) {
    puser.name = srcUser;
    const user = child(root, "user");
    user.name = srcUser;
    user.domain = srcUser;
    if (typeof srcUser === "string") {
      const cut = srcUser.indexOf("\\");
      if (cut >= 0) {
        user.domain = srcUser.slice(0, cut);
        user.name = srcUser.slice(cut + 1);
      }
    }
  }
  put(d, puser, "name", raw.copy("src.process.eUserName"));

  const indicator = child(child(root, "threat"), "indicator");
  put(d, indicator, "description", raw.copy("tiIndicator.description"));
  put(d, indicator, "reference", raw.copy("tiIndicator.references"));
  const tactics = raw.copy("tiIndicator.mitreTactics");
  if (typeof tactics === "string") append(child(child(root, "threat"), "tactic"), "name", tactics);

  put(d, host, "id", raw.copy("agent.uuid"));
  put(d, parent, "executable", raw.copy("src.process.parent.image.path"));
  put(d, parent, "entity_id", raw.copy("src.process.parent.uid"));
  const tid = longUnlessEmpty(d, "src.process.tid");
  if (tid !== undefined) child(process, "thread").id = tid;

  const signed = raw.get("src.process.signedStatus");
  const sig = child(process, "code_signature");
  if (signed === "signed") sig.exists = true;
  if (signed === "unsigned") sig.exists = false;
  put(d, process, "entity_id", raw.copy("src.process.uid"));
  put(d, sig, "subject_name", raw.copy("src.process.publisher"));
  // `contains('verified')`: "unverified" counts as verified too, exactly as in the pipeline.
  const verified = raw.get("src.process.verifiedStatus");
  if (typeof verified === "string" && verified.includes("verified")) sig.trusted = true;
  if (sig.exists === true && sig.trusted === undefined) sig.trusted = false;
}

/** `convert` to long guarded by `if: value != ''`, with an on_failure that records the error. */
export function longUnlessEmpty(d: Doc, path: string): number | number[] | undefined {
  const v = d.raw.copy(path);
  const n = toLong(v);
  if (failed(n)) {
    d.error = true;
    return undefined;
  }
  return n;
}

export function stringUnlessEmpty(d: Doc, path: string): string | string[] | undefined {
  return toStr(d.raw.copy(path));
}

/**
 * Kubernetes container fields, set by the process, file and network-action pipelines.
 * `k8sCluster.containerImage` is read in its flat spelling only: the pipeline renames that key
 * before expanding dotted keys, so a nested spelling never reaches container.image.name.
 */
export function mapContainer(d: Doc): void {
  const { raw, root } = d;
  const container = child(root, "container");
  put(d, container, "id", raw.copy("k8sCluster.containerId"));
  const sha = raw.copy("k8sCluster.containerImage.sha256");
  if (typeof sha === "string") append(child(child(container, "image"), "hash"), "all", sha);
  put(d, child(container, "image"), "name", raw.flatCopy("k8sCluster.containerImage"));
  put(d, container, "labels", raw.copy("k8sCluster.containerLabels"));
  put(d, container, "name", raw.copy("k8sCluster.containerName"));
}
